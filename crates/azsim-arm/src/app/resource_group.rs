//! Resource groups: create or replace, read, list, update tags, delete with everything in them.

use azsim_store::resources::{self, ResourceGroup, ResourceGroupUpsert, ResourceGroupWrite};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::app::{acquire, normalize_location, require_resource_group, require_subscription};
use crate::error::ArmError;
use crate::state::ArmState;

/// The body of a resource group PUT. Other fields (`managedBy`, `properties`) are accepted and
/// ignored, as the simulator has no use for them.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ResourceGroupPut {
    /// Where the group lives; required.
    pub location: Option<String>,
    /// The group's tags.
    #[serde(default)]
    pub tags: Option<Map<String, Value>>,
}

/// The body of a resource group PATCH: only tags can change.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ResourceGroupPatch {
    /// The new tags (replacing the old ones), if given.
    #[serde(default)]
    pub tags: Option<Map<String, Value>>,
}

/// Creates the group or replaces its tags. Its location cannot change.
#[tracing::instrument(skip_all, fields(subscription_id = %subscription_id, resource_group = %name))]
pub async fn resource_group_create_or_update(
    state: &ArmState,
    subscription_id: &str,
    name: &str,
    body: ResourceGroupPut,
) -> Result<ResourceGroupUpsert, ArmError> {
    check_resource_group_name(name)?;
    let location = normalize_location(body.location.as_deref())?;
    let tags = body.tags.unwrap_or_default();
    let mut tx = state.store().write().await?;
    let subscription = require_subscription(&mut tx, subscription_id).await?;
    let existing =
        resources::find_resource_group(&mut tx, &subscription.subscription_id, name).await?;
    if let Some(existing) = existing
        && existing.location != location
    {
        return Err(ArmError::ResourceGroupLocationChange {
            requested: location,
            existing: existing.location,
        });
    }
    let upsert = resources::upsert_resource_group(
        &mut tx,
        ResourceGroupWrite {
            subscription_id: &subscription.subscription_id,
            name,
            location: &location,
            tags: &tags,
            now: state.clock().unix_seconds(),
        },
    )
    .await?;
    tx.commit().await?;
    tracing::info!(created = upsert.created, "resource group written");
    Ok(upsert)
}

/// One resource group.
#[tracing::instrument(skip_all, fields(subscription_id = %subscription_id, resource_group = %name))]
pub async fn resource_group_view(
    state: &ArmState,
    subscription_id: &str,
    name: &str,
) -> Result<ResourceGroup, ArmError> {
    let mut conn = acquire(state).await?;
    let (_, group) = require_resource_group(&mut conn, subscription_id, name).await?;
    Ok(group)
}

/// The resource groups of a subscription.
#[tracing::instrument(skip_all, fields(subscription_id = %subscription_id))]
pub async fn resource_group_list(
    state: &ArmState,
    subscription_id: &str,
) -> Result<Vec<ResourceGroup>, ArmError> {
    let mut conn = acquire(state).await?;
    let subscription = require_subscription(&mut conn, subscription_id).await?;
    Ok(resources::list_resource_groups(&mut conn, &subscription.subscription_id).await?)
}

/// Replaces an existing group's tags.
#[tracing::instrument(skip_all, fields(subscription_id = %subscription_id, resource_group = %name))]
pub async fn resource_group_update(
    state: &ArmState,
    subscription_id: &str,
    name: &str,
    body: ResourceGroupPatch,
) -> Result<ResourceGroup, ArmError> {
    let mut tx = state.store().write().await?;
    let (subscription, group) = require_resource_group(&mut tx, subscription_id, name).await?;
    let Some(tags) = body.tags else {
        return Ok(group);
    };
    let upsert = resources::upsert_resource_group(
        &mut tx,
        ResourceGroupWrite {
            subscription_id: &subscription.subscription_id,
            name: &group.name,
            location: &group.location,
            tags: &tags,
            now: state.clock().unix_seconds(),
        },
    )
    .await?;
    tx.commit().await?;
    tracing::info!("resource group updated");
    Ok(upsert.resource_group)
}

/// Deletes a group and everything in it, in one transaction (the schema cascades to VMs,
/// user-assigned identities and their principals, and vaults), then stops the metadata agents
/// of the VMs and the listeners of the vaults that went with it, and re-syncs the agents of
/// VMs elsewhere that carried one of its identities.
#[tracing::instrument(skip_all, fields(subscription_id = %subscription_id, resource_group = %name))]
pub async fn resource_group_delete(
    state: &ArmState,
    subscription_id: &str,
    name: &str,
    correlation_id: &str,
) -> Result<(), ArmError> {
    let mut tx = state.store().write().await?;
    let (_, group) = require_resource_group(&mut tx, subscription_id, name).await?;
    let vms_losing_identities = state
        .msrp()
        .vms_using_identities_of_resource_group(&mut tx, group.resource_group_row)
        .await?;
    resources::delete_resource_group(&mut tx, group.resource_group_row).await?;
    tx.commit().await?;
    tracing::info!("resource group deleted");
    state.msrp().reap_agents().await?;
    state.vaults().reap_vaults().await?;
    state
        .msrp()
        .sync_vm_agents(&vms_losing_identities, correlation_id)
        .await?;
    Ok(())
}

/// ARM's rule for resource group names: 1 to 90 letters, digits, `-`, `_`, `.`, `(`, `)`,
/// not ending in `.`.
pub(crate) fn check_resource_group_name(name: &str) -> Result<(), ArmError> {
    let mut invalid: Vec<char> = name
        .chars()
        .filter(|character| {
            !(character.is_alphanumeric() || matches!(character, '-' | '_' | '.' | '(' | ')'))
        })
        .collect();
    invalid.dedup();
    if !invalid.is_empty() {
        return Err(ArmError::InvalidResourceGroupName {
            name: name.to_owned(),
            invalid_characters: invalid.into_iter().collect(),
        });
    }
    if name.chars().count() > 90 || name.ends_with('.') {
        return Err(ArmError::InvalidParameter {
            target: "resourceGroupName".to_owned(),
            message: format!(
                "The resource group name '{name}' is invalid: it must have 1 to 90 characters and \
                 must not end in a period."
            ),
        });
    }
    Ok(())
}
