//! Role-based access control on every request, decided in one place before any handler runs.
//!
//! Each served path and method maps to one management action at one scope: an item's
//! `read`/`write`/`delete` at the item's id, a collection's `read` at its parent scope. The
//! caller is authorized before the handler looks anything up, so a caller without read
//! access learns nothing from a 404 (ARM answers 403 first). Only the subscription itself is
//! checked for existence before, as ARM does: an unknown subscription is `SubscriptionNotFound`
//! for everyone.
//!
//! Two rules are not a single action at a single scope:
//! - Subscriptions are visible to a caller with any role assignment at, above or below them
//!   (`GET /subscriptions` lists those, `GET /subscriptions/{s}` answers for those).
//! - Attaching a user-assigned identity needs the identity's `assign/action` too; the VM
//!   operations check that with [`authorize_linked`] once they know which identities a body
//!   names.

use azsim_core::resource_id::key_covers;
use azsim_rbac::actions::USER_ASSIGNED_IDENTITY_ASSIGN;
use azsim_rbac::{PermissionKind, management_action_on};
use azsim_store::Connection;
use azsim_store::role_assignments::list_role_assignments_for_principal;
use http::Method;

use crate::app::{acquire, require_subscription};
use crate::auth::Caller;
use crate::error::ArmError;
use crate::path::{
    AUTHORIZATION_NAMESPACE, ArmPath, USER_ASSIGNED_IDENTITY_TYPE, VAULT_TYPE,
    VIRTUAL_MACHINE_TYPE, resource_group_id, scope_id, subscription_id_path,
};
use crate::state::ArmState;

/// The management action a request needs, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RequiredAccess {
    /// `Microsoft.Compute/virtualMachines/read`, ...
    pub(crate) action: String,
    /// The resource id addressed, or a collection's parent scope.
    pub(crate) scope: String,
}

/// Authorizes a request to a served path and method; `AuthorizationFailed` if the caller's
/// roles do not grant the action at the scope.
pub(crate) async fn authorize_request(
    state: &ArmState,
    caller: &Caller,
    path: &ArmPath,
    method: &Method,
) -> Result<(), ArmError> {
    let Some(access) = required_access(path, method) else {
        return Ok(());
    };
    if let Some(subscription_id) = path.subscription_id() {
        let mut conn = acquire(state).await?;
        require_subscription(&mut conn, subscription_id).await?;
    }
    let allowed = match path {
        ArmPath::Subscription { .. } => {
            let mut conn = acquire(state).await?;
            let visible =
                visible_subscriptions(&mut conn, caller.object_id(), [access.scope.as_str()])
                    .await?;
            visible.first().copied().unwrap_or(false)
        }
        _ => {
            state
                .authorizer()
                .is_allowed(
                    caller.object_id(),
                    &access.action,
                    PermissionKind::Management,
                    &scope_id(&access.scope),
                )
                .await?
        }
    };
    if allowed {
        Ok(())
    } else {
        tracing::info!(action = %access.action, scope = %access.scope, "request not authorized");
        Err(ArmError::AuthorizationFailed {
            object_id: caller.object_id().to_owned(),
            action: access.action,
            scope: access.scope,
        })
    }
}

/// Checks that the caller may assign each identity in `identity_ids` (ids as the request
/// wrote them) to the resource `resource_id`, which it writes.
pub(crate) async fn authorize_linked(
    state: &ArmState,
    caller: &Caller,
    resource_id: &str,
    identity_ids: &[&str],
) -> Result<(), ArmError> {
    let mut denied = Vec::new();
    for identity_id in identity_ids {
        let allowed = state
            .authorizer()
            .is_allowed(
                caller.object_id(),
                USER_ASSIGNED_IDENTITY_ASSIGN,
                PermissionKind::Management,
                &scope_id(identity_id),
            )
            .await?;
        if !allowed {
            denied.push((*identity_id).to_owned());
        }
    }
    if denied.is_empty() {
        return Ok(());
    }
    tracing::info!(linked = denied.len(), "identity assignment not authorized");
    Err(ArmError::LinkedAuthorizationFailed {
        object_id: caller.object_id().to_owned(),
        action: management_action_on(&Method::PUT, &scope_id(resource_id)),
        scope: resource_id.to_owned(),
        linked_scopes: denied,
    })
}

/// For each subscription id path in `scopes` (`/subscriptions/{s}`), whether `object_id` has
/// a role assignment at, above or below it. One indexed query, whatever the number asked.
pub(crate) async fn visible_subscriptions<'a>(
    conn: &mut Connection,
    object_id: &str,
    scopes: impl IntoIterator<Item = &'a str>,
) -> Result<Vec<bool>, ArmError> {
    let assignments = list_role_assignments_for_principal(conn, object_id).await?;
    Ok(scopes
        .into_iter()
        .map(|scope| {
            let target = scope_id(scope);
            let target = target.scope_key();
            assignments.iter().any(|assignment| {
                key_covers(&assignment.scope_key, target)
                    || key_covers(target, &assignment.scope_key)
            })
        })
        .collect())
}

/// The action and scope a served path and method need; `None` for what is answered without
/// authorization: `GET /subscriptions` (its answer is filtered) and paths the API does not
/// serve (answered 404).
pub(crate) fn required_access(path: &ArmPath, method: &Method) -> Option<RequiredAccess> {
    let item = |id: String| RequiredAccess {
        action: management_action_on(method, &scope_id(&id)),
        scope: id,
    };
    // A collection is read; the scope is where it hangs.
    let collection = |collection_path: String, parent: String| RequiredAccess {
        // Typed like one of its items.
        action: management_action_on(&Method::GET, &scope_id(&format!("{collection_path}/x"))),
        scope: parent,
    };
    let access = match path {
        ArmPath::Subscriptions
        | ArmPath::VaultSecret { .. }
        | ArmPath::UnknownNamespace { .. }
        | ArmPath::UnknownResourceType { .. }
        | ArmPath::OtherInSubscription { .. }
        | ArmPath::Other => return None,
        ArmPath::Subscription { subscription_id } => item(subscription_id_path(subscription_id)),
        ArmPath::ResourceGroups { subscription_id } => {
            let parent = subscription_id_path(subscription_id);
            collection(format!("{parent}/resourceGroups"), parent)
        }
        ArmPath::ResourceGroup {
            subscription_id,
            resource_group,
        } => item(resource_group_id(subscription_id, resource_group)),
        ArmPath::SubscriptionVirtualMachines { subscription_id } => {
            in_subscription(subscription_id, VIRTUAL_MACHINE_TYPE, collection)
        }
        ArmPath::SubscriptionUserAssignedIdentities { subscription_id } => {
            in_subscription(subscription_id, USER_ASSIGNED_IDENTITY_TYPE, collection)
        }
        ArmPath::SubscriptionVaults { subscription_id } => {
            in_subscription(subscription_id, VAULT_TYPE, collection)
        }
        ArmPath::VirtualMachines {
            subscription_id,
            resource_group,
        } => in_group(
            subscription_id,
            resource_group,
            VIRTUAL_MACHINE_TYPE,
            collection,
        ),
        ArmPath::UserAssignedIdentities {
            subscription_id,
            resource_group,
        } => in_group(
            subscription_id,
            resource_group,
            USER_ASSIGNED_IDENTITY_TYPE,
            collection,
        ),
        ArmPath::Vaults {
            subscription_id,
            resource_group,
        } => in_group(subscription_id, resource_group, VAULT_TYPE, collection),
        ArmPath::VirtualMachine {
            subscription_id,
            resource_group,
            name,
        } => item(resource_id(
            subscription_id,
            resource_group,
            VIRTUAL_MACHINE_TYPE,
            name,
        )),
        ArmPath::UserAssignedIdentity {
            subscription_id,
            resource_group,
            name,
        } => item(resource_id(
            subscription_id,
            resource_group,
            USER_ASSIGNED_IDENTITY_TYPE,
            name,
        )),
        ArmPath::Vault {
            subscription_id,
            resource_group,
            name,
        } => item(resource_id(
            subscription_id,
            resource_group,
            VAULT_TYPE,
            name,
        )),
        ArmPath::RoleAssignments { scope } => {
            collection(extension_path(scope, "roleAssignments"), scope.clone())
        }
        ArmPath::RoleDefinitions { scope } => {
            collection(extension_path(scope, "roleDefinitions"), scope.clone())
        }
        ArmPath::RoleAssignment { scope, name } => item(format!(
            "{}/{name}",
            extension_path(scope, "roleAssignments")
        )),
        ArmPath::RoleDefinition { scope, id } => {
            item(format!("{}/{id}", extension_path(scope, "roleDefinitions")))
        }
    };
    Some(access)
}

fn in_subscription(
    subscription_id: &str,
    resource_type: &str,
    collection: impl Fn(String, String) -> RequiredAccess,
) -> RequiredAccess {
    let parent = subscription_id_path(subscription_id);
    collection(format!("{parent}/providers/{resource_type}"), parent)
}

fn in_group(
    subscription_id: &str,
    resource_group: &str,
    resource_type: &str,
    collection: impl Fn(String, String) -> RequiredAccess,
) -> RequiredAccess {
    let parent = resource_group_id(subscription_id, resource_group);
    collection(format!("{parent}/providers/{resource_type}"), parent)
}

/// The id of a resource of `resource_type` (`Namespace/type`) in a resource group.
fn resource_id(
    subscription_id: &str,
    resource_group: &str,
    resource_type: &str,
    name: &str,
) -> String {
    format!(
        "{}/providers/{resource_type}/{name}",
        resource_group_id(subscription_id, resource_group)
    )
}

/// `{scope}/providers/Microsoft.Authorization/{kind}`.
fn extension_path(scope: &str, kind: &str) -> String {
    format!(
        "{}/providers/{AUTHORIZATION_NAMESPACE}/{kind}",
        scope.trim_end_matches('/')
    )
}

#[cfg(test)]
mod tests;
