//! Key Vault's tables: vaults (written by the resource API) and secret versions (written by
//! the vault's data plane).
//!
//! Vault names are global (they are DNS names in Azure), so they are unique across the cloud,
//! ignoring case. A secret is the set of its versions; the newest version is the current one.
//! Deleting a resource group deletes its vaults, and deleting a vault deletes its secrets, by
//! the schema's cascades.

use serde_json::{Map, Value};
use sqlx::FromRow;

use crate::{Connection, StoreError};

/// A vault, with the names of the group and subscription that hold it.
#[derive(Debug, Clone, PartialEq)]
pub struct Vault {
    /// The row id; secrets refer to it.
    pub vault_row: i64,
    /// The resource group's row.
    pub resource_group_row: i64,
    /// The subscription that holds the vault's group.
    pub subscription_id: String,
    /// The resource group's name, with its stored casing.
    pub resource_group_name: String,
    /// The vault's name, with the casing given at creation.
    pub name: String,
    /// The normalised location.
    pub location: String,
    /// The tenant whose tokens the data plane accepts (`properties.tenantId`).
    pub tenant_id: String,
    /// The caller's properties (sku, enableRbacAuthorization, ...), without read-only ones.
    pub properties: Value,
    /// The caller's tags.
    pub tags: Map<String, Value>,
    /// `properties.vaultUri`, ending in `/`.
    pub vault_uri: String,
    /// When the vault was created (unix seconds).
    pub created_at: i64,
    /// When the vault was last written (unix seconds).
    pub updated_at: i64,
}

/// What a caller gives to create or replace a vault.
#[derive(Debug, Clone, Copy)]
pub struct VaultWrite<'a> {
    /// The resource group's row.
    pub resource_group_row: i64,
    /// The name; if the vault exists (in any casing) its stored casing is kept.
    pub name: &'a str,
    /// The normalised location.
    pub location: &'a str,
    /// `properties.tenantId`.
    pub tenant_id: &'a str,
    /// The properties, replacing any stored ones.
    pub properties: &'a Value,
    /// The tags, replacing any stored ones.
    pub tags: &'a Map<String, Value>,
    /// The data plane's address for this vault (kept from creation on replace).
    pub vault_uri: &'a str,
    /// The current time (unix seconds).
    pub now: i64,
}

/// The result of [`upsert_vault`]: the stored vault and whether it was new.
#[derive(Debug, Clone, PartialEq)]
pub struct VaultUpsert {
    /// The vault as stored after the write.
    pub vault: Vault,
    /// `true` when the vault did not exist before.
    pub created: bool,
}

/// One version of a secret.
#[derive(Debug, Clone, PartialEq)]
pub struct SecretVersion {
    /// The row id; a newer version has a larger row.
    pub secret_row: i64,
    /// The vault's row.
    pub vault_row: i64,
    /// The secret's name, with the casing its first version was given.
    pub name: String,
    /// The version: 32 lower-case hex digits.
    pub version: String,
    /// The secret value.
    pub value: String,
    /// The caller's content type, if any.
    pub content_type: Option<String>,
    /// Whether the version may be read.
    pub enabled: bool,
    /// `attributes.nbf` (unix seconds), if set.
    pub not_before: Option<i64>,
    /// `attributes.exp` (unix seconds), if set.
    pub expires: Option<i64>,
    /// The caller's tags.
    pub tags: Map<String, Value>,
    /// When the version was created (unix seconds).
    pub created_at: i64,
    /// When the version was last written (unix seconds).
    pub updated_at: i64,
}

/// What a caller gives to add a version to a secret (creating the secret if needed).
#[derive(Debug, Clone, Copy)]
pub struct NewSecretVersion<'a> {
    /// The vault's row.
    pub vault_row: i64,
    /// The secret's name (1 to 127 letters, digits and dashes).
    pub name: &'a str,
    /// The new version: 32 lower-case hex digits.
    pub version: &'a str,
    /// The secret value.
    pub value: &'a str,
    /// The content type, if any.
    pub content_type: Option<&'a str>,
    /// Whether the version may be read.
    pub enabled: bool,
    /// `attributes.nbf`, if any.
    pub not_before: Option<i64>,
    /// `attributes.exp`, if any.
    pub expires: Option<i64>,
    /// The tags.
    pub tags: &'a Map<String, Value>,
    /// The current time (unix seconds).
    pub now: i64,
}

// === vaults ===

/// Creates the vault or replaces its location, tenant, properties and tags, keeping its row,
/// its name's casing, its address and its creation time.
///
/// [`StoreError::Conflict`] if a vault of that name exists in another resource group: vault
/// names are global.
pub async fn upsert_vault(
    conn: &mut Connection,
    write: VaultWrite<'_>,
) -> Result<VaultUpsert, StoreError> {
    let tags = encode_json(&Value::Object(write.tags.clone()), "vault tags")?;
    let properties = encode_json(write.properties, "vault properties")?;
    let existing = find_vault_by_name(conn, write.name).await?;
    let (vault_row, created) = match existing {
        Some(vault) if vault.resource_group_row == write.resource_group_row => {
            sqlx::query(
                "UPDATE vaults SET location = ?, tenant_id = ?, properties = ?, tags = ?,
                     updated_at = ?
                 WHERE vault_row = ?",
            )
            .bind(write.location)
            .bind(write.tenant_id)
            .bind(&properties)
            .bind(&tags)
            .bind(write.now)
            .bind(vault.vault_row)
            .execute(&mut *conn)
            .await
            .map_err(StoreError::query("updating a vault"))?;
            (vault.vault_row, false)
        }
        Some(_) => {
            return Err(StoreError::Conflict {
                what: format!("a vault named {}", write.name),
            });
        }
        None => {
            let inserted = sqlx::query(
                "INSERT INTO vaults (resource_group_row, name, location, tenant_id, properties,
                     tags, vault_uri, created_at, updated_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(write.resource_group_row)
            .bind(write.name)
            .bind(write.location)
            .bind(write.tenant_id)
            .bind(&properties)
            .bind(&tags)
            .bind(write.vault_uri)
            .bind(write.now)
            .bind(write.now)
            .execute(&mut *conn)
            .await
            .map_err(StoreError::query("inserting a vault"))?;
            (inserted.last_insert_rowid(), true)
        }
    };
    let vault = find_vault_by_row(conn, vault_row)
        .await?
        .ok_or_else(|| StoreError::Corrupt("vault vanished inside its write".to_owned()))?;
    Ok(VaultUpsert { vault, created })
}

/// The vault `name` of a resource group (compared case-insensitively), if any.
pub async fn find_vault(
    conn: &mut Connection,
    resource_group_row: i64,
    name: &str,
) -> Result<Option<Vault>, StoreError> {
    let row = sqlx::query_as::<_, VaultRow>(&format!(
        "{VAULT_SELECT} WHERE v.resource_group_row = ? AND v.name = ?"
    ))
    .bind(resource_group_row)
    .bind(name)
    .fetch_optional(conn)
    .await
    .map_err(StoreError::query("reading a vault"))?;
    row.map(Vault::try_from).transpose()
}

/// The vault named `name` anywhere in the cloud (compared case-insensitively), if any: what
/// the data plane looks up, since a vault's address names only the vault.
pub async fn find_vault_by_name(
    conn: &mut Connection,
    name: &str,
) -> Result<Option<Vault>, StoreError> {
    let row = sqlx::query_as::<_, VaultRow>(&format!("{VAULT_SELECT} WHERE v.name = ?"))
        .bind(name)
        .fetch_optional(conn)
        .await
        .map_err(StoreError::query("reading a vault"))?;
    row.map(Vault::try_from).transpose()
}

/// The vault stored in row `vault_row`, if any.
pub async fn find_vault_by_row(
    conn: &mut Connection,
    vault_row: i64,
) -> Result<Option<Vault>, StoreError> {
    let row = sqlx::query_as::<_, VaultRow>(&format!("{VAULT_SELECT} WHERE v.vault_row = ?"))
        .bind(vault_row)
        .fetch_optional(conn)
        .await
        .map_err(StoreError::query("reading a vault"))?;
    row.map(Vault::try_from).transpose()
}

/// The vaults of a resource group, in creation order.
pub async fn list_vaults_in_resource_group(
    conn: &mut Connection,
    resource_group_row: i64,
) -> Result<Vec<Vault>, StoreError> {
    let rows = sqlx::query_as::<_, VaultRow>(&format!(
        "{VAULT_SELECT} WHERE v.resource_group_row = ? ORDER BY v.vault_row"
    ))
    .bind(resource_group_row)
    .fetch_all(conn)
    .await
    .map_err(StoreError::query("listing vaults of a resource group"))?;
    rows.into_iter().map(Vault::try_from).collect()
}

/// The vaults of every resource group of a subscription, in creation order.
pub async fn list_vaults_in_subscription(
    conn: &mut Connection,
    subscription_id: &str,
) -> Result<Vec<Vault>, StoreError> {
    let rows = sqlx::query_as::<_, VaultRow>(&format!(
        "{VAULT_SELECT} WHERE rg.subscription_id = ? ORDER BY v.vault_row"
    ))
    .bind(subscription_id)
    .fetch_all(conn)
    .await
    .map_err(StoreError::query("listing vaults of a subscription"))?;
    rows.into_iter().map(Vault::try_from).collect()
}

/// Every vault of the cloud, in creation order: what the data plane serves at start-up.
pub async fn list_all_vaults(conn: &mut Connection) -> Result<Vec<Vault>, StoreError> {
    let rows = sqlx::query_as::<_, VaultRow>(&format!("{VAULT_SELECT} ORDER BY v.vault_row"))
        .fetch_all(conn)
        .await
        .map_err(StoreError::query("listing vaults"))?;
    rows.into_iter().map(Vault::try_from).collect()
}

/// Moves a vault to a new address (`properties.vaultUri`), when its old one could not be
/// served again; `false` if the vault does not exist.
pub async fn set_vault_uri(
    conn: &mut Connection,
    vault_row: i64,
    vault_uri: &str,
) -> Result<bool, StoreError> {
    let updated = sqlx::query("UPDATE vaults SET vault_uri = ? WHERE vault_row = ?")
        .bind(vault_uri)
        .bind(vault_row)
        .execute(conn)
        .await
        .map_err(StoreError::query("moving a vault"))?;
    Ok(updated.rows_affected() > 0)
}

/// Deletes a vault and, by cascade, all its secrets; `false` if it did not exist.
pub async fn delete_vault(conn: &mut Connection, vault_row: i64) -> Result<bool, StoreError> {
    let deleted = sqlx::query("DELETE FROM vaults WHERE vault_row = ?")
        .bind(vault_row)
        .execute(conn)
        .await
        .map_err(StoreError::query("deleting a vault"))?;
    Ok(deleted.rows_affected() > 0)
}

// === secrets ===

/// Adds a version to a secret, creating the secret if it has none. A name given in another
/// casing joins the existing secret and takes its casing.
/// [`StoreError::Conflict`] if the version exists already.
pub async fn insert_secret_version(
    conn: &mut Connection,
    new: NewSecretVersion<'_>,
) -> Result<SecretVersion, StoreError> {
    let tags = encode_json(&Value::Object(new.tags.clone()), "secret tags")?;
    let stored_name: Option<String> =
        sqlx::query_scalar("SELECT name FROM secrets WHERE vault_row = ? AND name = ? LIMIT 1")
            .bind(new.vault_row)
            .bind(new.name)
            .fetch_optional(&mut *conn)
            .await
            .map_err(StoreError::query("reading a secret's name"))?;
    let name = stored_name.as_deref().unwrap_or(new.name);
    let inserted = sqlx::query(
        "INSERT INTO secrets (vault_row, name, version, value, content_type, enabled, not_before,
             expires, tags, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(new.vault_row)
    .bind(name)
    .bind(new.version)
    .bind(new.value)
    .bind(new.content_type)
    .bind(new.enabled)
    .bind(new.not_before)
    .bind(new.expires)
    .bind(&tags)
    .bind(new.now)
    .bind(new.now)
    .execute(&mut *conn)
    .await
    .map_err(StoreError::query("inserting a secret version"))?;
    let row = sqlx::query_as::<_, SecretRow>(&format!("{SECRET_SELECT} WHERE secret_row = ?"))
        .bind(inserted.last_insert_rowid())
        .fetch_optional(conn)
        .await
        .map_err(StoreError::query("reading a secret version"))?
        .ok_or_else(|| StoreError::Corrupt("secret version vanished after insert".to_owned()))?;
    SecretVersion::try_from(row)
}

/// The current (newest) version of secret `name` of a vault, if the secret exists.
pub async fn find_latest_secret(
    conn: &mut Connection,
    vault_row: i64,
    name: &str,
) -> Result<Option<SecretVersion>, StoreError> {
    let row = sqlx::query_as::<_, SecretRow>(&format!(
        "{SECRET_SELECT} WHERE vault_row = ? AND name = ? ORDER BY secret_row DESC LIMIT 1"
    ))
    .bind(vault_row)
    .bind(name)
    .fetch_optional(conn)
    .await
    .map_err(StoreError::query("reading a secret"))?;
    row.map(SecretVersion::try_from).transpose()
}

/// Version `version` of secret `name` of a vault, if it exists. Versions compare exactly
/// (they are always lower-case).
pub async fn find_secret_version(
    conn: &mut Connection,
    vault_row: i64,
    name: &str,
    version: &str,
) -> Result<Option<SecretVersion>, StoreError> {
    let row = sqlx::query_as::<_, SecretRow>(&format!(
        "{SECRET_SELECT} WHERE vault_row = ? AND name = ? AND version = ?"
    ))
    .bind(vault_row)
    .bind(name)
    .bind(version)
    .fetch_optional(conn)
    .await
    .map_err(StoreError::query("reading a secret version"))?;
    row.map(SecretVersion::try_from).transpose()
}

/// The current version of every secret of a vault, by name.
pub async fn list_secrets(
    conn: &mut Connection,
    vault_row: i64,
) -> Result<Vec<SecretVersion>, StoreError> {
    let rows = sqlx::query_as::<_, SecretRow>(&format!(
        "{SECRET_SELECT} WHERE secret_row IN (
             SELECT MAX(secret_row) FROM secrets WHERE vault_row = ? GROUP BY name)
         ORDER BY name, secret_row"
    ))
    .bind(vault_row)
    .fetch_all(conn)
    .await
    .map_err(StoreError::query("listing secrets"))?;
    rows.into_iter().map(SecretVersion::try_from).collect()
}

/// Every version of secret `name` of a vault, oldest first; empty if the secret does not
/// exist.
pub async fn list_secret_versions(
    conn: &mut Connection,
    vault_row: i64,
    name: &str,
) -> Result<Vec<SecretVersion>, StoreError> {
    let rows = sqlx::query_as::<_, SecretRow>(&format!(
        "{SECRET_SELECT} WHERE vault_row = ? AND name = ? ORDER BY secret_row"
    ))
    .bind(vault_row)
    .bind(name)
    .fetch_all(conn)
    .await
    .map_err(StoreError::query("listing secret versions"))?;
    rows.into_iter().map(SecretVersion::try_from).collect()
}

/// Deletes every version of secret `name` of a vault; returns how many were deleted (0 if
/// the secret did not exist).
pub async fn delete_secret(
    conn: &mut Connection,
    vault_row: i64,
    name: &str,
) -> Result<u64, StoreError> {
    let deleted = sqlx::query("DELETE FROM secrets WHERE vault_row = ? AND name = ?")
        .bind(vault_row)
        .bind(name)
        .execute(conn)
        .await
        .map_err(StoreError::query("deleting a secret"))?;
    Ok(deleted.rows_affected())
}

// === rows ===

/// The vault columns, joined with the group for the names a resource id needs.
const VAULT_SELECT: &str = "SELECT v.vault_row, v.resource_group_row, rg.subscription_id,
        rg.name AS resource_group_name, v.name, v.location, v.tenant_id, v.properties, v.tags,
        v.vault_uri, v.created_at, v.updated_at
    FROM vaults v JOIN resource_groups rg ON rg.resource_group_row = v.resource_group_row";

const SECRET_SELECT: &str = "SELECT secret_row, vault_row, name, version, value, content_type,
        enabled, not_before, expires, tags, created_at, updated_at
    FROM secrets";

#[derive(FromRow)]
struct VaultRow {
    vault_row: i64,
    resource_group_row: i64,
    subscription_id: String,
    resource_group_name: String,
    name: String,
    location: String,
    tenant_id: String,
    properties: String,
    tags: String,
    vault_uri: String,
    created_at: i64,
    updated_at: i64,
}

impl TryFrom<VaultRow> for Vault {
    type Error = StoreError;

    fn try_from(row: VaultRow) -> Result<Self, StoreError> {
        let properties = serde_json::from_str(&row.properties).map_err(|_| {
            StoreError::Corrupt(format!("properties of vault row {}", row.vault_row))
        })?;
        Ok(Self {
            vault_row: row.vault_row,
            resource_group_row: row.resource_group_row,
            subscription_id: row.subscription_id,
            resource_group_name: row.resource_group_name,
            name: row.name,
            location: row.location,
            tenant_id: row.tenant_id,
            properties,
            tags: decode_object(&row.tags, "vault tags")?,
            vault_uri: row.vault_uri,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

#[derive(FromRow)]
struct SecretRow {
    secret_row: i64,
    vault_row: i64,
    name: String,
    version: String,
    value: String,
    content_type: Option<String>,
    enabled: bool,
    not_before: Option<i64>,
    expires: Option<i64>,
    tags: String,
    created_at: i64,
    updated_at: i64,
}

impl TryFrom<SecretRow> for SecretVersion {
    type Error = StoreError;

    fn try_from(row: SecretRow) -> Result<Self, StoreError> {
        Ok(Self {
            secret_row: row.secret_row,
            vault_row: row.vault_row,
            name: row.name,
            version: row.version,
            value: row.value,
            content_type: row.content_type,
            enabled: row.enabled,
            not_before: row.not_before,
            expires: row.expires,
            tags: decode_object(&row.tags, "secret tags")?,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

fn encode_json(value: &Value, what: &'static str) -> Result<String, StoreError> {
    serde_json::to_string(value)
        .map_err(|_| StoreError::Corrupt(format!("{what} cannot be encoded")))
}

fn decode_object(text: &str, what: &'static str) -> Result<Map<String, Value>, StoreError> {
    serde_json::from_str(text)
        .map_err(|_| StoreError::Corrupt(format!("{what} are not a JSON object")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;
    use crate::resources::{ResourceGroupWrite, delete_resource_group, upsert_resource_group};

    use crate::test_fixtures::{SUBSCRIPTION, TENANT, store_with_subscription};

    /// A store holding a tenant, a subscription and the resource groups `rg1` and `rg2`.
    async fn store_with_groups() -> (tempfile::TempDir, Store, i64, i64) {
        let (dir, store) = store_with_subscription().await;
        let mut conn = store.read().await.expect("connection");
        let tags = Map::new();
        let mut rows = Vec::new();
        for name in ["rg1", "rg2"] {
            let group = upsert_resource_group(
                &mut conn,
                ResourceGroupWrite {
                    subscription_id: SUBSCRIPTION,
                    name,
                    location: "eastus",
                    tags: &tags,
                    now: 10,
                },
            )
            .await
            .expect("insert group");
            rows.push(group.resource_group.resource_group_row);
        }
        drop(conn);
        (dir, store, rows[0], rows[1])
    }

    fn vault_write<'a>(
        resource_group_row: i64,
        name: &'a str,
        properties: &'a Value,
        tags: &'a Map<String, Value>,
        now: i64,
    ) -> VaultWrite<'a> {
        VaultWrite {
            resource_group_row,
            name,
            location: "eastus",
            tenant_id: TENANT,
            properties,
            tags,
            vault_uri: "http://127.0.0.1:1/Vault-One/",
            now,
        }
    }

    fn secret<'a>(
        vault_row: i64,
        name: &'a str,
        version: &'a str,
        value: &'a str,
        tags: &'a Map<String, Value>,
        now: i64,
    ) -> NewSecretVersion<'a> {
        NewSecretVersion {
            vault_row,
            name,
            version,
            value,
            content_type: None,
            enabled: true,
            not_before: None,
            expires: None,
            tags,
            now,
        }
    }

    const V1: &str = "0123456789abcdef0123456789abcdef";
    const V2: &str = "fedcba9876543210fedcba9876543210";
    const V3: &str = "00000000000000000000000000000003";

    #[tokio::test]
    async fn vault_names_are_global_and_keep_their_first_casing() {
        let (_dir, store, rg1, rg2) = store_with_groups().await;
        let mut conn = store.read().await.unwrap();
        let tags = Map::new();
        let properties = serde_json::json!({"enableRbacAuthorization": true});
        let first = upsert_vault(
            &mut conn,
            vault_write(rg1, "Vault-One", &properties, &tags, 100),
        )
        .await
        .unwrap();
        assert!(first.created);
        assert_eq!(first.vault.subscription_id, SUBSCRIPTION);
        assert_eq!(first.vault.resource_group_name, "rg1");
        assert_eq!(first.vault.properties, properties);

        let mut new_tags = Map::new();
        new_tags.insert("env".to_owned(), Value::from("test"));
        let mut replace = vault_write(rg1, "VAULT-ONE", &properties, &new_tags, 200);
        replace.vault_uri = "http://elsewhere/";
        let second = upsert_vault(&mut conn, replace).await.unwrap();
        assert!(!second.created);
        assert_eq!(second.vault.vault_row, first.vault.vault_row);
        assert_eq!(second.vault.name, "Vault-One");
        assert_eq!(second.vault.tags, new_tags);
        assert_eq!(second.vault.created_at, 100);
        assert_eq!(second.vault.updated_at, 200);
        assert_eq!(second.vault.vault_uri, "http://127.0.0.1:1/Vault-One/");

        // Another resource group cannot take the name, in any casing.
        assert!(matches!(
            upsert_vault(
                &mut conn,
                vault_write(rg2, "vault-one", &properties, &tags, 300)
            )
            .await,
            Err(StoreError::Conflict { .. })
        ));
        // Nor can raw SQL: the rule is the schema's.
        let duplicate = sqlx::query(
            "INSERT INTO vaults (resource_group_row, name, location, tenant_id, vault_uri,
                 created_at, updated_at)
             VALUES (?, 'VAULT-one', 'eastus', ?, 'x', 0, 0)",
        )
        .bind(rg2)
        .bind(TENANT)
        .execute(&mut *conn)
        .await
        .map_err(StoreError::query("inserting a vault"));
        assert!(matches!(duplicate, Err(StoreError::Conflict { .. })));

        let found = find_vault_by_name(&mut conn, "vault-ONE").await.unwrap();
        assert_eq!(found.map(|v| v.vault_row), Some(first.vault.vault_row));
        assert!(
            find_vault(&mut conn, rg2, "vault-one")
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            find_vault(&mut conn, rg1, "vault-one")
                .await
                .unwrap()
                .is_some()
        );
    }

    #[tokio::test]
    async fn vaults_are_listed_per_group_and_per_subscription() {
        let (_dir, store, rg1, rg2) = store_with_groups().await;
        let mut conn = store.read().await.unwrap();
        let tags = Map::new();
        let properties = serde_json::json!({});
        for (group, name) in [(rg1, "a-vault"), (rg2, "b-vault"), (rg1, "c-vault")] {
            upsert_vault(&mut conn, vault_write(group, name, &properties, &tags, 100))
                .await
                .unwrap();
        }
        let names = |vaults: Vec<Vault>| vaults.into_iter().map(|v| v.name).collect::<Vec<_>>();
        assert_eq!(
            names(list_vaults_in_resource_group(&mut conn, rg1).await.unwrap()),
            ["a-vault", "c-vault"]
        );
        assert_eq!(
            names(
                list_vaults_in_subscription(&mut conn, SUBSCRIPTION)
                    .await
                    .unwrap()
            ),
            ["a-vault", "b-vault", "c-vault"]
        );
        assert!(
            list_vaults_in_subscription(&mut conn, "00000000-0000-0000-0000-000000000000")
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            names(list_all_vaults(&mut conn).await.unwrap()),
            ["a-vault", "b-vault", "c-vault"]
        );
    }

    #[tokio::test]
    async fn a_vault_moves_to_a_new_address_and_keeps_its_secrets() {
        let (_dir, store, rg1, _) = store_with_groups().await;
        let mut conn = store.read().await.unwrap();
        let tags = Map::new();
        let properties = serde_json::json!({});
        let vault = upsert_vault(&mut conn, vault_write(rg1, "kv", &properties, &tags, 100))
            .await
            .unwrap()
            .vault;
        insert_secret_version(&mut conn, secret(vault.vault_row, "s", V1, "v", &tags, 100))
            .await
            .unwrap();
        assert!(
            set_vault_uri(&mut conn, vault.vault_row, "https://127.0.0.1:2/")
                .await
                .unwrap()
        );
        let moved = find_vault_by_row(&mut conn, vault.vault_row)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(moved.vault_uri, "https://127.0.0.1:2/");
        assert_eq!(moved.updated_at, vault.updated_at);
        assert!(
            find_latest_secret(&mut conn, vault.vault_row, "s")
                .await
                .unwrap()
                .is_some()
        );
        assert!(!set_vault_uri(&mut conn, 9999, "x").await.unwrap());
    }

    #[tokio::test]
    async fn the_newest_version_is_the_current_one_and_names_ignore_case() {
        let (_dir, store, rg1, _) = store_with_groups().await;
        let mut conn = store.read().await.unwrap();
        let tags = Map::new();
        let properties = serde_json::json!({});
        let vault = upsert_vault(&mut conn, vault_write(rg1, "kv", &properties, &tags, 100))
            .await
            .unwrap()
            .vault;
        let first = insert_secret_version(
            &mut conn,
            secret(vault.vault_row, "Db-Password", V1, "one", &tags, 100),
        )
        .await
        .unwrap();
        assert_eq!(first.name, "Db-Password");
        let mut tagged = Map::new();
        tagged.insert("rotated".to_owned(), Value::from("yes"));
        let second = insert_secret_version(
            &mut conn,
            NewSecretVersion {
                content_type: Some("text/plain"),
                enabled: false,
                not_before: Some(150),
                expires: Some(900),
                ..secret(vault.vault_row, "DB-PASSWORD", V2, "two", &tagged, 100)
            },
        )
        .await
        .unwrap();
        // A later version joins the secret and keeps its first casing.
        assert_eq!(second.name, "Db-Password");
        assert_eq!(second.content_type.as_deref(), Some("text/plain"));
        assert!(!second.enabled);
        assert_eq!((second.not_before, second.expires), (Some(150), Some(900)));
        assert_eq!(second.tags, tagged);

        // Same second, yet the later write is the current version.
        let latest = find_latest_secret(&mut conn, vault.vault_row, "db-password")
            .await
            .unwrap()
            .expect("secret exists");
        assert_eq!(latest.version, V2);
        assert_eq!(latest.value, "two");
        let older = find_secret_version(&mut conn, vault.vault_row, "db-password", V1)
            .await
            .unwrap()
            .expect("old version kept");
        assert_eq!(older.value, "one");
        assert!(
            find_secret_version(&mut conn, vault.vault_row, "db-password", V3)
                .await
                .unwrap()
                .is_none()
        );
        let versions = list_secret_versions(&mut conn, vault.vault_row, "DB-password")
            .await
            .unwrap();
        assert_eq!(
            versions
                .iter()
                .map(|v| v.version.as_str())
                .collect::<Vec<_>>(),
            [V1, V2]
        );

        insert_secret_version(
            &mut conn,
            secret(vault.vault_row, "api-key", V3, "k", &tags, 120),
        )
        .await
        .unwrap();
        let listed = list_secrets(&mut conn, vault.vault_row).await.unwrap();
        assert_eq!(
            listed
                .iter()
                .map(|s| (s.name.as_str(), s.version.as_str()))
                .collect::<Vec<_>>(),
            [("api-key", V3), ("Db-Password", V2)]
        );

        // A version is unique within its secret.
        assert!(matches!(
            insert_secret_version(
                &mut conn,
                secret(vault.vault_row, "api-key", V3, "x", &tags, 130)
            )
            .await,
            Err(StoreError::Conflict { .. })
        ));

        assert_eq!(
            delete_secret(&mut conn, vault.vault_row, "DB-PASSWORD")
                .await
                .unwrap(),
            2
        );
        assert!(
            find_latest_secret(&mut conn, vault.vault_row, "db-password")
                .await
                .unwrap()
                .is_none()
        );
        assert_eq!(
            delete_secret(&mut conn, vault.vault_row, "db-password")
                .await
                .unwrap(),
            0
        );
    }

    #[tokio::test]
    async fn the_schema_rejects_bad_versions_and_names() {
        let (_dir, store, rg1, _) = store_with_groups().await;
        let mut conn = store.read().await.unwrap();
        let tags = Map::new();
        let properties = serde_json::json!({});
        let vault = upsert_vault(&mut conn, vault_write(rg1, "kv", &properties, &tags, 100))
            .await
            .unwrap()
            .vault;
        for (name, version) in [
            ("ok", "0123456789ABCDEF0123456789ABCDEF"),
            ("ok", "0123456789abcdef"),
            ("ok", "0123456789abcdef0123456789abcdeg"),
            ("not_ok", V1),
            ("", V1),
        ] {
            let result = insert_secret_version(
                &mut conn,
                secret(vault.vault_row, name, version, "v", &tags, 1),
            )
            .await;
            assert!(
                matches!(result, Err(StoreError::Query { .. })),
                "{name}/{version} was accepted"
            );
        }
    }

    #[tokio::test]
    async fn deleting_a_vault_deletes_its_secrets() {
        let (_dir, store, rg1, _) = store_with_groups().await;
        let mut conn = store.read().await.unwrap();
        let tags = Map::new();
        let properties = serde_json::json!({});
        let doomed = upsert_vault(&mut conn, vault_write(rg1, "doomed", &properties, &tags, 1))
            .await
            .unwrap()
            .vault;
        let kept = upsert_vault(&mut conn, vault_write(rg1, "kept", &properties, &tags, 1))
            .await
            .unwrap()
            .vault;
        for (vault, version) in [(&doomed, V1), (&doomed, V2), (&kept, V3)] {
            insert_secret_version(
                &mut conn,
                secret(vault.vault_row, "s", version, "v", &tags, 1),
            )
            .await
            .unwrap();
        }
        assert!(delete_vault(&mut conn, doomed.vault_row).await.unwrap());
        assert!(!delete_vault(&mut conn, doomed.vault_row).await.unwrap());

        let left: Vec<(i64, String)> =
            sqlx::query_as("SELECT vault_row, version FROM secrets ORDER BY secret_row")
                .fetch_all(&mut *conn)
                .await
                .unwrap();
        assert_eq!(left, [(kept.vault_row, V3.to_owned())]);
    }

    #[tokio::test]
    async fn deleting_a_resource_group_deletes_its_vaults_and_their_secrets() {
        let (_dir, store, rg1, rg2) = store_with_groups().await;
        let mut conn = store.read().await.unwrap();
        let tags = Map::new();
        let properties = serde_json::json!({});
        let doomed = upsert_vault(&mut conn, vault_write(rg1, "doomed", &properties, &tags, 1))
            .await
            .unwrap()
            .vault;
        let kept = upsert_vault(&mut conn, vault_write(rg2, "kept", &properties, &tags, 1))
            .await
            .unwrap()
            .vault;
        for (vault, version) in [(&doomed, V1), (&kept, V2)] {
            insert_secret_version(
                &mut conn,
                secret(vault.vault_row, "s", version, "v", &tags, 1),
            )
            .await
            .unwrap();
        }
        assert!(delete_resource_group(&mut conn, rg1).await.unwrap());

        assert!(
            find_vault_by_name(&mut conn, "doomed")
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            find_vault_by_name(&mut conn, "kept")
                .await
                .unwrap()
                .is_some()
        );
        let secrets: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM secrets")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        assert_eq!(secrets, 1);
        // The name is free again once its vault is gone.
        assert!(
            upsert_vault(&mut conn, vault_write(rg2, "doomed", &properties, &tags, 2))
                .await
                .unwrap()
                .created
        );
    }
}
