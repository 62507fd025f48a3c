//! Why a cloud could not start.

use std::path::PathBuf;

/// Why [`crate::Cloud::start`] (or reading a data directory) failed.
#[derive(Debug, thiserror::Error)]
pub enum CloudError {
    /// The data directory could not be created or written.
    #[error("cannot use the data directory {path}")]
    DataDir {
        /// The path.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A listener could not be bound.
    #[error("cannot listen on {address} for the {service}")]
    Bind {
        /// The service.
        service: &'static str,
        /// The address.
        address: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The store failed.
    #[error("the store failed")]
    Store(#[from] azsim_store::StoreError),
    /// The token service could not start.
    #[error("the token service could not start")]
    TokenService(#[source] azsim_entra::EntraError),
    /// MSRP could not start or restore agents.
    #[error("the managed-identity provider failed")]
    Msrp(#[source] azsim_msrp::MsrpError),
    /// The vaults' listeners could not be brought back.
    #[error("the Key Vault data plane failed")]
    Vaults(#[source] azsim_vault::VaultError),
    /// The certificate authority or a server certificate could not be made or read.
    #[error("cannot prepare the TLS certificates")]
    Certificate(#[source] azsim_pki::PkiError),
    /// The server certificate could not be loaded into the TLS library.
    #[error("cannot serve HTTPS with the issued certificate")]
    Tls(#[source] azsim_http::TlsError),
    /// `endpoints.json` is missing or unreadable: the cloud was never started here.
    #[error("no running cloud found in {path} (start one with `azsim up`)")]
    NoEndpoints {
        /// The file looked for.
        path: PathBuf,
        /// Why it could not be read.
        #[source]
        source: std::io::Error,
    },
    /// `endpoints.json` is not what azsim writes.
    #[error("{path} is not a valid endpoints file")]
    BadEndpoints {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: serde_json::Error,
    },
}
