//! One running fake cloud: the components of azsim composed over one store and one clock.
//!
//! `azsim up` and the test harness both start a cloud through [`Cloud::start`]; the same code
//! path, so what the tests prove is what a developer runs.
//!
//! # Layout
//! - [`CloudConfig`]: data directory, listen addresses, clock, HTTPS or plain HTTP.
//! - `data_dir`: the data directory and its owner-only files.
//! - `tls`: the cloud's own certificate authority (`ca.pem`) and its server certificates.
//! - [`bootstrap`]: the tenant, subscription and administrator created on first start.
//! - [`Endpoints`]: the facts written to `endpoints.json` for scripts and people.
//! - [`Cloud`]: starting, running and stopping it all.

pub mod bootstrap;
mod cloud;
mod config;
mod data_dir;
mod endpoints;
mod error;
mod tls;

pub use bootstrap::CloudIdentity;
pub use cloud::Cloud;
pub use config::{CloudConfig, DEFAULT_RESOURCE_MANAGER_PORT, DEFAULT_TOKEN_SERVICE_PORT};
pub use endpoints::{AdminCredentials, ENDPOINTS_FILE, Endpoints};
pub use error::CloudError;
pub use tls::{CA_CERTIFICATE_FILE, CA_KEY_FILE};

/// The database file inside a data directory.
pub const DATABASE_FILE: &str = "azsim.db";
