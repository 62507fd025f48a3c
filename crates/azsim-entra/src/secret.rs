//! Client authentication with a client secret.

use azsim_store::directory::{ServicePrincipal, list_secret_credentials};

use crate::aadsts;
use crate::directory::ClientSecret;
use crate::oauth_error::OAuthError;
use crate::state::{ServiceState, store_failure};

/// Checks `secret` against the principal's stored secret digests, within their validity.
pub(crate) async fn authenticate(
    state: &ServiceState,
    principal: &ServicePrincipal,
    secret: &str,
    now: i64,
) -> Result<(), OAuthError> {
    let secret = ClientSecret::new(secret);
    let mut conn = state.connection().await?;
    let credentials = list_secret_credentials(&mut conn, &principal.object_id)
        .await
        .map_err(store_failure)?;
    let matching: Vec<_> = credentials
        .iter()
        .filter(|credential| secret.verify(&credential.secret_sha256))
        .collect();
    if matching.is_empty() {
        return Err(aadsts::invalid_client_secret(&principal.app_id));
    }
    if matching
        .iter()
        .any(|credential| credential.not_before <= now && now < credential.not_after)
    {
        Ok(())
    } else {
        Err(aadsts::expired_client_secret(&principal.app_id))
    }
}
