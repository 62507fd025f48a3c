//! Handlers of `/subscriptions/{sub}/resourcegroups[/{rg}]`.

use axum::response::{IntoResponse, Response};
use azsim_store::resources::ResourceGroup;
use http::StatusCode;
use serde_json::{Value, json};

use crate::app::resource_group::{
    ResourceGroupPatch, ResourceGroupPut, resource_group_create_or_update, resource_group_delete,
    resource_group_list, resource_group_update, resource_group_view,
};
use crate::error::ArmError;
use crate::extract::ArmJson;
use crate::path::{RESOURCE_GROUP_TYPE, resource_group_id};
use crate::routes::{Call, list as list_response, ok};

/// `PUT`: 201 when created, 200 when replaced.
pub(crate) async fn put(
    call: Call,
    subscription_id: &str,
    name: &str,
) -> Result<Response, ArmError> {
    let ArmJson(body) = ArmJson::<ResourceGroupPut>::from_body(call.body).await?;
    let upsert = resource_group_create_or_update(&call.state, subscription_id, name, body).await?;
    let status = if upsert.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        axum::Json(resource_group_json(&upsert.resource_group)),
    )
        .into_response())
}

/// `GET`
pub(crate) async fn get(
    call: Call,
    subscription_id: &str,
    name: &str,
) -> Result<Response, ArmError> {
    let group = resource_group_view(&call.state, subscription_id, name).await?;
    Ok(ok(resource_group_json(&group)))
}

/// `HEAD` (the SDKs' `check_existence`): 204 when the group exists, 404 when not.
pub(crate) async fn head(
    call: Call,
    subscription_id: &str,
    name: &str,
) -> Result<Response, ArmError> {
    resource_group_view(&call.state, subscription_id, name).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `PATCH`: only tags change.
pub(crate) async fn patch(
    call: Call,
    subscription_id: &str,
    name: &str,
) -> Result<Response, ArmError> {
    let ArmJson(body) = ArmJson::<ResourceGroupPatch>::from_body(call.body).await?;
    let group = resource_group_update(&call.state, subscription_id, name, body).await?;
    Ok(ok(resource_group_json(&group)))
}

/// `DELETE`: done in one transaction, so it answers 200 at once rather than 202 and a poll.
pub(crate) async fn delete(
    call: Call,
    subscription_id: &str,
    name: &str,
) -> Result<Response, ArmError> {
    resource_group_delete(
        &call.state,
        subscription_id,
        name,
        &call.context.correlation_id,
    )
    .await?;
    Ok(StatusCode::OK.into_response())
}

/// `GET` of the collection.
pub(crate) async fn list(call: Call, subscription_id: &str) -> Result<Response, ArmError> {
    let groups = resource_group_list(&call.state, subscription_id).await?;
    Ok(list_response(
        groups.iter().map(resource_group_json).collect(),
    ))
}

/// A resource group as ARM shows it.
fn resource_group_json(group: &ResourceGroup) -> Value {
    json!({
        "id": resource_group_id(&group.subscription_id, &group.name),
        "name": group.name,
        "type": RESOURCE_GROUP_TYPE,
        "location": group.location,
        "tags": group.tags,
        "properties": { "provisioningState": "Succeeded" },
    })
}
