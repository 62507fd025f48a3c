//! Minting access tokens and writing the token endpoint's success responses.

use axum::Json;
use axum::response::{IntoResponse, Response};
use azsim_store::directory::{PrincipalType, ServicePrincipal};
use serde::Serialize;

use crate::aadsts;
use crate::claims::{IssuedClaims, issuer_for_tenant};
use crate::oauth_error::{OAuthError, no_store};
use crate::random::random_base64url;
use crate::signing::ActiveSigningKey;

/// How far `iat` and `nbf` are back-dated, as Entra does, to absorb client clock skew.
const BACKDATE_SECONDS: i64 = 300;

/// Lifetime of a managed identity's token (24 hours; not configurable in Entra either).
const MANAGED_IDENTITY_LIFETIME_SECONDS: i64 = 86_400;

/// Lifetime of an application's client-credentials token.
const APPLICATION_LIFETIME_SECONDS: i64 = 3_599;

/// How the client proved who it is (the token's `appidacr`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AuthMethod {
    /// A client secret: `"1"`.
    Secret,
    /// A certificate (client assertion): `"2"`.
    Certificate,
}

impl AuthMethod {
    fn appidacr(self) -> &'static str {
        match self {
            Self::Secret => "1",
            Self::Certificate => "2",
        }
    }
}

/// Which token endpoint answered: they differ only in the response's number types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EndpointVersion {
    /// `/oauth2/token`: every value a string, plus `expires_on`, `not_before`, `resource`.
    V1,
    /// `/oauth2/v2.0/token`: numbers as JSON numbers.
    V2,
}

/// A minted token and the times the response reports.
#[derive(Debug)]
pub(crate) struct IssuedToken {
    pub(crate) access_token: String,
    pub(crate) resource: String,
    pub(crate) not_before: i64,
    pub(crate) expires_on: i64,
    pub(crate) expires_in: i64,
}

/// Mints an RS256 access token for `principal` to call `resource` (kept exactly as asked);
/// `compute_resource` is the `xms_az_rid` of a user-assigned identity's token.
pub(crate) fn issue(
    signing_key: &ActiveSigningKey,
    tenant_id: &str,
    principal: &ServicePrincipal,
    resource: &str,
    compute_resource: Option<&str>,
    method: AuthMethod,
    now: i64,
) -> Result<IssuedToken, OAuthError> {
    let lifetime = match principal.principal_type {
        PrincipalType::ManagedIdentity => MANAGED_IDENTITY_LIFETIME_SECONDS,
        PrincipalType::Application => APPLICATION_LIFETIME_SECONDS,
    };
    let (uti, aio, rh) = (
        random_base64url(16),
        random_base64url(48),
        format!("1.{}.", random_base64url(36)),
    );
    let issuer = issuer_for_tenant(tenant_id);
    let issued_at = now - BACKDATE_SECONDS;
    let expires_on = now + lifetime;
    let claims = IssuedClaims {
        aud: resource,
        iss: &issuer,
        iat: issued_at,
        nbf: issued_at,
        exp: expires_on,
        aio: &aio,
        appid: &principal.app_id,
        appidacr: method.appidacr(),
        idp: &issuer,
        idtyp: "app",
        oid: &principal.object_id,
        rh: &rh,
        sub: &principal.object_id,
        tid: tenant_id,
        uti: &uti,
        ver: "1.0",
        xms_mirid: principal.managed_identity_resource_id.as_deref(),
        xms_az_rid: compute_resource,
    };
    let access_token = signing_key
        .sign(&claims)
        .map_err(|error| aadsts::server_error().caused_by(error))?;
    tracing::info!(
        client_id = %principal.app_id,
        kid = signing_key.kid(),
        uti = %uti,
        resource,
        "issued an access token"
    );
    Ok(IssuedToken {
        access_token,
        resource: resource.to_owned(),
        not_before: issued_at,
        expires_on,
        expires_in: lifetime,
    })
}

#[derive(Serialize)]
struct V1Response<'a> {
    token_type: &'static str,
    expires_in: String,
    ext_expires_in: String,
    expires_on: String,
    not_before: String,
    resource: &'a str,
    access_token: &'a str,
}

#[derive(Serialize)]
struct V2Response<'a> {
    token_type: &'static str,
    expires_in: i64,
    ext_expires_in: i64,
    access_token: &'a str,
}

/// The 200 response in the shape of `version`'s endpoint, with Entra's no-store headers.
pub(crate) fn success_response(version: EndpointVersion, token: &IssuedToken) -> Response {
    let mut response = match version {
        EndpointVersion::V1 => Json(V1Response {
            token_type: "Bearer",
            expires_in: token.expires_in.to_string(),
            ext_expires_in: token.expires_in.to_string(),
            expires_on: token.expires_on.to_string(),
            not_before: token.not_before.to_string(),
            resource: &token.resource,
            access_token: &token.access_token,
        })
        .into_response(),
        EndpointVersion::V2 => Json(V2Response {
            token_type: "Bearer",
            expires_in: token.expires_in,
            ext_expires_in: token.expires_in,
            access_token: &token.access_token,
        })
        .into_response(),
    };
    no_store(&mut response);
    response
}
