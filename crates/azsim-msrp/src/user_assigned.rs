//! User-assigned identities: resources of their own, with their own life cycle, attachable
//! to many VMs at once.
//!
//! Creating one creates its service principal and certificate exactly as enabling a system
//! identity does, so the principal exists (and can be granted roles) before any VM uses it.
//! Deleting one is a row delete: the schema removes its principal, credentials, certificates
//! and every attachment. The caller re-syncs the agents of the VMs that carried it.

use azsim_core::ResourceId;
use azsim_entra::directory::ManagedIdentityOwner;
use azsim_store::identities::{
    IdentityKind, ManagedIdentity, attach_identity, delete_identity, detach_identity,
    find_user_assigned_identity, list_attached_identities,
    list_user_assigned_identities_in_resource_group, list_user_assigned_identities_in_subscription,
    list_vms_carrying_identity, list_vms_using_identities_of_resource_group, update_identity_tags,
};
use azsim_store::{Connection, WriteTransaction};
use serde_json::{Map, Value};

use crate::msrp::IdentityToCreate;
use crate::{Msrp, MsrpError};

/// The provider namespace of managed identities.
const MANAGED_IDENTITY_NAMESPACE: &str = "Microsoft.ManagedIdentity";

/// The resource type of user-assigned identities, as ARM ids spell it.
const USER_ASSIGNED_TYPE: &str = "userAssignedIdentities";

/// Where a new user-assigned identity goes and what it starts with.
#[derive(Debug, Clone)]
pub struct UserAssignedIdentityTarget<'a> {
    /// The row of its resource group.
    pub resource_group_row: i64,
    /// The subscription of its resource group.
    pub subscription_id: &'a str,
    /// Its resource group's name, with the stored casing.
    pub resource_group_name: &'a str,
    /// Its name, with the casing given at creation.
    pub name: &'a str,
    /// The tenant the subscription trusts: where its principal lives.
    pub tenant_id: &'a str,
    /// Its normalised region.
    pub location: &'a str,
    /// Its tags.
    pub tags: &'a Map<String, Value>,
}

/// A user-assigned identity as the resource API shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct UserAssignedIdentity {
    /// Its row (what attachments refer to).
    pub identity_row: i64,
    /// The row of its resource group.
    pub resource_group_row: i64,
    /// Its name, with the casing given at creation.
    pub name: String,
    /// Its ARM id, in the form tokens carry as `xms_mirid` (lower-case `resourcegroups`).
    pub resource_id: String,
    /// Its principal's tenant (`properties.tenantId`).
    pub tenant_id: String,
    /// Its principal's object id (`properties.principalId`).
    pub principal_id: String,
    /// Its principal's app id (`properties.clientId`).
    pub client_id: String,
    /// Its normalised region.
    pub location: String,
    /// Its tags.
    pub tags: Map<String, Value>,
}

impl UserAssignedIdentity {
    fn from_stored(identity: ManagedIdentity) -> Result<Self, MsrpError> {
        let inconsistent = |what: &str| {
            MsrpError::Inconsistent(format!(
                "user-assigned identity row {} has {what}",
                identity.identity_row
            ))
        };
        if identity.kind != IdentityKind::UserAssigned {
            return Err(inconsistent("another kind"));
        }
        let resource_group_row = identity
            .resource_group_row
            .ok_or_else(|| inconsistent("no resource group"))?;
        let name = identity
            .name
            .clone()
            .ok_or_else(|| inconsistent("no name"))?;
        Ok(Self {
            identity_row: identity.identity_row,
            resource_group_row,
            name,
            resource_id: identity.resource_id,
            tenant_id: identity.tenant_id,
            principal_id: identity.principal_id,
            client_id: identity.client_id,
            location: identity.location,
            tags: identity.tags,
        })
    }
}

/// The ARM id of a user-assigned identity in the form tokens carry (`xms_mirid`): real
/// tokens and the provider's own responses spell `resourcegroups` in lower case.
pub fn user_assigned_identity_resource_id(
    subscription_id: &str,
    resource_group: &str,
    name: &str,
) -> String {
    user_assigned_identity_id(subscription_id, resource_group, name).mirid()
}

/// The ARM id of a user-assigned identity.
fn user_assigned_identity_id(
    subscription_id: &str,
    resource_group: &str,
    name: &str,
) -> ResourceId {
    ResourceId::resource_group(subscription_id, resource_group).provider(
        MANAGED_IDENTITY_NAMESPACE,
        USER_ASSIGNED_TYPE,
        name,
    )
}

impl Msrp {
    /// Inside the caller's transaction: creates a user-assigned identity with its service
    /// principal (type `ManagedIdentity`, `xms_mirid` = the identity's id) and certificate
    /// credential (flow step 2). The resource API checked that the name is free.
    #[tracing::instrument(skip_all, fields(identity = %target.name))]
    pub async fn create_user_assigned_identity(
        &self,
        tx: &mut WriteTransaction,
        target: &UserAssignedIdentityTarget<'_>,
        correlation_id: &str,
    ) -> Result<UserAssignedIdentity, MsrpError> {
        let resource_id = user_assigned_identity_id(
            target.subscription_id,
            target.resource_group_name,
            target.name,
        );
        let created = self
            .create_identity(
                tx,
                &IdentityToCreate {
                    owner: ManagedIdentityOwner::UserAssigned {
                        resource_group_row: target.resource_group_row,
                        name: target.name,
                    },
                    resource_id: &resource_id,
                    tenant_id: target.tenant_id,
                    display_name: target.name,
                    location: target.location,
                    tags: target.tags,
                    described_as: format!("the user-assigned identity {}", target.name),
                },
                correlation_id,
            )
            .await?;
        Ok(UserAssignedIdentity {
            identity_row: created.identity_row,
            resource_group_row: target.resource_group_row,
            name: target.name.to_owned(),
            resource_id: created.resource_id,
            tenant_id: target.tenant_id.to_owned(),
            principal_id: created.principal_id.to_string(),
            client_id: created.client_id.to_string(),
            location: target.location.to_owned(),
            tags: target.tags.clone(),
        })
    }

    /// Inside the caller's transaction: replaces a user-assigned identity's tags.
    pub async fn update_user_assigned_identity_tags(
        &self,
        tx: &mut Connection,
        identity_row: i64,
        tags: &Map<String, Value>,
    ) -> Result<(), MsrpError> {
        if update_identity_tags(tx, identity_row, tags).await? {
            Ok(())
        } else {
            Err(MsrpError::Inconsistent(format!(
                "identity row {identity_row} vanished during its write"
            )))
        }
    }

    /// Inside the caller's transaction: deletes a user-assigned identity; the schema deletes
    /// its principal, credentials, certificates and attachments. Returns the VMs that carried
    /// it, whose agents the caller re-syncs after the commit.
    #[tracing::instrument(skip_all, fields(identity = %identity.resource_id))]
    pub async fn delete_user_assigned_identity(
        &self,
        tx: &mut WriteTransaction,
        identity: &UserAssignedIdentity,
        correlation_id: &str,
    ) -> Result<Vec<i64>, MsrpError> {
        let vm_rows = list_vms_carrying_identity(tx, identity.identity_row).await?;
        if delete_identity(tx, identity.identity_row).await? {
            self.record_directory_change(
                tx,
                None,
                correlation_id,
                format!(
                    "deleted service principal {} and its credentials with the \
                     user-assigned identity {}, detaching it from {} VM(s)",
                    identity.principal_id,
                    identity.resource_id,
                    vm_rows.len()
                ),
            );
        }
        Ok(vm_rows)
    }

    /// The user-assigned identity `name` of a resource group, if any.
    pub async fn user_assigned_identity(
        &self,
        conn: &mut Connection,
        resource_group_row: i64,
        name: &str,
    ) -> Result<Option<UserAssignedIdentity>, MsrpError> {
        find_user_assigned_identity(conn, resource_group_row, name)
            .await?
            .map(UserAssignedIdentity::from_stored)
            .transpose()
    }

    /// The user-assigned identities of a resource group, in creation order.
    pub async fn user_assigned_identities_in_resource_group(
        &self,
        conn: &mut Connection,
        resource_group_row: i64,
    ) -> Result<Vec<UserAssignedIdentity>, MsrpError> {
        list_user_assigned_identities_in_resource_group(conn, resource_group_row)
            .await?
            .into_iter()
            .map(UserAssignedIdentity::from_stored)
            .collect()
    }

    /// The user-assigned identities of a subscription, in creation order.
    pub async fn user_assigned_identities_in_subscription(
        &self,
        conn: &mut Connection,
        subscription_id: &str,
    ) -> Result<Vec<UserAssignedIdentity>, MsrpError> {
        list_user_assigned_identities_in_subscription(conn, subscription_id)
            .await?
            .into_iter()
            .map(UserAssignedIdentity::from_stored)
            .collect()
    }

    /// The user-assigned identities attached to a VM, in the order they were attached.
    pub async fn attached_identities(
        &self,
        conn: &mut Connection,
        vm_row: i64,
    ) -> Result<Vec<UserAssignedIdentity>, MsrpError> {
        list_attached_identities(conn, vm_row)
            .await?
            .into_iter()
            .map(UserAssignedIdentity::from_stored)
            .collect()
    }

    /// Inside the caller's transaction: makes `identity_rows` exactly the user-assigned
    /// identities attached to the VM, attaching the new ones and detaching the others.
    pub async fn set_attached_identities(
        &self,
        tx: &mut Connection,
        vm_row: i64,
        identity_rows: &[i64],
    ) -> Result<(), MsrpError> {
        let now = self.inner.clock.unix_seconds();
        let current = list_attached_identities(tx, vm_row).await?;
        for identity in &current {
            if !identity_rows.contains(&identity.identity_row) {
                detach_identity(tx, vm_row, identity.identity_row).await?;
                tracing::info!(vm_row, identity = %identity.resource_id, "identity detached");
            }
        }
        for identity_row in identity_rows {
            if !current
                .iter()
                .any(|identity| identity.identity_row == *identity_row)
            {
                attach_identity(tx, vm_row, *identity_row, now).await?;
                tracing::info!(vm_row, identity_row, "identity attached");
            }
        }
        Ok(())
    }

    /// The VMs (in any resource group) carrying a user-assigned identity of the resource
    /// group: their agents change when the group is deleted.
    pub async fn vms_using_identities_of_resource_group(
        &self,
        conn: &mut Connection,
        resource_group_row: i64,
    ) -> Result<Vec<i64>, MsrpError> {
        Ok(list_vms_using_identities_of_resource_group(conn, resource_group_row).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::user_assigned_identity_resource_id;

    #[test]
    fn resource_id_has_the_token_form() {
        assert_eq!(
            user_assigned_identity_resource_id("s", "Rg", "Shared-Id"),
            "/subscriptions/s/resourcegroups/Rg/providers/Microsoft.ManagedIdentity/\
             userAssignedIdentities/Shared-Id"
        );
    }
}
