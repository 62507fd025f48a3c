//! Tokens and assertions an attacker makes: re-signed, altered, unsigned, signed with the
//! wrong key or algorithm. Each starts from a real token so it differs in one thing only.

use azsim_pki::KeyPair;
use azsim_store::signing_keys::list_signing_keys;
use azsim_testkit::FakeCloud;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::Value;

/// A JWT taken apart: header and claims as JSON, the signature as sent.
#[derive(Debug, Clone)]
pub(crate) struct Jwt {
    pub(crate) header: Value,
    pub(crate) claims: Value,
    pub(crate) signature: String,
}

impl Jwt {
    /// Parses a compact JWS.
    pub(crate) fn parse(token: &str) -> Jwt {
        let mut parts = token.split('.');
        let json = |part: Option<&str>| -> Value {
            let bytes = URL_SAFE_NO_PAD.decode(part.expect("a JWT part")).unwrap();
            serde_json::from_slice(&bytes).unwrap()
        };
        let header = json(parts.next());
        let claims = json(parts.next());
        let signature = parts.next().expect("a signature").to_owned();
        Jwt {
            header,
            claims,
            signature,
        }
    }

    /// `header.claims` in base64url: what a signature covers.
    pub(crate) fn signing_input(&self) -> String {
        format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(self.header.to_string()),
            URL_SAFE_NO_PAD.encode(self.claims.to_string())
        )
    }

    /// The token with its original signature, whatever was changed since parsing.
    pub(crate) fn with_kept_signature(&self) -> String {
        format!("{}.{}", self.signing_input(), self.signature)
    }

    /// The token with an empty signature (`alg: none`, RFC 7519 6.1).
    pub(crate) fn unsigned(&self) -> String {
        format!("{}.", self.signing_input())
    }

    /// The token signed with `key` by `algorithm` (the header's `alg` is set to match).
    pub(crate) fn signed(&self, algorithm: Algorithm, key: &EncodingKey) -> String {
        let mut jwt = self.clone();
        jwt.header["alg"] = Value::from(format!("{algorithm:?}"));
        let input = jwt.signing_input();
        let signature = jsonwebtoken::crypto::sign(input.as_bytes(), key, algorithm).unwrap();
        format!("{input}.{signature}")
    }
}

/// The token service's signing key (private, RSA) as the store keeps it: what lets a test
/// make a token that differs from a real one only in a claim and still verifies.
pub(crate) async fn real_signing_key(cloud: &FakeCloud) -> EncodingKey {
    let mut conn = cloud.cloud().store().read().await.unwrap();
    let key = list_signing_keys(&mut conn)
        .await
        .unwrap()
        .into_iter()
        .next()
        .expect("the token service has a signing key");
    EncodingKey::from_rsa_pem(key.private_key_pem.as_bytes()).unwrap()
}

/// The token service's public signing key in PEM, as anyone can build it from the JWKS.
pub(crate) async fn public_signing_key_pem(cloud: &FakeCloud) -> String {
    let mut conn = cloud.cloud().store().read().await.unwrap();
    let key = list_signing_keys(&mut conn)
        .await
        .unwrap()
        .into_iter()
        .next()
        .expect("the token service has a signing key");
    KeyPair::from_pem(&key.private_key_pem)
        .unwrap()
        .public_key_pem()
}

/// A fresh RSA key nobody registered.
pub(crate) fn fresh_rsa_key() -> EncodingKey {
    let key = KeyPair::generate_rsa(2048).unwrap();
    EncodingKey::from_rsa_pem(key.private_key_pem().as_bytes()).unwrap()
}

/// A fresh EC P-256 key nobody registered.
pub(crate) fn fresh_ec_key() -> EncodingKey {
    let key = KeyPair::generate_ec_p256().unwrap();
    EncodingKey::from_ec_pem(key.private_key_pem().as_bytes()).unwrap()
}
