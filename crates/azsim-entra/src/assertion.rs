//! Client authentication with a certificate-signed client assertion (RFC 7523, as Entra
//! checks it).

use azsim_pki::Certificate;
use azsim_store::directory::{
    CertificateCredential, ServicePrincipal, Tenant, list_certificate_credentials,
};
use azsim_store::signing_keys::{forget_expired_assertions, remember_assertion};
use serde::Deserialize;

use crate::aadsts;
use crate::form::TokenForm;
use crate::jws::{self, JwsAlgorithm, JwsHeader};
use crate::oauth_error::{OAuthError, format_unix};
use crate::state::{ServiceState, store_failure};

/// The only client assertion type (RFC 7523 2.2): `client_assertion_type`'s value.
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// How far in the future an assertion's `nbf` may be (clock skew of the client).
const NOT_BEFORE_SKEW_SECONDS: i64 = 300;

/// Entra's own host: assertions may be addressed to it as well as to this service.
const ENTRA_HOST: &str = "https://login.microsoftonline.com";

#[derive(Debug, Deserialize)]
struct AssertionClaims {
    #[serde(default)]
    iss: Option<String>,
    #[serde(default)]
    sub: Option<String>,
    #[serde(default)]
    aud: Option<Audience>,
    #[serde(default)]
    exp: Option<f64>,
    #[serde(default)]
    nbf: Option<f64>,
    #[serde(default)]
    jti: Option<String>,
}

/// A JWT `aud`: one string or several (RFC 7519 4.1.3).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Audience {
    One(String),
    Many(Vec<String>),
}

impl Audience {
    fn values(&self) -> Vec<&str> {
        match self {
            Self::One(one) => vec![one.as_str()],
            Self::Many(many) => many.iter().map(String::as_str).collect(),
        }
    }
}

/// The thumbprint a header names its certificate by.
enum HeaderThumbprint {
    Sha256(Vec<u8>),
    Sha1(Vec<u8>),
}

impl HeaderThumbprint {
    fn from_header(header: &JwsHeader) -> Result<Self, OAuthError> {
        // `x5t#S256` wins when both are present: it is the stronger hash.
        if let Some(value) = &header.x5t_s256 {
            return jws::decode(value).map(Self::Sha256).ok_or_else(|| {
                aadsts::malformed_assertion("The 'x5t#S256' header is not base64url.")
            });
        }
        if let Some(value) = &header.x5t {
            return jws::decode(value)
                .map(Self::Sha1)
                .ok_or_else(|| aadsts::malformed_assertion("The 'x5t' header is not base64url."));
        }
        Err(aadsts::missing_assertion_field("x5t"))
    }

    fn upper_hex(&self) -> String {
        let bytes = match self {
            Self::Sha256(bytes) | Self::Sha1(bytes) => bytes,
        };
        hex::encode_upper(bytes)
    }

    fn matches(&self, credential: &CertificateCredential) -> bool {
        let hex = self.upper_hex();
        match self {
            Self::Sha256(_) => credential.thumbprint_sha256.eq_ignore_ascii_case(&hex),
            Self::Sha1(_) => credential.thumbprint_sha1.eq_ignore_ascii_case(&hex),
        }
    }
}

/// Authenticates `principal` by the client assertion in `form`, and records its `jti` so it
/// cannot be used again.
pub(crate) async fn authenticate(
    state: &ServiceState,
    tenant: &Tenant,
    principal: &ServicePrincipal,
    form: &TokenForm,
    now: i64,
) -> Result<(), OAuthError> {
    let assertion_type = form
        .get("client_assertion_type")
        .ok_or_else(|| aadsts::missing_parameter("client_assertion_type"))?;
    if assertion_type != JWT_BEARER {
        return Err(aadsts::invalid_parameter("client_assertion_type"));
    }
    let assertion = form
        .get("client_assertion")
        .ok_or_else(|| aadsts::missing_parameter("client_assertion"))?;
    let jws = jws::parse(assertion)
        .ok_or_else(|| aadsts::malformed_assertion("The assertion is not a compact JWS."))?;
    let algorithm = JwsAlgorithm::from_name(&jws.header.alg)
        .ok_or_else(|| aadsts::unsupported_assertion_algorithm(&jws.header.alg))?;
    let thumbprint = HeaderThumbprint::from_header(&jws.header)?;

    let credential = find_credential(state, principal, &thumbprint).await?;
    let certificate = Certificate::from_der(&credential.certificate_der)
        .and_then(|certificate| certificate.public_key().map(|key| (certificate, key)));
    // A stored credential we cannot read is our failure, not the client's.
    let (_, public_key) = certificate.map_err(|error| aadsts::server_error().caused_by(error))?;
    if !jws::verify(
        algorithm,
        &public_key,
        jws.signing_input.as_bytes(),
        &jws.signature,
    ) {
        return Err(aadsts::assertion_bad_signature());
    }
    if now < credential.not_before || now > credential.not_after {
        return Err(aadsts::assertion_key_expired(
            &thumbprint.upper_hex(),
            &format_unix(credential.not_before),
            &format_unix(credential.not_after),
        ));
    }

    let claims: AssertionClaims = serde_json::from_slice(&jws.payload)
        .map_err(|_| aadsts::malformed_assertion("The assertion claims are not valid JSON."))?;
    let jti = check_claims(state, tenant, principal, &claims, now)?;
    let expires_at = claims.exp.map_or(now, |exp| exp as i64);
    remember(state, principal, jti, expires_at, now).await
}

async fn find_credential(
    state: &ServiceState,
    principal: &ServicePrincipal,
    thumbprint: &HeaderThumbprint,
) -> Result<CertificateCredential, OAuthError> {
    let mut conn = state.connection().await?;
    let credentials = list_certificate_credentials(&mut conn, &principal.object_id)
        .await
        .map_err(store_failure)?;
    credentials
        .into_iter()
        .find(|credential| thumbprint.matches(credential))
        .ok_or_else(|| aadsts::assertion_key_not_found(&thumbprint.upper_hex(), &principal.app_id))
}

/// Checks issuer, subject, audience and time; returns the `jti`.
fn check_claims<'a>(
    state: &ServiceState,
    tenant: &Tenant,
    principal: &ServicePrincipal,
    claims: &'a AssertionClaims,
    now: i64,
) -> Result<&'a str, OAuthError> {
    let issuer = claims
        .iss
        .as_deref()
        .ok_or_else(|| aadsts::missing_assertion_field("iss"))?;
    if !issuer.eq_ignore_ascii_case(&principal.app_id) {
        return Err(aadsts::assertion_issuer_mismatch(&principal.app_id));
    }
    let subject = claims
        .sub
        .as_deref()
        .ok_or_else(|| aadsts::missing_assertion_field("sub"))?;
    if subject != issuer {
        return Err(aadsts::assertion_subject_mismatch());
    }
    let audience = claims
        .aud
        .as_ref()
        .ok_or_else(|| aadsts::missing_assertion_field("aud"))?;
    let accepted = accepted_audiences(state.config.base(), tenant);
    let audiences = audience.values();
    if !audiences.iter().any(|audience| {
        accepted
            .iter()
            .any(|accepted| accepted.eq_ignore_ascii_case(audience))
    }) {
        return Err(aadsts::assertion_wrong_audience(
            &audiences.join(", "),
            &format!(
                "{}/{}/oauth2/v2.0/token",
                state.config.base(),
                tenant.tenant_id
            ),
        ));
    }
    let expiry = claims
        .exp
        .ok_or_else(|| aadsts::missing_assertion_field("exp"))? as i64;
    let not_before = claims.nbf.map(|nbf| nbf as i64);
    if expiry <= now || not_before.is_some_and(|nbf| nbf > now + NOT_BEFORE_SKEW_SECONDS) {
        return Err(aadsts::assertion_time_range(
            &format_unix(now),
            &not_before.map_or_else(|| "-".to_owned(), format_unix),
            &format_unix(expiry),
        ));
    }
    claims
        .jti
        .as_deref()
        .filter(|jti| !jti.is_empty())
        .ok_or_else(|| aadsts::missing_assertion_field("jti"))
}

/// The token endpoint URLs of `tenant` an assertion may be addressed to: v1 and v2, by tenant
/// id or domain, at this service or at Entra's own host.
fn accepted_audiences(base: &str, tenant: &Tenant) -> Vec<String> {
    let mut accepted = Vec::with_capacity(8);
    for host in [base, ENTRA_HOST] {
        for tenant_name in [&tenant.tenant_id, &tenant.default_domain] {
            for path in ["oauth2/token", "oauth2/v2.0/token"] {
                accepted.push(format!("{host}/{tenant_name}/{path}"));
            }
        }
    }
    accepted
}

/// Records the assertion id; a second use of the same id by the same client is a replay.
async fn remember(
    state: &ServiceState,
    principal: &ServicePrincipal,
    jti: &str,
    expires_at: i64,
    now: i64,
) -> Result<(), OAuthError> {
    let mut transaction = state.store.write().await.map_err(store_failure)?;
    // Pruning here keeps the table as small as the set of live assertions.
    forget_expired_assertions(&mut transaction, now)
        .await
        .map_err(store_failure)?;
    let client_id = principal.app_id.to_ascii_lowercase();
    let first_use = remember_assertion(&mut transaction, &client_id, jti, expires_at)
        .await
        .map_err(store_failure)?;
    transaction.commit().await.map_err(store_failure)?;
    if first_use {
        Ok(())
    } else {
        Err(aadsts::assertion_replayed())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assertions_may_be_addressed_to_either_endpoint_by_id_or_domain() {
        let tenant = Tenant {
            tenant_id: "t-id".to_owned(),
            display_name: "T".to_owned(),
            default_domain: "t.onmicrosoft.com".to_owned(),
            created_at: 0,
        };
        let accepted = accepted_audiences("http://127.0.0.1:9", &tenant);
        assert!(accepted.contains(&"http://127.0.0.1:9/t-id/oauth2/v2.0/token".to_owned()));
        assert!(accepted.contains(&"http://127.0.0.1:9/t.onmicrosoft.com/oauth2/token".to_owned()));
        assert!(
            accepted
                .contains(&"https://login.microsoftonline.com/t-id/oauth2/v2.0/token".to_owned())
        );
        assert_eq!(accepted.len(), 8);
    }
}
