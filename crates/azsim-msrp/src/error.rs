//! MSRP's error type.

/// Why an MSRP operation failed. Every variant is an internal failure: bad input is rejected
/// by the resource API before MSRP is called.
#[derive(Debug, thiserror::Error)]
pub enum MsrpError {
    /// The store failed.
    #[error("store operation failed")]
    Store(#[source] azsim_store::StoreError),
    /// Key generation or certificate issue failed.
    #[error("certificate operation failed")]
    Pki(#[source] azsim_pki::PkiError),
    /// A VM's metadata agent could not be started.
    #[error("cannot start the metadata agent of VM {vm_id}")]
    Agent {
        /// The VM.
        vm_id: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A resource id handed to MSRP does not parse.
    #[error("invalid resource id")]
    InvalidResourceId(#[source] azsim_core::InvalidResourceId),
    /// A row MSRP relies on is missing or inconsistent.
    #[error("inconsistent state: {0}")]
    Inconsistent(String),
}

impl From<azsim_store::StoreError> for MsrpError {
    fn from(error: azsim_store::StoreError) -> Self {
        Self::Store(error)
    }
}

impl From<azsim_core::InvalidResourceId> for MsrpError {
    fn from(error: azsim_core::InvalidResourceId) -> Self {
        Self::InvalidResourceId(error)
    }
}

impl From<azsim_pki::PkiError> for MsrpError {
    fn from(error: azsim_pki::PkiError) -> Self {
        Self::Pki(error)
    }
}
