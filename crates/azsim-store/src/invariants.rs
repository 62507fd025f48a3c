//! The consistency rules a database must satisfy whatever happened to the process that wrote
//! it (a crash mid-write included), checked after the fact.
//!
//! Most rules are enforced by the schema as rows are written (foreign keys, triggers, unique
//! constraints); these checks re-read the file and report every row that breaks one, so a test
//! can tell a torn write or a missed cascade from a healthy store. The rules that the schema
//! cannot express (a managed identity has a certificate credential; two VMs never share a
//! metadata agent address; an identity, its principal and its VM name one resource) are
//! checked here only.
//!
//! Role assignments naming a principal that no longer exists are not violations: they outlive
//! their principals by design, as in Azure (see `migrations/*_create_role_assignments.sql`).

use std::fmt;

use crate::{Connection, StoreError};

/// One broken rule, with the rows that break it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InvariantViolation {
    /// A line of `PRAGMA integrity_check` other than `ok`: the file itself is damaged.
    Integrity(String),
    /// A row of `PRAGMA foreign_key_check`: `table`'s row `rowid` names a missing `parent` row.
    ForeignKey {
        /// The child table.
        table: String,
        /// The child row (`None` for a table without rowid).
        rowid: Option<i64>,
        /// The table the missing row belongs to.
        parent: String,
    },
    /// A managed-identity service principal that no identity row owns.
    PrincipalWithoutIdentity {
        /// The principal's object id.
        object_id: String,
        /// The `xms_mirid` it was created for.
        resource_id: String,
    },
    /// An identity whose principal is missing or is not a managed-identity principal.
    IdentityWithoutManagedIdentityPrincipal {
        /// The identity.
        identity_row: i64,
        /// The object id it names.
        principal_id: String,
    },
    /// An identity and its principal disagree on the client id or the ARM id (`xms_mirid`).
    PrincipalDisagreesWithIdentity {
        /// The identity.
        identity_row: i64,
        /// The identity's `resource_id`.
        identity_resource_id: String,
        /// The principal's `managed_identity_resource_id`.
        principal_resource_id: String,
    },
    /// An identity whose principal has no certificate credential: no agent can get a token.
    IdentityWithoutCertificateCredential {
        /// The identity.
        identity_row: i64,
        /// Its ARM id.
        resource_id: String,
    },
    /// An identity with no certificate (and key) for its agents.
    IdentityWithoutCertificate {
        /// The identity.
        identity_row: i64,
        /// Its ARM id.
        resource_id: String,
    },
    /// An identity certificate that is not registered as a credential of its principal: the
    /// token service would refuse assertions signed with it.
    CertificateNotRegistered {
        /// The identity.
        identity_row: i64,
        /// The certificate's SHA-256 thumbprint.
        thumbprint_sha256: String,
    },
    /// A system-assigned identity whose ARM id is not its VM's id.
    SystemIdentityNamesAnotherResource {
        /// The identity.
        identity_row: i64,
        /// Its stored ARM id.
        resource_id: String,
        /// The id of the VM that owns it.
        vm_resource_id: String,
    },
    /// A user-assigned identity whose ARM id is not built from its resource group and name.
    UserAssignedIdentityNamesAnotherResource {
        /// The identity.
        identity_row: i64,
        /// Its stored ARM id.
        resource_id: String,
        /// The id its resource group and name make.
        expected_resource_id: String,
    },
    /// An attachment of an identity that is not user-assigned.
    AttachmentOfSystemIdentity {
        /// The VM.
        vm_row: i64,
        /// The identity.
        identity_row: i64,
    },
    /// Several VMs stored with one metadata agent address: a workload on one would get the
    /// other's tokens.
    SharedAgentAddress {
        /// The address.
        address: String,
        /// The VMs stored with it.
        vm_rows: Vec<i64>,
    },
}

impl fmt::Display for InvariantViolation {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Integrity(line) => write!(formatter, "integrity check: {line}"),
            Self::ForeignKey {
                table,
                rowid,
                parent,
            } => match rowid {
                Some(rowid) => write!(
                    formatter,
                    "{table} row {rowid} names a missing {parent} row"
                ),
                None => write!(formatter, "a {table} row names a missing {parent} row"),
            },
            Self::PrincipalWithoutIdentity {
                object_id,
                resource_id,
            } => write!(
                formatter,
                "managed-identity principal {object_id} ({resource_id}) has no identity"
            ),
            Self::IdentityWithoutManagedIdentityPrincipal {
                identity_row,
                principal_id,
            } => write!(
                formatter,
                "identity {identity_row} names principal {principal_id}, which is not a \
                 managed-identity principal"
            ),
            Self::PrincipalDisagreesWithIdentity {
                identity_row,
                identity_resource_id,
                principal_resource_id,
            } => write!(
                formatter,
                "identity {identity_row} ({identity_resource_id}) and its principal \
                 ({principal_resource_id}) disagree on the client id or the resource id"
            ),
            Self::IdentityWithoutCertificateCredential {
                identity_row,
                resource_id,
            } => write!(
                formatter,
                "identity {identity_row} ({resource_id}) has no certificate credential"
            ),
            Self::IdentityWithoutCertificate {
                identity_row,
                resource_id,
            } => write!(
                formatter,
                "identity {identity_row} ({resource_id}) has no certificate for its agents"
            ),
            Self::CertificateNotRegistered {
                identity_row,
                thumbprint_sha256,
            } => write!(
                formatter,
                "certificate {thumbprint_sha256} of identity {identity_row} is not a credential \
                 of its principal"
            ),
            Self::SystemIdentityNamesAnotherResource {
                identity_row,
                resource_id,
                vm_resource_id,
            } => write!(
                formatter,
                "system-assigned identity {identity_row} is {resource_id} but belongs to \
                 {vm_resource_id}"
            ),
            Self::UserAssignedIdentityNamesAnotherResource {
                identity_row,
                resource_id,
                expected_resource_id,
            } => write!(
                formatter,
                "user-assigned identity {identity_row} is {resource_id}, not \
                 {expected_resource_id}"
            ),
            Self::AttachmentOfSystemIdentity {
                vm_row,
                identity_row,
            } => write!(
                formatter,
                "VM {vm_row} carries identity {identity_row}, which is not user-assigned"
            ),
            Self::SharedAgentAddress { address, vm_rows } => {
                write!(
                    formatter,
                    "VMs {vm_rows:?} share the agent address {address}"
                )
            }
        }
    }
}

/// Checks every rule on `conn` and returns what breaks them (empty when the store is sound).
///
/// Reads only, so it can run beside a live cloud (WAL lets a reader see the last commit).
pub async fn check_invariants(
    conn: &mut Connection,
) -> Result<Vec<InvariantViolation>, StoreError> {
    let mut violations = integrity(conn).await?;
    violations.extend(foreign_keys(conn).await?);
    violations.extend(principals_without_identity(conn).await?);
    violations.extend(identities_without_principal(conn).await?);
    violations.extend(principals_disagreeing(conn).await?);
    violations.extend(identities_without_credential(conn).await?);
    violations.extend(identities_without_certificate(conn).await?);
    violations.extend(unregistered_certificates(conn).await?);
    violations.extend(system_identities_naming_another_resource(conn).await?);
    violations.extend(user_identities_naming_another_resource(conn).await?);
    violations.extend(attachments_of_system_identities(conn).await?);
    violations.extend(shared_agent_addresses(conn).await?);
    Ok(violations)
}

async fn integrity(conn: &mut Connection) -> Result<Vec<InvariantViolation>, StoreError> {
    let lines: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_all(&mut *conn)
        .await
        .map_err(StoreError::query("checking the file's integrity"))?;
    Ok(lines
        .into_iter()
        .filter(|line| line != "ok")
        .map(InvariantViolation::Integrity)
        .collect())
}

async fn foreign_keys(conn: &mut Connection) -> Result<Vec<InvariantViolation>, StoreError> {
    let rows: Vec<(String, Option<i64>, String, i64)> = sqlx::query_as("PRAGMA foreign_key_check")
        .fetch_all(&mut *conn)
        .await
        .map_err(StoreError::query("checking foreign keys"))?;
    Ok(rows
        .into_iter()
        .map(|(table, rowid, parent, _)| InvariantViolation::ForeignKey {
            table,
            rowid,
            parent,
        })
        .collect())
}

async fn principals_without_identity(
    conn: &mut Connection,
) -> Result<Vec<InvariantViolation>, StoreError> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT object_id, coalesce(managed_identity_resource_id, '') FROM service_principals sp
         WHERE principal_type = 'ManagedIdentity'
           AND NOT EXISTS (SELECT 1 FROM managed_identities mi WHERE mi.principal_id = sp.object_id)
         ORDER BY object_id",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(StoreError::query("looking for principals without identity"))?;
    Ok(rows
        .into_iter()
        .map(
            |(object_id, resource_id)| InvariantViolation::PrincipalWithoutIdentity {
                object_id,
                resource_id,
            },
        )
        .collect())
}

async fn identities_without_principal(
    conn: &mut Connection,
) -> Result<Vec<InvariantViolation>, StoreError> {
    let rows: Vec<(i64, String)> = sqlx::query_as(
        "SELECT identity_row, principal_id FROM managed_identities mi
         WHERE NOT EXISTS (SELECT 1 FROM service_principals sp
                           WHERE sp.object_id = mi.principal_id
                             AND sp.principal_type = 'ManagedIdentity')
         ORDER BY identity_row",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(StoreError::query(
        "looking for identities without principal",
    ))?;
    Ok(rows
        .into_iter()
        .map(|(identity_row, principal_id)| {
            InvariantViolation::IdentityWithoutManagedIdentityPrincipal {
                identity_row,
                principal_id,
            }
        })
        .collect())
}

async fn principals_disagreeing(
    conn: &mut Connection,
) -> Result<Vec<InvariantViolation>, StoreError> {
    let rows: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT mi.identity_row, mi.resource_id, coalesce(sp.managed_identity_resource_id, '')
         FROM managed_identities mi JOIN service_principals sp ON sp.object_id = mi.principal_id
         WHERE lower(sp.app_id) <> lower(mi.client_id)
            OR sp.tenant_id <> mi.tenant_id
            OR lower(coalesce(sp.managed_identity_resource_id, '')) <> lower(mi.resource_id)
         ORDER BY mi.identity_row",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(StoreError::query(
        "comparing identities with their principals",
    ))?;
    Ok(rows
        .into_iter()
        .map(
            |(identity_row, identity_resource_id, principal_resource_id)| {
                InvariantViolation::PrincipalDisagreesWithIdentity {
                    identity_row,
                    identity_resource_id,
                    principal_resource_id,
                }
            },
        )
        .collect())
}

async fn identities_without_credential(
    conn: &mut Connection,
) -> Result<Vec<InvariantViolation>, StoreError> {
    let rows: Vec<(i64, String)> = sqlx::query_as(
        "SELECT identity_row, resource_id FROM managed_identities mi
         WHERE NOT EXISTS (SELECT 1 FROM credentials c
                           WHERE c.object_id = mi.principal_id AND c.kind = 'certificate')
         ORDER BY identity_row",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(StoreError::query(
        "looking for identities without credential",
    ))?;
    Ok(rows
        .into_iter()
        .map(|(identity_row, resource_id)| {
            InvariantViolation::IdentityWithoutCertificateCredential {
                identity_row,
                resource_id,
            }
        })
        .collect())
}

async fn identities_without_certificate(
    conn: &mut Connection,
) -> Result<Vec<InvariantViolation>, StoreError> {
    let rows: Vec<(i64, String)> = sqlx::query_as(
        "SELECT identity_row, resource_id FROM managed_identities mi
         WHERE NOT EXISTS (SELECT 1 FROM identity_certificates ic
                           WHERE ic.identity_row = mi.identity_row)
         ORDER BY identity_row",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(StoreError::query(
        "looking for identities without certificate",
    ))?;
    Ok(rows
        .into_iter()
        .map(
            |(identity_row, resource_id)| InvariantViolation::IdentityWithoutCertificate {
                identity_row,
                resource_id,
            },
        )
        .collect())
}

async fn unregistered_certificates(
    conn: &mut Connection,
) -> Result<Vec<InvariantViolation>, StoreError> {
    let rows: Vec<(i64, String)> = sqlx::query_as(
        "SELECT ic.identity_row, ic.thumbprint_sha256
         FROM identity_certificates ic JOIN managed_identities mi USING (identity_row)
         WHERE NOT EXISTS (SELECT 1 FROM credentials c
                           WHERE c.object_id = mi.principal_id AND c.kind = 'certificate'
                             AND lower(c.thumbprint_sha256) = lower(ic.thumbprint_sha256))
         ORDER BY ic.certificate_row",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(StoreError::query("looking for unregistered certificates"))?;
    Ok(rows
        .into_iter()
        .map(
            |(identity_row, thumbprint_sha256)| InvariantViolation::CertificateNotRegistered {
                identity_row,
                thumbprint_sha256,
            },
        )
        .collect())
}

/// The ARM id of a VM row, in SQL: how `azsim_core::ResourceId` displays it, compared below
/// without case as ARM compares ids.
const VM_RESOURCE_ID: &str = "'/subscriptions/' || rg.subscription_id || '/resourceGroups/' \
     || rg.name || '/providers/Microsoft.Compute/virtualMachines/' || vm.name";

async fn system_identities_naming_another_resource(
    conn: &mut Connection,
) -> Result<Vec<InvariantViolation>, StoreError> {
    let sql = format!(
        "SELECT mi.identity_row, mi.resource_id, {VM_RESOURCE_ID}
         FROM managed_identities mi
         JOIN virtual_machines vm ON vm.vm_row = mi.vm_row
         JOIN resource_groups rg ON rg.resource_group_row = vm.resource_group_row
         WHERE mi.kind = 'SystemAssigned' AND lower(mi.resource_id) <> lower({VM_RESOURCE_ID})
         ORDER BY mi.identity_row"
    );
    let rows: Vec<(i64, String, String)> = sqlx::query_as(&sql)
        .fetch_all(&mut *conn)
        .await
        .map_err(StoreError::query(
            "comparing system identities with their VMs",
        ))?;
    Ok(rows
        .into_iter()
        .map(|(identity_row, resource_id, vm_resource_id)| {
            InvariantViolation::SystemIdentityNamesAnotherResource {
                identity_row,
                resource_id,
                vm_resource_id,
            }
        })
        .collect())
}

async fn user_identities_naming_another_resource(
    conn: &mut Connection,
) -> Result<Vec<InvariantViolation>, StoreError> {
    let rows: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT * FROM (
             SELECT mi.identity_row, mi.resource_id,
                    '/subscriptions/' || rg.subscription_id || '/resourceGroups/' || rg.name
                    || '/providers/Microsoft.ManagedIdentity/userAssignedIdentities/' || mi.name
                    AS expected
             FROM managed_identities mi
             JOIN resource_groups rg ON rg.resource_group_row = mi.resource_group_row
             WHERE mi.kind = 'UserAssigned')
         WHERE lower(resource_id) <> lower(expected)
         ORDER BY identity_row",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(StoreError::query(
        "comparing user-assigned identities with their names",
    ))?;
    Ok(rows
        .into_iter()
        .map(|(identity_row, resource_id, expected_resource_id)| {
            InvariantViolation::UserAssignedIdentityNamesAnotherResource {
                identity_row,
                resource_id,
                expected_resource_id,
            }
        })
        .collect())
}

async fn attachments_of_system_identities(
    conn: &mut Connection,
) -> Result<Vec<InvariantViolation>, StoreError> {
    let rows: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT ia.vm_row, ia.identity_row
         FROM identity_attachments ia JOIN managed_identities mi USING (identity_row)
         WHERE mi.kind <> 'UserAssigned'
         ORDER BY ia.vm_row, ia.identity_row",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(StoreError::query("looking for attached system identities"))?;
    Ok(rows
        .into_iter()
        .map(
            |(vm_row, identity_row)| InvariantViolation::AttachmentOfSystemIdentity {
                vm_row,
                identity_row,
            },
        )
        .collect())
}

async fn shared_agent_addresses(
    conn: &mut Connection,
) -> Result<Vec<InvariantViolation>, StoreError> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT imds_address, group_concat(vm_row) FROM
             (SELECT imds_address, vm_row FROM virtual_machines
              WHERE imds_address IS NOT NULL ORDER BY vm_row)
         GROUP BY imds_address HAVING count(*) > 1
         ORDER BY imds_address",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(StoreError::query("looking for shared agent addresses"))?;
    rows.into_iter()
        .map(|(address, vm_rows)| {
            let vm_rows = vm_rows
                .split(',')
                .map(|row| {
                    row.parse::<i64>()
                        .map_err(|_| StoreError::Corrupt(format!("VM row {row:?}")))
                })
                .collect::<Result<Vec<i64>, StoreError>>()?;
            Ok(InvariantViolation::SharedAgentAddress { address, vm_rows })
        })
        .collect()
}
