//! The settings a vault data plane is started with.

use std::net::IpAddr;

use azsim_http::ServerTls;
use url::Url;

/// Where vaults listen, whether they speak HTTPS, and which token service their challenge
/// names.
#[derive(Debug, Clone)]
pub struct VaultConfig {
    /// The address every vault's listener binds (each on a port of its own).
    pub bind_host: IpAddr,
    /// The server certificate to serve vaults over HTTPS with; `None` serves plain HTTP (for
    /// debugging only: clients refuse bearer tokens over HTTP).
    pub tls: Option<ServerTls>,
    /// The token service's base URL: the challenge's `authorization` is this URL followed by
    /// the vault's tenant id.
    pub authority_host: Url,
}

impl VaultConfig {
    /// The scheme of every vault URI: `https`, or `http` without TLS.
    pub(crate) fn scheme(&self) -> &'static str {
        if self.tls.is_some() { "https" } else { "http" }
    }
}
