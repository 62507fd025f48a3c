//! Handlers of `/subscriptions/{sub}/resourcegroups[/{rg}]`.

use axum::response::{IntoResponse, Response};
use azsim_core::ResourceId;
use azsim_store::resources::ResourceGroup;
use http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::app::resource_group::{
    ResourceGroupPatch, ResourceGroupPut, resource_group_create_or_update, resource_group_delete,
    resource_group_list, resource_group_update, resource_group_view,
};
use crate::error::ArmError;
use crate::extract::ArmJson;
use crate::routes::{Call, Target, list as list_response, ok, put_answer};

/// The type of resource groups, as written in bodies.
const RESOURCE_GROUP_TYPE: &str = "Microsoft.Resources/resourceGroups";

/// The handlers of the kind, by target and method.
pub(crate) async fn route(call: Call, target: Target<'_>) -> Result<Response, ArmError> {
    let name = match target {
        Target::Item(id) => id.resource_group_name().unwrap_or_default().to_owned(),
        Target::Collection(_) if call.method == Method::GET => return list(call).await,
        Target::Collection(_) => return call.not_allowed(),
    };
    match call.method {
        Method::PUT => put(call, &name).await,
        Method::GET => get(call, &name).await,
        Method::HEAD => head(call, &name).await,
        Method::PATCH => patch(call, &name).await,
        Method::DELETE => delete(call, &name).await,
        _ => call.not_allowed(),
    }
}

/// `PUT`: 201 when created, 200 when replaced.
async fn put(call: Call, name: &str) -> Result<Response, ArmError> {
    let ArmJson(body) = ArmJson::<ResourceGroupPut>::from_body(call.body).await?;
    let upsert = resource_group_create_or_update(&call.state, &call.request, name, body).await?;
    Ok(put_answer(
        upsert.created,
        resource_group_json(&upsert.resource_group),
    ))
}

/// `GET`
async fn get(call: Call, name: &str) -> Result<Response, ArmError> {
    let group = resource_group_view(&call.state, &call.request, name).await?;
    Ok(ok(resource_group_json(&group)))
}

/// `HEAD` (the SDKs' `check_existence`): 204 when the group exists, 404 when not.
async fn head(call: Call, name: &str) -> Result<Response, ArmError> {
    resource_group_view(&call.state, &call.request, name).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `PATCH`: only tags change.
async fn patch(call: Call, name: &str) -> Result<Response, ArmError> {
    let ArmJson(body) = ArmJson::<ResourceGroupPatch>::from_body(call.body).await?;
    let group = resource_group_update(&call.state, &call.request, name, body).await?;
    Ok(ok(resource_group_json(&group)))
}

/// `DELETE`: done in one transaction, so it answers 200 at once rather than 202 and a poll.
async fn delete(call: Call, name: &str) -> Result<Response, ArmError> {
    resource_group_delete(&call.state, &call.request, name).await?;
    Ok(StatusCode::OK.into_response())
}

/// `GET` of the collection.
async fn list(call: Call) -> Result<Response, ArmError> {
    let groups = resource_group_list(&call.state, &call.request).await?;
    Ok(list_response(
        groups.iter().map(resource_group_json).collect(),
    ))
}

/// A resource group as ARM shows it.
fn resource_group_json(group: &ResourceGroup) -> Value {
    json!({
        "id": ResourceId::resource_group(&group.subscription_id, &group.name),
        "name": group.name,
        "type": RESOURCE_GROUP_TYPE,
        "location": group.location,
        "tags": group.tags,
        "properties": { "provisioningState": "Succeeded" },
    })
}
