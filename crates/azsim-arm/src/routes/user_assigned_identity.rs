//! Handlers of `.../providers/Microsoft.ManagedIdentity/userAssignedIdentities[/{name}]`.

use axum::response::Response;
use azsim_core::ResourceId;
use azsim_msrp::UserAssignedIdentity;
use http::Method;
use serde_json::{Value, json};

use crate::app::user_assigned_identity::{
    UserAssignedIdentityPatch, UserAssignedIdentityPut, user_assigned_identity_create_or_update,
    user_assigned_identity_delete, user_assigned_identity_list_in_resource_group,
    user_assigned_identity_list_in_subscription, user_assigned_identity_update,
    user_assigned_identity_view,
};
use crate::error::ArmError;
use crate::extract::ArmJson;
use crate::kinds::USER_ASSIGNED_IDENTITY;
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

/// `PUT`: 201 when created, 200 when replaced.
async fn put(call: Call, id: &ResourceId) -> Result<Response, ArmError> {
    let ArmJson(body) = ArmJson::<UserAssignedIdentityPut>::from_body(call.body).await?;
    let outcome =
        user_assigned_identity_create_or_update(&call.state, &call.request, id, body).await?;
    Ok(put_answer(
        outcome.created,
        identity_json(&outcome.identity),
    ))
}

/// `GET`
async fn get(call: Call, id: &ResourceId) -> Result<Response, ArmError> {
    let identity = user_assigned_identity_view(&call.state, &call.request, id).await?;
    Ok(ok(identity_json(&identity)))
}

/// `PATCH`: only tags change.
async fn patch(call: Call, id: &ResourceId) -> Result<Response, ArmError> {
    let ArmJson(body) = ArmJson::<UserAssignedIdentityPatch>::from_body(call.body).await?;
    let identity = user_assigned_identity_update(&call.state, &call.request, id, body).await?;
    Ok(ok(identity_json(&identity)))
}

/// `DELETE`: 200 when the identity existed, 204 when it did not.
async fn delete(call: Call, id: &ResourceId) -> Result<Response, ArmError> {
    let existed = user_assigned_identity_delete(&call.state, &call.request, id).await?;
    Ok(delete_answer(existed))
}

/// `GET` of a resource group's identities.
async fn list_in_resource_group(call: Call, resource_group: &str) -> Result<Response, ArmError> {
    let identities =
        user_assigned_identity_list_in_resource_group(&call.state, &call.request, resource_group)
            .await?;
    Ok(list_response(
        identities.iter().map(identity_json).collect(),
    ))
}

/// `GET` of a subscription's identities.
async fn list_in_subscription(call: Call) -> Result<Response, ArmError> {
    let identities =
        user_assigned_identity_list_in_subscription(&call.state, &call.request).await?;
    Ok(list_response(
        identities.iter().map(identity_json).collect(),
    ))
}

/// An identity as the provider shows it: its id in the provider's own form (lower-case
/// `resourcegroups`, as in the tokens' `xms_mirid`) and read-only principal properties.
fn identity_json(identity: &UserAssignedIdentity) -> Value {
    json!({
        "id": identity.resource_id,
        "name": identity.name,
        "type": USER_ASSIGNED_IDENTITY.type_path,
        "location": identity.location,
        "tags": identity.tags,
        "properties": {
            "tenantId": identity.tenant_id,
            "principalId": identity.principal_id,
            "clientId": identity.client_id,
        },
    })
}
