//! Each VM's App Service secret (`IDENTITY_HEADER`): random, created by MSRP when the VM's
//! agent is first configured, kept in the store (so it survives restarts and dies with the VM),
//! and handed to the agent, which then requires it as `X-IDENTITY-HEADER`.

use azsim_store::Connection;
use azsim_store::agent_secrets::ensure_identity_header;
use rand::RngCore;

use crate::{Msrp, MsrpError};

/// Random bytes in a secret: 256 bits, beyond guessing.
const SECRET_BYTES: usize = 32;

/// A fresh secret: hex, so it needs no quoting in a shell `export` or an HTTP header.
pub(crate) fn generate_identity_header() -> String {
    let mut bytes = [0_u8; SECRET_BYTES];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

impl Msrp {
    /// Gives the running agent of the VM its secret, creating and storing one first if the VM
    /// has none yet.
    pub(crate) async fn configure_identity_header(
        &self,
        conn: &mut Connection,
        vm_row: i64,
        vm_id: &str,
    ) -> Result<(), MsrpError> {
        // A candidate is drawn every time; the store keeps the first one ever stored.
        let candidate = generate_identity_header();
        let now = self.inner.clock.unix_seconds();
        let identity_header = ensure_identity_header(conn, vm_row, &candidate, now).await?;
        if !self
            .inner
            .fleet
            .set_identity_header(vm_id, identity_header)
            .await
        {
            // Only a concurrent delete of the VM stops its agent between the two steps.
            tracing::debug!(
                vm_id,
                "no running metadata agent to give its identity header"
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_long_hex_and_differ() {
        let first = generate_identity_header();
        let second = generate_identity_header();
        assert_eq!(first.len(), 2 * SECRET_BYTES);
        assert!(first.bytes().all(|byte| byte.is_ascii_hexdigit()));
        assert_ne!(first, second);
    }
}
