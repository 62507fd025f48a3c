//! Client authentication with a client secret.

use azsim_store::directory::{ServicePrincipal, list_secret_credentials};

use crate::aadsts;
use crate::oauth_error::OAuthError;
use crate::state::{ServiceState, store_failure};

/// Checks `secret` against the principal's stored secret digests, within their validity.
pub(crate) async fn authenticate(
    state: &ServiceState,
    principal: &ServicePrincipal,
    secret: &str,
    now: i64,
) -> Result<(), OAuthError> {
    let digest = lower_hex(&openssl::sha::sha256(secret.as_bytes()));
    let mut conn = state.connection().await?;
    let credentials = list_secret_credentials(&mut conn, &principal.object_id)
        .await
        .map_err(store_failure)?;
    // Digests are compared in constant time, so timing says nothing about near misses.
    let matching: Vec<_> = credentials
        .iter()
        .filter(|credential| {
            credential.secret_sha256.len() == digest.len()
                && openssl::memcmp::eq(
                    credential.secret_sha256.to_ascii_lowercase().as_bytes(),
                    digest.as_bytes(),
                )
        })
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

/// Lower-case hex, the form secret digests are stored in.
pub(crate) fn lower_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}
