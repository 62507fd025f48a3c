//! Compact JWS: splitting, base64url, RS256 signing, and RS256/PS256/ES256 verification.
//!
//! Written on openssl directly, so that the tests can judge it with an independent JWT
//! library.

use base64::Engine;
use base64::alphabet::URL_SAFE;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use openssl::bn::BigNum;
use openssl::ecdsa::EcdsaSig;
use openssl::error::ErrorStack;
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{Id, PKeyRef, Private, Public};
use openssl::rsa::Padding;
use openssl::sign::{RsaPssSaltlen, Signer, Verifier};
use serde::Deserialize;

/// base64url that accepts input with or without padding (JWS forbids it; lenient costs nothing).
const LENIENT_URL_SAFE: GeneralPurpose = GeneralPurpose::new(
    &URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// The header members azsim reads.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct JwsHeader {
    /// The signature algorithm.
    pub(crate) alg: String,
    /// The key id.
    #[serde(default)]
    pub(crate) kid: Option<String>,
    /// base64url SHA-1 thumbprint of the signing certificate.
    #[serde(default)]
    pub(crate) x5t: Option<String>,
    /// base64url SHA-256 thumbprint of the signing certificate.
    #[serde(default, rename = "x5t#S256")]
    pub(crate) x5t_s256: Option<String>,
}

/// A compact JWS split into its parts, signature not yet checked.
#[derive(Debug)]
pub(crate) struct UnverifiedJws<'a> {
    pub(crate) header: JwsHeader,
    /// The decoded payload (JSON bytes).
    pub(crate) payload: Vec<u8>,
    /// `base64url(header) "." base64url(payload)`: what the signature covers.
    pub(crate) signing_input: &'a str,
    pub(crate) signature: Vec<u8>,
}

/// The algorithms azsim verifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JwsAlgorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    Rs256,
    /// RSASSA-PSS with SHA-256, MGF1-SHA-256 and a 32-byte salt (RFC 7518 3.5).
    Ps256,
    /// ECDSA on P-256 with SHA-256, signature as the raw `r || s` (RFC 7518 3.4).
    Es256,
}

impl JwsAlgorithm {
    /// The algorithm named by a header's `alg`, if azsim supports it.
    pub(crate) fn from_name(name: &str) -> Option<Self> {
        match name {
            "RS256" => Some(Self::Rs256),
            "PS256" => Some(Self::Ps256),
            "ES256" => Some(Self::Es256),
            _ => None,
        }
    }
}

/// Splits and decodes a compact JWS; `None` if it is not three base64url parts with a JSON
/// object header.
pub(crate) fn parse(token: &str) -> Option<UnverifiedJws<'_>> {
    let (signing_input, signature) = token.rsplit_once('.')?;
    let (header, payload) = signing_input.split_once('.')?;
    if payload.contains('.') {
        return None;
    }
    let header: JwsHeader = serde_json::from_slice(&decode(header)?).ok()?;
    Some(UnverifiedJws {
        header,
        payload: decode(payload)?,
        signing_input,
        signature: decode(signature)?,
    })
}

/// Decodes base64url with or without padding.
pub(crate) fn decode(part: &str) -> Option<Vec<u8>> {
    LENIENT_URL_SAFE.decode(part).ok()
}

/// Encodes base64url without padding.
pub(crate) fn encode(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Signs `header` and `claims` (JSON bytes) with RS256 and returns the compact JWS.
pub(crate) fn sign_rs256(
    key: &PKeyRef<Private>,
    header: &[u8],
    claims: &[u8],
) -> Result<String, ErrorStack> {
    let signing_input = format!("{}.{}", encode(header), encode(claims));
    let mut signer = Signer::new(MessageDigest::sha256(), key)?;
    signer.update(signing_input.as_bytes())?;
    let signature = signer.sign_to_vec()?;
    Ok(format!("{signing_input}.{}", encode(&signature)))
}

/// Whether `signature` over `signing_input` verifies with `key` under `algorithm`. A key of
/// the wrong type for the algorithm never verifies.
pub(crate) fn verify(
    algorithm: JwsAlgorithm,
    key: &PKeyRef<Public>,
    signing_input: &[u8],
    signature: &[u8],
) -> bool {
    let result = match algorithm {
        JwsAlgorithm::Rs256 if key.id() == Id::RSA => {
            verify_rsa(key, false, signing_input, signature)
        }
        JwsAlgorithm::Ps256 if key.id() == Id::RSA => {
            verify_rsa(key, true, signing_input, signature)
        }
        JwsAlgorithm::Es256 if is_p256(key) => verify_es256(key, signing_input, signature),
        _ => Ok(false),
    };
    // An openssl error here means a malformed signature or key: it does not verify.
    result.unwrap_or(false)
}

fn verify_rsa(
    key: &PKeyRef<Public>,
    pss: bool,
    signing_input: &[u8],
    signature: &[u8],
) -> Result<bool, ErrorStack> {
    let mut verifier = Verifier::new(MessageDigest::sha256(), key)?;
    if pss {
        verifier.set_rsa_padding(Padding::PKCS1_PSS)?;
        verifier.set_rsa_mgf1_md(MessageDigest::sha256())?;
        verifier.set_rsa_pss_saltlen(RsaPssSaltlen::DIGEST_LENGTH)?;
    }
    verifier.update(signing_input)?;
    verifier.verify(signature)
}

fn verify_es256(
    key: &PKeyRef<Public>,
    signing_input: &[u8],
    signature: &[u8],
) -> Result<bool, ErrorStack> {
    // JWS carries r and s as two 32-byte big-endian integers; openssl wants DER.
    if signature.len() != 64 {
        return Ok(false);
    }
    let (r, s) = signature.split_at(32);
    let der = EcdsaSig::from_private_components(BigNum::from_slice(r)?, BigNum::from_slice(s)?)?
        .to_der()?;
    let mut verifier = Verifier::new(MessageDigest::sha256(), key)?;
    verifier.update(signing_input)?;
    verifier.verify(&der)
}

fn is_p256(key: &PKeyRef<Public>) -> bool {
    key.ec_key()
        .is_ok_and(|ec| ec.group().curve_name() == Some(Nid::X9_62_PRIME256V1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use azsim_pki::KeyPair;
    use openssl::pkey::PKey;

    fn public(key: &KeyPair) -> PKey<Public> {
        PKey::public_key_from_pem(key.public_key_pem().as_bytes()).unwrap()
    }

    #[test]
    fn rs256_signature_verifies_and_a_changed_payload_does_not() {
        let key = KeyPair::generate_rsa(2048).unwrap();
        let token = sign_rs256(key.pkey(), br#"{"alg":"RS256"}"#, br#"{"a":1}"#).unwrap();
        let jws = parse(&token).unwrap();
        assert_eq!(jws.header.alg, "RS256");
        assert_eq!(jws.payload, br#"{"a":1}"#);
        let public = public(&key);
        assert!(verify(
            JwsAlgorithm::Rs256,
            &public,
            jws.signing_input.as_bytes(),
            &jws.signature
        ));
        assert!(!verify(
            JwsAlgorithm::Rs256,
            &public,
            b"other",
            &jws.signature
        ));
        // The same signature is not a valid PS256 signature.
        assert!(!verify(
            JwsAlgorithm::Ps256,
            &public,
            jws.signing_input.as_bytes(),
            &jws.signature
        ));
    }

    #[test]
    fn es256_raw_signature_verifies_with_the_ec_key_only() {
        let key = KeyPair::generate_ec_p256().unwrap();
        let input = b"header.payload";
        let mut signer = Signer::new(MessageDigest::sha256(), key.pkey()).unwrap();
        signer.update(input).unwrap();
        let der = signer.sign_to_vec().unwrap();
        let signature = EcdsaSig::from_der(&der).unwrap();
        let mut raw = signature.r().to_vec_padded(32).unwrap();
        raw.extend(signature.s().to_vec_padded(32).unwrap());
        let public = public(&key);
        assert!(verify(JwsAlgorithm::Es256, &public, input, &raw));
        assert!(!verify(JwsAlgorithm::Es256, &public, input, &der));
        assert!(!verify(JwsAlgorithm::Rs256, &public, input, &raw));
    }

    #[test]
    fn parse_rejects_anything_but_three_parts_with_a_json_header() {
        assert!(parse("a.b").is_none());
        assert!(parse("a.b.c.d").is_none());
        assert!(parse(&format!("{}.{}.", encode(b"not json"), encode(b"{}"))).is_none());
        assert!(parse(&format!("{}.{}.", encode(br#"{"alg":"RS256"}"#), "!!")).is_none());
        assert!(
            parse(&format!(
                "{}.{}.",
                encode(br#"{"alg":"RS256"}"#),
                encode(b"{}")
            ))
            .is_some()
        );
    }
}
