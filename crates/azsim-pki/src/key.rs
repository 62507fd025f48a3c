//! Key pairs: generation, PEM import and export.

use std::fmt;

use openssl::ec::{EcGroup, EcKey};
use openssl::nid::Nid;
use openssl::pkey::{Id, PKey, PKeyRef, Private};
use openssl::rsa::Rsa;

use crate::PkiError;

/// A private key (EC P-256 or RSA) with its PEM forms.
///
/// The PEM forms are produced once, when the key is made, so reading them cannot fail later.
/// `Debug` shows the key type only, never the key.
pub struct KeyPair {
    pkey: PKey<Private>,
    private_key_pem: String,
    public_key_pem: String,
}

impl KeyPair {
    /// Generates an EC key on the P-256 curve (what ES256 signs with).
    pub fn generate_ec_p256() -> Result<KeyPair, PkiError> {
        let generate = || -> Result<PKey<Private>, openssl::error::ErrorStack> {
            let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1)?;
            PKey::from_ec_key(EcKey::generate(&group)?)
        };
        let pkey = generate().map_err(|source| PkiError::GenerateKey {
            algorithm: "EC P-256",
            source,
        })?;
        Self::from_pkey(pkey)
    }

    /// Generates an RSA key of `bits` bits (2048 to 8192, a multiple of 8).
    pub fn generate_rsa(bits: u32) -> Result<KeyPair, PkiError> {
        if !(2048..=8192).contains(&bits) || !bits.is_multiple_of(8) {
            return Err(PkiError::UnsupportedKeySize { bits });
        }
        let pkey = Rsa::generate(bits)
            .and_then(PKey::from_rsa)
            .map_err(|source| PkiError::GenerateKey {
                algorithm: "RSA",
                source,
            })?;
        Self::from_pkey(pkey)
    }

    /// Parses a private key PEM: PKCS#8 (`PRIVATE KEY`) or traditional (`RSA PRIVATE KEY`,
    /// `EC PRIVATE KEY`).
    pub fn from_pem(pem: &str) -> Result<KeyPair, PkiError> {
        let pkey = PKey::private_key_from_pem(pem.as_bytes()).map_err(PkiError::ParseKey)?;
        Self::from_pkey(pkey)
    }

    /// The private key as a PKCS#8 `PRIVATE KEY` PEM.
    pub fn private_key_pem(&self) -> String {
        self.private_key_pem.clone()
    }

    /// The public key as a `PUBLIC KEY` (SubjectPublicKeyInfo) PEM.
    pub fn public_key_pem(&self) -> String {
        self.public_key_pem.clone()
    }

    /// The openssl key, for signing.
    pub fn pkey(&self) -> &PKeyRef<Private> {
        &self.pkey
    }

    /// Whether this is an RSA key (as opposed to EC).
    pub fn is_rsa(&self) -> bool {
        self.pkey.id() == Id::RSA
    }

    fn from_pkey(pkey: PKey<Private>) -> Result<KeyPair, PkiError> {
        let private_key_pem = pem_string(
            pkey.private_key_to_pem_pkcs8(),
            "the private key as PKCS#8 PEM",
        )?;
        let public_key_pem = pem_string(pkey.public_key_to_pem(), "the public key as PEM")?;
        Ok(KeyPair {
            pkey,
            private_key_pem,
            public_key_pem,
        })
    }
}

impl fmt::Debug for KeyPair {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("KeyPair")
            .field("type", &self.pkey.id())
            .field("bits", &self.pkey.bits())
            .finish_non_exhaustive()
    }
}

/// Turns openssl's PEM bytes into a `String` (PEM is ASCII by construction).
pub(crate) fn pem_string(
    pem: Result<Vec<u8>, openssl::error::ErrorStack>,
    what: &'static str,
) -> Result<String, PkiError> {
    let bytes = pem.map_err(|source| PkiError::Encode { what, source })?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ec_key_round_trips_through_pkcs8_pem() {
        let key = KeyPair::generate_ec_p256().unwrap();
        assert!(
            key.private_key_pem()
                .starts_with("-----BEGIN PRIVATE KEY-----")
        );
        let again = KeyPair::from_pem(&key.private_key_pem()).unwrap();
        assert_eq!(again.public_key_pem(), key.public_key_pem());
        assert!(!again.is_rsa());
    }

    #[test]
    fn rsa_key_parses_from_traditional_pem() {
        let key = KeyPair::generate_rsa(2048).unwrap();
        let traditional = key.pkey().rsa().unwrap().private_key_to_pem().unwrap();
        let traditional = String::from_utf8(traditional).unwrap();
        assert!(traditional.starts_with("-----BEGIN RSA PRIVATE KEY-----"));
        let again = KeyPair::from_pem(&traditional).unwrap();
        assert_eq!(again.public_key_pem(), key.public_key_pem());
        assert!(
            again
                .private_key_pem()
                .starts_with("-----BEGIN PRIVATE KEY-----")
        );
        assert!(again.is_rsa());
    }

    #[test]
    fn rsa_generation_rejects_weak_sizes() {
        assert!(matches!(
            KeyPair::generate_rsa(1024),
            Err(PkiError::UnsupportedKeySize { bits: 1024 })
        ));
    }

    #[test]
    fn garbage_pem_is_a_parse_error() {
        assert!(matches!(
            KeyPair::from_pem("not a key"),
            Err(PkiError::ParseKey(_))
        ));
    }

    #[test]
    fn debug_never_prints_the_key() {
        let key = KeyPair::generate_ec_p256().unwrap();
        let debug = format!("{key:?}");
        assert!(!debug.contains("PRIVATE"));
    }
}
