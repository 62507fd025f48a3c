//! Virtual machines and their system-assigned identity.
//!
//! A VM write is one store transaction: the VM row, then the identity change MSRP makes in
//! the same transaction, so a failure leaves neither. Only after the commit is the VM's
//! metadata agent brought in line (it reads what was committed).

use azsim_core::{FlowEvent, FlowStep};
use azsim_msrp::{SystemIdentityInfo, VmIdentityTarget};
use azsim_store::resources::{
    self, NewVirtualMachine, ResourceGroup, Subscription, VirtualMachine, VirtualMachineUpdate,
};
use azsim_store::{Connection, StoreError};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::app::{
    acquire, merge_patch, normalize_location, require_resource_group, require_subscription,
};
use crate::auth::Caller;
use crate::error::ArmError;
use crate::path::{VIRTUAL_MACHINE_TYPE, virtual_machine_id};
use crate::state::ArmState;

/// Properties the service sets; a caller's values for them are ignored.
const READ_ONLY_PROPERTIES: [&str; 4] =
    ["vmId", "provisioningState", "instanceView", "timeCreated"];

/// The body of a VM PUT (a full replace). Fields the simulator does not model are accepted.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct VirtualMachinePut {
    /// Where the VM lives; required.
    pub location: Option<String>,
    /// The VM's tags.
    #[serde(default)]
    pub tags: Option<Map<String, Value>>,
    /// The identities the VM should have; absent means none.
    #[serde(default)]
    pub identity: Option<IdentityRequest>,
    /// hardwareProfile, osProfile, ...: kept and echoed, not interpreted.
    #[serde(default)]
    pub properties: Option<Map<String, Value>>,
}

/// The body of a VM PATCH: what is absent stays as it is.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct VirtualMachinePatch {
    /// New tags, replacing the old ones.
    #[serde(default)]
    pub tags: Option<Map<String, Value>>,
    /// The identities the VM should have.
    #[serde(default)]
    pub identity: Option<IdentityRequest>,
    /// A merge patch of the properties.
    #[serde(default)]
    pub properties: Option<Map<String, Value>>,
}

/// The `identity` property of a VM request.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct IdentityRequest {
    /// `SystemAssigned`, `UserAssigned`, `SystemAssigned, UserAssigned` or `None`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// User-assigned identities by ARM id.
    #[serde(rename = "userAssignedIdentities", default)]
    pub user_assigned_identities: Option<Map<String, Value>>,
}

/// A VM as the API shows it: the stored VM and its system-assigned identity, if on.
#[derive(Debug, Clone)]
pub struct VirtualMachineView {
    /// The VM.
    pub vm: VirtualMachine,
    /// Its system-assigned identity.
    pub identity: Option<SystemIdentityInfo>,
}

/// The result of a VM PUT: the VM and whether it was created.
#[derive(Debug, Clone)]
pub struct VirtualMachinePutOutcome {
    /// The VM after the write.
    pub view: VirtualMachineView,
    /// `true` when the VM did not exist before.
    pub created: bool,
}

/// Who asks for a write, and in which flow: what a write records and passes on.
#[derive(Debug, Clone, Copy)]
pub struct WriteContext<'a> {
    /// The authenticated caller.
    pub caller: &'a Caller,
    /// The request's correlation id.
    pub correlation_id: &'a str,
}

/// Where a VM is addressed.
#[derive(Debug, Clone, Copy)]
pub struct VirtualMachineAddress<'a> {
    /// The subscription id from the path.
    pub subscription_id: &'a str,
    /// The resource group name from the path.
    pub resource_group: &'a str,
    /// The VM name from the path.
    pub name: &'a str,
}

/// Creates or replaces a VM and turns its system-assigned identity on or off to match.
#[tracing::instrument(skip_all, fields(resource_group = %address.resource_group, vm = %address.name))]
pub async fn virtual_machine_create_or_update(
    state: &ArmState,
    write: WriteContext<'_>,
    address: VirtualMachineAddress<'_>,
    body: VirtualMachinePut,
) -> Result<VirtualMachinePutOutcome, ArmError> {
    // A PUT replaces the whole resource: no identity in the body means no identity.
    let wants_system_identity = system_identity_wanted(body.identity.as_ref())?.unwrap_or(false);
    let location = normalize_location(body.location.as_deref())?;
    let tags = body.tags.unwrap_or_default();
    let properties = writable_properties(body.properties.unwrap_or_default());
    let now = state.clock().unix_seconds();

    let mut tx = state.store().begin().await?;
    let (subscription, group) =
        require_resource_group(&mut tx, address.subscription_id, address.resource_group).await?;
    let existing =
        resources::find_virtual_machine(&mut tx, group.resource_group_row, address.name).await?;
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
                name: address.name,
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
    let identity = apply_identity(
        state,
        &mut tx,
        &subscription,
        &vm,
        Some(wants_system_identity),
        write,
    )
    .await?;
    tx.commit()
        .await
        .map_err(StoreError::query("committing a virtual machine"))?;
    let view = finish_write(state, write, vm, identity).await?;
    tracing::info!(created, vm_id = %view.vm.vm_id, "virtual machine written");
    Ok(VirtualMachinePutOutcome { view, created })
}

/// Updates an existing VM: tags replaced, properties merged, identity changed if given.
#[tracing::instrument(skip_all, fields(resource_group = %address.resource_group, vm = %address.name))]
pub async fn virtual_machine_update(
    state: &ArmState,
    write: WriteContext<'_>,
    address: VirtualMachineAddress<'_>,
    body: VirtualMachinePatch,
) -> Result<VirtualMachineView, ArmError> {
    let wants_system_identity = system_identity_wanted(body.identity.as_ref())?;
    let mut tx = state.store().begin().await?;
    let (subscription, group) =
        require_resource_group(&mut tx, address.subscription_id, address.resource_group).await?;
    let existing = find_in_group(&mut tx, &group, address.name).await?;
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
    let identity = apply_identity(
        state,
        &mut tx,
        &subscription,
        &vm,
        wants_system_identity,
        write,
    )
    .await?;
    tx.commit()
        .await
        .map_err(StoreError::query("committing a virtual machine"))?;
    let view = finish_write(state, write, vm, identity).await?;
    tracing::info!(vm_id = %view.vm.vm_id, "virtual machine updated");
    Ok(view)
}

/// One VM.
#[tracing::instrument(skip_all, fields(resource_group = %address.resource_group, vm = %address.name))]
pub async fn virtual_machine_view(
    state: &ArmState,
    address: VirtualMachineAddress<'_>,
) -> Result<VirtualMachineView, ArmError> {
    let mut conn = acquire(state).await?;
    let (_, group) =
        require_resource_group(&mut conn, address.subscription_id, address.resource_group).await?;
    let vm = find_in_group(&mut conn, &group, address.name).await?;
    with_identity(state, &mut conn, vm).await
}

/// The VMs of a resource group.
#[tracing::instrument(skip_all, fields(resource_group = %resource_group))]
pub async fn virtual_machine_list_in_resource_group(
    state: &ArmState,
    subscription_id: &str,
    resource_group: &str,
) -> Result<Vec<VirtualMachineView>, ArmError> {
    let mut conn = acquire(state).await?;
    let (_, group) = require_resource_group(&mut conn, subscription_id, resource_group).await?;
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
#[tracing::instrument(skip_all, fields(subscription_id = %subscription_id))]
pub async fn virtual_machine_list_in_subscription(
    state: &ArmState,
    subscription_id: &str,
) -> Result<Vec<VirtualMachineView>, ArmError> {
    let mut conn = acquire(state).await?;
    let subscription = require_subscription(&mut conn, subscription_id).await?;
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
/// then stops its metadata agent. `false` when there was no such VM.
#[tracing::instrument(skip_all, fields(resource_group = %address.resource_group, vm = %address.name))]
pub async fn virtual_machine_delete(
    state: &ArmState,
    address: VirtualMachineAddress<'_>,
) -> Result<bool, ArmError> {
    let mut tx = state.store().begin().await?;
    let (_, group) =
        require_resource_group(&mut tx, address.subscription_id, address.resource_group).await?;
    let Some(vm) =
        resources::find_virtual_machine(&mut tx, group.resource_group_row, address.name).await?
    else {
        return Ok(false);
    };
    resources::delete_virtual_machine(&mut tx, vm.vm_row).await?;
    tx.commit()
        .await
        .map_err(StoreError::query("committing a virtual machine delete"))?;
    tracing::info!(vm_id = %vm.vm_id, "virtual machine deleted");
    state.msrp().reap_agents().await?;
    Ok(true)
}

/// What the request asks of the system-assigned identity: `Some(true)` on, `Some(false)` off,
/// `None` when the request does not say.
pub(crate) fn system_identity_wanted(
    identity: Option<&IdentityRequest>,
) -> Result<Option<bool>, ArmError> {
    let Some(identity) = identity else {
        return Ok(None);
    };
    let Some(kind) = identity.kind.as_deref() else {
        return Err(ArmError::InvalidParameter {
            target: "identity.type".to_owned(),
            message: "Required parameter 'identity.type' is missing (null).".to_owned(),
        });
    };
    let normalized: String = kind
        .chars()
        .filter(|character| !character.is_whitespace())
        .collect();
    let wants_system = if normalized.eq_ignore_ascii_case("SystemAssigned") {
        true
    } else if normalized.eq_ignore_ascii_case("None") {
        false
    } else if normalized.eq_ignore_ascii_case("UserAssigned")
        || normalized.eq_ignore_ascii_case("SystemAssigned,UserAssigned")
    {
        return Err(ArmError::InvalidParameter {
            target: "identity.type".to_owned(),
            message: format!(
                "The identity type '{kind}' is not supported yet: user-assigned identities cannot \
                 be attached to virtual machines. Use 'SystemAssigned' or 'None'."
            ),
        });
    } else {
        return Err(ArmError::InvalidParameter {
            target: "identity.type".to_owned(),
            message: format!(
                "The value '{kind}' of parameter 'identity.type' is not valid. The allowed values \
                 are 'SystemAssigned', 'UserAssigned', 'SystemAssigned, UserAssigned', 'None'."
            ),
        });
    };
    let names_user_identities = identity
        .user_assigned_identities
        .as_ref()
        .is_some_and(|identities| !identities.is_empty());
    if names_user_identities {
        return Err(ArmError::InvalidParameter {
            target: "identity.userAssignedIdentities".to_owned(),
            message: format!(
                "The identity type '{kind}' cannot be combined with user-assigned identities."
            ),
        });
    }
    Ok(Some(wants_system))
}

/// Inside the write's transaction: has MSRP turn the identity on or off as asked.
async fn apply_identity(
    state: &ArmState,
    tx: &mut Connection,
    subscription: &Subscription,
    vm: &VirtualMachine,
    wanted: Option<bool>,
    write: WriteContext<'_>,
) -> Result<Option<SystemIdentityInfo>, ArmError> {
    let before = state.msrp().system_identity(tx, vm.vm_row).await?;
    let identity = match wanted {
        None => before,
        Some(true) => {
            let target = VmIdentityTarget {
                vm_row: vm.vm_row,
                vm_resource_id: virtual_machine_id(
                    &vm.subscription_id,
                    &vm.resource_group_name,
                    &vm.name,
                ),
                vm_name: vm.name.clone(),
                tenant_id: subscription.tenant_id.clone(),
                location: vm.location.clone(),
            };
            if before.is_none() {
                // Step 1 happens before MSRP's step 2, so it is recorded before calling MSRP.
                state.events().record(FlowEvent {
                    source: format!("client:{}", write.caller.app_id()),
                    target: "arm".to_owned(),
                    step: Some(FlowStep::EnableIdentity),
                    correlation_id: write.correlation_id.to_owned(),
                    summary: format!("enable the system-assigned identity of VM {}", vm.name),
                });
            }
            let identity = state
                .msrp()
                .enable_system_identity(tx, &target, write.correlation_id)
                .await?;
            Some(identity)
        }
        Some(false) => {
            if before.is_some() {
                state
                    .msrp()
                    .disable_system_identity(tx, vm.vm_row, write.correlation_id)
                    .await?;
            }
            None
        }
    };
    Ok(identity)
}

/// After the commit: brings the VM's metadata agent in line with what was committed.
async fn finish_write(
    state: &ArmState,
    write: WriteContext<'_>,
    vm: VirtualMachine,
    identity: Option<SystemIdentityInfo>,
) -> Result<VirtualMachineView, ArmError> {
    state
        .msrp()
        .sync_vm_agent(vm.vm_row, write.correlation_id)
        .await?;
    Ok(VirtualMachineView { vm, identity })
}

async fn with_identity(
    state: &ArmState,
    conn: &mut Connection,
    vm: VirtualMachine,
) -> Result<VirtualMachineView, ArmError> {
    let identity = state.msrp().system_identity(conn, vm.vm_row).await?;
    Ok(VirtualMachineView { vm, identity })
}

async fn find_in_group(
    conn: &mut Connection,
    group: &ResourceGroup,
    name: &str,
) -> Result<VirtualMachine, ArmError> {
    resources::find_virtual_machine(conn, group.resource_group_row, name)
        .await?
        .ok_or_else(|| ArmError::ResourceNotFound {
            resource_type: VIRTUAL_MACHINE_TYPE,
            name: name.to_owned(),
            resource_group: group.name.clone(),
        })
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
    ArmError::Store(StoreError::Corrupt(format!(
        "virtual machine {name} vanished during its write"
    )))
}
