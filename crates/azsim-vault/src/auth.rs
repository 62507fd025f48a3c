//! Key Vault's authentication: the bearer challenge, and the token checks.
//!
//! [`Authenticated`] is an extractor that reads only the request's head (path and headers),
//! and every handler takes it before its body, so a request without a valid token gets its
//! 401 before a byte of the body is read. That is what the SDK's challenge flow relies on: its
//! first request to a vault carries neither token nor body, and it expects the challenge back.

use std::fmt;

use axum::extract::FromRequestParts;
use azsim_core::audience::KEY_VAULT_AUDIENCE;
use azsim_entra::{AccessTokenClaims, TokenValidationError, issuer_for_tenant};
use azsim_http::RequestContext;
use azsim_store::vaults::{Vault, find_vault_by_name};
use http::request::Parts;
use http::{HeaderMap, header};
use url::Url;

use crate::error::VaultError;
use crate::service::VaultService;

/// The audiences the data plane accepts: the resource URI with and without its trailing
/// slash, and Key Vault's application id (a client may ask for the resource by it).
const VAULT_AUDIENCES: [&str; 3] = [
    KEY_VAULT_AUDIENCE,
    "https://vault.azure.net/",
    "cfa8b339-82a2-471a-a3c9-0fc0be7a4093",
];

/// A request whose vault exists and whose token is valid for it.
pub(crate) struct Authenticated {
    /// The vault the request's listener serves.
    pub(crate) vault: Vault,
    /// The caller's validated token.
    pub(crate) claims: AccessTokenClaims,
    /// The request's correlation id, for flow events.
    pub(crate) correlation_id: String,
}

impl fmt::Debug for Authenticated {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Ids only: nothing token-like needs to reach logs.
        formatter
            .debug_struct("Authenticated")
            .field("vault", &self.vault.name)
            .field("appid", &self.claims.appid)
            .field("oid", &self.claims.oid)
            .finish()
    }
}

impl FromRequestParts<VaultService> for Authenticated {
    type Rejection = VaultError;

    async fn from_request_parts(
        parts: &mut Parts,
        service: &VaultService,
    ) -> Result<Self, VaultError> {
        let vault = served_vault(parts, service).await?;
        let challenge = challenge(&service.config().authority_host, &vault.tenant_id);
        let Some(token) = bearer_token(&parts.headers) else {
            return Err(VaultError::MissingToken { challenge });
        };
        let claims = service
            .validator()
            .validate(token, &VAULT_AUDIENCES)
            .await
            .map_err(|error| refusal(error, &vault, challenge.clone()))?;
        // The vault trusts one tenant: a valid token of another tenant is refused as Key
        // Vault refuses it, by issuer.
        if !claims.tid.eq_ignore_ascii_case(&vault.tenant_id) {
            return Err(VaultError::InvalidToken {
                message: invalid_issuer(&vault, &claims.iss),
                challenge,
            });
        }
        let Ok(RequestContext { correlation_id, .. }) =
            RequestContext::from_request_parts(parts, service).await;
        tracing::debug!(
            vault = %vault.name,
            client_id = %claims.appid,
            object_id = %claims.oid,
            "vault caller authenticated"
        );
        Ok(Self {
            vault,
            claims,
            correlation_id,
        })
    }
}

/// The vault a listener serves, set on every request it receives: each vault has its own
/// origin (see the `address` module), so the path never names the vault.
#[derive(Debug, Clone)]
pub(crate) struct ServedVault {
    /// The vault's name.
    pub(crate) name: String,
    /// The URI the listener serves (`properties.vaultUri`).
    pub(crate) uri: String,
}

/// The vault the request's listener serves, if it still exists at that URI.
async fn served_vault(parts: &Parts, service: &VaultService) -> Result<Vault, VaultError> {
    let served = parts
        .extensions
        .get::<ServedVault>()
        .ok_or_else(|| VaultError::BadParameter {
            message: "The request did not arrive at a vault.".to_owned(),
        })?;
    let vault = {
        let mut conn = service.connection().await?;
        find_vault_by_name(&mut conn, &served.name).await?
    };
    // A vault deleted and re-created under the same name lives at another URI: requests
    // still reaching the old listener are not its.
    vault
        .filter(|vault| vault.vault_uri == served.uri)
        .ok_or_else(|| VaultError::VaultNotFound {
            name: served.name.clone(),
        })
}

/// The `WWW-Authenticate` value: the vault tenant's authority and Key Vault's resource.
pub(crate) fn challenge(authority_host: &Url, tenant_id: &str) -> String {
    let authority = authority_host.as_str().trim_end_matches('/');
    format!("Bearer authorization=\"{authority}/{tenant_id}\", resource=\"{KEY_VAULT_AUDIENCE}\"")
}

/// The token of an `Authorization: Bearer <token>` header. Anything else counts as no token:
/// Key Vault answers a malformed header with the same challenge as a missing one.
fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty() && !token.contains(' '))
        .then_some(token)
}

/// The 401 for a token the validator refused, with Key Vault's `AKV` messages where the real
/// service's wording is known.
fn refusal(error: TokenValidationError, vault: &Vault, challenge: String) -> VaultError {
    let message = match error {
        TokenValidationError::WrongAudience { audience } => {
            format!("AKV10022: Invalid audience. Expected {KEY_VAULT_AUDIENCE}, found: {audience}.")
        }
        TokenValidationError::WrongIssuer { issuer } => invalid_issuer(vault, &issuer),
        TokenValidationError::UnknownTenant { tenant_id } => {
            invalid_issuer(vault, &issuer_for_tenant(&tenant_id))
        }
        TokenValidationError::UnknownSigningKey => {
            "AKV10046: Unable to resolve the key used for signature validation.".to_owned()
        }
        TokenValidationError::Expired { .. } => "The access token has expired.".to_owned(),
        TokenValidationError::NotYetValid => "Token not yet valid.".to_owned(),
        TokenValidationError::BadSignature => "The access token signature is invalid.".to_owned(),
        TokenValidationError::Malformed => "The access token is malformed.".to_owned(),
        // The validator could not read keys or tenants: our failure, not the caller's.
        unavailable @ TokenValidationError::Unavailable(_) => {
            return VaultError::Validator(unavailable);
        }
    };
    VaultError::InvalidToken { challenge, message }
}

fn invalid_issuer(vault: &Vault, found: &str) -> String {
    format!(
        "AKV10032: Invalid issuer. Expected one of {}, found {found}.",
        issuer_for_tenant(&vault.tenant_id)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_challenge_names_the_tenant_authority_and_the_vault_resource() {
        let authority: Url = "http://127.0.0.1:4100/".parse().expect("url");
        assert_eq!(
            challenge(&authority, "72f988bf-86f1-41af-91ab-2d7cd011db47"),
            "Bearer authorization=\"http://127.0.0.1:4100/72f988bf-86f1-41af-91ab-2d7cd011db47\", \
             resource=\"https://vault.azure.net\""
        );
    }

    #[test]
    fn only_a_well_formed_bearer_header_yields_a_token() {
        let mut headers = HeaderMap::new();
        assert_eq!(bearer_token(&headers), None);
        for (value, expected) in [
            ("Bearer abc.def.ghi", Some("abc.def.ghi")),
            ("bearer  abc", Some("abc")),
            ("Basic abc", None),
            ("Bearer", None),
            ("Bearer a b", None),
        ] {
            headers.insert(header::AUTHORIZATION, value.parse().expect("header"));
            assert_eq!(bearer_token(&headers), expected, "{value}");
        }
    }
}
