//! Validating the access tokens this token service issued, for the protected resources.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::{Arc, RwLock};

use azsim_core::SharedClock;
use azsim_pki::Certificate;
use azsim_store::directory::find_tenant;
use azsim_store::signing_keys::list_signing_keys;
use azsim_store::{Store, StoreError};
use openssl::pkey::{PKey, Public};

use crate::claims::{AccessTokenClaims, issuer_for_tenant};
use crate::jws::{self, JwsAlgorithm};

/// How far in the future a token's `nbf` may be (clock skew between machines).
const NOT_BEFORE_SKEW_SECONDS: i64 = 300;

/// Why an access token was refused.
#[derive(Debug, thiserror::Error)]
pub enum TokenValidationError {
    /// Not an RS256 JWT with a key id and the expected claims.
    #[error("the token is malformed")]
    Malformed,
    /// The token names a key this token service never had.
    #[error("the token is signed with an unknown key")]
    UnknownSigningKey,
    /// The signature does not verify.
    #[error("the token signature is invalid")]
    BadSignature,
    /// The token has expired.
    #[error("the token expired at {expired_at} (now {now})")]
    Expired {
        /// The token's `exp`.
        expired_at: i64,
        /// The current time.
        now: i64,
    },
    /// The token's `nbf` is in the future (beyond the allowed skew).
    #[error("the token is not valid yet")]
    NotYetValid,
    /// The token is for another resource.
    #[error("the token is for audience '{audience}'")]
    WrongAudience {
        /// The token's `aud`.
        audience: String,
    },
    /// The issuer is not this token service's issuer for the token's tenant.
    #[error("the token issuer '{issuer}' is not trusted")]
    WrongIssuer {
        /// The token's `iss`.
        issuer: String,
    },
    /// The token's tenant does not exist.
    #[error("the token's tenant {tenant_id} does not exist")]
    UnknownTenant {
        /// The token's `tid`.
        tenant_id: String,
    },
    /// The signing keys or tenants could not be read.
    #[error("cannot read the signing keys or tenants")]
    Unavailable(#[source] StoreError),
}

/// Validates bearer tokens issued by the token service; cheap to clone, shares its caches.
#[derive(Clone)]
pub struct AccessTokenValidator {
    store: Store,
    clock: SharedClock,
    cache: Arc<RwLock<Cache>>,
}

/// Signing keys and tenants already seen. Keys are immutable once created, and a tenant that
/// existed when a token was checked is trusted for the life of the process.
#[derive(Default)]
struct Cache {
    keys: HashMap<String, PKey<Public>>,
    tenants: HashSet<String>,
}

impl fmt::Debug for AccessTokenValidator {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("AccessTokenValidator")
            .finish_non_exhaustive()
    }
}

impl AccessTokenValidator {
    /// A validator reading keys and tenants from `store` and time from `clock`.
    pub fn new(store: Store, clock: SharedClock) -> Self {
        Self {
            store,
            clock,
            cache: Arc::new(RwLock::new(Cache::default())),
        }
    }

    /// Validates an RS256 bearer token issued by this token service for one of `audiences`.
    pub async fn validate(
        &self,
        token: &str,
        audiences: &[&str],
    ) -> Result<AccessTokenClaims, TokenValidationError> {
        let jws = jws::parse(token).ok_or(TokenValidationError::Malformed)?;
        if jws.header.alg != "RS256" {
            return Err(TokenValidationError::Malformed);
        }
        let kid = jws
            .header
            .kid
            .as_deref()
            .or(jws.header.x5t.as_deref())
            .ok_or(TokenValidationError::Malformed)?;
        let key = self.signing_key(kid).await?;
        if !jws::verify(
            JwsAlgorithm::Rs256,
            &key,
            jws.signing_input.as_bytes(),
            &jws.signature,
        ) {
            return Err(TokenValidationError::BadSignature);
        }
        let claims: AccessTokenClaims =
            serde_json::from_slice(&jws.payload).map_err(|_| TokenValidationError::Malformed)?;

        let now = self.clock.unix_seconds();
        if now >= claims.exp {
            return Err(TokenValidationError::Expired {
                expired_at: claims.exp,
                now,
            });
        }
        if claims.nbf > now + NOT_BEFORE_SKEW_SECONDS {
            return Err(TokenValidationError::NotYetValid);
        }
        if !audiences
            .iter()
            .any(|audience| audience.eq_ignore_ascii_case(&claims.aud))
        {
            return Err(TokenValidationError::WrongAudience {
                audience: claims.aud,
            });
        }
        if claims.iss != issuer_for_tenant(&claims.tid) {
            return Err(TokenValidationError::WrongIssuer { issuer: claims.iss });
        }
        self.check_tenant(&claims.tid).await?;
        Ok(claims)
    }

    /// The public key with id `kid`, reloading the keys from the store when it is unknown
    /// (the token service may have rolled to a new key, perhaps in another process).
    async fn signing_key(&self, kid: &str) -> Result<PKey<Public>, TokenValidationError> {
        if let Some(key) = self.read_cache().keys.get(kid) {
            return Ok(key.clone());
        }
        let mut conn = self.connection().await?;
        let stored = list_signing_keys(&mut conn)
            .await
            .map_err(TokenValidationError::Unavailable)?;
        let mut loaded = HashMap::new();
        for key in stored {
            match Certificate::from_der(&key.certificate_der).and_then(|c| c.public_key()) {
                Ok(public_key) => {
                    loaded.insert(key.kid, public_key);
                }
                Err(error) => tracing::warn!(
                    kid = %key.kid,
                    error = &error as &dyn std::error::Error,
                    "skipping an unreadable signing certificate"
                ),
            }
        }
        let mut cache = self.write_cache();
        cache.keys.extend(loaded);
        cache
            .keys
            .get(kid)
            .cloned()
            .ok_or(TokenValidationError::UnknownSigningKey)
    }

    async fn check_tenant(&self, tenant_id: &str) -> Result<(), TokenValidationError> {
        if self.read_cache().tenants.contains(tenant_id) {
            return Ok(());
        }
        let mut conn = self.connection().await?;
        let tenant = find_tenant(&mut conn, tenant_id)
            .await
            .map_err(TokenValidationError::Unavailable)?;
        // Only the id counts: `find_tenant` also matches a domain name, which a `tid` is not.
        match tenant {
            Some(tenant) if tenant.tenant_id.eq_ignore_ascii_case(tenant_id) => {
                self.write_cache().tenants.insert(tenant_id.to_owned());
                Ok(())
            }
            _ => Err(TokenValidationError::UnknownTenant {
                tenant_id: tenant_id.to_owned(),
            }),
        }
    }

    async fn connection(&self) -> Result<azsim_store::ReadConnection, TokenValidationError> {
        self.store
            .read()
            .await
            .map_err(TokenValidationError::Unavailable)
    }

    fn read_cache(&self) -> std::sync::RwLockReadGuard<'_, Cache> {
        // A poisoned lock only means a panic elsewhere; the cached keys are still sound.
        self.cache
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn write_cache(&self) -> std::sync::RwLockWriteGuard<'_, Cache> {
        self.cache
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
#[path = "validation_tests.rs"]
mod tests;
