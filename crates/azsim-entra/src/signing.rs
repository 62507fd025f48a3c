//! The key that signs access tokens: loaded from the store, created on first start.

use std::fmt;

use azsim_core::SharedClock;
use azsim_pki::{Certificate, KeyPair, self_signed};
use azsim_store::Store;
use azsim_store::signing_keys::{SigningKey, insert_signing_key, list_signing_keys};
use serde::Serialize;
use time::Duration;

use crate::EntraError;
use crate::jws;

/// The subject of Entra's token-signing certificates.
const SIGNING_CERTIFICATE_NAME: &str = "accounts.accesscontrol.windows.net";

/// About five years, the validity of Entra's signing certificates.
const SIGNING_CERTIFICATE_LIFETIME: Duration = Duration::days(5 * 365 + 1);

/// The key that signs new tokens.
pub(crate) struct ActiveSigningKey {
    kid: String,
    key: KeyPair,
}

impl fmt::Debug for ActiveSigningKey {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("ActiveSigningKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

#[derive(Serialize)]
struct TokenHeader<'a> {
    typ: &'static str,
    alg: &'static str,
    x5t: &'a str,
    kid: &'a str,
}

impl ActiveSigningKey {
    /// The newest usable key in the store; if there is none, a new RSA 2048 key with a
    /// self-signed certificate, saved for every later start (and every other process).
    pub(crate) async fn load_or_create(
        store: &Store,
        clock: &SharedClock,
    ) -> Result<Self, EntraError> {
        let now = clock.now();
        if let Some(key) = newest_usable(store, now.unix_timestamp()).await? {
            return Ok(key);
        }
        // Generating takes a while; do it before taking the write lock.
        let candidate = new_signing_key(now)?;
        let mut transaction = store.write().await.map_err(save_error)?;
        // Another process may have created one meanwhile: then that one wins.
        let existing = list_signing_keys(&mut transaction)
            .await
            .map_err(read_error)?;
        if let Some(stored) = existing
            .iter()
            .find(|stored| stored.not_after > now.unix_timestamp())
        {
            let key = Self::from_stored(stored)?;
            transaction.commit().await.map_err(save_error)?;
            return Ok(key);
        }
        insert_signing_key(&mut transaction, &candidate.stored)
            .await
            .map_err(save_error)?;
        transaction.commit().await.map_err(save_error)?;
        tracing::info!(kid = %candidate.active.kid, "created a token signing key");
        Ok(candidate.active)
    }

    /// The key id (`kid` and `x5t` of the tokens it signs).
    pub(crate) fn kid(&self) -> &str {
        &self.kid
    }

    /// Signs `claims` as an RS256 JWT with Entra's v1 header.
    pub(crate) fn sign(&self, claims: &impl Serialize) -> Result<String, SignError> {
        let header = serde_json::to_vec(&TokenHeader {
            typ: "JWT",
            alg: "RS256",
            x5t: &self.kid,
            kid: &self.kid,
        })
        .map_err(|_| SignError)?;
        let claims = serde_json::to_vec(claims).map_err(|_| SignError)?;
        jws::sign_rs256(self.key.pkey(), &header, &claims).map_err(|_| SignError)
    }

    fn from_stored(stored: &SigningKey) -> Result<Self, EntraError> {
        let key = KeyPair::from_pem(&stored.private_key_pem).map_err(|source| {
            EntraError::StoredSigningKey {
                kid: stored.kid.clone(),
                source,
            }
        })?;
        Ok(Self {
            kid: stored.kid.clone(),
            key,
        })
    }
}

/// Signing a token failed (openssl or serialization trouble, never bad input).
#[derive(Debug, thiserror::Error)]
#[error("cannot sign the access token")]
pub(crate) struct SignError;

struct NewSigningKey {
    active: ActiveSigningKey,
    stored: SigningKey,
}

fn new_signing_key(now: time::OffsetDateTime) -> Result<NewSigningKey, EntraError> {
    let key = KeyPair::generate_rsa(2048).map_err(EntraError::CreateSigningKey)?;
    let certificate: Certificate = self_signed(
        SIGNING_CERTIFICATE_NAME,
        &key,
        now,
        now + SIGNING_CERTIFICATE_LIFETIME,
    )
    .map_err(EntraError::CreateSigningKey)?;
    let kid = certificate.thumbprints().sha1_base64url();
    let stored = SigningKey {
        kid: kid.clone(),
        private_key_pem: key.private_key_pem(),
        certificate_der: certificate.to_der(),
        not_before: certificate.not_before_unix(),
        not_after: certificate.not_after_unix(),
        created_at: now.unix_timestamp(),
    };
    Ok(NewSigningKey {
        active: ActiveSigningKey { kid, key },
        stored,
    })
}

async fn newest_usable(store: &Store, now: i64) -> Result<Option<ActiveSigningKey>, EntraError> {
    let mut conn = store.read().await.map_err(read_error)?;
    let keys = list_signing_keys(&mut conn).await.map_err(read_error)?;
    keys.iter()
        .find(|stored| stored.not_after > now)
        .map(ActiveSigningKey::from_stored)
        .transpose()
}

fn read_error(source: azsim_store::StoreError) -> EntraError {
    EntraError::Store {
        action: "read",
        source,
    }
}

fn save_error(source: azsim_store::StoreError) -> EntraError {
    EntraError::Store {
        action: "save",
        source,
    }
}
