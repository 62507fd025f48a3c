//! The JSON Web Key Sets that publish the token signing keys.

use std::sync::Arc;

use axum::extract::State;
use axum::response::Response;
use azsim_http::RequestContext;
use azsim_pki::Certificate;
use azsim_store::signing_keys::list_signing_keys;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use crate::discovery::{cached_json, discovery_tenant};
use crate::oauth_error::OAuthError;
use crate::state::{ServiceState, store_failure};
use crate::tenant::TenantPath;

/// `GET /{tenant}/discovery/keys` (and `/common/discovery/keys`).
pub(crate) async fn keys_v1(
    State(state): State<Arc<ServiceState>>,
    TenantPath(segment): TenantPath,
    context: RequestContext,
) -> Response {
    respond(&state, keys(&state, &segment, false).await, context)
}

/// `GET /{tenant}/discovery/v2.0/keys`: the same keys, each naming the v2 issuer.
pub(crate) async fn keys_v2(
    State(state): State<Arc<ServiceState>>,
    TenantPath(segment): TenantPath,
    context: RequestContext,
) -> Response {
    respond(&state, keys(&state, &segment, true).await, context)
}

fn respond(
    state: &ServiceState,
    result: Result<Value, OAuthError>,
    context: RequestContext,
) -> Response {
    match result {
        Ok(body) => cached_json(body),
        Err(error) => error.into_response(state.clock.now(), &context, state.config.base()),
    }
}

/// Every stored signing key, read from the store each time so that keys created by another
/// process appear at once.
async fn keys(state: &ServiceState, segment: &str, v2: bool) -> Result<Value, OAuthError> {
    let tenant = discovery_tenant(state, segment).await?;
    let stored = {
        let mut conn = state.connection().await?;
        list_signing_keys(&mut conn).await.map_err(store_failure)?
    };
    let keys: Vec<Value> = stored
        .iter()
        .filter_map(|stored| {
            let certificate = Certificate::from_der(&stored.certificate_der)
                .map_err(|error| {
                    tracing::warn!(
                        kid = %stored.kid,
                        error = &error as &dyn std::error::Error,
                        "not publishing an unreadable signing certificate"
                    );
                })
                .ok()?;
            let (n, e) = certificate.rsa_public_components()?;
            let mut key = json!({
                "kty": "RSA",
                "use": "sig",
                "kid": stored.kid,
                "x5t": stored.kid,
                "n": n,
                "e": e,
                "x5c": [STANDARD.encode(&stored.certificate_der)],
            });
            if v2 {
                key["issuer"] = Value::from(format!("{}/{}/v2.0", state.config.base(), tenant.id));
            }
            Some(key)
        })
        .collect();
    Ok(json!({ "keys": keys }))
}
