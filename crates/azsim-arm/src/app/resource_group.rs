//! Resource groups: create or replace, read, list, update tags, delete with everything in them.

use azsim_msrp::DeletedVm;
use azsim_store::resources::{self, ResourceGroup, ResourceGroupUpsert, ResourceGroupWrite};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::app::normalize_location;
use crate::error::ArmError;
use crate::kinds::RESOURCE_GROUP;
use crate::lookup::{acquire, require_resource_group};
use crate::request::ArmRequest;
use crate::state::ArmState;

/// The body of a resource group PUT. Other fields (`managedBy`, `properties`) are accepted and
/// ignored, as the simulator has no use for them.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct ResourceGroupPut {
    /// Where the group lives; required.
    pub(crate) location: Option<String>,
    /// The group's tags.
    #[serde(default)]
    pub(crate) tags: Option<Map<String, Value>>,
}

/// The body of a resource group PATCH: only tags can change.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct ResourceGroupPatch {
    /// The new tags (replacing the old ones), if given.
    #[serde(default)]
    pub(crate) tags: Option<Map<String, Value>>,
}

/// Creates the group or replaces its tags. Its location cannot change.
#[tracing::instrument(skip_all, fields(resource_group = %name))]
pub(crate) async fn resource_group_create_or_update(
    state: &ArmState,
    request: &ArmRequest,
    name: &str,
    body: ResourceGroupPut,
) -> Result<ResourceGroupUpsert, ArmError> {
    let subscription = request.require_subscription()?;
    RESOURCE_GROUP.check_name(name)?;
    let location = normalize_location(body.location.as_deref())?;
    let tags = body.tags.unwrap_or_default();
    let mut tx = state.store().write().await?;
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
#[tracing::instrument(skip_all, fields(resource_group = %name))]
pub(crate) async fn resource_group_view(
    state: &ArmState,
    request: &ArmRequest,
    name: &str,
) -> Result<ResourceGroup, ArmError> {
    let subscription = request.require_subscription()?;
    let mut conn = acquire(state).await?;
    require_resource_group(&mut conn, subscription, name).await
}

/// The resource groups of a subscription.
#[tracing::instrument(skip_all)]
pub(crate) async fn resource_group_list(
    state: &ArmState,
    request: &ArmRequest,
) -> Result<Vec<ResourceGroup>, ArmError> {
    let subscription = request.require_subscription()?;
    let mut conn = acquire(state).await?;
    Ok(resources::list_resource_groups(&mut conn, &subscription.subscription_id).await?)
}

/// Replaces an existing group's tags.
#[tracing::instrument(skip_all, fields(resource_group = %name))]
pub(crate) async fn resource_group_update(
    state: &ArmState,
    request: &ArmRequest,
    name: &str,
    body: ResourceGroupPatch,
) -> Result<ResourceGroup, ArmError> {
    let subscription = request.require_subscription()?;
    let mut tx = state.store().write().await?;
    let group = require_resource_group(&mut tx, subscription, name).await?;
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
#[tracing::instrument(skip_all, fields(resource_group = %name))]
pub(crate) async fn resource_group_delete(
    state: &ArmState,
    request: &ArmRequest,
    name: &str,
) -> Result<(), ArmError> {
    let subscription = request.require_subscription()?;
    let mut tx = state.store().write().await?;
    let group = require_resource_group(&mut tx, subscription, name).await?;
    let vms_losing_identities = state
        .msrp()
        .vms_using_identities_of_resource_group(&mut tx, group.resource_group_row)
        .await?;
    // The VMs this transaction deletes, read in it: their agents, and no others, stop.
    let deleted_vms: Vec<DeletedVm> =
        resources::list_virtual_machines_in_resource_group(&mut tx, group.resource_group_row)
            .await?
            .into_iter()
            .map(|vm| DeletedVm {
                vm_row: vm.vm_row,
                vm_id: vm.vm_id,
            })
            .collect();
    resources::delete_resource_group(&mut tx, group.resource_group_row).await?;
    tx.commit().await?;
    tracing::info!("resource group deleted");
    state.msrp().stop_vm_agents(&deleted_vms).await;
    state.vaults().reap_vaults().await?;
    state
        .msrp()
        .sync_vm_agents(&vms_losing_identities, request.correlation_id())
        .await?;
    Ok(())
}
