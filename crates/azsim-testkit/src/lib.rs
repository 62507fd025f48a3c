//! A fresh fake cloud per test.
//!
//! [`FakeCloud::start`] runs the real cloud (the same [`azsim_cloud::Cloud`] that `azsim up`
//! runs) in-process on free loopback ports, over a SQLite file in a temporary directory, with
//! a [`azsim_core::ManualClock`] the test moves. Helpers are named after the API operations
//! they call and return raw responses, so tests assert on status codes and bodies.
//!
//! # Layout
//! - [`FakeCloud`]: start (or [`FakeCloud::builder`] for options), restart, stop; the clock,
//!   the administrator, the recorded flow events.
//! - [`fixtures`]: an event recorder, applications, tenants and certificates, for these and
//!   for single-service tests.
//! - [`ApiResponse`]: a status, headers and a JSON body.
//! - [`arm`]: resource API helpers.
//! - [`imds`]: metadata agent helpers.
//! - [`tokens`]: getting and verifying tokens.
//! - [`authorization`]: role assignments.
//! - [`vault`]: vaults and their secrets.
//! - `FakeCloud::register_application_with_certificate`: applications with a certificate
//!   credential, for client assertions.

//!
//! # Features
//! - `cloud` (default): everything above. Without it only [`fixtures`] is built, for the
//!   single-service tests of a component crate that should not build every other service.

#[cfg(feature = "cloud")]
pub mod arm;
#[cfg(feature = "cloud")]
pub mod authorization;
#[cfg(feature = "cloud")]
mod cloud;
#[cfg(feature = "cloud")]
mod credentials;
pub mod fixtures;
#[cfg(feature = "cloud")]
pub mod imds;
#[cfg(feature = "cloud")]
mod response;
#[cfg(feature = "cloud")]
pub mod tokens;
#[cfg(feature = "cloud")]
pub mod vault;

#[cfg(feature = "cloud")]
pub use cloud::{FOREIGN_TENANT_ID, FakeCloud, FakeCloudBuilder};
#[cfg(feature = "cloud")]
pub use response::ApiResponse;
#[cfg(feature = "cloud")]
pub use vault::KEY_VAULT_RESOURCE;

/// The api-version the helpers send to the resource API.
pub const ARM_API_VERSION: &str = "2024-11-01";
/// The management audience the helpers ask tokens for.
pub const MANAGEMENT_RESOURCE: &str = "https://management.azure.com/";

/// Installs a test log subscriber once per test binary; output shows with `TEST_LOG=1`.
#[cfg(feature = "cloud")]
pub fn init_test_logging() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        if std::env::var_os("TEST_LOG").is_some() {
            let filter = tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("debug,sqlx=warn"));
            let _ = tracing_subscriber::fmt()
                .with_env_filter(filter)
                .with_test_writer()
                .try_init();
        }
    });
}
