//! `endpoints.json`: where a running cloud listens and how to sign in to it.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::CloudError;
use crate::data_dir::{OWNER_ONLY_FILE, write_atomically};

/// The file name inside the data directory.
pub const ENDPOINTS_FILE: &str = "endpoints.json";

/// The administrator's credentials (client-credentials grant).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminCredentials {
    /// The administrator application's client id.
    pub client_id: String,
    /// Its client secret.
    pub client_secret: String,
}

/// What a script or a person needs to use a running cloud.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoints {
    /// Base URL of the resource API.
    pub resource_manager: String,
    /// Base URL of the token service (the authority host).
    pub authority_host: String,
    /// The tenant the subscription trusts.
    pub tenant_id: String,
    /// The subscription created on first start.
    pub subscription_id: String,
    /// The administrator's credentials.
    pub admin: AdminCredentials,
    /// The token service's v2 token endpoint for the tenant.
    pub token_endpoint: String,
    /// The tenant's v2 OpenID Connect discovery document.
    pub openid_configuration: String,
    /// The CA certificate (PEM) the HTTPS endpoints chain to, absolute path; absent when the
    /// cloud serves plain HTTP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_bundle: Option<String>,
    /// The database file.
    pub database: String,
    /// The process that serves this cloud.
    pub pid: u32,
}

impl Endpoints {
    /// Writes `endpoints.json` into `data_dir` atomically (write, then rename), so a reader
    /// never sees half a file, and owner-only (0600).
    pub fn write(&self, data_dir: &Path) -> Result<PathBuf, CloudError> {
        let path = data_dir.join(ENDPOINTS_FILE);
        let text =
            serde_json::to_string_pretty(self).map_err(|source| CloudError::BadEndpoints {
                path: path.clone(),
                source,
            })?;
        // It holds the administrator's secret: owner-only from its first byte.
        write_atomically(&path, &(text + "\n"), OWNER_ONLY_FILE)?;
        Ok(path)
    }

    /// Reads `endpoints.json` from `data_dir`.
    pub fn read(data_dir: &Path) -> Result<Self, CloudError> {
        let path = data_dir.join(ENDPOINTS_FILE);
        let text = std::fs::read_to_string(&path).map_err(|source| CloudError::NoEndpoints {
            path: path.clone(),
            source,
        })?;
        serde_json::from_str(&text).map_err(|source| CloudError::BadEndpoints { path, source })
    }
}
