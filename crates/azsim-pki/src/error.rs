//! The error type of the PKI crate.

use openssl::error::ErrorStack;

/// Why a key or certificate operation failed.
#[derive(Debug, thiserror::Error)]
pub enum PkiError {
    /// Generating a key failed.
    #[error("cannot generate {algorithm} key")]
    GenerateKey {
        /// The key algorithm, e.g. `"EC P-256"`.
        algorithm: &'static str,
        /// The openssl error.
        #[source]
        source: ErrorStack,
    },
    /// An RSA key size outside what azsim accepts was requested.
    #[error("unsupported RSA key size {bits} (use 2048 to 8192 bits, a multiple of 8)")]
    UnsupportedKeySize {
        /// The requested size.
        bits: u32,
    },
    /// A private key PEM could not be parsed.
    #[error("cannot parse the private key PEM")]
    ParseKey(#[source] ErrorStack),
    /// A certificate could not be parsed.
    #[error("cannot parse the certificate ({format})")]
    ParseCertificate {
        /// `"PEM"` or `"DER"`.
        format: &'static str,
        /// The openssl error.
        #[source]
        source: ErrorStack,
    },
    /// A key or certificate could not be encoded.
    #[error("cannot encode {what}")]
    Encode {
        /// What was being encoded.
        what: &'static str,
        /// The openssl error.
        #[source]
        source: ErrorStack,
    },
    /// Building or signing a certificate failed.
    #[error("cannot build the certificate: {step}")]
    Build {
        /// The step that failed.
        step: &'static str,
        /// The openssl error.
        #[source]
        source: ErrorStack,
    },
    /// A certificate's validity would end before it starts.
    #[error("certificate validity ends ({not_after}) before it starts ({not_before})")]
    InvalidValidity {
        /// Start of validity, unix seconds.
        not_before: i64,
        /// End of validity, unix seconds.
        not_after: i64,
    },
    /// The private key given for a CA does not belong to its certificate.
    #[error("the private key does not match the certificate's public key")]
    KeyMismatch,
    /// A certificate's public key could not be read.
    #[error("cannot read the certificate's public key")]
    PublicKey(#[source] ErrorStack),
}
