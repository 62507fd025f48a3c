//! MSRP's tables: managed identities, the certificates they authenticate with, and MSRP's CA.

use serde_json::{Map, Value};
use sqlx::FromRow;

use crate::resources::{decode_object, encode_tags};
use crate::{Connection, StoreError};

/// Whether an identity is the VM's own or a resource of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentityKind {
    /// Created with a VM, dies with it, cannot be shared.
    SystemAssigned,
    /// A resource of its own, attachable to many VMs.
    UserAssigned,
}

impl IdentityKind {
    /// The value stored in the `kind` column (and used by ARM in `identity.type`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SystemAssigned => "SystemAssigned",
            Self::UserAssigned => "UserAssigned",
        }
    }

    fn parse(value: &str) -> Result<Self, StoreError> {
        match value {
            "SystemAssigned" => Ok(Self::SystemAssigned),
            "UserAssigned" => Ok(Self::UserAssigned),
            other => Err(StoreError::Corrupt(format!("identity kind '{other}'"))),
        }
    }
}

/// A managed identity as MSRP stores it.
#[derive(Debug, Clone, PartialEq)]
pub struct ManagedIdentity {
    /// Row id.
    pub identity_row: i64,
    /// System- or user-assigned.
    pub kind: IdentityKind,
    /// The VM of a system-assigned identity.
    pub vm_row: Option<i64>,
    /// The resource group of a user-assigned identity.
    pub resource_group_row: Option<i64>,
    /// The name of a user-assigned identity.
    pub name: Option<String>,
    /// The ARM id of the identity (the VM's id for a system-assigned one).
    pub resource_id: String,
    /// The tenant of the identity's service principal.
    pub tenant_id: String,
    /// The service principal's object id.
    pub principal_id: String,
    /// The service principal's app (client) id.
    pub client_id: String,
    /// The Azure region.
    pub location: String,
    /// The identity's tags.
    pub tags: Map<String, Value>,
    /// When it was created (unix seconds).
    pub created_at: i64,
}

/// A new identity row (the service principal must exist already, in the same transaction).
#[derive(Debug, Clone)]
pub struct NewManagedIdentity<'a> {
    /// System- or user-assigned.
    pub kind: IdentityKind,
    /// The VM (system-assigned only).
    pub vm_row: Option<i64>,
    /// The resource group (user-assigned only).
    pub resource_group_row: Option<i64>,
    /// The name (user-assigned only).
    pub name: Option<&'a str>,
    /// The ARM id of the identity.
    pub resource_id: &'a str,
    /// The principal's tenant.
    pub tenant_id: &'a str,
    /// The principal's object id.
    pub principal_id: &'a str,
    /// The principal's app id.
    pub client_id: &'a str,
    /// The region.
    pub location: &'a str,
    /// The tags.
    pub tags: &'a Map<String, Value>,
    /// Creation time (unix seconds).
    pub created_at: i64,
}

/// An identity's certificate and private key, as handed to metadata agents.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct IdentityCertificate {
    /// Row id.
    pub certificate_row: i64,
    /// The identity it belongs to.
    pub identity_row: i64,
    /// The certificate (PEM).
    pub certificate_pem: String,
    /// Its private key (PKCS#8 PEM).
    pub private_key_pem: String,
    /// Upper-case hex SHA-256 of the DER certificate.
    pub thumbprint_sha256: String,
    /// Validity start (unix seconds).
    pub not_before: i64,
    /// Validity end (unix seconds).
    pub not_after: i64,
    /// When MSRP rolls it (unix seconds).
    pub renew_after: i64,
    /// When it was issued (unix seconds).
    pub created_at: i64,
}

/// The stored certificate authority of a component.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct StoredCertificateAuthority {
    /// The CA's name (its key in the table).
    pub name: String,
    /// The CA certificate (PEM).
    pub certificate_pem: String,
    /// The CA's private key (PKCS#8 PEM).
    pub private_key_pem: String,
    /// When it was created (unix seconds).
    pub created_at: i64,
}

const IDENTITY_COLUMNS: &str = "identity_row, kind, vm_row, resource_group_row, name, resource_id, \
     tenant_id, principal_id, client_id, location, tags, created_at";

/// A `managed_identities` row as read, before its kind and tags are decoded.
#[derive(FromRow)]
struct IdentityRow {
    identity_row: i64,
    kind: String,
    vm_row: Option<i64>,
    resource_group_row: Option<i64>,
    name: Option<String>,
    resource_id: String,
    tenant_id: String,
    principal_id: String,
    client_id: String,
    location: String,
    tags: String,
    created_at: i64,
}

impl TryFrom<IdentityRow> for ManagedIdentity {
    type Error = StoreError;

    fn try_from(row: IdentityRow) -> Result<Self, StoreError> {
        Ok(Self {
            identity_row: row.identity_row,
            kind: IdentityKind::parse(&row.kind)?,
            vm_row: row.vm_row,
            resource_group_row: row.resource_group_row,
            name: row.name,
            resource_id: row.resource_id,
            tenant_id: row.tenant_id,
            principal_id: row.principal_id,
            client_id: row.client_id,
            location: row.location,
            tags: decode_object(&row.tags, "managed identity tags")?,
            created_at: row.created_at,
        })
    }
}

fn decode_one(row: Option<IdentityRow>) -> Result<Option<ManagedIdentity>, StoreError> {
    row.map(ManagedIdentity::try_from).transpose()
}

fn decode_all(rows: Vec<IdentityRow>) -> Result<Vec<ManagedIdentity>, StoreError> {
    rows.into_iter().map(ManagedIdentity::try_from).collect()
}

/// Inserts an identity and returns its row id.
pub async fn insert_managed_identity(
    conn: &mut Connection,
    identity: &NewManagedIdentity<'_>,
) -> Result<i64, StoreError> {
    let result = sqlx::query(
        "INSERT INTO managed_identities (kind, vm_row, resource_group_row, name, resource_id, \
         tenant_id, principal_id, client_id, location, tags, created_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(identity.kind.as_str())
    .bind(identity.vm_row)
    .bind(identity.resource_group_row)
    .bind(identity.name)
    .bind(identity.resource_id)
    .bind(identity.tenant_id)
    .bind(identity.principal_id)
    .bind(identity.client_id)
    .bind(identity.location)
    .bind(encode_tags(identity.tags)?)
    .bind(identity.created_at)
    .execute(&mut *conn)
    .await
    .map_err(StoreError::query("inserting a managed identity"))?;
    Ok(result.last_insert_rowid())
}

/// The system-assigned identity of a VM, if it has one.
pub async fn find_system_identity(
    conn: &mut Connection,
    vm_row: i64,
) -> Result<Option<ManagedIdentity>, StoreError> {
    let sql = format!("SELECT {IDENTITY_COLUMNS} FROM managed_identities WHERE vm_row = ?");
    let row = sqlx::query_as::<_, IdentityRow>(&sql)
        .bind(vm_row)
        .fetch_optional(&mut *conn)
        .await
        .map_err(StoreError::query("reading a VM's system identity"))?;
    decode_one(row)
}

/// Every identity a VM carries: its system-assigned one and its attached user-assigned ones.
pub async fn list_vm_identities(
    conn: &mut Connection,
    vm_row: i64,
) -> Result<Vec<ManagedIdentity>, StoreError> {
    let sql = format!(
        "SELECT {IDENTITY_COLUMNS} FROM managed_identities WHERE vm_row = ?1 \
         UNION ALL \
         SELECT {columns} FROM managed_identities m \
         JOIN identity_attachments a ON a.identity_row = m.identity_row WHERE a.vm_row = ?1 \
         ORDER BY identity_row",
        columns = IDENTITY_COLUMNS
            .split(", ")
            .map(|column| format!("m.{column}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let rows = sqlx::query_as::<_, IdentityRow>(&sql)
        .bind(vm_row)
        .fetch_all(&mut *conn)
        .await
        .map_err(StoreError::query("listing a VM's identities"))?;
    decode_all(rows)
}

/// Deletes a VM's system-assigned identity; the schema deletes its principal, credentials and
/// certificates with it. Returns whether there was one.
pub async fn delete_system_identity(
    conn: &mut Connection,
    vm_row: i64,
) -> Result<bool, StoreError> {
    let result = sqlx::query("DELETE FROM managed_identities WHERE vm_row = ?")
        .bind(vm_row)
        .execute(&mut *conn)
        .await
        .map_err(StoreError::query("deleting a system identity"))?;
    Ok(result.rows_affected() > 0)
}

/// Stores a certificate issued to an identity.
pub async fn insert_identity_certificate(
    conn: &mut Connection,
    certificate: &IdentityCertificate,
) -> Result<i64, StoreError> {
    let result = sqlx::query(
        "INSERT INTO identity_certificates (identity_row, certificate_pem, private_key_pem, \
         thumbprint_sha256, not_before, not_after, renew_after, created_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(certificate.identity_row)
    .bind(&certificate.certificate_pem)
    .bind(&certificate.private_key_pem)
    .bind(&certificate.thumbprint_sha256)
    .bind(certificate.not_before)
    .bind(certificate.not_after)
    .bind(certificate.renew_after)
    .bind(certificate.created_at)
    .execute(&mut *conn)
    .await
    .map_err(StoreError::query("inserting an identity certificate"))?;
    Ok(result.last_insert_rowid())
}

/// The newest certificate of an identity (the one its agents sign with).
pub async fn current_identity_certificate(
    conn: &mut Connection,
    identity_row: i64,
) -> Result<Option<IdentityCertificate>, StoreError> {
    sqlx::query_as::<_, IdentityCertificate>(
        "SELECT certificate_row, identity_row, certificate_pem, private_key_pem, \
         thumbprint_sha256, not_before, not_after, renew_after, created_at \
         FROM identity_certificates WHERE identity_row = ? \
         ORDER BY created_at DESC, certificate_row DESC LIMIT 1",
    )
    .bind(identity_row)
    .fetch_optional(&mut *conn)
    .await
    .map_err(StoreError::query("reading an identity certificate"))
}

/// The certificate authority named `name`, if it was created.
pub async fn find_certificate_authority(
    conn: &mut Connection,
    name: &str,
) -> Result<Option<StoredCertificateAuthority>, StoreError> {
    sqlx::query_as::<_, StoredCertificateAuthority>(
        "SELECT name, certificate_pem, private_key_pem, created_at \
         FROM certificate_authorities WHERE name = ?",
    )
    .bind(name)
    .fetch_optional(&mut *conn)
    .await
    .map_err(StoreError::query("reading a certificate authority"))
}

/// Stores a new certificate authority; a second insert under the same name is a conflict.
pub async fn insert_certificate_authority(
    conn: &mut Connection,
    authority: &StoredCertificateAuthority,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO certificate_authorities (name, certificate_pem, private_key_pem, created_at) \
         VALUES (?, ?, ?, ?)",
    )
    .bind(&authority.name)
    .bind(&authority.certificate_pem)
    .bind(&authority.private_key_pem)
    .bind(authority.created_at)
    .execute(&mut *conn)
    .await
    .map_err(StoreError::query("inserting a certificate authority"))?;
    Ok(())
}

/// The identity stored at `identity_row`.
pub async fn find_identity(
    conn: &mut Connection,
    identity_row: i64,
) -> Result<Option<ManagedIdentity>, StoreError> {
    let sql = format!("SELECT {IDENTITY_COLUMNS} FROM managed_identities WHERE identity_row = ?");
    let row = sqlx::query_as::<_, IdentityRow>(&sql)
        .bind(identity_row)
        .fetch_optional(&mut *conn)
        .await
        .map_err(StoreError::query("reading a managed identity"))?;
    decode_one(row)
}

/// Identities whose newest certificate is due to be rolled at `now` (unix seconds).
pub async fn list_identities_due_for_renewal(
    conn: &mut Connection,
    now: i64,
) -> Result<Vec<ManagedIdentity>, StoreError> {
    let sql = format!(
        "SELECT {IDENTITY_COLUMNS} FROM managed_identities m WHERE \
         (SELECT max(renew_after) FROM identity_certificates c \
          WHERE c.identity_row = m.identity_row) <= ? ORDER BY identity_row"
    );
    let rows = sqlx::query_as::<_, IdentityRow>(&sql)
        .bind(now)
        .fetch_all(&mut *conn)
        .await
        .map_err(StoreError::query("listing identities due for renewal"))?;
    decode_all(rows)
}

/// The VMs that carry an identity: its VM for a system-assigned one, the VMs it is attached to
/// for a user-assigned one.
pub async fn list_vms_carrying_identity(
    conn: &mut Connection,
    identity_row: i64,
) -> Result<Vec<i64>, StoreError> {
    sqlx::query_scalar(
        "SELECT vm_row FROM managed_identities WHERE identity_row = ?1 AND vm_row IS NOT NULL \
         UNION SELECT vm_row FROM identity_attachments WHERE identity_row = ?1 ORDER BY 1",
    )
    .bind(identity_row)
    .fetch_all(&mut *conn)
    .await
    .map_err(StoreError::query("listing the VMs of an identity"))
}

/// Deletes the certificates of an identity that expired before `now` (unix seconds); their
/// directory credentials are left to the token service, which refuses expired ones anyway.
pub async fn delete_expired_identity_certificates(
    conn: &mut Connection,
    identity_row: i64,
    now: i64,
) -> Result<u64, StoreError> {
    let result =
        sqlx::query("DELETE FROM identity_certificates WHERE identity_row = ? AND not_after < ?")
            .bind(identity_row)
            .bind(now)
            .execute(&mut *conn)
            .await
            .map_err(StoreError::query("deleting expired identity certificates"))?;
    Ok(result.rows_affected())
}

// === user-assigned identities ===

/// The user-assigned identity `name` of a resource group (compared case-insensitively).
pub async fn find_user_assigned_identity(
    conn: &mut Connection,
    resource_group_row: i64,
    name: &str,
) -> Result<Option<ManagedIdentity>, StoreError> {
    let sql = format!(
        "SELECT {IDENTITY_COLUMNS} FROM managed_identities \
         WHERE kind = 'UserAssigned' AND resource_group_row = ? AND name = ?"
    );
    let row = sqlx::query_as::<_, IdentityRow>(&sql)
        .bind(resource_group_row)
        .bind(name)
        .fetch_optional(&mut *conn)
        .await
        .map_err(StoreError::query("reading a user-assigned identity"))?;
    decode_one(row)
}

/// The user-assigned identities of a resource group, in creation order.
pub async fn list_user_assigned_identities_in_resource_group(
    conn: &mut Connection,
    resource_group_row: i64,
) -> Result<Vec<ManagedIdentity>, StoreError> {
    let sql = format!(
        "SELECT {IDENTITY_COLUMNS} FROM managed_identities \
         WHERE kind = 'UserAssigned' AND resource_group_row = ? ORDER BY identity_row"
    );
    let rows = sqlx::query_as::<_, IdentityRow>(&sql)
        .bind(resource_group_row)
        .fetch_all(&mut *conn)
        .await
        .map_err(StoreError::query(
            "listing the user-assigned identities of a resource group",
        ))?;
    decode_all(rows)
}

/// The user-assigned identities of every resource group of a subscription, in creation order.
pub async fn list_user_assigned_identities_in_subscription(
    conn: &mut Connection,
    subscription_id: &str,
) -> Result<Vec<ManagedIdentity>, StoreError> {
    let sql = format!(
        "SELECT {IDENTITY_COLUMNS} FROM managed_identities WHERE kind = 'UserAssigned' \
         AND resource_group_row IN \
             (SELECT resource_group_row FROM resource_groups WHERE subscription_id = ?) \
         ORDER BY identity_row"
    );
    let rows = sqlx::query_as::<_, IdentityRow>(&sql)
        .bind(subscription_id)
        .fetch_all(&mut *conn)
        .await
        .map_err(StoreError::query(
            "listing the user-assigned identities of a subscription",
        ))?;
    decode_all(rows)
}

/// Replaces an identity's tags; `false` if there is no such identity.
pub async fn update_identity_tags(
    conn: &mut Connection,
    identity_row: i64,
    tags: &Map<String, Value>,
) -> Result<bool, StoreError> {
    let result = sqlx::query("UPDATE managed_identities SET tags = ? WHERE identity_row = ?")
        .bind(encode_tags(tags)?)
        .bind(identity_row)
        .execute(&mut *conn)
        .await
        .map_err(StoreError::query("updating an identity's tags"))?;
    Ok(result.rows_affected() > 0)
}

/// Deletes an identity; the schema deletes its principal, credentials, certificates and
/// attachments with it. Returns whether there was one.
pub async fn delete_identity(conn: &mut Connection, identity_row: i64) -> Result<bool, StoreError> {
    let result = sqlx::query("DELETE FROM managed_identities WHERE identity_row = ?")
        .bind(identity_row)
        .execute(&mut *conn)
        .await
        .map_err(StoreError::query("deleting a managed identity"))?;
    Ok(result.rows_affected() > 0)
}

/// The user-assigned identities attached to a VM, in the order they were attached.
pub async fn list_attached_identities(
    conn: &mut Connection,
    vm_row: i64,
) -> Result<Vec<ManagedIdentity>, StoreError> {
    let columns = IDENTITY_COLUMNS
        .split(", ")
        .map(|column| format!("m.{column}"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT {columns} FROM managed_identities m \
         JOIN identity_attachments a ON a.identity_row = m.identity_row \
         WHERE a.vm_row = ? ORDER BY a.attached_at, m.identity_row"
    );
    let rows = sqlx::query_as::<_, IdentityRow>(&sql)
        .bind(vm_row)
        .fetch_all(&mut *conn)
        .await
        .map_err(StoreError::query("listing a VM's attached identities"))?;
    decode_all(rows)
}

/// Attaches a user-assigned identity to a VM at `now` (unix seconds); attaching it again is a
/// no-op. The schema refuses anything but a user-assigned identity.
pub async fn attach_identity(
    conn: &mut Connection,
    vm_row: i64,
    identity_row: i64,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO identity_attachments (vm_row, identity_row, attached_at) VALUES (?, ?, ?) \
         ON CONFLICT (vm_row, identity_row) DO NOTHING",
    )
    .bind(vm_row)
    .bind(identity_row)
    .bind(now)
    .execute(&mut *conn)
    .await
    .map_err(StoreError::query("attaching an identity to a VM"))?;
    Ok(())
}

/// Detaches a user-assigned identity from a VM; `false` if it was not attached.
pub async fn detach_identity(
    conn: &mut Connection,
    vm_row: i64,
    identity_row: i64,
) -> Result<bool, StoreError> {
    let result =
        sqlx::query("DELETE FROM identity_attachments WHERE vm_row = ? AND identity_row = ?")
            .bind(vm_row)
            .bind(identity_row)
            .execute(&mut *conn)
            .await
            .map_err(StoreError::query("detaching an identity from a VM"))?;
    Ok(result.rows_affected() > 0)
}

/// The VMs that carry a user-assigned identity of a resource group: the VMs whose agents
/// change when the group (and so the identity) is deleted, wherever those VMs live.
pub async fn list_vms_using_identities_of_resource_group(
    conn: &mut Connection,
    resource_group_row: i64,
) -> Result<Vec<i64>, StoreError> {
    sqlx::query_scalar(
        "SELECT DISTINCT a.vm_row FROM identity_attachments a \
         JOIN managed_identities m ON m.identity_row = a.identity_row \
         WHERE m.resource_group_row = ? ORDER BY 1",
    )
    .bind(resource_group_row)
    .fetch_all(&mut *conn)
    .await
    .map_err(StoreError::query(
        "listing the VMs using a resource group's identities",
    ))
}
