//! Issuing an identity's certificate and registering it as its principal's credential.

use std::time::Duration;

use azsim_pki::{CertificateAuthority, CertificateRequest, CertificateUsage, KeyPair};
use azsim_store::Connection;
use azsim_store::directory::{CertificateCredential, insert_certificate_credential};
use azsim_store::identities::{IdentityCertificate, insert_identity_certificate};
use time::OffsetDateTime;

use crate::MsrpError;

/// Validity of an identity certificate, and when it is rolled: Azure's own figures.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CertificatePolicy {
    pub(crate) validity: Duration,
    pub(crate) renew_after: Duration,
}

/// Issues a certificate for the identity `identity_row` (principal `principal_id`, client id
/// `client_id`), stores it for the agents and registers it as the principal's credential, all
/// in the caller's transaction.
///
/// The key is EC P-256: generating it takes well under a millisecond, where an RSA key costs
/// about 170 ms, so enabling an identity stays fast on the request path.
pub(crate) async fn issue_identity_certificate(
    tx: &mut Connection,
    authority: &CertificateAuthority,
    policy: CertificatePolicy,
    now: OffsetDateTime,
    identity_row: i64,
    principal_id: &str,
    client_id: &str,
) -> Result<IdentityCertificate, MsrpError> {
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
    let thumbprints = certificate.thumbprints();
    insert_certificate_credential(
        tx,
        &CertificateCredential {
            credential_id: uuid::Uuid::new_v4().to_string(),
            object_id: principal_id.to_owned(),
            certificate_der: certificate.to_der(),
            thumbprint_sha1: thumbprints.sha1_hex(),
            thumbprint_sha256: thumbprints.sha256_hex(),
            not_before: certificate.not_before_unix(),
            not_after: certificate.not_after_unix(),
            created_at: now.unix_timestamp(),
        },
    )
    .await?;
    let mut stored = IdentityCertificate {
        certificate_row: 0,
        identity_row,
        certificate_pem: certificate.to_pem(),
        private_key_pem: key.private_key_pem(),
        thumbprint_sha256: thumbprints.sha256_hex(),
        not_before: certificate.not_before_unix(),
        not_after: certificate.not_after_unix(),
        renew_after: (now + policy.renew_after).unix_timestamp(),
        created_at: now.unix_timestamp(),
    };
    stored.certificate_row = insert_identity_certificate(tx, &stored).await?;
    Ok(stored)
}
