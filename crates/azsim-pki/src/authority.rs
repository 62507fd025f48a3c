//! A certificate authority that issues client and server certificates, and self-signed
//! certificates.

use std::fmt;
use std::net::IpAddr;

use openssl::hash::MessageDigest;
use openssl::x509::extension::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAlternativeName,
    SubjectKeyIdentifier,
};
use time::OffsetDateTime;

use crate::extensions::certificate_skeleton;
use crate::{Certificate, KeyPair, PkiError};

/// What an issued certificate is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertificateUsage {
    /// TLS client authentication and signing (a managed identity's credential).
    ClientAuth,
    /// A TLS server certificate for these names and addresses.
    ServerAuth {
        /// DNS names for the subjectAltName.
        dns_names: Vec<String>,
        /// IP addresses for the subjectAltName.
        ip_addresses: Vec<IpAddr>,
    },
}

/// What to put in a certificate that a [`CertificateAuthority`] issues.
#[derive(Debug)]
pub struct CertificateRequest<'a> {
    /// The subject's common name.
    pub subject_common_name: &'a str,
    /// The key whose public half the certificate binds.
    pub public_key: &'a KeyPair,
    /// Start of validity.
    pub not_before: OffsetDateTime,
    /// End of validity.
    pub not_after: OffsetDateTime,
    /// What the certificate is for.
    pub usage: CertificateUsage,
}

/// A certificate authority: its certificate and private key.
pub struct CertificateAuthority {
    certificate: Certificate,
    key: KeyPair,
}

impl CertificateAuthority {
    /// Generates a CA with a new EC P-256 key and a self-signed certificate
    /// (`basicConstraints CA:TRUE`, `keyUsage keyCertSign, cRLSign`).
    pub fn generate(
        common_name: &str,
        not_before: OffsetDateTime,
        not_after: OffsetDateTime,
    ) -> Result<Self, PkiError> {
        let key = KeyPair::generate_ec_p256()?;
        let (mut builder, name) =
            certificate_skeleton(common_name, key.pkey(), not_before, not_after)?;
        let build = |builder: &mut openssl::x509::X509Builder| {
            builder.set_issuer_name(&name)?;
            builder.append_extension(BasicConstraints::new().critical().ca().build()?)?;
            builder.append_extension(
                KeyUsage::new()
                    .critical()
                    .key_cert_sign()
                    .crl_sign()
                    .digital_signature()
                    .build()?,
            )?;
            let key_id = SubjectKeyIdentifier::new().build(&builder.x509v3_context(None, None))?;
            builder.append_extension(key_id)?;
            builder.sign(key.pkey(), MessageDigest::sha256())
        };
        build(&mut builder).map_err(|source| PkiError::Build {
            step: "adding CA extensions and self-signing",
            source,
        })?;
        let certificate = Certificate::from_x509(builder.build())?;
        Ok(Self { certificate, key })
    }

    /// A CA from its stored certificate and private key PEMs; the key must match the
    /// certificate.
    pub fn from_pem(certificate_pem: &str, private_key_pem: &str) -> Result<Self, PkiError> {
        let certificate = Certificate::from_pem(certificate_pem)?;
        let key = KeyPair::from_pem(private_key_pem)?;
        if !certificate.public_key()?.public_eq(key.pkey()) {
            return Err(PkiError::KeyMismatch);
        }
        Ok(Self { certificate, key })
    }

    /// The CA's own certificate.
    pub fn certificate(&self) -> &Certificate {
        &self.certificate
    }

    /// The CA's private key as a PKCS#8 PEM (to store it).
    pub fn private_key_pem(&self) -> String {
        self.key.private_key_pem()
    }

    /// Issues a certificate signed by this CA with SHA-256 and a random 128-bit serial.
    pub fn issue(&self, request: &CertificateRequest<'_>) -> Result<Certificate, PkiError> {
        let (mut builder, _) = certificate_skeleton(
            request.subject_common_name,
            request.public_key.pkey(),
            request.not_before,
            request.not_after,
        )?;
        let issuer = self.certificate.x509();
        let build = |builder: &mut openssl::x509::X509Builder| {
            builder.set_issuer_name(issuer.subject_name())?;
            builder.append_extension(BasicConstraints::new().critical().build()?)?;
            match &request.usage {
                CertificateUsage::ClientAuth => {
                    builder.append_extension(
                        KeyUsage::new().critical().digital_signature().build()?,
                    )?;
                    builder.append_extension(ExtendedKeyUsage::new().client_auth().build()?)?;
                }
                CertificateUsage::ServerAuth {
                    dns_names,
                    ip_addresses,
                } => {
                    let mut usage = KeyUsage::new();
                    usage.critical().digital_signature();
                    // RSA TLS key exchange encrypts with the server key; EC keys never do.
                    if request.public_key.is_rsa() {
                        usage.key_encipherment();
                    }
                    builder.append_extension(usage.build()?)?;
                    builder.append_extension(ExtendedKeyUsage::new().server_auth().build()?)?;
                    if !dns_names.is_empty() || !ip_addresses.is_empty() {
                        let mut names = SubjectAlternativeName::new();
                        for dns_name in dns_names {
                            names.dns(dns_name);
                        }
                        for ip_address in ip_addresses {
                            names.ip(&ip_address.to_string());
                        }
                        let names = names.build(&builder.x509v3_context(Some(issuer), None))?;
                        builder.append_extension(names)?;
                    }
                }
            }
            let key_id =
                SubjectKeyIdentifier::new().build(&builder.x509v3_context(Some(issuer), None))?;
            builder.append_extension(key_id)?;
            let authority_key_id = AuthorityKeyIdentifier::new()
                .keyid(false)
                .build(&builder.x509v3_context(Some(issuer), None))?;
            builder.append_extension(authority_key_id)?;
            builder.sign(self.key.pkey(), MessageDigest::sha256())
        };
        build(&mut builder).map_err(|source| PkiError::Build {
            step: "adding extensions and signing with the CA key",
            source,
        })?;
        Certificate::from_x509(builder.build())
    }
}

impl fmt::Debug for CertificateAuthority {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("CertificateAuthority")
            .field("certificate", &self.certificate)
            .finish_non_exhaustive()
    }
}

/// A self-signed end-entity certificate `CN=common_name` for `key`, signed with SHA-256
/// (a token-signing certificate, as the token service publishes in its JWKS).
pub fn self_signed(
    common_name: &str,
    key: &KeyPair,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
) -> Result<Certificate, PkiError> {
    let (mut builder, name) = certificate_skeleton(common_name, key.pkey(), not_before, not_after)?;
    let build = |builder: &mut openssl::x509::X509Builder| {
        builder.set_issuer_name(&name)?;
        builder.append_extension(KeyUsage::new().critical().digital_signature().build()?)?;
        builder.sign(key.pkey(), MessageDigest::sha256())
    };
    build(&mut builder).map_err(|source| PkiError::Build {
        step: "self-signing",
        source,
    })?;
    Certificate::from_x509(builder.build())
}
