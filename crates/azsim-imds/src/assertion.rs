//! The client assertion: a short-lived JWT, signed with the identity's certificate key, that
//! authenticates the agent to the token service in place of a secret.

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::{Deserialize, Serialize};

use crate::model::IdentityCredential;

/// The `client_assertion_type` of a JWT client assertion (RFC 7523).
pub(crate) const CLIENT_ASSERTION_TYPE: &str =
    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// How long an assertion is valid, in seconds: long enough for one request, short as the
/// token service recommends.
pub(crate) const ASSERTION_LIFETIME_SECS: i64 = 600;

/// The claims of a client assertion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct AssertionClaims {
    /// The token endpoint the assertion is for, exactly as posted to.
    pub aud: String,
    /// The client id.
    pub iss: String,
    /// The client id again.
    pub sub: String,
    /// A fresh GUID, so the token service can refuse replays.
    pub jti: String,
    /// Issue time, unix seconds.
    pub iat: i64,
    /// Not valid before, unix seconds (the issue time).
    pub nbf: i64,
    /// Expiry, unix seconds.
    pub exp: i64,
}

/// Why an assertion could not be built.
#[derive(Debug, thiserror::Error)]
pub enum AssertionError {
    /// The identity's certificate is not a readable PEM certificate.
    #[error("the certificate of client {client_id} cannot be read")]
    Certificate {
        /// The identity whose certificate is bad.
        client_id: String,
        /// What the certificate library reported.
        #[source]
        source: azsim_pki::PkiError,
    },
    /// The identity's private key is not a PKCS#8 EC key.
    #[error("the private key of client {client_id} cannot be read")]
    PrivateKey {
        /// The identity whose key is bad.
        client_id: String,
        /// What the JWT library reported.
        #[source]
        source: jsonwebtoken::errors::Error,
    },
    /// Signing failed.
    #[error("signing the assertion of client {client_id} failed")]
    Sign {
        /// The identity being signed for.
        client_id: String,
        /// What the JWT library reported.
        #[source]
        source: jsonwebtoken::errors::Error,
    },
}

/// The `x5t#S256` thumbprint of a PEM certificate: base64url (no padding) of the SHA-256 of
/// its DER encoding.
pub(crate) fn certificate_sha256_thumbprint(
    certificate_pem: &str,
) -> Result<String, azsim_pki::PkiError> {
    Ok(azsim_pki::Certificate::from_pem(certificate_pem)?
        .thumbprints()
        .sha256_base64url())
}

/// The claims of an assertion by `client_id` for `audience`, issued at `now` (unix seconds).
pub(crate) fn assertion_claims(client_id: &str, audience: &str, now: i64) -> AssertionClaims {
    AssertionClaims {
        aud: audience.to_owned(),
        iss: client_id.to_owned(),
        sub: client_id.to_owned(),
        jti: uuid::Uuid::new_v4().to_string(),
        iat: now,
        nbf: now,
        exp: now + ASSERTION_LIFETIME_SECS,
    }
}

/// Signs an ES256 client assertion for `credential`, addressed to the token endpoint
/// `audience`, issued at `now` (unix seconds from the cloud's clock).
pub(crate) fn sign_client_assertion(
    credential: &IdentityCredential,
    audience: &str,
    now: i64,
) -> Result<String, AssertionError> {
    let thumbprint =
        certificate_sha256_thumbprint(&credential.certificate_pem).map_err(|source| {
            AssertionError::Certificate {
                client_id: credential.client_id.clone(),
                source,
            }
        })?;
    let key =
        EncodingKey::from_ec_pem(credential.private_key_pem.as_bytes()).map_err(|source| {
            AssertionError::PrivateKey {
                client_id: credential.client_id.clone(),
                source,
            }
        })?;
    let mut header = Header::new(Algorithm::ES256);
    header.x5t_s256 = Some(thumbprint);
    let claims = assertion_claims(&credential.client_id, audience, now);
    jsonwebtoken::encode(&header, &claims, &key).map_err(|source| AssertionError::Sign {
        client_id: credential.client_id.clone(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use jsonwebtoken::{DecodingKey, Validation};

    use super::*;
    use crate::model::IdentityKind;
    use crate::test_support::generate_certificate;

    const AUDIENCE: &str = "http://127.0.0.1:4000/tenant-1/oauth2/token";

    fn credential() -> IdentityCredential {
        let (certificate_pem, private_key_pem) = generate_certificate("client-1");
        IdentityCredential {
            kind: IdentityKind::SystemAssigned,
            client_id: "7a1c2b1e-1111-4222-8333-444455556666".to_owned(),
            object_id: "0b0b0b0b-1111-4222-8333-444455556666".to_owned(),
            resource_id:
                "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm"
                    .to_owned(),
            tenant_id: "tenant-1".to_owned(),
            certificate_pem,
            private_key_pem,
        }
    }

    #[test]
    fn assertion_verifies_with_the_certificate_and_carries_the_claims() {
        let credential = credential();
        let now = azsim_core::ManualClock::starting_now();
        let now = azsim_core::Clock::unix_seconds(&now);

        let assertion = sign_client_assertion(&credential, AUDIENCE, now).unwrap();

        let header = jsonwebtoken::decode_header(&assertion).unwrap();
        assert_eq!(header.alg, Algorithm::ES256);
        assert_eq!(header.typ.as_deref(), Some("JWT"));
        let certificate =
            openssl::x509::X509::from_pem(credential.certificate_pem.as_bytes()).unwrap();
        let expected_thumbprint =
            URL_SAFE_NO_PAD.encode(openssl::sha::sha256(&certificate.to_der().unwrap()));
        assert_eq!(
            header.x5t_s256.as_deref(),
            Some(expected_thumbprint.as_str())
        );
        assert_eq!(header.x5t, None);

        let key = DecodingKey::from_ec_pem(credential.certificate_pem.as_bytes()).unwrap();
        let mut validation = Validation::new(Algorithm::ES256);
        validation.set_audience(&[AUDIENCE]);
        validation.set_issuer(&[credential.client_id.as_str()]);
        validation.sub = Some(credential.client_id.clone());
        validation.set_required_spec_claims(&["exp", "nbf", "aud", "iss", "sub"]);
        let claims = jsonwebtoken::decode::<AssertionClaims>(&assertion, &key, &validation)
            .unwrap()
            .claims;
        assert_eq!(claims.aud, AUDIENCE);
        assert_eq!(claims.iss, credential.client_id);
        assert_eq!(claims.sub, credential.client_id);
        assert_eq!(claims.iat, now);
        assert_eq!(claims.nbf, now);
        assert_eq!(claims.exp, now + 600);
        assert!(uuid::Uuid::parse_str(&claims.jti).is_ok());
    }

    #[test]
    fn header_names_the_sha256_thumbprint_on_the_wire() {
        let credential = credential();
        let assertion = sign_client_assertion(&credential, AUDIENCE, 1_700_000_000).unwrap();
        let encoded_header = assertion.split('.').next().unwrap();
        let header: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(encoded_header).unwrap()).unwrap();
        assert_eq!(header["alg"], "ES256");
        assert_eq!(header["typ"], "JWT");
        assert_eq!(
            header["x5t#S256"],
            certificate_sha256_thumbprint(&credential.certificate_pem).unwrap()
        );
    }

    #[test]
    fn every_assertion_has_a_new_jti() {
        let first = assertion_claims("c", AUDIENCE, 10);
        let second = assertion_claims("c", AUDIENCE, 10);
        assert_ne!(first.jti, second.jti);
    }

    #[test]
    fn assertion_does_not_verify_with_another_certificate() {
        let credential = credential();
        let (other_certificate, _) = generate_certificate("other");
        let assertion = sign_client_assertion(&credential, AUDIENCE, 1_700_000_000).unwrap();
        let key = DecodingKey::from_ec_pem(other_certificate.as_bytes()).unwrap();
        let mut validation = Validation::new(Algorithm::ES256);
        validation.validate_exp = false;
        validation.set_audience(&[AUDIENCE]);
        assert!(jsonwebtoken::decode::<AssertionClaims>(&assertion, &key, &validation).is_err());
    }

    #[test]
    fn unreadable_key_is_a_typed_error() {
        let mut credential = credential();
        credential.private_key_pem = "not a key".to_owned();
        let error = sign_client_assertion(&credential, AUDIENCE, 1).unwrap_err();
        assert!(matches!(error, AssertionError::PrivateKey { .. }));
    }
}
