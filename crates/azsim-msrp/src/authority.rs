//! MSRP's certificate authority: created on first start, kept in the store afterwards.

use std::time::Duration;

use azsim_core::SharedClock;
use azsim_pki::CertificateAuthority;
use azsim_store::Store;
use azsim_store::identities::{
    StoredCertificateAuthority, find_certificate_authority, insert_certificate_authority,
};

use crate::MsrpError;

/// The name of MSRP's CA in the `certificate_authorities` table.
const CA_NAME: &str = "msrp";

/// How long MSRP's CA is valid (it signs 90-day identity certificates for years).
const CA_VALIDITY: Duration = Duration::from_secs(10 * 365 * 24 * 3600);

/// Loads MSRP's CA from the store, creating it on the first start.
pub(crate) async fn load_or_create(
    store: &Store,
    clock: &SharedClock,
) -> Result<CertificateAuthority, MsrpError> {
    let mut tx = store.write().await?;
    if let Some(stored) = find_certificate_authority(&mut tx, CA_NAME).await? {
        return Ok(CertificateAuthority::from_pem(
            &stored.certificate_pem,
            &stored.private_key_pem,
        )?);
    }
    let now = clock.now();
    let authority = CertificateAuthority::generate(
        "azsim Managed Identity Root CA",
        now - Duration::from_secs(300),
        now + CA_VALIDITY,
    )?;
    insert_certificate_authority(
        &mut tx,
        &StoredCertificateAuthority {
            name: CA_NAME.to_owned(),
            certificate_pem: authority.certificate().to_pem(),
            private_key_pem: authority.private_key_pem(),
            created_at: now.unix_timestamp(),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(authority)
}
