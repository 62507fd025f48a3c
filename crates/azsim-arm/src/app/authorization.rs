//! `Microsoft.Authorization`: role assignments (create, read, delete, list) and role
//! definitions (read, list) at any scope.
//!
//! The rules and shapes are `azsim_rbac`'s; what the resource API adds is checking that the
//! resource a new assignment's scope names exists (a vault's secret needs only its vault: the
//! resource API does not know secrets) and recording who created it.

use azsim_core::{FlowEvent, FlowStep, ResourceId};
use azsim_rbac::{
    RoleAssignment, RoleAssignmentCreateParameters, RoleDefinition, role_assignment_create,
    role_assignment_delete, role_assignment_list, role_assignment_view, role_definition_list,
    role_definition_view,
};

use crate::error::ArmError;
use crate::kinds::{Placement, ResourceKind};
use crate::lookup::{acquire, require_resource_group};
use crate::path::ArmPath;
use crate::request::ArmRequest;
use crate::state::ArmState;

/// Creates the role assignment `id` (`{scope}/providers/Microsoft.Authorization/
/// roleAssignments/{name}`) (201, `true`) or finds the identical one (200, `false`).
#[tracing::instrument(skip_all, fields(resource_id = %id))]
pub(crate) async fn role_assignment_put(
    state: &ArmState,
    request: &ArmRequest,
    id: &ResourceId,
    body: RoleAssignmentCreateParameters,
) -> Result<(RoleAssignment, bool), ArmError> {
    let (scope, name) = scope_and_name(id)?;
    require_scope(state, request, &scope).await?;
    let caller = &request.caller;
    let (assignment, created) = role_assignment_create(
        state.store(),
        state.clock(),
        &scope,
        name,
        &body.properties,
        Some(caller.object_id()),
    )
    .await?;
    if created {
        state.events().record(FlowEvent {
            source: format!("client:{}", caller.app_id()),
            target: "arm".to_owned(),
            step: Some(FlowStep::GrantAccess),
            correlation_id: request.correlation_id().to_owned(),
            summary: format!(
                "granted role {} to principal {} at {scope}",
                body.properties.role_definition_id, body.properties.principal_id
            ),
        });
    }
    Ok((assignment, created))
}

/// One role assignment.
#[tracing::instrument(skip_all, fields(resource_id = %id))]
pub(crate) async fn role_assignment_get(
    state: &ArmState,
    id: &ResourceId,
) -> Result<RoleAssignment, ArmError> {
    let (scope, name) = scope_and_name(id)?;
    Ok(role_assignment_view(state.store(), &scope, name).await?)
}

/// Deletes a role assignment: the deleted one, or `None` if there was none.
#[tracing::instrument(skip_all, fields(resource_id = %id))]
pub(crate) async fn role_assignment_remove(
    state: &ArmState,
    id: &ResourceId,
) -> Result<Option<RoleAssignment>, ArmError> {
    let (scope, name) = scope_and_name(id)?;
    Ok(role_assignment_delete(state.store(), &scope, name).await?)
}

/// The role assignments at, above and below `scope`, narrowed by `filter`.
#[tracing::instrument(skip_all, fields(scope = %scope))]
pub(crate) async fn role_assignment_find(
    state: &ArmState,
    scope: &ResourceId,
    filter: Option<&str>,
) -> Result<Vec<RoleAssignment>, ArmError> {
    Ok(role_assignment_list(state.store(), scope, filter).await?)
}

/// One role definition (`{scope}/providers/Microsoft.Authorization/roleDefinitions/{id}`),
/// as read at its scope.
pub(crate) fn role_definition_get(id: &ResourceId) -> Result<RoleDefinition, ArmError> {
    let (scope, guid) = scope_and_name(id)?;
    Ok(role_definition_view(&scope, guid)?)
}

/// The role definitions matching `filter`, as read at `scope`.
pub(crate) fn role_definition_find(
    scope: &ResourceId,
    filter: Option<&str>,
) -> Result<Vec<RoleDefinition>, ArmError> {
    Ok(role_definition_list(scope, filter)?)
}

/// The scope an extension resource hangs at, and its name.
fn scope_and_name(id: &ResourceId) -> Result<(ResourceId, &str), ArmError> {
    match (id.parent(), id.name()) {
        (Some(scope), Some(name)) => Ok((scope, name)),
        _ => Err(ArmError::NoRoute {
            path: id.to_string(),
        }),
    }
}

/// Checks that the subscription, resource group and resource a scope names exist, with the
/// resource API's own not-found errors; for a scope below a resource (a vault's secret), the
/// resource it is under. Scopes that name nothing the API keeps (the root, management groups)
/// are left to the role assignment rules.
async fn require_scope(
    state: &ArmState,
    request: &ArmRequest,
    scope: &ResourceId,
) -> Result<(), ArmError> {
    let kind = match ArmPath::of_id(scope) {
        ArmPath::Item { kind, .. } => kind.descriptor(),
        ArmPath::Collection { .. } | ArmPath::Other => return Ok(()),
        // Unreachable from a parsed id (its names are single segments), refused all the same.
        ArmPath::InvalidName { kind, name } => return Err(kind.descriptor().refuse_name(&name)),
        ArmPath::UnknownNamespace { namespace, .. } => {
            return Err(ArmError::InvalidResourceNamespace { namespace });
        }
        ArmPath::UnknownResourceType {
            namespace,
            resource_type,
            ..
        } => {
            return Err(ArmError::InvalidResourceType {
                resource_type,
                namespace,
                api_version: request.api_version.as_str().to_owned(),
            });
        }
        ArmPath::OtherInSubscription { .. } => {
            request.require_subscription()?;
            return Ok(());
        }
    };
    match kind.placement {
        // Role assignments and definitions as scopes name nothing the API must find.
        Placement::Extension => Ok(()),
        // The subscription was read with the request.
        Placement::Root => request.require_subscription().map(|_| ()),
        Placement::Subscription | Placement::ResourceGroup | Placement::Child(_) => {
            require_item(state, request, scope, kind).await
        }
    }
}

/// Checks that the item `id` of `kind` exists (for a child, the resource it is under).
async fn require_item(
    state: &ArmState,
    request: &ArmRequest,
    id: &ResourceId,
    kind: &'static ResourceKind,
) -> Result<(), ArmError> {
    let subscription = request.require_subscription()?;
    let mut conn = acquire(state).await?;
    let group_name = id.resource_group_name().unwrap_or_default();
    let group = require_resource_group(&mut conn, subscription, group_name).await?;
    // The resource in the group: the id itself, or the resource a child is under.
    let (kind, resource) = match (kind.placement, id.parent()) {
        (Placement::Child(parent), Some(resource)) => (parent.descriptor(), resource),
        _ => (kind, id.clone()),
    };
    let exists = match kind.exists {
        Some(exists) => {
            let name = resource.name().unwrap_or_default();
            exists(state, &mut conn, group.resource_group_row, name).await?
        }
        // The group itself was found above.
        None => true,
    };
    if exists {
        Ok(())
    } else {
        Err((kind.not_found)(&resource))
    }
}
