//! Handlers of `{scope}/providers/Microsoft.Authorization/roleAssignments[/{name}]` and
//! `{scope}/providers/Microsoft.Authorization/roleDefinitions[/{id}]`.

use axum::response::{IntoResponse, Response};
use azsim_core::ResourceId;
use azsim_rbac::{RoleAssignmentCreateParameters, RoleAssignmentList, RoleDefinitionList};
use http::{Method, StatusCode};

use crate::app::authorization::{
    role_assignment_find, role_assignment_get, role_assignment_put, role_assignment_remove,
    role_definition_find, role_definition_get,
};
use crate::error::ArmError;
use crate::extract::ArmJson;
use crate::routes::{Call, Target};

/// The OData filter parameter of the list operations.
const FILTER: &str = "$filter";

/// The handlers of role assignments, by target and method.
pub(crate) async fn route_assignments(
    call: Call,
    target: Target<'_>,
) -> Result<Response, ArmError> {
    match (target, &call.method) {
        (Target::Item(id), &Method::PUT) => put_assignment(call, id).await,
        (Target::Item(id), &Method::GET) => get_assignment(call, id).await,
        (Target::Item(id), &Method::DELETE) => delete_assignment(call, id).await,
        (Target::Collection(scope), &Method::GET) => list_assignments(call, scope).await,
        _ => call.not_allowed(),
    }
}

/// The handlers of role definitions, by target and method.
pub(crate) fn route_definitions(call: &Call, target: Target<'_>) -> Result<Response, ArmError> {
    match (target, &call.method) {
        (Target::Item(id), &Method::GET) => get_definition(id),
        (Target::Collection(scope), &Method::GET) => list_definitions(call, scope),
        _ => call.not_allowed(),
    }
}

/// `PUT`: 201 when created, 200 when the identical assignment exists.
async fn put_assignment(call: Call, id: &ResourceId) -> Result<Response, ArmError> {
    let ArmJson(body) = ArmJson::<RoleAssignmentCreateParameters>::from_body(call.body).await?;
    let (assignment, created) = role_assignment_put(&call.state, &call.request, id, body).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, axum::Json(assignment)).into_response())
}

/// `GET`
async fn get_assignment(call: Call, id: &ResourceId) -> Result<Response, ArmError> {
    let assignment = role_assignment_get(&call.state, id).await?;
    Ok(axum::Json(assignment).into_response())
}

/// `DELETE`: 200 with the deleted assignment, 204 when there was none.
async fn delete_assignment(call: Call, id: &ResourceId) -> Result<Response, ArmError> {
    Ok(match role_assignment_remove(&call.state, id).await? {
        Some(assignment) => axum::Json(assignment).into_response(),
        None => StatusCode::NO_CONTENT.into_response(),
    })
}

/// `GET` of the collection, with `$filter`.
async fn list_assignments(call: Call, scope: &ResourceId) -> Result<Response, ArmError> {
    let filter = call.query_parameter(FILTER);
    let value = role_assignment_find(&call.state, scope, filter.as_deref()).await?;
    Ok(axum::Json(RoleAssignmentList { value }).into_response())
}

/// `GET` of one role definition.
fn get_definition(id: &ResourceId) -> Result<Response, ArmError> {
    Ok(axum::Json(role_definition_get(id)?).into_response())
}

/// `GET` of the role definitions, with `$filter`.
fn list_definitions(call: &Call, scope: &ResourceId) -> Result<Response, ArmError> {
    let filter = call.query_parameter(FILTER);
    let value = role_definition_find(scope, filter.as_deref())?;
    Ok(axum::Json(RoleDefinitionList { value }).into_response())
}
