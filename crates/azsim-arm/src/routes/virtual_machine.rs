//! Handlers of `.../providers/Microsoft.Compute/virtualMachines[/{vm}]`.

use axum::response::Response;
use azsim_core::ResourceId;
use http::Method;
use serde_json::{Map, Value, json};
use time::format_description::well_known::Rfc3339;

use crate::app::virtual_machine::{
    VirtualMachinePatch, VirtualMachinePut, VirtualMachineView, virtual_machine_create_or_update,
    virtual_machine_delete, virtual_machine_list_in_resource_group,
    virtual_machine_list_in_subscription, virtual_machine_update, virtual_machine_view, vm_id_of,
};
use crate::error::ArmError;
use crate::extract::ArmJson;
use crate::kinds::VIRTUAL_MACHINE;
use crate::routes::{Call, Target, delete_answer, list as list_response, ok, put_answer};

/// The handlers of the kind, by target and method.
pub(crate) async fn route(call: Call, target: Target<'_>) -> Result<Response, ArmError> {
    match (target, &call.method) {
        (Target::Item(id), &Method::PUT) => put(call, id).await,
        (Target::Item(id), &Method::GET) => get(call, id).await,
        (Target::Item(id), &Method::PATCH) => patch(call, id).await,
        (Target::Item(id), &Method::DELETE) => delete(call, id).await,
        (Target::Collection(parent), &Method::GET) => match parent.resource_group_name() {
            Some(group) => list_in_resource_group(call, group).await,
            None => list_in_subscription(call).await,
        },
        _ => call.not_allowed(),
    }
}

/// `PUT`: 201 when created, 200 when replaced; the write is complete when it answers.
async fn put(call: Call, id: &ResourceId) -> Result<Response, ArmError> {
    let ArmJson(body) = ArmJson::<VirtualMachinePut>::from_body(call.body).await?;
    let outcome = virtual_machine_create_or_update(&call.state, &call.request, id, body).await?;
    Ok(put_answer(
        outcome.created,
        virtual_machine_json(&outcome.view),
    ))
}

/// `GET`
async fn get(call: Call, id: &ResourceId) -> Result<Response, ArmError> {
    let view = virtual_machine_view(&call.state, &call.request, id).await?;
    Ok(ok(virtual_machine_json(&view)))
}

/// `PATCH`: always 200 (the compute SDK accepts nothing else).
async fn patch(call: Call, id: &ResourceId) -> Result<Response, ArmError> {
    let ArmJson(body) = ArmJson::<VirtualMachinePatch>::from_body(call.body).await?;
    let view = virtual_machine_update(&call.state, &call.request, id, body).await?;
    Ok(ok(virtual_machine_json(&view)))
}

/// `DELETE`: 200 when the VM existed, 204 when it did not.
async fn delete(call: Call, id: &ResourceId) -> Result<Response, ArmError> {
    let existed = virtual_machine_delete(&call.state, &call.request, id).await?;
    Ok(delete_answer(existed))
}

/// `GET` of a resource group's VMs.
async fn list_in_resource_group(call: Call, resource_group: &str) -> Result<Response, ArmError> {
    let views =
        virtual_machine_list_in_resource_group(&call.state, &call.request, resource_group).await?;
    Ok(list_response(
        views.iter().map(virtual_machine_json).collect(),
    ))
}

/// `GET` of a subscription's VMs.
async fn list_in_subscription(call: Call) -> Result<Response, ArmError> {
    let views = virtual_machine_list_in_subscription(&call.state, &call.request).await?;
    Ok(list_response(
        views.iter().map(virtual_machine_json).collect(),
    ))
}

/// A VM as the compute provider shows it: the caller's properties plus the read-only ones.
fn virtual_machine_json(view: &VirtualMachineView) -> Value {
    let vm = &view.vm;
    let mut properties = match &vm.properties {
        Value::Object(properties) => properties.clone(),
        _ => Map::new(),
    };
    properties.insert("vmId".to_owned(), json!(vm.vm_id));
    properties.insert("provisioningState".to_owned(), json!("Succeeded"));
    if let Some(created) = time::OffsetDateTime::from_unix_timestamp(vm.created_at)
        .ok()
        .and_then(|created| created.format(&Rfc3339).ok())
    {
        properties.insert("timeCreated".to_owned(), json!(created));
    }
    let mut body = json!({
        "id": vm_id_of(vm),
        "name": vm.name,
        "type": VIRTUAL_MACHINE.type_path,
        "location": vm.location,
        "tags": vm.tags,
        "properties": properties,
    });
    if let Some(identity) = identity_json(view) {
        body["identity"] = identity;
    }
    body
}

/// The VM's `identity` property: the system identity's principal and tenant, and each
/// user-assigned identity keyed by its id with its principal and client ids. `None` when the
/// VM has no identity (ARM then leaves the property out).
fn identity_json(view: &VirtualMachineView) -> Option<Value> {
    let kind = match (&view.identity, view.user_assigned.is_empty()) {
        (None, true) => return None,
        (Some(_), true) => "SystemAssigned",
        (None, false) => "UserAssigned",
        (Some(_), false) => "SystemAssigned, UserAssigned",
    };
    let mut identity = json!({ "type": kind });
    if let Some(system) = &view.identity {
        identity["principalId"] = json!(system.principal_id);
        identity["tenantId"] = json!(system.tenant_id);
    }
    if !view.user_assigned.is_empty() {
        let entries: Map<String, Value> = view
            .user_assigned
            .iter()
            .map(|attached| {
                (
                    attached.resource_id.clone(),
                    json!({
                        "principalId": attached.principal_id,
                        "clientId": attached.client_id,
                    }),
                )
            })
            .collect();
        identity["userAssignedIdentities"] = Value::Object(entries);
    }
    Some(identity)
}
