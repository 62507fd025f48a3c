//! Certificate authority, chains, validity, thumbprints and encodings, end to end on openssl.

use std::net::{IpAddr, Ipv4Addr};

use azsim_pki::{
    Certificate, CertificateAuthority, CertificateRequest, CertificateUsage, KeyPair, PkiError,
    self_signed,
};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use openssl::hash::MessageDigest;
use time::{Duration, OffsetDateTime};

fn at(unix: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(unix).expect("test times are in range")
}

const START: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z

fn ca() -> CertificateAuthority {
    CertificateAuthority::generate("azsim test CA", at(START), at(START) + Duration::days(3650))
        .expect("CA generation succeeds")
}

fn client_certificate(ca: &CertificateAuthority, key: &KeyPair) -> Certificate {
    ca.issue(&CertificateRequest {
        subject_common_name: "identity-client",
        public_key: key,
        not_before: at(START + 60),
        not_after: at(START + 60) + Duration::days(90),
        usage: CertificateUsage::ClientAuth,
    })
    .expect("the CA issues a client certificate")
}

#[test]
fn issued_client_certificate_chains_to_its_ca_only() {
    let ca = ca();
    let other_ca = self::ca();
    let other_ca = other_ca.certificate();
    let key = KeyPair::generate_ec_p256().unwrap();
    let certificate = client_certificate(&ca, &key);

    assert!(certificate.is_issued_by(ca.certificate()));
    assert!(ca.certificate().is_issued_by(ca.certificate()));
    assert!(!certificate.is_issued_by(other_ca));
    assert!(!certificate.is_issued_by(&certificate));
    assert_eq!(
        certificate.subject_common_name().as_deref(),
        Some("identity-client")
    );
    assert!(certificate.public_key().unwrap().public_eq(key.pkey()));
}

#[test]
fn issued_certificate_has_the_requested_validity_window() {
    let ca = ca();
    let key = KeyPair::generate_ec_p256().unwrap();
    let certificate = client_certificate(&ca, &key);
    assert_eq!(certificate.not_before_unix(), START + 60);
    assert_eq!(certificate.not_after_unix(), START + 60 + 90 * 86_400);
    assert!(certificate.is_valid_at(START + 60));
    assert!(!certificate.is_valid_at(START + 59));
    assert!(!certificate.is_valid_at(START + 61 + 90 * 86_400));
}

#[test]
fn validity_that_ends_before_it_starts_is_rejected() {
    let ca = ca();
    let key = KeyPair::generate_ec_p256().unwrap();
    let result = ca.issue(&CertificateRequest {
        subject_common_name: "backwards",
        public_key: &key,
        not_before: at(START),
        not_after: at(START - 1),
        usage: CertificateUsage::ClientAuth,
    });
    assert!(matches!(result, Err(PkiError::InvalidValidity { .. })));
}

#[test]
fn thumbprints_are_hashes_of_the_der_encoding_as_openssl_fingerprints_them() {
    let ca = ca();
    let key = KeyPair::generate_ec_p256().unwrap();
    let certificate = client_certificate(&ca, &key);
    let thumbprints = certificate.thumbprints();

    let sha1 = certificate.x509().digest(MessageDigest::sha1()).unwrap();
    let sha256 = certificate.x509().digest(MessageDigest::sha256()).unwrap();
    assert_eq!(thumbprints.sha1.as_slice(), &*sha1);
    assert_eq!(thumbprints.sha256.as_slice(), &*sha256);
    // `openssl x509 -fingerprint -sha1` prints colon-separated upper-case hex of the same bytes.
    let fingerprint: String = sha1.iter().map(|byte| format!("{byte:02X}")).collect();
    assert_eq!(thumbprints.sha1_hex(), fingerprint);
    assert_eq!(
        URL_SAFE_NO_PAD
            .decode(thumbprints.sha256_base64url())
            .unwrap(),
        sha256.to_vec()
    );
    assert_eq!(
        URL_SAFE_NO_PAD
            .decode(thumbprints.sha1_base64url())
            .unwrap(),
        sha1.to_vec()
    );
}

#[test]
fn certificate_round_trips_through_pem_and_der() {
    let ca = ca();
    let key = KeyPair::generate_ec_p256().unwrap();
    let certificate = client_certificate(&ca, &key);

    let from_pem = Certificate::from_pem(&certificate.to_pem()).unwrap();
    let from_der = Certificate::from_der(&certificate.to_der()).unwrap();
    assert_eq!(from_pem, certificate);
    assert_eq!(from_der, certificate);
    assert_eq!(from_der.thumbprints(), certificate.thumbprints());
    assert!(matches!(
        Certificate::from_der(b"junk"),
        Err(PkiError::ParseCertificate { .. })
    ));
}

#[test]
fn ca_reloads_from_its_pems_and_keeps_issuing_verifiable_certificates() {
    let ca = ca();
    let reloaded =
        CertificateAuthority::from_pem(&ca.certificate().to_pem(), &ca.private_key_pem()).unwrap();
    let key = KeyPair::generate_ec_p256().unwrap();
    let certificate = client_certificate(&reloaded, &key);
    assert!(certificate.is_issued_by(ca.certificate()));

    let stranger = KeyPair::generate_ec_p256().unwrap();
    assert!(matches!(
        CertificateAuthority::from_pem(&ca.certificate().to_pem(), &stranger.private_key_pem()),
        Err(PkiError::KeyMismatch)
    ));
}

#[test]
fn rsa_components_decode_to_the_key_modulus_and_exponent() {
    let key = KeyPair::generate_rsa(2048).unwrap();
    let certificate = self_signed(
        "accounts.accesscontrol.windows.net",
        &key,
        at(START),
        at(START) + Duration::days(5 * 365),
    )
    .unwrap();
    let (n, e) = certificate.rsa_public_components().unwrap();
    let rsa = key.pkey().rsa().unwrap();
    assert_eq!(URL_SAFE_NO_PAD.decode(&n).unwrap(), rsa.n().to_vec());
    assert_eq!(e, "AQAB");
    assert!(certificate.is_issued_by(&certificate));

    let ec_key = KeyPair::generate_ec_p256().unwrap();
    let ec_certificate = self_signed("ec", &ec_key, at(START), at(START + 60)).unwrap();
    assert_eq!(ec_certificate.rsa_public_components(), None);
}

#[test]
fn server_certificate_carries_its_names() {
    let ca = ca();
    let key = KeyPair::generate_rsa(2048).unwrap();
    let certificate = ca
        .issue(&CertificateRequest {
            subject_common_name: "login.microsoftonline.com",
            public_key: &key,
            not_before: at(START),
            not_after: at(START) + Duration::days(365),
            usage: CertificateUsage::ServerAuth {
                dns_names: vec!["login.microsoftonline.com".to_owned()],
                ip_addresses: vec![IpAddr::V4(Ipv4Addr::LOCALHOST)],
            },
        })
        .unwrap();
    let names = certificate.x509().subject_alt_names().unwrap();
    let dns: Vec<_> = names.iter().filter_map(|name| name.dnsname()).collect();
    let ips: Vec<_> = names.iter().filter_map(|name| name.ipaddress()).collect();
    assert_eq!(dns, ["login.microsoftonline.com"]);
    assert_eq!(ips, [&[127u8, 0, 0, 1][..]]);
    assert!(certificate.is_issued_by(ca.certificate()));
}
