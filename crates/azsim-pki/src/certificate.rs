//! A parsed X.509 certificate and the facts azsim reads from it.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use openssl::asn1::{Asn1Time, Asn1TimeRef};
use openssl::nid::Nid;
use openssl::pkey::{PKey, Public};
use openssl::x509::X509;

use crate::key::pem_string;
use crate::{PkiError, Thumbprints};

/// An X.509 certificate with its encodings, thumbprints and validity read once at parse time.
#[derive(Clone)]
pub struct Certificate {
    x509: X509,
    der: Vec<u8>,
    pem: String,
    thumbprints: Thumbprints,
    not_before: i64,
    not_after: i64,
}

impl Certificate {
    /// Parses a `CERTIFICATE` PEM (the first one, if there are several).
    pub fn from_pem(pem: &str) -> Result<Certificate, PkiError> {
        let x509 = X509::from_pem(pem.as_bytes()).map_err(|source| PkiError::ParseCertificate {
            format: "PEM",
            source,
        })?;
        Self::from_x509(x509)
    }

    /// Parses a DER-encoded certificate.
    pub fn from_der(der: &[u8]) -> Result<Certificate, PkiError> {
        let x509 = X509::from_der(der).map_err(|source| PkiError::ParseCertificate {
            format: "DER",
            source,
        })?;
        Self::from_x509(x509)
    }

    /// The certificate as a `CERTIFICATE` PEM.
    pub fn to_pem(&self) -> String {
        self.pem.clone()
    }

    /// The certificate's DER encoding.
    pub fn to_der(&self) -> Vec<u8> {
        self.der.clone()
    }

    /// The SHA-1 and SHA-256 thumbprints of the DER encoding.
    pub fn thumbprints(&self) -> Thumbprints {
        self.thumbprints
    }

    /// Start of validity, unix seconds.
    pub fn not_before_unix(&self) -> i64 {
        self.not_before
    }

    /// End of validity, unix seconds.
    pub fn not_after_unix(&self) -> i64 {
        self.not_after
    }

    /// Whether the certificate is valid at `unix_seconds` (inclusive at both ends, as X.509).
    pub fn is_valid_at(&self, unix_seconds: i64) -> bool {
        self.not_before <= unix_seconds && unix_seconds <= self.not_after
    }

    /// The subject's common name, if it has one that is valid UTF-8.
    pub fn subject_common_name(&self) -> Option<String> {
        self.x509
            .subject_name()
            .entries_by_nid(Nid::COMMONNAME)
            .next()
            .and_then(|entry| entry.data().to_string().ok())
    }

    /// The subject public key.
    pub fn public_key(&self) -> Result<PKey<Public>, PkiError> {
        self.x509.public_key().map_err(PkiError::PublicKey)
    }

    /// Whether `issuer` issued this certificate: its subject is this certificate's issuer and
    /// this certificate's signature verifies with its public key.
    ///
    /// Key usage is not checked, so a self-signed end-entity certificate counts as issued by
    /// itself.
    pub fn is_issued_by(&self, issuer: &Certificate) -> bool {
        let names_match = issuer
            .x509
            .subject_name()
            .try_cmp(self.x509.issuer_name())
            .is_ok_and(|ordering| ordering.is_eq());
        if !names_match {
            return false;
        }
        match issuer.x509.public_key() {
            Ok(key) => self.x509.verify(&key).unwrap_or(false),
            Err(_) => false,
        }
    }

    /// The RSA modulus and exponent as unpadded base64url (the JWKS `n` and `e`), or `None`
    /// for a non-RSA key.
    pub fn rsa_public_components(&self) -> Option<(String, String)> {
        let rsa = self.x509.public_key().ok()?.rsa().ok()?;
        Some((
            URL_SAFE_NO_PAD.encode(rsa.n().to_vec()),
            URL_SAFE_NO_PAD.encode(rsa.e().to_vec()),
        ))
    }

    /// The openssl certificate.
    pub fn x509(&self) -> &X509 {
        &self.x509
    }

    pub(crate) fn from_x509(x509: X509) -> Result<Certificate, PkiError> {
        let der = x509.to_der().map_err(|source| PkiError::Encode {
            what: "the certificate as DER",
            source,
        })?;
        let pem = pem_string(x509.to_pem(), "the certificate as PEM")?;
        let not_before = unix_seconds(x509.not_before())?;
        let not_after = unix_seconds(x509.not_after())?;
        Ok(Certificate {
            thumbprints: Thumbprints::of_der(&der),
            x509,
            der,
            pem,
            not_before,
            not_after,
        })
    }
}

impl fmt::Debug for Certificate {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("Certificate")
            .field("subject_common_name", &self.subject_common_name())
            .field("sha1", &self.thumbprints.sha1_hex())
            .field("not_before", &self.not_before)
            .field("not_after", &self.not_after)
            .finish()
    }
}

impl PartialEq for Certificate {
    fn eq(&self, other: &Self) -> bool {
        self.der == other.der
    }
}

impl Eq for Certificate {}

/// An ASN.1 time as unix seconds (openssl only offers differences between times).
fn unix_seconds(time: &Asn1TimeRef) -> Result<i64, PkiError> {
    let read = || -> Result<i64, openssl::error::ErrorStack> {
        let epoch = Asn1Time::from_unix(0)?;
        let diff = epoch.diff(time)?;
        Ok(i64::from(diff.days) * 86_400 + i64::from(diff.secs))
    };
    read().map_err(|source| PkiError::ParseCertificate {
        format: "validity",
        source,
    })
}
