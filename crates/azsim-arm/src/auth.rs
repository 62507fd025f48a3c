//! Bearer-token authentication of every request, as ARM does it.
//!
//! The token must be a valid token of the token service for a management audience, and for a
//! path inside a subscription it must come from the tenant the subscription trusts. The
//! validated claims travel to handlers as the [`Caller`] request extension.

use std::fmt;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use azsim_core::audience::MANAGEMENT_AUDIENCES;
use azsim_core::{FlowEvent, FlowStep};
use azsim_entra::{AccessTokenClaims, TokenValidationError};
use azsim_http::RequestContext;
use http::{HeaderMap, header};

use crate::error::ArmError;
use crate::path::ArmPath;
use crate::state::ArmState;

/// Who is calling: the claims of the caller's validated access token.
#[derive(Clone)]
pub struct Caller {
    claims: Arc<AccessTokenClaims>,
}

impl Caller {
    /// The validated token's claims.
    pub fn claims(&self) -> &AccessTokenClaims {
        &self.claims
    }

    /// The caller's tenant (`tid`).
    pub fn tenant_id(&self) -> &str {
        &self.claims.tid
    }

    /// The caller's client id (`appid`).
    pub fn app_id(&self) -> &str {
        &self.claims.appid
    }

    /// The caller's object id (`oid`): the principal role assignments name.
    pub fn object_id(&self) -> &str {
        &self.claims.oid
    }
}

impl fmt::Debug for Caller {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Ids only: the claims are not secret, but nothing token-like needs to reach logs.
        formatter
            .debug_struct("Caller")
            .field("tid", &self.claims.tid)
            .field("appid", &self.claims.appid)
            .field("oid", &self.claims.oid)
            .finish()
    }
}

/// Middleware: authenticates the request or answers 401 with ARM's codes and challenge.
pub(crate) async fn authenticate(
    State(state): State<ArmState>,
    mut request: Request,
    next: Next,
) -> Response {
    // Only the headers and path cross the await: a request body is not `Sync`.
    let result = caller_of(&state, request.headers(), request.uri().path()).await;
    match result {
        Ok(caller) => {
            if let Some(resource_id) = &caller.claims.xms_mirid {
                record_use_token(&state, &request, resource_id);
            }
            request.extensions_mut().insert(caller);
            next.run(request).await
        }
        Err(error) => error.into_response(),
    }
}

async fn caller_of(state: &ArmState, headers: &HeaderMap, path: &str) -> Result<Caller, ArmError> {
    let token = bearer_token(headers)?;
    let claims = state
        .validator()
        .validate(token, &MANAGEMENT_AUDIENCES)
        .await
        .map_err(token_error)?;
    let path = ArmPath::parse(path);
    if let Some(subscription_id) = path.subscription_id() {
        check_subscription_tenant(state, subscription_id, &claims).await?;
    }
    tracing::debug!(client_id = %claims.appid, tenant_id = %claims.tid, "caller authenticated");
    Ok(Caller {
        claims: Arc::new(claims),
    })
}

/// The token of an `Authorization: Bearer <token>` header.
fn bearer_token(headers: &HeaderMap) -> Result<&str, ArmError> {
    let value = headers
        .get(header::AUTHORIZATION)
        .ok_or(ArmError::AuthorizationMissing)?;
    let value = value
        .to_str()
        .map_err(|_| ArmError::AuthorizationMalformed)?;
    let (scheme, token) = value
        .trim()
        .split_once(' ')
        .ok_or(ArmError::AuthorizationMalformed)?;
    let token = token.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() || token.contains(' ') {
        return Err(ArmError::AuthorizationMalformed);
    }
    Ok(token)
}

fn token_error(error: TokenValidationError) -> ArmError {
    match error {
        TokenValidationError::Expired { expired_at, now } => {
            ArmError::TokenExpired { expired_at, now }
        }
        TokenValidationError::WrongAudience { audience } => {
            ArmError::TokenWrongAudience { audience }
        }
        TokenValidationError::UnknownTenant { tenant_id } => {
            ArmError::TokenUnknownTenant { tenant_id }
        }
        TokenValidationError::Malformed
        | TokenValidationError::UnknownSigningKey
        | TokenValidationError::BadSignature
        | TokenValidationError::NotYetValid
        | TokenValidationError::WrongIssuer { .. } => ArmError::TokenInvalid,
        // The validator could not read keys or tenants: our failure, not the caller's.
        unavailable @ TokenValidationError::Unavailable(_) => ArmError::Validator(unavailable),
    }
}

/// A subscription accepts only tokens of the tenant it trusts. A subscription that does not
/// exist is left to the handler, which answers `SubscriptionNotFound` as ARM does.
async fn check_subscription_tenant(
    state: &ArmState,
    subscription_id: &str,
    claims: &AccessTokenClaims,
) -> Result<(), ArmError> {
    if uuid::Uuid::try_parse(subscription_id).is_err() {
        return Ok(());
    }
    let mut conn = crate::app::acquire(state).await?;
    let subscription =
        azsim_store::resources::find_subscription(&mut conn, subscription_id).await?;
    match subscription {
        Some(subscription) if !subscription.tenant_id.eq_ignore_ascii_case(&claims.tid) => {
            Err(ArmError::TokenWrongTenant {
                issuer: claims.iss.clone(),
                expected_issuer: claims.iss.replace(&claims.tid, &subscription.tenant_id),
                expected_tenant: subscription.tenant_id,
            })
        }
        _ => Ok(()),
    }
}

/// Step 7 of the flow: a managed identity's token reached the resource API.
fn record_use_token(state: &ArmState, request: &Request, resource_id: &str) {
    let correlation_id = request
        .extensions()
        .get::<RequestContext>()
        .map(|context| context.correlation_id.clone())
        .unwrap_or_default();
    state.events().record(FlowEvent {
        source: resource_id.to_owned(),
        target: "arm".to_owned(),
        step: Some(FlowStep::UseToken),
        correlation_id,
        summary: format!(
            "managed identity calls the resource API: {} {}",
            request.method(),
            request.uri().path()
        ),
    });
}

#[cfg(test)]
mod tests;
