//! How a cloud is started: where its data lives, where it listens, which clock it reads,
//! whether it speaks HTTPS.

use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::sync::Arc;

use azsim_core::{SharedClock, SystemClock};
use azsim_msrp::MsrpConfig;

/// The resource API's port when none is given.
pub const DEFAULT_RESOURCE_MANAGER_PORT: u16 = 7780;
/// The token service's port when none is given.
pub const DEFAULT_TOKEN_SERVICE_PORT: u16 = 7781;

/// Everything [`crate::Cloud::start`] needs.
#[derive(Debug, Clone)]
pub struct CloudConfig {
    /// The data directory (database, `endpoints.json`).
    pub data_dir: PathBuf,
    /// The address every listener binds (metadata agents too, each on a port of its own).
    pub bind_host: IpAddr,
    /// The resource API's port (0: any free port).
    pub resource_manager_port: u16,
    /// The token service's port (0: any free port).
    pub token_service_port: u16,
    /// The clock every component reads.
    pub clock: SharedClock,
    /// MSRP's certificate policy.
    pub msrp: MsrpConfig,
    /// Whether a background task rolls identity certificates as they fall due. Tests with a
    /// manual clock switch it off and roll explicitly.
    pub roll_certificates_in_background: bool,
    /// Serve the resource API, the token service and the vaults in plain HTTP instead of
    /// HTTPS (for debugging only: real clients refuse bearer tokens over plain HTTP).
    pub insecure_http: bool,
}

impl CloudConfig {
    /// The defaults of `azsim up`: loopback, the documented ports, the wall clock.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            data_dir: data_dir.into(),
            bind_host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            resource_manager_port: DEFAULT_RESOURCE_MANAGER_PORT,
            token_service_port: DEFAULT_TOKEN_SERVICE_PORT,
            clock: Arc::new(SystemClock),
            msrp: MsrpConfig::default(),
            roll_certificates_in_background: true,
            insecure_http: false,
        }
    }

    /// Every listener on a free port, and the given clock: what tests use (HTTPS, as users run
    /// it).
    pub fn for_testing(data_dir: impl Into<PathBuf>, clock: SharedClock) -> Self {
        Self {
            resource_manager_port: 0,
            token_service_port: 0,
            clock,
            roll_certificates_in_background: false,
            ..Self::new(data_dir)
        }
    }

    /// Binds every listener on a free port.
    pub fn with_any_ports(mut self) -> Self {
        self.resource_manager_port = 0;
        self.token_service_port = 0;
        self
    }
}
