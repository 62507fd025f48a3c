//! Issuing an identity's certificate from MSRP's CA, and keeping it (with its key) for the
//! metadata agents. Registering it as the principal's credential is the directory's business
//! (`azsim_entra::directory`).

use std::time::Duration;

use azsim_entra::directory::add_certificate_credential;
use azsim_pki::{Certificate, CertificateAuthority, CertificateRequest, CertificateUsage, KeyPair};
use azsim_store::Connection;
use azsim_store::identities::{IdentityCertificate, insert_identity_certificate};
use time::OffsetDateTime;

use crate::MsrpError;

/// Validity of an identity certificate, and when it is rolled: Azure's own figures.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CertificatePolicy {
    pub(crate) validity: Duration,
    pub(crate) renew_after: Duration,
}

/// A certificate just issued to an identity, with its private key.
pub(crate) struct IssuedCertificate {
    pub(crate) certificate: Certificate,
    key: KeyPair,
    /// When MSRP rolls it (unix seconds).
    renew_after: i64,
    /// When it was issued (unix seconds).
    issued_at: i64,
}

/// Issues a certificate for the identity whose client id is `client_id` (its subject).
///
/// The key is EC P-256: generating it takes well under a millisecond, where an RSA key costs
/// about 170 ms, so enabling an identity stays fast on the request path.
pub(crate) fn issue_certificate(
    authority: &CertificateAuthority,
    policy: CertificatePolicy,
    now: OffsetDateTime,
    client_id: &str,
) -> Result<IssuedCertificate, MsrpError> {
    let key = KeyPair::generate_ec_p256()?;
    // Back-date a little, as real CAs do, so a client whose clock lags still accepts it.
    let not_before = now - Duration::from_secs(300);
    let not_after = now + policy.validity;
    let certificate = authority.issue(&CertificateRequest {
        subject_common_name: client_id,
        public_key: &key,
        not_before,
        not_after,
        usage: CertificateUsage::ClientAuth,
    })?;
    Ok(IssuedCertificate {
        certificate,
        key,
        renew_after: (now + policy.renew_after).unix_timestamp(),
        issued_at: now.unix_timestamp(),
    })
}

/// Stores an issued certificate and its key for the agents of the identity `identity_row`,
/// in the caller's transaction.
pub(crate) async fn keep_for_agents(
    tx: &mut Connection,
    identity_row: i64,
    issued: &IssuedCertificate,
) -> Result<IdentityCertificate, MsrpError> {
    let certificate = &issued.certificate;
    let mut stored = IdentityCertificate {
        certificate_row: 0,
        identity_row,
        certificate_pem: certificate.to_pem(),
        private_key_pem: issued.key.private_key_pem(),
        thumbprint_sha256: certificate.thumbprints().sha256_hex(),
        not_before: certificate.not_before_unix(),
        not_after: certificate.not_after_unix(),
        renew_after: issued.renew_after,
        created_at: issued.issued_at,
    };
    stored.certificate_row = insert_identity_certificate(tx, &stored).await?;
    Ok(stored)
}

/// Issues a new certificate to an existing identity (principal `principal_id`, client id
/// `client_id`), registers it as the principal's credential and keeps it for the agents, all
/// in the caller's transaction.
pub(crate) async fn renew_identity_certificate(
    tx: &mut Connection,
    authority: &CertificateAuthority,
    policy: CertificatePolicy,
    now: OffsetDateTime,
    identity_row: i64,
    principal_id: &str,
    client_id: &str,
) -> Result<IdentityCertificate, MsrpError> {
    let issued = issue_certificate(authority, policy, now, client_id)?;
    add_certificate_credential(tx, principal_id, &issued.certificate, now.unix_timestamp()).await?;
    keep_for_agents(tx, identity_row, &issued).await
}
