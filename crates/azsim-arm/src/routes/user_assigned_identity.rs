//! Handlers of `.../providers/Microsoft.ManagedIdentity/userAssignedIdentities[/{name}]`.

use axum::response::{IntoResponse, Response};
use azsim_msrp::UserAssignedIdentity;
use http::StatusCode;
use serde_json::{Value, json};

use crate::app::user_assigned_identity::{
    UserAssignedIdentityAddress, UserAssignedIdentityPatch, UserAssignedIdentityPut,
    user_assigned_identity_create_or_update, user_assigned_identity_delete,
    user_assigned_identity_list_in_resource_group, user_assigned_identity_list_in_subscription,
    user_assigned_identity_update, user_assigned_identity_view,
};
use crate::app::virtual_machine::WriteContext;
use crate::error::ArmError;
use crate::extract::ArmJson;
use crate::path::USER_ASSIGNED_IDENTITY_TYPE;
use crate::routes::{Call, list as list_response, ok};

/// `PUT`: 201 when created, 200 when replaced.
pub(crate) async fn put(
    call: Call,
    address: UserAssignedIdentityAddress<'_>,
) -> Result<Response, ArmError> {
    let ArmJson(body) = ArmJson::<UserAssignedIdentityPut>::from_body(call.body).await?;
    let write = WriteContext {
        caller: &call.caller,
        correlation_id: &call.context.correlation_id,
    };
    let outcome =
        user_assigned_identity_create_or_update(&call.state, write, address, body).await?;
    let status = if outcome.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, axum::Json(identity_json(&outcome.identity))).into_response())
}

/// `GET`
pub(crate) async fn get(
    call: Call,
    address: UserAssignedIdentityAddress<'_>,
) -> Result<Response, ArmError> {
    let identity = user_assigned_identity_view(&call.state, address).await?;
    Ok(ok(identity_json(&identity)))
}

/// `PATCH`: only tags change.
pub(crate) async fn patch(
    call: Call,
    address: UserAssignedIdentityAddress<'_>,
) -> Result<Response, ArmError> {
    let ArmJson(body) = ArmJson::<UserAssignedIdentityPatch>::from_body(call.body).await?;
    let identity = user_assigned_identity_update(&call.state, address, body).await?;
    Ok(ok(identity_json(&identity)))
}

/// `DELETE`: 200 when the identity existed, 204 when it did not.
pub(crate) async fn delete(
    call: Call,
    address: UserAssignedIdentityAddress<'_>,
) -> Result<Response, ArmError> {
    let write = WriteContext {
        caller: &call.caller,
        correlation_id: &call.context.correlation_id,
    };
    let existed = user_assigned_identity_delete(&call.state, write, address).await?;
    let status = if existed {
        StatusCode::OK
    } else {
        StatusCode::NO_CONTENT
    };
    Ok(status.into_response())
}

/// `GET` of a resource group's identities.
pub(crate) async fn list_in_resource_group(
    call: Call,
    subscription_id: &str,
    resource_group: &str,
) -> Result<Response, ArmError> {
    let identities =
        user_assigned_identity_list_in_resource_group(&call.state, subscription_id, resource_group)
            .await?;
    Ok(list_response(
        identities.iter().map(identity_json).collect(),
    ))
}

/// `GET` of a subscription's identities.
pub(crate) async fn list_in_subscription(
    call: Call,
    subscription_id: &str,
) -> Result<Response, ArmError> {
    let identities =
        user_assigned_identity_list_in_subscription(&call.state, subscription_id).await?;
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
        "type": USER_ASSIGNED_IDENTITY_TYPE,
        "location": identity.location,
        "tags": identity.tags,
        "properties": {
            "tenantId": identity.tenant_id,
            "principalId": identity.principal_id,
            "clientId": identity.client_id,
        },
    })
}
