//! Bearer-token authentication of every request, as ARM does it.
//!
//! The token must be a valid token of the token service for a management audience, and for a
//! path inside a subscription it must come from the tenant the subscription trusts. The
//! validated claims travel to handlers as the [`Caller`] of the request's `ArmRequest`.

use std::fmt;
use std::sync::Arc;

use azsim_core::audience::MANAGEMENT_AUDIENCES;
use azsim_entra::{AccessTokenClaims, TokenValidationError};
use azsim_store::resources::Subscription;
use http::{HeaderMap, header};

use crate::error::ArmError;
use crate::state::ArmState;

/// Who is calling: the claims of the caller's validated access token.
#[derive(Clone)]
pub(crate) struct Caller {
    claims: Arc<AccessTokenClaims>,
}

impl Caller {
    /// The validated token's claims.
    pub(crate) fn claims(&self) -> &AccessTokenClaims {
        &self.claims
    }

    /// The caller's tenant (`tid`).
    pub(crate) fn tenant_id(&self) -> &str {
        &self.claims.tid
    }

    /// The caller's client id (`appid`).
    pub(crate) fn app_id(&self) -> &str {
        &self.claims.appid
    }

    /// The caller's object id (`oid`): the principal role assignments name.
    pub(crate) fn object_id(&self) -> &str {
        &self.claims.oid
    }

    /// A subscription accepts only tokens of the tenant it trusts.
    pub(crate) fn check_tenant(&self, subscription: &Subscription) -> Result<(), ArmError> {
        let claims = &self.claims;
        if subscription.tenant_id.eq_ignore_ascii_case(&claims.tid) {
            return Ok(());
        }
        Err(ArmError::TokenWrongTenant {
            issuer: claims.iss.clone(),
            expected_issuer: claims.iss.replace(&claims.tid, &subscription.tenant_id),
            expected_tenant: subscription.tenant_id.clone(),
        })
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

/// Validates the request's bearer token: the caller, or the 401 ARM answers.
pub(crate) async fn authenticate(
    state: &ArmState,
    headers: &HeaderMap,
) -> Result<Caller, ArmError> {
    let token = bearer_token(headers)?;
    let claims = state
        .validator()
        .validate(token, &MANAGEMENT_AUDIENCES)
        .await
        .map_err(token_error)?;
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

#[cfg(test)]
mod tests;
