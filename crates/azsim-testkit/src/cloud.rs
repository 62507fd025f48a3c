//! Starting, restarting and stopping a fake cloud for one test.

use std::path::Path;
use std::sync::Arc;

use azsim_cloud::{Cloud, CloudConfig};
use azsim_core::ManualClock;
use tempfile::TempDir;

/// A cloud for one test: its data directory is deleted when the test ends (kept, and its path
/// printed, when the test fails, so the database can be inspected).
#[derive(Debug)]
pub struct FakeCloud {
    cloud: Option<Cloud>,
    clock: Arc<ManualClock>,
    dir: Option<TempDir>,
    http: reqwest::Client,
}

impl FakeCloud {
    /// Starts a fresh cloud in a new temporary directory with a manual clock reading now.
    pub async fn start() -> Self {
        crate::init_test_logging();
        let dir = tempfile::Builder::new()
            .prefix("azsim-test-")
            .tempdir()
            .expect("temporary directory");
        let clock = Arc::new(ManualClock::starting_now());
        let cloud = start_cloud(dir.path(), &clock).await;
        // The CA is kept across restarts, so one client serves the cloud's whole life.
        let http = http_client(cloud.ca_certificate_pem());
        Self {
            cloud: Some(cloud),
            clock,
            dir: Some(dir),
            http,
        }
    }

    /// Stops the cloud gracefully and starts it again on the same data directory and clock.
    pub async fn restart(&mut self) {
        if let Some(cloud) = self.cloud.take() {
            cloud.shutdown().await;
        }
        let dir = self
            .dir
            .as_ref()
            .expect("data directory")
            .path()
            .to_path_buf();
        self.cloud = Some(start_cloud(&dir, &self.clock).await);
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

async fn start_cloud(dir: &Path, clock: &Arc<ManualClock>) -> Cloud {
    Cloud::start(CloudConfig::for_testing(dir, clock.clone()))
        .await
        .expect("the cloud starts")
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
