//! X.509 certificates and keys for azsim, on openssl: no knowledge of HTTP or the store.
//!
//! # Layout
//! - [`KeyPair`]: an EC P-256 or RSA private key, with its PEM forms.
//! - [`Certificate`]: a parsed X.509 certificate, its [`Thumbprints`], validity and public key.
//! - [`CertificateAuthority`]: a CA that issues client and server certificates from a
//!   [`CertificateRequest`]; [`self_signed`] makes a stand-alone certificate.
//! - [`PkiError`]: why an operation failed.
//!
//! Times always come in as arguments: callers read the cloud's shared clock, never this crate.

mod authority;
mod certificate;
mod error;
mod extensions;
mod key;
mod thumbprint;

pub use authority::{CertificateAuthority, CertificateRequest, CertificateUsage, self_signed};
pub use certificate::Certificate;
pub use error::PkiError;
pub use key::KeyPair;
pub use thumbprint::Thumbprints;
