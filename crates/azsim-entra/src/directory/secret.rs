//! Client secrets: made here, kept by the directory only as their SHA-256 digest, and checked
//! against that digest. The one place the digest is computed.

use std::fmt;

/// A client secret in the clear. Its `Debug` hides it, so it never reaches a log.
#[derive(Clone, PartialEq, Eq)]
pub struct ClientSecret(String);

impl ClientSecret {
    /// A new secret in the style of Entra's: 40 characters of base64url randomness.
    pub fn generate() -> Self {
        Self(crate::random::random_base64url(30))
    }

    /// A secret as a client presented it (or as a test chose it).
    pub fn new(secret: impl Into<String>) -> Self {
        Self(secret.into())
    }

    /// The secret itself, to hand to the application's owner.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The form the directory keeps (`credentials.secret_sha256`): SHA-256 of the secret's
    /// UTF-8 bytes, in lower-case hex.
    pub fn digest(&self) -> String {
        hex::encode(openssl::sha::sha256(self.0.as_bytes()))
    }

    /// Whether `stored_digest` (any case) is this secret's digest. The comparison takes the
    /// same time wherever the digests differ, so timing says nothing about near misses.
    pub fn verify(&self, stored_digest: &str) -> bool {
        let digest = self.digest();
        stored_digest.len() == digest.len()
            && openssl::memcmp::eq(
                stored_digest.to_ascii_lowercase().as_bytes(),
                digest.as_bytes(),
            )
    }
}

impl fmt::Debug for ClientSecret {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("ClientSecret(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_is_lower_case_hex_sha256() {
        // SHA-256("abc"), the FIPS 180-2 example.
        assert_eq!(
            ClientSecret::new("abc").digest(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn verify_accepts_the_digest_in_any_case_and_nothing_else() {
        let secret = ClientSecret::generate();
        assert!(secret.verify(&secret.digest()));
        assert!(secret.verify(&secret.digest().to_uppercase()));
        assert!(!secret.verify(&ClientSecret::generate().digest()));
        assert!(!secret.verify(""));
    }

    #[test]
    fn generated_secrets_are_40_characters_and_new_each_time() {
        let first = ClientSecret::generate();
        assert_eq!(first.expose().len(), 40);
        assert_ne!(first, ClientSecret::generate());
    }

    #[test]
    fn debug_hides_the_secret() {
        assert!(!format!("{:?}", ClientSecret::new("hunter2")).contains("hunter2"));
    }
}
