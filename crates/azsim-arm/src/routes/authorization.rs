//! Handlers of `{scope}/providers/Microsoft.Authorization/roleAssignments[/{name}]` and
//! `{scope}/providers/Microsoft.Authorization/roleDefinitions[/{id}]`.

use axum::response::{IntoResponse, Response};
use azsim_rbac::{RoleAssignmentCreateParameters, RoleAssignmentList, RoleDefinitionList};
use http::StatusCode;

use crate::app::authorization::{
    role_assignment_find, role_assignment_get, role_assignment_put, role_assignment_remove,
    role_definition_find, role_definition_get,
};
use crate::error::ArmError;
use crate::extract::ArmJson;
use crate::routes::Call;

/// The OData filter parameter of the list operations.
const FILTER: &str = "$filter";

/// `PUT`: 201 when created, 200 when the identical assignment exists.
pub(crate) async fn put_assignment(
    call: Call,
    scope: &str,
    name: &str,
) -> Result<Response, ArmError> {
    let ArmJson(body) = ArmJson::<RoleAssignmentCreateParameters>::from_body(call.body).await?;
    let (assignment, created) = role_assignment_put(
        &call.state,
        &call.caller,
        scope,
        name,
        body,
        call.api_version.as_str(),
        &call.context.correlation_id,
    )
    .await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, axum::Json(assignment)).into_response())
}

/// `GET`
pub(crate) async fn get_assignment(
    call: Call,
    scope: &str,
    name: &str,
) -> Result<Response, ArmError> {
    let assignment = role_assignment_get(&call.state, scope, name).await?;
    Ok(axum::Json(assignment).into_response())
}

/// `DELETE`: 200 with the deleted assignment, 204 when there was none.
pub(crate) async fn delete_assignment(
    call: Call,
    scope: &str,
    name: &str,
) -> Result<Response, ArmError> {
    Ok(
        match role_assignment_remove(&call.state, scope, name).await? {
            Some(assignment) => axum::Json(assignment).into_response(),
            None => StatusCode::NO_CONTENT.into_response(),
        },
    )
}

/// `GET` of the collection, with `$filter`.
pub(crate) async fn list_assignments(call: Call, scope: &str) -> Result<Response, ArmError> {
    let filter = call.query_parameter(FILTER);
    let value = role_assignment_find(&call.state, scope, filter.as_deref()).await?;
    Ok(axum::Json(RoleAssignmentList { value }).into_response())
}

/// `GET` of one role definition.
pub(crate) fn get_definition(scope: &str, id: &str) -> Result<Response, ArmError> {
    Ok(axum::Json(role_definition_get(scope, id)?).into_response())
}

/// `GET` of the role definitions, with `$filter`.
pub(crate) fn list_definitions(call: &Call, scope: &str) -> Result<Response, ArmError> {
    let filter = call.query_parameter(FILTER);
    let value = role_definition_find(scope, filter.as_deref())?;
    Ok(axum::Json(RoleDefinitionList { value }).into_response())
}
