//! User-assigned identities (`Microsoft.ManagedIdentity/userAssignedIdentities`): create or
//! replace, read, list, update tags, delete.
//!
//! Each write is one store transaction in which MSRP creates or deletes the identity's
//! principal and certificate. After a delete commits, the agents of the VMs that carried the
//! identity are re-synced, so they stop offering it at once.

use azsim_msrp::{UserAssignedIdentity, UserAssignedIdentityTarget};
use azsim_store::Connection;
use azsim_store::resources::ResourceGroup;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::app::virtual_machine::WriteContext;
use crate::app::{acquire, normalize_location, require_resource_group, require_subscription};
use crate::error::ArmError;
use crate::path::USER_ASSIGNED_IDENTITY_TYPE;
use crate::state::ArmState;

/// The body of an identity PUT. `properties` (`isolationScope`) is accepted and ignored;
/// `tenantId`, `principalId` and `clientId` are read-only.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct UserAssignedIdentityPut {
    /// Where the identity lives; required.
    pub location: Option<String>,
    /// Its tags.
    #[serde(default)]
    pub tags: Option<Map<String, Value>>,
}

/// The body of an identity PATCH: only tags change.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct UserAssignedIdentityPatch {
    /// The new tags (replacing the old ones), if given.
    #[serde(default)]
    pub tags: Option<Map<String, Value>>,
}

/// Where an identity is addressed.
#[derive(Debug, Clone, Copy)]
pub struct UserAssignedIdentityAddress<'a> {
    /// The subscription id from the path.
    pub subscription_id: &'a str,
    /// The resource group name from the path.
    pub resource_group: &'a str,
    /// The identity name from the path.
    pub name: &'a str,
}

/// The result of an identity PUT: the identity and whether it was created.
#[derive(Debug, Clone)]
pub struct UserAssignedIdentityPutOutcome {
    /// The identity after the write.
    pub identity: UserAssignedIdentity,
    /// `true` when the identity did not exist before.
    pub created: bool,
}

/// Creates the identity (with its principal and certificate) or replaces its tags; its
/// principal, client id and location never change.
#[tracing::instrument(skip_all, fields(resource_group = %address.resource_group, identity = %address.name))]
pub async fn user_assigned_identity_create_or_update(
    state: &ArmState,
    write: WriteContext<'_>,
    address: UserAssignedIdentityAddress<'_>,
    body: UserAssignedIdentityPut,
) -> Result<UserAssignedIdentityPutOutcome, ArmError> {
    check_identity_name(address.name)?;
    let location = normalize_location(body.location.as_deref())?;
    let tags = body.tags.unwrap_or_default();
    let mut tx = state.store().write().await?;
    let (subscription, group) =
        require_resource_group(&mut tx, address.subscription_id, address.resource_group).await?;
    let existing = state
        .msrp()
        .user_assigned_identity(&mut tx, group.resource_group_row, address.name)
        .await?;
    let (identity, created) = match existing {
        Some(mut existing) => {
            if existing.location != location {
                return Err(ArmError::ResourceLocationChange {
                    name: existing.name,
                    resource_group: group.name,
                    requested: location,
                    existing: existing.location,
                });
            }
            state
                .msrp()
                .update_user_assigned_identity_tags(&mut tx, existing.identity_row, &tags)
                .await?;
            existing.tags = tags;
            (existing, false)
        }
        None => {
            let target = UserAssignedIdentityTarget {
                resource_group_row: group.resource_group_row,
                subscription_id: &subscription.subscription_id,
                resource_group_name: &group.name,
                name: address.name,
                tenant_id: &subscription.tenant_id,
                location: &location,
                tags: &tags,
            };
            let identity = state
                .msrp()
                .create_user_assigned_identity(&mut tx, &target, write.correlation_id)
                .await?;
            (identity, true)
        }
    };
    tx.commit().await?;
    tracing::info!(created, principal_id = %identity.principal_id, "user-assigned identity written");
    Ok(UserAssignedIdentityPutOutcome { identity, created })
}

/// One identity.
#[tracing::instrument(skip_all, fields(resource_group = %address.resource_group, identity = %address.name))]
pub async fn user_assigned_identity_view(
    state: &ArmState,
    address: UserAssignedIdentityAddress<'_>,
) -> Result<UserAssignedIdentity, ArmError> {
    let mut conn = acquire(state).await?;
    let (_, group) =
        require_resource_group(&mut conn, address.subscription_id, address.resource_group).await?;
    find_in_group(state, &mut conn, &group, address.name).await
}

/// Replaces an existing identity's tags.
#[tracing::instrument(skip_all, fields(resource_group = %address.resource_group, identity = %address.name))]
pub async fn user_assigned_identity_update(
    state: &ArmState,
    address: UserAssignedIdentityAddress<'_>,
    body: UserAssignedIdentityPatch,
) -> Result<UserAssignedIdentity, ArmError> {
    let mut tx = state.store().write().await?;
    let (_, group) =
        require_resource_group(&mut tx, address.subscription_id, address.resource_group).await?;
    let mut identity = find_in_group(state, &mut tx, &group, address.name).await?;
    let Some(tags) = body.tags else {
        return Ok(identity);
    };
    state
        .msrp()
        .update_user_assigned_identity_tags(&mut tx, identity.identity_row, &tags)
        .await?;
    tx.commit().await?;
    identity.tags = tags;
    tracing::info!("user-assigned identity updated");
    Ok(identity)
}

/// Deletes an identity: its principal and credentials go with it and it is detached from
/// every VM, whose agents then stop offering it. `false` when there was no such identity.
#[tracing::instrument(skip_all, fields(resource_group = %address.resource_group, identity = %address.name))]
pub async fn user_assigned_identity_delete(
    state: &ArmState,
    write: WriteContext<'_>,
    address: UserAssignedIdentityAddress<'_>,
) -> Result<bool, ArmError> {
    let mut tx = state.store().write().await?;
    let (_, group) =
        require_resource_group(&mut tx, address.subscription_id, address.resource_group).await?;
    let Some(identity) = state
        .msrp()
        .user_assigned_identity(&mut tx, group.resource_group_row, address.name)
        .await?
    else {
        return Ok(false);
    };
    let vm_rows = state
        .msrp()
        .delete_user_assigned_identity(&mut tx, &identity, write.correlation_id)
        .await?;
    tx.commit().await?;
    tracing::info!(
        principal_id = %identity.principal_id,
        vms = vm_rows.len(),
        "user-assigned identity deleted"
    );
    state
        .msrp()
        .sync_vm_agents(&vm_rows, write.correlation_id)
        .await?;
    Ok(true)
}

/// The identities of a resource group.
#[tracing::instrument(skip_all, fields(resource_group = %resource_group))]
pub async fn user_assigned_identity_list_in_resource_group(
    state: &ArmState,
    subscription_id: &str,
    resource_group: &str,
) -> Result<Vec<UserAssignedIdentity>, ArmError> {
    let mut conn = acquire(state).await?;
    let (_, group) = require_resource_group(&mut conn, subscription_id, resource_group).await?;
    Ok(state
        .msrp()
        .user_assigned_identities_in_resource_group(&mut conn, group.resource_group_row)
        .await?)
}

/// The identities of a subscription.
#[tracing::instrument(skip_all, fields(subscription_id = %subscription_id))]
pub async fn user_assigned_identity_list_in_subscription(
    state: &ArmState,
    subscription_id: &str,
) -> Result<Vec<UserAssignedIdentity>, ArmError> {
    let mut conn = acquire(state).await?;
    let subscription = require_subscription(&mut conn, subscription_id).await?;
    Ok(state
        .msrp()
        .user_assigned_identities_in_subscription(&mut conn, &subscription.subscription_id)
        .await?)
}

async fn find_in_group(
    state: &ArmState,
    conn: &mut Connection,
    group: &ResourceGroup,
    name: &str,
) -> Result<UserAssignedIdentity, ArmError> {
    state
        .msrp()
        .user_assigned_identity(conn, group.resource_group_row, name)
        .await?
        .ok_or_else(|| ArmError::ResourceNotFound {
            resource_type: USER_ASSIGNED_IDENTITY_TYPE,
            name: name.to_owned(),
            resource_group: group.name.clone(),
        })
}

/// The provider's rule for identity names: 3 to 128 letters, digits, `-` and `_`, starting
/// with a letter or digit.
pub(crate) fn check_identity_name(name: &str) -> Result<(), ArmError> {
    let length_ok = (3..=128).contains(&name.chars().count());
    let first_ok = name.chars().next().is_some_and(char::is_alphanumeric);
    let rest_ok = name
        .chars()
        .all(|character| character.is_alphanumeric() || matches!(character, '-' | '_'));
    if length_ok && first_ok && rest_ok {
        Ok(())
    } else {
        Err(ArmError::InvalidResourceName {
            name: name.to_owned(),
        })
    }
}
