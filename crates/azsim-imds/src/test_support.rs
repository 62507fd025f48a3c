//! Test helpers: real EC P-256 keys and self-signed certificates, from the shared fixtures.

/// A fresh self-signed certificate for `common_name` and its key: (certificate PEM, PKCS#8 key PEM).
pub(crate) fn generate_certificate(common_name: &str) -> (String, String) {
    let certificate = azsim_testkit::fixtures::self_signed_certificate(common_name);
    (certificate.certificate_pem, certificate.private_key_pem)
}
