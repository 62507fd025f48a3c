//! The agent's App Service secret (`IDENTITY_HEADER`): what a workload must send as
//! `X-IDENTITY-HEADER`, so that only code given the VM's environment gets its tokens.

use std::fmt;
use std::sync::RwLock;

/// The agent's identity header; empty until MSRP hands it over, and while empty every
/// App Service request is refused.
#[derive(Default)]
pub(crate) struct IdentityHeader {
    value: RwLock<Option<String>>,
}

impl IdentityHeader {
    /// Replaces the secret.
    pub(crate) fn set(&self, value: String) {
        *self
            .value
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(value);
    }

    /// Whether `presented` is the secret. Compared in constant time, so response timing
    /// tells a caller nothing about how much of a guess was right.
    pub(crate) fn matches(&self, presented: &[u8]) -> bool {
        let value = self
            .value
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        match value.as_deref() {
            Some(secret) => {
                secret.len() == presented.len() && openssl::memcmp::eq(secret.as_bytes(), presented)
            }
            None => false,
        }
    }
}

// Written by hand so that the secret never reaches a log line.
impl fmt::Debug for IdentityHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("IdentityHeader(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_matches_before_a_secret_is_set() {
        let header = IdentityHeader::default();
        assert!(!header.matches(b""));
        assert!(!header.matches(b"anything"));
    }

    #[test]
    fn only_the_exact_secret_matches() {
        let header = IdentityHeader::default();
        header.set("s3cr3t".to_owned());
        assert!(header.matches(b"s3cr3t"));
        assert!(!header.matches(b"s3cr3"));
        assert!(!header.matches(b"S3CR3T"));
        assert!(!header.matches(b"s3cr3t "));
        assert_eq!(format!("{header:?}"), "IdentityHeader(<redacted>)");
    }
}
