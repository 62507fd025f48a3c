//! `Microsoft.Authorization`: role assignments (create, read, delete, list) and role
//! definitions (read, list) at any scope.
//!
//! The rules and shapes are `azsim_rbac`'s; what the resource API adds is checking that the
//! resource a new assignment's scope names exists (a vault's secret needs only its vault: the
//! resource API does not know secrets) and recording who created it.

use azsim_core::{FlowEvent, FlowStep};
use azsim_rbac::{
    RoleAssignment, RoleAssignmentCreateParameters, RoleDefinition, role_assignment_create,
    role_assignment_delete, role_assignment_list, role_assignment_view, role_definition_list,
    role_definition_view,
};
use azsim_store::resources;

use crate::app::vault::find_in_group as find_vault_in_group;
use crate::app::{acquire, require_resource_group, require_subscription};
use crate::auth::Caller;
use crate::error::ArmError;
use crate::path::{ArmPath, USER_ASSIGNED_IDENTITY_TYPE, VIRTUAL_MACHINE_TYPE, scope_id};
use crate::state::ArmState;

/// Creates a role assignment at `scope` (201, `true`) or finds the identical one (200,
/// `false`).
#[tracing::instrument(skip_all, fields(scope = %scope, assignment = %name))]
pub async fn role_assignment_put(
    state: &ArmState,
    caller: &Caller,
    scope: &str,
    name: &str,
    body: RoleAssignmentCreateParameters,
    api_version: &str,
    correlation_id: &str,
) -> Result<(RoleAssignment, bool), ArmError> {
    require_scope(state, scope, api_version).await?;
    let (assignment, created) = role_assignment_create(
        state.store(),
        state.clock(),
        &scope_id(scope),
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
            correlation_id: correlation_id.to_owned(),
            summary: format!(
                "granted role {} to principal {} at {scope}",
                body.properties.role_definition_id, body.properties.principal_id
            ),
        });
    }
    Ok((assignment, created))
}

/// One role assignment at `scope`.
#[tracing::instrument(skip_all, fields(scope = %scope, assignment = %name))]
pub async fn role_assignment_get(
    state: &ArmState,
    scope: &str,
    name: &str,
) -> Result<RoleAssignment, ArmError> {
    Ok(role_assignment_view(state.store(), &scope_id(scope), name).await?)
}

/// Deletes a role assignment at `scope`: the deleted one, or `None` if there was none.
#[tracing::instrument(skip_all, fields(scope = %scope, assignment = %name))]
pub async fn role_assignment_remove(
    state: &ArmState,
    scope: &str,
    name: &str,
) -> Result<Option<RoleAssignment>, ArmError> {
    Ok(role_assignment_delete(state.store(), &scope_id(scope), name).await?)
}

/// The role assignments at, above and below `scope`, narrowed by `filter`.
#[tracing::instrument(skip_all, fields(scope = %scope))]
pub async fn role_assignment_find(
    state: &ArmState,
    scope: &str,
    filter: Option<&str>,
) -> Result<Vec<RoleAssignment>, ArmError> {
    Ok(role_assignment_list(state.store(), &scope_id(scope), filter).await?)
}

/// One role definition, as read at `scope`.
pub fn role_definition_get(scope: &str, id: &str) -> Result<RoleDefinition, ArmError> {
    Ok(role_definition_view(&scope_id(scope), id)?)
}

/// The role definitions matching `filter`, as read at `scope`.
pub fn role_definition_find(
    scope: &str,
    filter: Option<&str>,
) -> Result<Vec<RoleDefinition>, ArmError> {
    Ok(role_definition_list(&scope_id(scope), filter)?)
}

/// Checks that the subscription, resource group and resource a scope names exist, with the
/// resource API's own not-found errors. Scopes that name nothing the API keeps (the root,
/// management groups) are left to the role assignment rules.
async fn require_scope(state: &ArmState, scope: &str, api_version: &str) -> Result<(), ArmError> {
    let mut conn = acquire(state).await?;
    let not_found =
        |resource_type: &'static str, name: &str, group: &str| ArmError::ResourceNotFound {
            resource_type,
            name: name.to_owned(),
            resource_group: group.to_owned(),
        };
    match ArmPath::parse(scope) {
        ArmPath::Subscription { subscription_id } => {
            require_subscription(&mut conn, &subscription_id).await?;
        }
        ArmPath::ResourceGroup {
            subscription_id,
            resource_group,
        } => {
            require_resource_group(&mut conn, &subscription_id, &resource_group).await?;
        }
        ArmPath::VirtualMachine {
            subscription_id,
            resource_group,
            name,
        } => {
            let (_, group) =
                require_resource_group(&mut conn, &subscription_id, &resource_group).await?;
            resources::find_virtual_machine(&mut conn, group.resource_group_row, &name)
                .await?
                .ok_or_else(|| not_found(VIRTUAL_MACHINE_TYPE, &name, &group.name))?;
        }
        ArmPath::UserAssignedIdentity {
            subscription_id,
            resource_group,
            name,
        } => {
            let (_, group) =
                require_resource_group(&mut conn, &subscription_id, &resource_group).await?;
            state
                .msrp()
                .user_assigned_identity(&mut conn, group.resource_group_row, &name)
                .await?
                .ok_or_else(|| not_found(USER_ASSIGNED_IDENTITY_TYPE, &name, &group.name))?;
        }
        ArmPath::Vault {
            subscription_id,
            resource_group,
            name,
        }
        | ArmPath::VaultSecret {
            subscription_id,
            resource_group,
            vault: name,
            ..
        } => {
            let (_, group) =
                require_resource_group(&mut conn, &subscription_id, &resource_group).await?;
            find_vault_in_group(&mut conn, &group, &name).await?;
        }
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
                api_version: api_version.to_owned(),
            });
        }
        ArmPath::ResourceGroups { subscription_id }
        | ArmPath::SubscriptionVirtualMachines { subscription_id }
        | ArmPath::SubscriptionUserAssignedIdentities { subscription_id }
        | ArmPath::SubscriptionVaults { subscription_id }
        | ArmPath::OtherInSubscription { subscription_id } => {
            require_subscription(&mut conn, &subscription_id).await?;
        }
        ArmPath::VirtualMachines {
            subscription_id,
            resource_group,
        }
        | ArmPath::UserAssignedIdentities {
            subscription_id,
            resource_group,
        }
        | ArmPath::Vaults {
            subscription_id,
            resource_group,
        } => {
            require_resource_group(&mut conn, &subscription_id, &resource_group).await?;
        }
        ArmPath::Subscriptions
        | ArmPath::RoleAssignments { .. }
        | ArmPath::RoleAssignment { .. }
        | ArmPath::RoleDefinitions { .. }
        | ArmPath::RoleDefinition { .. }
        | ArmPath::Other => {}
    }
    Ok(())
}
