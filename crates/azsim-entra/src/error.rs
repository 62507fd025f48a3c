//! Errors of setting up the token service.

use azsim_pki::PkiError;
use azsim_store::StoreError;

/// Why the token service could not start.
#[derive(Debug, thiserror::Error)]
pub enum EntraError {
    /// The signing keys could not be read from or written to the store.
    #[error("cannot {action} the token signing keys in the store")]
    Store {
        /// `"read"` or `"save"`.
        action: &'static str,
        /// The store's error.
        #[source]
        source: StoreError,
    },
    /// A new signing key or its certificate could not be made.
    #[error("cannot create a token signing key")]
    CreateSigningKey(#[source] PkiError),
    /// A stored signing key could not be loaded.
    #[error("the stored signing key {kid} is unusable")]
    StoredSigningKey {
        /// The key's id.
        kid: String,
        /// Why it could not be loaded.
        #[source]
        source: PkiError,
    },
}
