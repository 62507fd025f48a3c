//! The agent's token cache: one token per (client id, resource), reused until shortly
//! before it expires, as the real service does.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use crate::model::IdentityCredential;
use crate::token_client::IssuedToken;

/// A cached token is replaced this many seconds before it expires, so a caller never gets
/// a token about to lapse (the margin the SDKs also refresh at).
pub(crate) const REFRESH_MARGIN_SECS: i64 = 300;

#[derive(Debug)]
struct CachedToken {
    token: IssuedToken,
    // The certificate the token was obtained with: a rolled certificate invalidates it.
    certificate_pem: String,
}

/// Tokens by (client id, resource).
#[derive(Debug, Default)]
pub(crate) struct TokenCache {
    entries: Mutex<HashMap<(String, String), CachedToken>>,
}

impl TokenCache {
    /// The cached token of `client_id` for `resource`, if it is still fresh at `now`.
    pub(crate) fn get(&self, client_id: &str, resource: &str, now: i64) -> Option<IssuedToken> {
        let entries = self.lock();
        let cached = entries.get(&(client_id.to_owned(), resource.to_owned()))?;
        (now < cached.token.expires_on - REFRESH_MARGIN_SECS).then(|| cached.token.clone())
    }

    /// Stores (or replaces) the token of `credential` for `resource`.
    pub(crate) fn insert(
        &self,
        credential: &IdentityCredential,
        resource: &str,
        token: IssuedToken,
    ) {
        self.lock().insert(
            (credential.client_id.clone(), resource.to_owned()),
            CachedToken {
                token,
                certificate_pem: credential.certificate_pem.clone(),
            },
        );
    }

    /// Drops the tokens of identities not in `identities` or whose certificate changed.
    pub(crate) fn retain_identities(&self, identities: &[IdentityCredential]) {
        self.lock().retain(|(client_id, _), cached| {
            identities.iter().any(|identity| {
                &identity.client_id == client_id
                    && identity.certificate_pem == cached.certificate_pem
            })
        });
    }

    /// How many tokens are cached.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<(String, String), CachedToken>> {
        // A poisoned lock only means a panic elsewhere; the map itself is always consistent
        // because every update is a single insert or retain.
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::IdentityKind;

    fn credential(client_id: &str, certificate_pem: &str) -> IdentityCredential {
        IdentityCredential {
            kind: IdentityKind::UserAssigned,
            client_id: client_id.to_owned(),
            object_id: format!("{client_id}-object"),
            resource_id: format!("/identities/{client_id}"),
            tenant_id: "t".to_owned(),
            certificate_pem: certificate_pem.to_owned(),
            private_key_pem: String::new(),
        }
    }

    fn token(expires_on: i64) -> IssuedToken {
        IssuedToken {
            access_token: "tok".into(),
            expires_on,
            not_before: "0".into(),
        }
    }

    #[test]
    fn token_is_served_until_five_minutes_before_expiry() {
        let cache = TokenCache::default();
        cache.insert(
            &credential("a", "cert"),
            "https://vault.azure.net",
            token(10_000),
        );
        assert!(cache.get("a", "https://vault.azure.net", 9_699).is_some());
        assert!(cache.get("a", "https://vault.azure.net", 9_700).is_none());
    }

    #[test]
    fn tokens_are_kept_per_client_and_resource() {
        let cache = TokenCache::default();
        cache.insert(&credential("a", "cert"), "r1", token(10_000));
        assert!(cache.get("a", "r2", 0).is_none());
        assert!(cache.get("b", "r1", 0).is_none());
        assert!(cache.get("a", "r1", 0).is_some());
    }

    #[test]
    fn insert_replaces_the_entry() {
        let cache = TokenCache::default();
        cache.insert(&credential("a", "cert"), "r", token(10_000));
        cache.insert(&credential("a", "cert"), "r", token(20_000));
        assert_eq!(cache.get("a", "r", 0).unwrap().expires_on, 20_000);
        assert_eq!(cache.len(), 1);
    }

    #[test]
    fn tokens_of_departed_or_rolled_identities_are_dropped() {
        let cache = TokenCache::default();
        cache.insert(&credential("stays", "cert"), "r", token(10_000));
        cache.insert(&credential("leaves", "cert"), "r", token(10_000));
        cache.insert(&credential("rolls", "old-cert"), "r", token(10_000));

        cache.retain_identities(&[credential("stays", "cert"), credential("rolls", "new-cert")]);

        assert!(cache.get("stays", "r", 0).is_some());
        assert!(cache.get("leaves", "r", 0).is_none());
        assert!(cache.get("rolls", "r", 0).is_none());
    }
}
