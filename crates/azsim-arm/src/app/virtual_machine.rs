//! Virtual machines and their identities: the system-assigned one and attached user-assigned
//! ones.
//!
//! A VM write is one store transaction: the VM row, then the identity changes MSRP makes in
//! the same transaction, so a failure (such as a reference to an identity that does not
//! exist) leaves nothing. Only after the commit is the VM's metadata agent brought in line
//! (it reads what was committed).

use azsim_core::{FlowEvent, FlowStep, ResourceId};
use azsim_msrp::{DeletedVm, SystemIdentityInfo, UserAssignedIdentity, VmIdentityTarget};
use azsim_store::resources::{
    self, NewVirtualMachine, ResourceGroup, Subscription, VirtualMachine, VirtualMachineUpdate,
};
use azsim_store::{Connection, WriteTransaction};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::access::authorize_linked;
pub(crate) use crate::app::vm_identity::IdentityRequest;
use crate::app::vm_identity::{
    IdentityChange, IdentityReference, UserAssignedChange, WriteMode, identity_change,
    no_user_assigned_identity,
};
use crate::app::{merge_patch, normalize_location};
use crate::error::ArmError;
use crate::kinds::VIRTUAL_MACHINE;
use crate::lookup::{acquire, group_item, require_resource_group};
use crate::request::ArmRequest;
use crate::state::ArmState;

/// Properties the service sets; a caller's values for them are ignored.
const READ_ONLY_PROPERTIES: [&str; 4] =
    ["vmId", "provisioningState", "instanceView", "timeCreated"];

/// The body of a VM PUT (a full replace). Fields the simulator does not model are accepted.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct VirtualMachinePut {
    /// Where the VM lives; required.
    pub(crate) location: Option<String>,
    /// The VM's tags.
    #[serde(default)]
    pub(crate) tags: Option<Map<String, Value>>,
    /// The identities the VM should have; absent means none.
    #[serde(default)]
    pub(crate) identity: Option<IdentityRequest>,
    /// hardwareProfile, osProfile, ...: kept and echoed, not interpreted.
    #[serde(default)]
    pub(crate) properties: Option<Map<String, Value>>,
}

/// The body of a VM PATCH: what is absent stays as it is.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct VirtualMachinePatch {
    /// New tags, replacing the old ones.
    #[serde(default)]
    pub(crate) tags: Option<Map<String, Value>>,
    /// The identities the VM should have.
    #[serde(default)]
    pub(crate) identity: Option<IdentityRequest>,
    /// A merge patch of the properties.
    #[serde(default)]
    pub(crate) properties: Option<Map<String, Value>>,
}

/// A VM as the API shows it: the stored VM and its identities.
#[derive(Debug, Clone)]
pub(crate) struct VirtualMachineView {
    /// The VM.
    pub(crate) vm: VirtualMachine,
    /// Its system-assigned identity, if on.
    pub(crate) identity: Option<SystemIdentityInfo>,
    /// The user-assigned identities attached to it, in the order they were attached.
    pub(crate) user_assigned: Vec<UserAssignedIdentity>,
}

/// The result of a VM PUT: the VM and whether it was created.
#[derive(Debug, Clone)]
pub(crate) struct VirtualMachinePutOutcome {
    /// The VM after the write.
    pub(crate) view: VirtualMachineView,
    /// `true` when the VM did not exist before.
    pub(crate) created: bool,
}

/// Creates or replaces a VM and turns its system-assigned identity on or off to match.
#[tracing::instrument(skip_all, fields(resource_id = %id))]
pub(crate) async fn virtual_machine_create_or_update(
    state: &ArmState,
    request: &ArmRequest,
    id: &ResourceId,
    body: VirtualMachinePut,
) -> Result<VirtualMachinePutOutcome, ArmError> {
    let (group_name, name) = group_item(id)?;
    let subscription = request.require_subscription()?;
    // A PUT replaces the whole resource: no identity in the body means no identity.
    let change = identity_change(body.identity.as_ref(), WriteMode::Replace)?;
    authorize_identities(state, request, id, &change).await?;
    let location = normalize_location(body.location.as_deref())?;
    let tags = body.tags.unwrap_or_default();
    let properties = writable_properties(body.properties.unwrap_or_default());
    let now = state.clock().unix_seconds();

    let mut tx = state.store().write().await?;
    let group = require_resource_group(&mut tx, subscription, group_name).await?;
    let existing = resources::find_virtual_machine(&mut tx, group.resource_group_row, name).await?;
    let (vm, created) = match existing {
        Some(existing) => {
            if existing.location != location {
                return Err(ArmError::ResourceLocationChange {
                    name: existing.name,
                    resource_group: group.name,
                    requested: location,
                    existing: existing.location,
                });
            }
            let update = VirtualMachineUpdate {
                tags: &tags,
                properties: &properties,
                now,
            };
            let vm = resources::update_virtual_machine(&mut tx, existing.vm_row, update)
                .await?
                .ok_or_else(|| vanished(&existing.name))?;
            (vm, false)
        }
        None => {
            let vm_id = uuid::Uuid::new_v4().to_string();
            let new_vm = NewVirtualMachine {
                resource_group_row: group.resource_group_row,
                name,
                vm_id: &vm_id,
                location: &location,
                tags: &tags,
                properties: &properties,
                now,
            };
            (
                resources::insert_virtual_machine(&mut tx, new_vm).await?,
                true,
            )
        }
    };
    let identities = apply_identity(state, &mut tx, subscription, &vm, &change, request).await?;
    tx.commit().await?;
    let view = finish_write(state, request, vm, identities).await?;
    tracing::info!(created, vm_id = %view.vm.vm_id, "virtual machine written");
    Ok(VirtualMachinePutOutcome { view, created })
}

/// Updates an existing VM: tags replaced, properties merged, identity changed if given.
#[tracing::instrument(skip_all, fields(resource_id = %id))]
pub(crate) async fn virtual_machine_update(
    state: &ArmState,
    request: &ArmRequest,
    id: &ResourceId,
    body: VirtualMachinePatch,
) -> Result<VirtualMachineView, ArmError> {
    let (group_name, name) = group_item(id)?;
    let subscription = request.require_subscription()?;
    let change = identity_change(body.identity.as_ref(), WriteMode::Merge)?;
    authorize_identities(state, request, id, &change).await?;
    let mut tx = state.store().write().await?;
    let group = require_resource_group(&mut tx, subscription, group_name).await?;
    let existing = find_in_group(&mut tx, &group, name).await?;
    let tags = body.tags.unwrap_or_else(|| existing.tags.clone());
    let mut properties = match &existing.properties {
        Value::Object(properties) => properties.clone(),
        _ => Map::new(),
    };
    if let Some(patch) = &body.properties {
        merge_patch(&mut properties, patch);
    }
    let properties = writable_properties(properties);
    let update = VirtualMachineUpdate {
        tags: &tags,
        properties: &properties,
        now: state.clock().unix_seconds(),
    };
    let vm = resources::update_virtual_machine(&mut tx, existing.vm_row, update)
        .await?
        .ok_or_else(|| vanished(&existing.name))?;
    let identities = apply_identity(state, &mut tx, subscription, &vm, &change, request).await?;
    tx.commit().await?;
    let view = finish_write(state, request, vm, identities).await?;
    tracing::info!(vm_id = %view.vm.vm_id, "virtual machine updated");
    Ok(view)
}

/// One VM.
#[tracing::instrument(skip_all, fields(resource_id = %id))]
pub(crate) async fn virtual_machine_view(
    state: &ArmState,
    request: &ArmRequest,
    id: &ResourceId,
) -> Result<VirtualMachineView, ArmError> {
    let (group_name, name) = group_item(id)?;
    let subscription = request.require_subscription()?;
    let mut conn = acquire(state).await?;
    let group = require_resource_group(&mut conn, subscription, group_name).await?;
    let vm = find_in_group(&mut conn, &group, name).await?;
    with_identity(state, &mut conn, vm).await
}

/// The VMs of a resource group.
#[tracing::instrument(skip_all, fields(resource_group = %resource_group))]
pub(crate) async fn virtual_machine_list_in_resource_group(
    state: &ArmState,
    request: &ArmRequest,
    resource_group: &str,
) -> Result<Vec<VirtualMachineView>, ArmError> {
    let subscription = request.require_subscription()?;
    let mut conn = acquire(state).await?;
    let group = require_resource_group(&mut conn, subscription, resource_group).await?;
    let vms =
        resources::list_virtual_machines_in_resource_group(&mut conn, group.resource_group_row)
            .await?;
    let mut views = Vec::with_capacity(vms.len());
    for vm in vms {
        views.push(with_identity(state, &mut conn, vm).await?);
    }
    Ok(views)
}

/// The VMs of a subscription.
#[tracing::instrument(skip_all)]
pub(crate) async fn virtual_machine_list_in_subscription(
    state: &ArmState,
    request: &ArmRequest,
) -> Result<Vec<VirtualMachineView>, ArmError> {
    let subscription = request.require_subscription()?;
    let mut conn = acquire(state).await?;
    let vms =
        resources::list_virtual_machines_in_subscription(&mut conn, &subscription.subscription_id)
            .await?;
    let mut views = Vec::with_capacity(vms.len());
    for vm in vms {
        views.push(with_identity(state, &mut conn, vm).await?);
    }
    Ok(views)
}

/// Deletes a VM (and, by the schema's cascades, its identity, principal and credentials),
/// then stops that VM's metadata agent. `false` when there was no such VM.
#[tracing::instrument(skip_all, fields(resource_id = %id))]
pub(crate) async fn virtual_machine_delete(
    state: &ArmState,
    request: &ArmRequest,
    id: &ResourceId,
) -> Result<bool, ArmError> {
    let (group_name, name) = group_item(id)?;
    let subscription = request.require_subscription()?;
    let mut tx = state.store().write().await?;
    let group = require_resource_group(&mut tx, subscription, group_name).await?;
    let Some(vm) = resources::find_virtual_machine(&mut tx, group.resource_group_row, name).await?
    else {
        return Ok(false);
    };
    resources::delete_virtual_machine(&mut tx, vm.vm_row).await?;
    tx.commit().await?;
    tracing::info!(vm_id = %vm.vm_id, "virtual machine deleted");
    // Exactly the VM this transaction deleted: a VM created meanwhile keeps its agent.
    state
        .msrp()
        .stop_vm_agents(&[DeletedVm {
            vm_row: vm.vm_row,
            vm_id: vm.vm_id,
        }])
        .await;
    Ok(true)
}

/// Before anything is written: the caller must be allowed to assign every user-assigned
/// identity the body names (ARM checks each one named, attached before or not).
async fn authorize_identities(
    state: &ArmState,
    request: &ArmRequest,
    vm_id: &ResourceId,
    change: &IdentityChange,
) -> Result<(), ArmError> {
    let named: Vec<(&ResourceId, &str)> = match &change.user_assigned {
        UserAssignedChange::Keep => Vec::new(),
        UserAssignedChange::Replace(references)
        | UserAssignedChange::Merge {
            add: references, ..
        } => references
            .iter()
            .map(|reference| (&reference.id, reference.given.as_str()))
            .collect(),
    };
    if named.is_empty() {
        return Ok(());
    }
    authorize_linked(state, &request.caller, vm_id, &named).await
}

/// A VM's identities after a write.
struct VmIdentities {
    system: Option<SystemIdentityInfo>,
    user_assigned: Vec<UserAssignedIdentity>,
}

/// Inside the write's transaction: has MSRP turn the system identity on or off and attach or
/// detach user-assigned identities, as asked.
async fn apply_identity(
    state: &ArmState,
    tx: &mut WriteTransaction,
    subscription: &Subscription,
    vm: &VirtualMachine,
    change: &IdentityChange,
    request: &ArmRequest,
) -> Result<VmIdentities, ArmError> {
    let vm_resource_id = vm_id_of(vm).to_string();
    let system = apply_system_identity(state, tx, subscription, vm, change.system, request).await?;
    let before = state.msrp().attached_identities(tx, vm.vm_row).await?;
    let wanted = match &change.user_assigned {
        UserAssignedChange::Keep => {
            return Ok(VmIdentities {
                system,
                user_assigned: before,
            });
        }
        UserAssignedChange::Replace(references) => {
            resolve_all(state, tx, subscription, &vm_resource_id, references).await?
        }
        UserAssignedChange::Merge { add, remove } => {
            let mut wanted: Vec<UserAssignedIdentity> = before
                .iter()
                .filter(|identity| !remove.iter().any(|gone| gone.names(&identity.resource_id)))
                .cloned()
                .collect();
            for identity in resolve_all(state, tx, subscription, &vm_resource_id, add).await? {
                if !wanted
                    .iter()
                    .any(|kept| kept.identity_row == identity.identity_row)
                {
                    wanted.push(identity);
                }
            }
            if wanted.is_empty() {
                let kind = if change.system == Some(true) {
                    "SystemAssigned, UserAssigned"
                } else {
                    "UserAssigned"
                };
                return Err(no_user_assigned_identity(kind));
            }
            wanted
        }
    };
    let rows: Vec<i64> = wanted
        .iter()
        .map(|identity| identity.identity_row)
        .collect();
    let added: Vec<&str> = wanted
        .iter()
        .filter(|identity| {
            !before
                .iter()
                .any(|old| old.identity_row == identity.identity_row)
        })
        .map(|identity| identity.name.as_str())
        .collect();
    if !added.is_empty() {
        state.events().record(FlowEvent {
            source: format!("client:{}", request.caller.app_id()),
            target: "arm".to_owned(),
            step: Some(FlowStep::EnableIdentity),
            correlation_id: request.correlation_id().to_owned(),
            summary: format!(
                "attach the user-assigned identities {} to VM {}",
                added.join(", "),
                vm.name
            ),
        });
    }
    state
        .msrp()
        .set_attached_identities(tx, vm.vm_row, &rows)
        .await?;
    // Read back so the answer lists them in attachment order, as later reads will.
    let user_assigned = state.msrp().attached_identities(tx, vm.vm_row).await?;
    Ok(VmIdentities {
        system,
        user_assigned,
    })
}

/// Turns the system-assigned identity on (`Some(true)`) or off (`Some(false)`).
async fn apply_system_identity(
    state: &ArmState,
    tx: &mut WriteTransaction,
    subscription: &Subscription,
    vm: &VirtualMachine,
    wanted: Option<bool>,
    request: &ArmRequest,
) -> Result<Option<SystemIdentityInfo>, ArmError> {
    let before = state.msrp().system_identity(tx, vm.vm_row).await?;
    let identity = match wanted {
        None => before,
        Some(true) => {
            let target = VmIdentityTarget {
                vm_row: vm.vm_row,
                vm_resource_id: vm_id_of(vm).to_string(),
                vm_name: vm.name.clone(),
                tenant_id: subscription.tenant_id.clone(),
                location: vm.location.clone(),
            };
            if before.is_none() {
                // Step 1 happens before MSRP's step 2, so it is recorded before calling MSRP.
                state.events().record(FlowEvent {
                    source: format!("client:{}", request.caller.app_id()),
                    target: "arm".to_owned(),
                    step: Some(FlowStep::EnableIdentity),
                    correlation_id: request.correlation_id().to_owned(),
                    summary: format!("enable the system-assigned identity of VM {}", vm.name),
                });
            }
            let identity = state
                .msrp()
                .enable_system_identity(tx, &target, request.correlation_id())
                .await?;
            Some(identity)
        }
        Some(false) => {
            if before.is_some() {
                state
                    .msrp()
                    .disable_system_identity(tx, vm.vm_row, request.correlation_id())
                    .await?;
            }
            None
        }
    };
    Ok(identity)
}

/// The identities `references` name, in order and without repeats; a reference to an identity
/// that does not exist (or lives in another tenant's subscription) fails the write as ARM
/// fails it.
async fn resolve_all(
    state: &ArmState,
    tx: &mut Connection,
    vm_subscription: &Subscription,
    vm_resource_id: &str,
    references: &[IdentityReference],
) -> Result<Vec<UserAssignedIdentity>, ArmError> {
    let mut identities: Vec<UserAssignedIdentity> = Vec::with_capacity(references.len());
    for reference in references {
        let not_found = || ArmError::FailedIdentityOperation {
            resource_id: vm_resource_id.to_owned(),
            identity_id: reference.given.clone(),
        };
        let subscription = resources::find_subscription(tx, &reference.subscription_id)
            .await?
            .filter(|subscription| {
                subscription
                    .tenant_id
                    .eq_ignore_ascii_case(&vm_subscription.tenant_id)
            })
            .ok_or_else(not_found)?;
        let group = resources::find_resource_group(
            tx,
            &subscription.subscription_id,
            &reference.resource_group,
        )
        .await?
        .ok_or_else(not_found)?;
        let identity = state
            .msrp()
            .user_assigned_identity(tx, group.resource_group_row, &reference.name)
            .await?
            .ok_or_else(not_found)?;
        if !identities
            .iter()
            .any(|known| known.identity_row == identity.identity_row)
        {
            identities.push(identity);
        }
    }
    Ok(identities)
}

/// After the commit: brings the VM's metadata agent in line with what was committed.
async fn finish_write(
    state: &ArmState,
    request: &ArmRequest,
    vm: VirtualMachine,
    identities: VmIdentities,
) -> Result<VirtualMachineView, ArmError> {
    state
        .msrp()
        .sync_vm_agent(vm.vm_row, request.correlation_id())
        .await?;
    Ok(VirtualMachineView {
        vm,
        identity: identities.system,
        user_assigned: identities.user_assigned,
    })
}

async fn with_identity(
    state: &ArmState,
    conn: &mut Connection,
    vm: VirtualMachine,
) -> Result<VirtualMachineView, ArmError> {
    let identity = state.msrp().system_identity(conn, vm.vm_row).await?;
    let user_assigned = state.msrp().attached_identities(conn, vm.vm_row).await?;
    Ok(VirtualMachineView {
        vm,
        identity,
        user_assigned,
    })
}

async fn find_in_group(
    conn: &mut Connection,
    group: &ResourceGroup,
    name: &str,
) -> Result<VirtualMachine, ArmError> {
    resources::find_virtual_machine(conn, group.resource_group_row, name)
        .await?
        .ok_or_else(|| {
            (VIRTUAL_MACHINE.not_found)(&VIRTUAL_MACHINE.in_group(
                &group.subscription_id,
                &group.name,
                name,
            ))
        })
}

/// A VM's id (also its system-assigned identity's `xms_mirid`, in that form).
pub(crate) fn vm_id_of(vm: &VirtualMachine) -> ResourceId {
    VIRTUAL_MACHINE.in_group(&vm.subscription_id, &vm.resource_group_name, &vm.name)
}

/// The caller's properties without the ones the service owns.
fn writable_properties(mut properties: Map<String, Value>) -> Value {
    for read_only in READ_ONLY_PROPERTIES {
        properties.remove(read_only);
    }
    Value::Object(properties)
}

/// The row was read in this same transaction, so it cannot be gone; if it is, the store is
/// not behaving and that is an internal error.
fn vanished(name: &str) -> ArmError {
    ArmError::Inconsistent {
        what: format!("virtual machine {name} vanished during its write"),
    }
}
