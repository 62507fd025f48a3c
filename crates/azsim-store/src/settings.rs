//! Facts of a cloud fixed at its first start (tenant id, subscription id, admin client id, ...).

use crate::{Connection, StoreError};

/// Reads the setting `key`.
pub async fn get_setting(conn: &mut Connection, key: &str) -> Result<Option<String>, StoreError> {
    sqlx::query_scalar("SELECT value FROM cloud_settings WHERE key = ?")
        .bind(key)
        .fetch_optional(&mut *conn)
        .await
        .map_err(StoreError::query("reading a cloud setting"))
}

/// Writes the setting `key` (replacing an old value).
pub async fn put_setting(conn: &mut Connection, key: &str, value: &str) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO cloud_settings (key, value) VALUES (?, ?) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(key)
    .bind(value)
    .execute(&mut *conn)
    .await
    .map_err(StoreError::query("writing a cloud setting"))?;
    Ok(())
}
