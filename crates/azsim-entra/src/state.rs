//! What every handler of the token service shares.

use azsim_core::{SharedClock, SharedEventSink};
use azsim_store::{ReadConnection, Store, StoreError};

use crate::aadsts;
use crate::config::TokenServiceConfig;
use crate::oauth_error::OAuthError;
use crate::signing::ActiveSigningKey;
use crate::validation::AccessTokenValidator;

/// The token service's shared state.
#[derive(Debug)]
pub(crate) struct ServiceState {
    pub(crate) store: Store,
    pub(crate) clock: SharedClock,
    pub(crate) events: SharedEventSink,
    pub(crate) config: TokenServiceConfig,
    pub(crate) signing_key: ActiveSigningKey,
    pub(crate) validator: AccessTokenValidator,
}

impl ServiceState {
    /// A pooled connection, or a logged server error.
    pub(crate) async fn connection(&self) -> Result<ReadConnection, OAuthError> {
        self.store.read().await.map_err(store_failure)
    }
}

/// A store failure as the client sees it: a server error (the request layer logs the cause).
pub(crate) fn store_failure(error: StoreError) -> OAuthError {
    aadsts::server_error().caused_by(error)
}
