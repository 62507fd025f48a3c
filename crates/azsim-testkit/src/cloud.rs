//! Starting, restarting and stopping a fake cloud for one test, and the builder that chooses
//! how it starts.

use std::path::Path;
use std::sync::Arc;

use azsim_cloud::{Cloud, CloudConfig};
use azsim_core::{Clock, FlowEvent, ManualClock};
use tempfile::TempDir;
use time::OffsetDateTime;

use crate::fixtures::{self, Client};

/// The tenant [`FakeCloudBuilder::with_foreign_tenant`] adds, which the cloud's subscription
/// does not trust.
pub const FOREIGN_TENANT_ID: &str = "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b";

type Customize = Box<dyn FnOnce(&mut CloudConfig) + Send>;

/// How a [`FakeCloud`] starts: `FakeCloud::builder().insecure_http().with_foreign_tenant()
/// .start().await`. Every option is off by default, which is what [`FakeCloud::start`] gives.
#[must_use]
pub struct FakeCloudBuilder {
    insecure_http: bool,
    foreign_tenant: bool,
    clock_start: Option<OffsetDateTime>,
    customize: Vec<Customize>,
}

impl std::fmt::Debug for FakeCloudBuilder {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("FakeCloudBuilder")
            .field("insecure_http", &self.insecure_http)
            .field("foreign_tenant", &self.foreign_tenant)
            .field("clock_start", &self.clock_start)
            .field("customize", &self.customize.len())
            .finish()
    }
}

impl FakeCloudBuilder {
    /// Serves the resource API, the token service and the vaults in plain HTTP (`azsim up
    /// --insecure-http`), so URLs are `http://127.0.0.1:PORT`.
    pub fn insecure_http(mut self) -> Self {
        self.insecure_http = true;
        self
    }

    /// Adds a second tenant, [`FOREIGN_TENANT_ID`], that the subscription does not trust, with
    /// an application in it ([`FakeCloud::foreign_client`]).
    pub fn with_foreign_tenant(mut self) -> Self {
        self.foreign_tenant = true;
        self
    }

    /// Starts the manual clock at `start` instead of now.
    pub fn clock_starting_at(mut self, start: OffsetDateTime) -> Self {
        self.clock_start = Some(start);
        self
    }

    /// Changes the cloud's configuration before it starts (MSRP's certificate policy, say).
    /// May be given more than once; the changes apply in order.
    pub fn configure(mut self, change: impl FnOnce(&mut CloudConfig) + Send + 'static) -> Self {
        self.customize.push(Box::new(change));
        self
    }

    /// Starts the cloud in a new temporary directory.
    pub async fn start(self) -> FakeCloud {
        crate::init_test_logging();
        let dir = tempfile::Builder::new()
            .prefix("azsim-test-")
            .tempdir()
            .expect("temporary directory");
        let clock = Arc::new(match self.clock_start {
            Some(start) => ManualClock::new(start),
            None => ManualClock::starting_now(),
        });
        let mut config = CloudConfig::for_testing(dir.path(), clock.clone());
        config.insecure_http = self.insecure_http;
        for change in self.customize {
            change(&mut config);
        }
        let cloud = Cloud::start(config.clone())
            .await
            .expect("the cloud starts");
        // The CA is kept across restarts, so one client serves the cloud's whole life.
        let http = http_client(cloud.ca_certificate_pem());
        let admin = admin_client(&cloud).await;
        let foreign = if self.foreign_tenant {
            let now = clock.unix_seconds();
            Some(
                fixtures::seed_client(cloud.store(), FOREIGN_TENANT_ID, "fabrikam.example", now)
                    .await,
            )
        } else {
            None
        };
        FakeCloud {
            cloud: Some(cloud),
            config,
            clock,
            dir: Some(dir),
            http,
            admin,
            foreign,
        }
    }
}

/// A cloud for one test: its data directory is deleted when the test ends (kept, and its path
/// printed, when the test fails, so the database can be inspected).
#[derive(Debug)]
pub struct FakeCloud {
    cloud: Option<Cloud>,
    config: CloudConfig,
    clock: Arc<ManualClock>,
    dir: Option<TempDir>,
    http: reqwest::Client,
    admin: Client,
    foreign: Option<Client>,
}

impl FakeCloud {
    /// Starts a fresh cloud in a new temporary directory with a manual clock reading now,
    /// serving HTTPS: `FakeCloud::builder().start()`.
    pub async fn start() -> Self {
        Self::builder().start().await
    }

    /// A builder for a cloud with options.
    pub fn builder() -> FakeCloudBuilder {
        FakeCloudBuilder {
            insecure_http: false,
            foreign_tenant: false,
            clock_start: None,
            customize: Vec::new(),
        }
    }

    /// Stops the cloud gracefully and starts it again on the same data directory, clock and
    /// configuration.
    pub async fn restart(&mut self) {
        if let Some(cloud) = self.cloud.take() {
            cloud.shutdown().await;
        }
        self.cloud = Some(
            Cloud::start(self.config.clone())
                .await
                .expect("the cloud starts again"),
        );
    }

    /// The running cloud.
    pub fn cloud(&self) -> &Cloud {
        self.cloud.as_ref().expect("the cloud is running")
    }

    /// The manual clock every component reads; advance it to expire tokens.
    pub fn clock(&self) -> &ManualClock {
        &self.clock
    }

    /// An HTTP client that never goes through a proxy and trusts the cloud's CA (besides the
    /// system's roots), as a user's client configured with `REQUESTS_CA_BUNDLE` does.
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// The data directory.
    pub fn data_dir(&self) -> &Path {
        self.dir.as_ref().expect("data directory").path()
    }

    /// The tenant the cloud's subscription trusts.
    pub fn tenant_id(&self) -> String {
        self.cloud().endpoints().tenant_id.clone()
    }

    /// The bootstrap administrator (Owner of the subscription) as a client.
    pub fn admin(&self) -> &Client {
        &self.admin
    }

    /// The application of the foreign tenant.
    ///
    /// # Panics
    /// Unless the cloud was built [`FakeCloudBuilder::with_foreign_tenant`].
    pub fn foreign_client(&self) -> &Client {
        self.foreign
            .as_ref()
            .expect("the cloud was built with_foreign_tenant()")
    }

    /// Registers a new application in the cloud's tenant, with a client secret and no role.
    pub async fn register_application(&self) -> Client {
        fixtures::seed_application(
            self.cloud().store(),
            &self.tenant_id(),
            "test application",
            self.clock.unix_seconds(),
        )
        .await
    }

    /// Every flow event the cloud has recorded so far, oldest first (read from its event log).
    pub async fn flow_events(&self) -> Vec<FlowEvent> {
        self.cloud().flush_events().await;
        let mut conn = self
            .cloud()
            .store()
            .read()
            .await
            .expect("a store connection");
        azsim_store::events::list_events(&mut conn, 0, i64::MAX)
            .await
            .expect("the event log reads")
            .into_iter()
            .map(|stored| stored.event)
            .collect()
    }

    /// Stops the cloud gracefully.
    pub async fn stop(mut self) {
        if let Some(cloud) = self.cloud.take() {
            cloud.shutdown().await;
        }
    }
}

impl Drop for FakeCloud {
    fn drop(&mut self) {
        if std::thread::panicking()
            && let Some(dir) = self.dir.take()
        {
            let kept = dir.keep();
            eprintln!(
                "test failed; the cloud's data is kept in {}",
                kept.display()
            );
        }
    }
}

/// The administrator of the endpoints, with its principal's object id from the directory.
async fn admin_client(cloud: &Cloud) -> Client {
    let endpoints = cloud.endpoints();
    let mut conn = cloud.store().read().await.expect("a store connection");
    let principal = azsim_store::directory::find_service_principal_by_app_id(
        &mut conn,
        &endpoints.tenant_id,
        &endpoints.admin.client_id,
    )
    .await
    .expect("the directory answers")
    .expect("the administrator's principal exists");
    Client {
        tenant_id: endpoints.tenant_id.clone(),
        client_id: endpoints.admin.client_id.clone(),
        object_id: principal.object_id,
        secret: endpoints.admin.client_secret.clone(),
    }
}

fn http_client(ca_certificate_pem: Option<&str>) -> reqwest::Client {
    let mut builder = reqwest::Client::builder().no_proxy();
    if let Some(pem) = ca_certificate_pem {
        builder = builder.add_root_certificate(
            reqwest::Certificate::from_pem(pem.as_bytes()).expect("the cloud's CA is valid PEM"),
        );
    }
    builder.build().expect("an HTTP client")
}
