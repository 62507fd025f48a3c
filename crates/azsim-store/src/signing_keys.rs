//! The token service's signing keys, and the client-assertion ids it has already accepted.

use sqlx::FromRow;

use crate::{Connection, StoreError};

/// A key that signs access tokens, with its self-signed certificate (published in the JWKS).
#[derive(Clone, PartialEq, Eq, FromRow)]
pub struct SigningKey {
    /// The key id: base64url SHA-1 of the certificate's DER (JWKS `kid` and `x5t`).
    pub kid: String,
    /// The RSA private key, PKCS#8 PEM.
    pub private_key_pem: String,
    /// The DER-encoded certificate.
    pub certificate_der: Vec<u8>,
    /// Start of the certificate's validity (unix seconds).
    pub not_before: i64,
    /// End of the certificate's validity (unix seconds).
    pub not_after: i64,
    /// When the key was made (unix seconds); the newest key signs.
    pub created_at: i64,
}

impl std::fmt::Debug for SigningKey {
    // The private key never reaches a log.
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("SigningKey")
            .field("kid", &self.kid)
            .field("not_before", &self.not_before)
            .field("not_after", &self.not_after)
            .field("created_at", &self.created_at)
            .finish_non_exhaustive()
    }
}

/// Adds a signing key.
pub async fn insert_signing_key(conn: &mut Connection, key: &SigningKey) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO signing_keys (kid, private_key_pem, certificate_der, not_before, not_after,
             created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )
    .bind(&key.kid)
    .bind(&key.private_key_pem)
    .bind(&key.certificate_der)
    .bind(key.not_before)
    .bind(key.not_after)
    .bind(key.created_at)
    .execute(&mut *conn)
    .await
    .map_err(StoreError::query("inserting a signing key"))?;
    Ok(())
}

/// All signing keys, newest first (the first one signs).
pub async fn list_signing_keys(conn: &mut Connection) -> Result<Vec<SigningKey>, StoreError> {
    sqlx::query_as::<_, SigningKey>(
        "SELECT kid, private_key_pem, certificate_der, not_before, not_after, created_at
         FROM signing_keys ORDER BY created_at DESC, rowid DESC",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(StoreError::query("listing signing keys"))
}

/// Records that `client_id` used the assertion id `jti`, kept until `expires_at`.
///
/// Returns `false` if that pair was seen before: the assertion is a replay.
pub async fn remember_assertion(
    conn: &mut Connection,
    client_id: &str,
    jti: &str,
    expires_at: i64,
) -> Result<bool, StoreError> {
    // The primary key (client_id, jti) decides: a conflicting row means a replay.
    let result = sqlx::query(
        "INSERT INTO seen_assertions (jti, client_id, expires_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (client_id, jti) DO NOTHING",
    )
    .bind(jti)
    .bind(client_id)
    .bind(expires_at)
    .execute(&mut *conn)
    .await
    .map_err(StoreError::query("remembering a client assertion"))?;
    Ok(result.rows_affected() == 1)
}

/// Forgets assertion ids whose assertions expired before `now` (they cannot be replayed any
/// more, since an expired assertion is refused anyway). Returns how many were forgotten.
pub async fn forget_expired_assertions(conn: &mut Connection, now: i64) -> Result<u64, StoreError> {
    let result = sqlx::query("DELETE FROM seen_assertions WHERE expires_at < ?1")
        .bind(now)
        .execute(&mut *conn)
        .await
        .map_err(StoreError::query("forgetting expired client assertions"))?;
    Ok(result.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;

    async fn open() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("azsim.db")).await.unwrap();
        (dir, store)
    }

    fn key(kid: &str, created_at: i64) -> SigningKey {
        SigningKey {
            kid: kid.to_owned(),
            private_key_pem: "-----BEGIN PRIVATE KEY-----".to_owned(),
            certificate_der: vec![1, 2, 3],
            not_before: created_at,
            not_after: created_at + 1_000,
            created_at,
        }
    }

    #[tokio::test]
    async fn signing_keys_are_listed_newest_first() {
        let (_dir, store) = open().await;
        let mut conn = store.read().await.unwrap();
        insert_signing_key(&mut conn, &key("old", 100))
            .await
            .unwrap();
        insert_signing_key(&mut conn, &key("new", 200))
            .await
            .unwrap();
        insert_signing_key(&mut conn, &key("newer-same-second", 200))
            .await
            .unwrap();
        let kids: Vec<_> = list_signing_keys(&mut conn)
            .await
            .unwrap()
            .into_iter()
            .map(|key| key.kid)
            .collect();
        assert_eq!(kids, ["newer-same-second", "new", "old"]);
    }

    #[tokio::test]
    async fn signing_key_debug_hides_the_private_key() {
        assert!(!format!("{:?}", key("k", 1)).contains("PRIVATE"));
    }

    #[tokio::test]
    async fn a_reused_assertion_id_is_reported_as_a_replay() {
        let (_dir, store) = open().await;
        let mut conn = store.read().await.unwrap();
        assert!(
            remember_assertion(&mut conn, "client-a", "jti-1", 500)
                .await
                .unwrap()
        );
        assert!(
            !remember_assertion(&mut conn, "client-a", "jti-1", 500)
                .await
                .unwrap()
        );
        // Assertion ids are scoped per client.
        assert!(
            remember_assertion(&mut conn, "client-b", "jti-1", 500)
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn expired_assertion_ids_are_forgotten() {
        let (_dir, store) = open().await;
        let mut conn = store.read().await.unwrap();
        remember_assertion(&mut conn, "client", "early", 100)
            .await
            .unwrap();
        remember_assertion(&mut conn, "client", "late", 300)
            .await
            .unwrap();
        assert_eq!(forget_expired_assertions(&mut conn, 200).await.unwrap(), 1);
        assert!(
            remember_assertion(&mut conn, "client", "early", 400)
                .await
                .unwrap()
        );
        assert!(
            !remember_assertion(&mut conn, "client", "late", 400)
                .await
                .unwrap()
        );
    }
}
