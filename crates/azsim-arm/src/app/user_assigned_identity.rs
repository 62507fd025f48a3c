//! User-assigned identities (`Microsoft.ManagedIdentity/userAssignedIdentities`): create or
//! replace, read, list, update tags, delete.
//!
//! Each write is one store transaction in which MSRP creates or deletes the identity's
//! principal and certificate. After a delete commits, the agents of the VMs that carried the
//! identity are re-synced, so they stop offering it at once.

use azsim_core::ResourceId;
use azsim_msrp::{UserAssignedIdentity, UserAssignedIdentityTarget};
use azsim_store::Connection;
use azsim_store::resources::ResourceGroup;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::app::normalize_location;
use crate::error::ArmError;
use crate::kinds::USER_ASSIGNED_IDENTITY;
use crate::lookup::{acquire, group_item, require_resource_group};
use crate::request::ArmRequest;
use crate::state::ArmState;

/// The body of an identity PUT. `properties` (`isolationScope`) is accepted and ignored;
/// `tenantId`, `principalId` and `clientId` are read-only.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct UserAssignedIdentityPut {
    /// Where the identity lives; required.
    pub(crate) location: Option<String>,
    /// Its tags.
    #[serde(default)]
    pub(crate) tags: Option<Map<String, Value>>,
}

/// The body of an identity PATCH: only tags change.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct UserAssignedIdentityPatch {
    /// The new tags (replacing the old ones), if given.
    #[serde(default)]
    pub(crate) tags: Option<Map<String, Value>>,
}

/// The result of an identity PUT: the identity and whether it was created.
#[derive(Debug, Clone)]
pub(crate) struct UserAssignedIdentityPutOutcome {
    /// The identity after the write.
    pub(crate) identity: UserAssignedIdentity,
    /// `true` when the identity did not exist before.
    pub(crate) created: bool,
}

/// Creates the identity (with its principal and certificate) or replaces its tags; its
/// principal, client id and location never change.
#[tracing::instrument(skip_all, fields(resource_id = %id))]
pub(crate) async fn user_assigned_identity_create_or_update(
    state: &ArmState,
    request: &ArmRequest,
    id: &ResourceId,
    body: UserAssignedIdentityPut,
) -> Result<UserAssignedIdentityPutOutcome, ArmError> {
    let (group_name, name) = group_item(id)?;
    let subscription = request.require_subscription()?;
    USER_ASSIGNED_IDENTITY.check_name(name)?;
    let location = normalize_location(body.location.as_deref())?;
    let tags = body.tags.unwrap_or_default();
    let mut tx = state.store().write().await?;
    let group = require_resource_group(&mut tx, subscription, group_name).await?;
    let existing = state
        .msrp()
        .user_assigned_identity(&mut tx, group.resource_group_row, name)
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
                name,
                tenant_id: &subscription.tenant_id,
                location: &location,
                tags: &tags,
            };
            let identity = state
                .msrp()
                .create_user_assigned_identity(&mut tx, &target, request.correlation_id())
                .await?;
            (identity, true)
        }
    };
    tx.commit().await?;
    tracing::info!(created, principal_id = %identity.principal_id, "user-assigned identity written");
    Ok(UserAssignedIdentityPutOutcome { identity, created })
}

/// One identity.
#[tracing::instrument(skip_all, fields(resource_id = %id))]
pub(crate) async fn user_assigned_identity_view(
    state: &ArmState,
    request: &ArmRequest,
    id: &ResourceId,
) -> Result<UserAssignedIdentity, ArmError> {
    let (group_name, name) = group_item(id)?;
    let subscription = request.require_subscription()?;
    let mut conn = acquire(state).await?;
    let group = require_resource_group(&mut conn, subscription, group_name).await?;
    find_in_group(state, &mut conn, &group, name).await
}

/// Replaces an existing identity's tags.
#[tracing::instrument(skip_all, fields(resource_id = %id))]
pub(crate) async fn user_assigned_identity_update(
    state: &ArmState,
    request: &ArmRequest,
    id: &ResourceId,
    body: UserAssignedIdentityPatch,
) -> Result<UserAssignedIdentity, ArmError> {
    let (group_name, name) = group_item(id)?;
    let subscription = request.require_subscription()?;
    let mut tx = state.store().write().await?;
    let group = require_resource_group(&mut tx, subscription, group_name).await?;
    let mut identity = find_in_group(state, &mut tx, &group, name).await?;
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
#[tracing::instrument(skip_all, fields(resource_id = %id))]
pub(crate) async fn user_assigned_identity_delete(
    state: &ArmState,
    request: &ArmRequest,
    id: &ResourceId,
) -> Result<bool, ArmError> {
    let (group_name, name) = group_item(id)?;
    let subscription = request.require_subscription()?;
    let mut tx = state.store().write().await?;
    let group = require_resource_group(&mut tx, subscription, group_name).await?;
    let Some(identity) = state
        .msrp()
        .user_assigned_identity(&mut tx, group.resource_group_row, name)
        .await?
    else {
        return Ok(false);
    };
    let vm_rows = state
        .msrp()
        .delete_user_assigned_identity(&mut tx, &identity, request.correlation_id())
        .await?;
    tx.commit().await?;
    tracing::info!(
        principal_id = %identity.principal_id,
        vms = vm_rows.len(),
        "user-assigned identity deleted"
    );
    state
        .msrp()
        .sync_vm_agents(&vm_rows, request.correlation_id())
        .await?;
    Ok(true)
}

/// The identities of a resource group.
#[tracing::instrument(skip_all, fields(resource_group = %resource_group))]
pub(crate) async fn user_assigned_identity_list_in_resource_group(
    state: &ArmState,
    request: &ArmRequest,
    resource_group: &str,
) -> Result<Vec<UserAssignedIdentity>, ArmError> {
    let subscription = request.require_subscription()?;
    let mut conn = acquire(state).await?;
    let group = require_resource_group(&mut conn, subscription, resource_group).await?;
    Ok(state
        .msrp()
        .user_assigned_identities_in_resource_group(&mut conn, group.resource_group_row)
        .await?)
}

/// The identities of a subscription.
#[tracing::instrument(skip_all)]
pub(crate) async fn user_assigned_identity_list_in_subscription(
    state: &ArmState,
    request: &ArmRequest,
) -> Result<Vec<UserAssignedIdentity>, ArmError> {
    let subscription = request.require_subscription()?;
    let mut conn = acquire(state).await?;
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
        .ok_or_else(|| {
            (USER_ASSIGNED_IDENTITY.not_found)(&USER_ASSIGNED_IDENTITY.in_group(
                &group.subscription_id,
                &group.name,
                name,
            ))
        })
}
