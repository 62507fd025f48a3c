//! Certificate thumbprints: hashes of the DER encoding, as `openssl x509 -fingerprint` prints.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// The SHA-1 and SHA-256 hashes of a certificate's DER encoding.
///
/// SHA-1 is what JWT `x5t` headers and JWKS `kid`s carry; SHA-256 is what `x5t#S256` carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Thumbprints {
    /// SHA-1 of the DER certificate.
    pub sha1: [u8; 20],
    /// SHA-256 of the DER certificate.
    pub sha256: [u8; 32],
}

impl Thumbprints {
    /// The thumbprints of `der`, a DER-encoded certificate.
    pub fn of_der(der: &[u8]) -> Thumbprints {
        Thumbprints {
            sha1: openssl::sha::sha1(der),
            sha256: openssl::sha::sha256(der),
        }
    }

    /// SHA-1 as upper-case hex without separators (the form Azure shows).
    pub fn sha1_hex(&self) -> String {
        upper_hex(&self.sha1)
    }

    /// SHA-256 as upper-case hex without separators.
    pub fn sha256_hex(&self) -> String {
        upper_hex(&self.sha256)
    }

    /// SHA-1 as unpadded base64url (a JWT `x5t`, a JWKS `kid`).
    pub fn sha1_base64url(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.sha1)
    }

    /// SHA-256 as unpadded base64url (a JWT `x5t#S256`).
    pub fn sha256_base64url(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.sha256)
    }
}

/// Upper-case hex of `bytes`, no separators.
pub(crate) fn upper_hex(bytes: &[u8]) -> String {
    hex::encode_upper(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_and_base64url_forms_encode_the_same_digest() {
        let thumbprints = Thumbprints::of_der(b"abc");
        // SHA-1("abc") and SHA-256("abc") from FIPS 180-2.
        assert_eq!(
            thumbprints.sha1_hex(),
            "A9993E364706816ABA3E25717850C26C9CD0D89D"
        );
        assert_eq!(
            thumbprints.sha256_hex(),
            "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"
        );
        assert_eq!(thumbprints.sha1_base64url(), "qZk-NkcGgWq6PiVxeFDCbJzQ2J0");
        assert_eq!(thumbprints.sha256_base64url().len(), 43);
    }
}
