//! Starting, running and stopping the whole cloud in one process.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use azsim_arm::{ArmConfig, ArmState};
use azsim_core::SharedClock;
use azsim_entra::{TokenService, TokenServiceConfig};
use azsim_http::ServerHandle;
use azsim_imds::{AgentConfig, ImdsFleet};
use azsim_msrp::Msrp;
use azsim_rbac::Authorizer;
use azsim_store::Store;
use azsim_store::events::StoreEventSink;
use azsim_vault::{VaultConfig, VaultService};
use tokio::net::TcpListener;
use tokio::sync::watch;
use url::Url;

use crate::bootstrap::{self, CloudIdentity};
use crate::tls::{self, CloudTls};
use crate::{
    AdminCredentials, CA_KEY_FILE, CloudConfig, CloudError, DATABASE_FILE, ENDPOINTS_FILE,
    Endpoints, data_dir,
};

/// A running cloud. Dropping it without [`Cloud::shutdown`] aborts its servers.
#[derive(Debug)]
pub struct Cloud {
    config: CloudConfig,
    store: Store,
    events: StoreEventSink,
    msrp: Msrp,
    vaults: VaultService,
    token_service: TokenService,
    identity: CloudIdentity,
    endpoints: Endpoints,
    servers: Vec<ServerHandle>,
    background: Vec<tokio::task::JoinHandle<()>>,
    shutdown: watch::Sender<bool>,
    startup_time: Duration,
    tls: Option<CloudTls>,
}

impl Cloud {
    /// Starts every component: opens (or creates) the store, bootstraps the tenant on first
    /// start, prepares HTTPS (the CA in the data directory, created on first start, and a fresh
    /// server certificate), binds the listeners, brings back the metadata agents of existing
    /// VMs and the listeners of existing vaults, and writes `endpoints.json` once everything is
    /// ready.
    pub async fn start(config: CloudConfig) -> Result<Self, CloudError> {
        let started = Instant::now();
        data_dir::prepare(&config.data_dir, &[ENDPOINTS_FILE, CA_KEY_FILE])?;
        let database = config.data_dir.join(DATABASE_FILE);
        let store = Store::open(&database).await?;
        let clock: SharedClock = config.clock.clone();
        // The administrator's secret is only in the last endpoints file; a file that is
        // missing or unreadable means a new secret (bootstrap logs it).
        let previous = Endpoints::read(&config.data_dir).ok();
        let previous_secret = previous
            .as_ref()
            .map(|endpoints| endpoints.admin.client_secret.as_str());
        let identity = bootstrap::ensure(&store, &clock, previous_secret).await?;
        let events = StoreEventSink::spawn(store.clone(), clock.clone());
        let shared_events: azsim_core::SharedEventSink = Arc::new(events.clone());

        let tls = if config.insecure_http {
            None
        } else {
            Some(tls::prepare(&config.data_dir, config.bind_host, &clock)?)
        };
        let scheme = if tls.is_some() { "https" } else { "http" };

        let token_listener = bind(&config, config.token_service_port, "token service").await?;
        let arm_listener = bind(&config, config.resource_manager_port, "resource API").await?;
        let authority_host = listener_url(&token_listener, scheme, "token service")?;
        let resource_manager = listener_url(&arm_listener, scheme, "resource API")?;

        let token_service = TokenService::new(
            store.clone(),
            clock.clone(),
            shared_events.clone(),
            TokenServiceConfig {
                public_base_url: authority_host.clone(),
            },
        )
        .await
        .map_err(CloudError::TokenService)?;
        let fleet = ImdsFleet::new(
            AgentConfig {
                authority_host: authority_host.clone(),
                bind_host: config.bind_host,
                ca_certificate_pem: tls.as_ref().map(|tls| tls.ca_pem.clone()),
            },
            clock.clone(),
            shared_events.clone(),
        );
        let msrp = Msrp::new(
            store.clone(),
            clock.clone(),
            shared_events.clone(),
            fleet,
            config.msrp,
        )
        .await
        .map_err(CloudError::Msrp)?;
        let authorizer = Authorizer::new(store.clone());
        let vaults = VaultService::new(
            store.clone(),
            clock.clone(),
            shared_events.clone(),
            token_service.validator(),
            authorizer.clone(),
            VaultConfig {
                bind_host: config.bind_host,
                tls: tls.as_ref().map(|tls| tls.server.clone()),
                authority_host: authority_host.clone(),
            },
        );
        let arm = ArmState::new(
            store.clone(),
            clock.clone(),
            shared_events.clone(),
            token_service.validator(),
            msrp.clone(),
            authorizer,
            vaults.clone(),
            ArmConfig {
                public_base_url: resource_manager.clone(),
            },
        );

        let (shutdown, _) = watch::channel(false);
        let mut servers = Vec::new();
        for (router, listener, service) in [
            (token_service.router(), token_listener, "token service"),
            (azsim_arm::router(arm), arm_listener, "resource API"),
        ] {
            let address = listener
                .local_addr()
                .map(|address| address.to_string())
                .unwrap_or_default();
            let served = match &tls {
                Some(tls) => {
                    azsim_http::serve_tls(router, listener, tls.server.clone(), stopped(&shutdown))
                }
                None => azsim_http::serve(router, listener, stopped(&shutdown)),
            };
            let server = served.map_err(|source| CloudError::Bind {
                service,
                address,
                source,
            })?;
            servers.push(server);
        }

        let restored = msrp.restore_agents().await.map_err(CloudError::Msrp)?;
        let vaults_served = vaults.restore_vaults().await.map_err(CloudError::Vaults)?;
        let mut background = Vec::new();
        if config.roll_certificates_in_background {
            background.push(tokio::spawn(roll_certificates(
                msrp.clone(),
                stopped(&shutdown),
            )));
        }

        let endpoints = Endpoints {
            resource_manager: trim(&resource_manager),
            authority_host: trim(&authority_host),
            tenant_id: identity.tenant_id.clone(),
            subscription_id: identity.subscription_id.clone(),
            admin: AdminCredentials {
                client_id: identity.admin_client_id.clone(),
                client_secret: identity.admin_client_secret.clone(),
            },
            token_endpoint: format!(
                "{}/{}/oauth2/v2.0/token",
                trim(&authority_host),
                identity.tenant_id
            ),
            openid_configuration: format!(
                "{}/{}/v2.0/.well-known/openid-configuration",
                trim(&authority_host),
                identity.tenant_id
            ),
            ca_bundle: tls.as_ref().map(|tls| tls.ca_path.display().to_string()),
            database: database.display().to_string(),
            pid: std::process::id(),
        };
        endpoints.write(&config.data_dir)?;
        let startup_time = started.elapsed();
        tracing::info!(
            resource_manager = %endpoints.resource_manager,
            authority_host = %endpoints.authority_host,
            agents = restored,
            vaults = vaults_served,
            startup_ms = startup_time.as_millis() as u64,
            "cloud ready"
        );
        Ok(Self {
            config,
            store,
            events,
            msrp,
            vaults,
            token_service,
            identity,
            endpoints,
            servers,
            background,
            shutdown,
            startup_time,
            tls,
        })
    }

    /// Where everything listens and how to sign in (also in `endpoints.json`).
    pub fn endpoints(&self) -> &Endpoints {
        &self.endpoints
    }

    /// The tenant, subscription and administrator.
    pub fn identity(&self) -> &CloudIdentity {
        &self.identity
    }

    /// The store (for tests that check what it holds, and for the CLI's read-only views).
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The clock every component reads.
    pub fn clock(&self) -> &SharedClock {
        &self.config.clock
    }

    /// The managed-identity provider (certificate rollover, agent addresses).
    pub fn msrp(&self) -> &Msrp {
        &self.msrp
    }

    /// The Key Vault data plane (which vaults are being served, and where).
    pub fn vaults(&self) -> &VaultService {
        &self.vaults
    }

    /// The token service.
    pub fn token_service(&self) -> &TokenService {
        &self.token_service
    }

    /// The data directory.
    pub fn data_dir(&self) -> &std::path::Path {
        &self.config.data_dir
    }

    /// The CA certificate (PEM) the HTTPS listeners chain to; `None` in plain-HTTP mode.
    pub fn ca_certificate_pem(&self) -> Option<&str> {
        self.tls.as_ref().map(|tls| tls.ca_pem.as_str())
    }

    /// How long [`Cloud::start`] took until every listener was ready.
    pub fn startup_time(&self) -> Duration {
        self.startup_time
    }

    /// The address of a VM's metadata agent, by the VM's `vmId`.
    pub async fn agent_address(&self, vm_id: &str) -> Option<SocketAddr> {
        self.msrp.fleet().agent_address(vm_id).await
    }

    /// Waits until every flow event recorded so far is in the store.
    pub async fn flush_events(&self) {
        self.events.flush().await;
    }

    /// Stops gracefully, in bounded time at any load: every listener (resource API, token
    /// service, agents, vaults) stops accepting at once and closes its idle keep-alive
    /// connections, open requests get `azsim_http::limits::STOP_GRACE` to finish, then the
    /// event queue (bounded) is written out, with its summary of unrecorded cache hits, and
    /// the database is closed.
    pub async fn shutdown(mut self) {
        let started = Instant::now();
        let _ = self.shutdown.send(true);
        let servers = async {
            for server in self.servers.drain(..) {
                if let Err(error) = server.stopped().await {
                    tracing::warn!(
                        error = &error as &dyn std::error::Error,
                        "server stopped with an error"
                    );
                }
            }
            for task in self.background.drain(..) {
                let _ = task.await;
            }
        };
        // All at once: each waits at most its grace, so the stop takes one grace, not one
        // per listener.
        tokio::join!(
            servers,
            self.msrp.fleet().stop_all(),
            self.vaults.stop_all_vaults()
        );
        self.events.flush().await;
        self.store.close().await;
        tracing::info!(
            stop_ms = started.elapsed().as_millis() as u64,
            unrecorded_cache_hits = self.events.unrecorded_cache_hits(),
            "cloud stopped"
        );
    }
}

impl Drop for Cloud {
    fn drop(&mut self) {
        for server in &self.servers {
            server.abort();
        }
        for task in &self.background {
            task.abort();
        }
        self.vaults.abort_all_vaults();
    }
}

/// A future that completes when the shutdown flag is raised.
fn stopped(
    shutdown: &watch::Sender<bool>,
) -> impl std::future::Future<Output = ()> + Send + 'static {
    let mut receiver = shutdown.subscribe();
    async move {
        let _ = receiver.wait_for(|stop| *stop).await;
    }
}

async fn bind(
    config: &CloudConfig,
    port: u16,
    service: &'static str,
) -> Result<TcpListener, CloudError> {
    let address = SocketAddr::new(config.bind_host, port);
    TcpListener::bind(address)
        .await
        .map_err(|source| CloudError::Bind {
            service,
            address: address.to_string(),
            source,
        })
}

/// The base URL a bound listener is reachable at, with `scheme` (`https` or `http`).
fn listener_url(
    listener: &TcpListener,
    scheme: &str,
    service: &'static str,
) -> Result<Url, CloudError> {
    let address = listener.local_addr().map_err(|source| CloudError::Bind {
        service,
        address: "(bound listener)".into(),
        source,
    })?;
    // A socket address always forms a valid URL authority.
    Ok(Url::parse(&format!("{scheme}://{address}")).expect("a socket address is a valid URL host"))
}

fn trim(url: &Url) -> String {
    url.as_str().trim_end_matches('/').to_owned()
}

/// Checks once a minute for identity certificates due to be rolled.
async fn roll_certificates(msrp: Msrp, shutdown: impl std::future::Future<Output = ()>) {
    let mut interval = tokio::time::interval(Duration::from_secs(60));
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            _ = &mut shutdown => return,
            _ = interval.tick() => {
                if let Err(error) = msrp.roll_due_certificates().await {
                    tracing::error!(error = &error as &dyn std::error::Error, "certificate rollover failed");
                }
            }
        }
    }
}
