//! The settings a vault data plane is started with.

use url::Url;

/// Where the data plane is reachable and which token service its challenge names.
#[derive(Debug, Clone)]
pub struct VaultConfig {
    /// The base URL the data plane's listener is reachable at (`http://127.0.0.1:PORT/`); each
    /// vault's URI is this URL followed by the vault's name and a `/`.
    pub public_base_url: Url,
    /// The token service's base URL: the challenge's `authorization` is this URL followed by
    /// the vault's tenant id.
    pub authority_host: Url,
}
