//! Role-based access control on every request, decided in one place before any handler runs.
//!
//! Each served path and method maps to one management action at one scope, read off the
//! table of kinds: an item's `read`/`write`/`delete` at the item's id, a collection's `read`
//! of its kind's type at its parent scope. The
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
use azsim_core::{ResourceId, ResourceType};
use azsim_rbac::actions::USER_ASSIGNED_IDENTITY_ASSIGN;
use azsim_rbac::evaluate::is_allowed_by;
use azsim_rbac::{PermissionKind, management_action, management_action_on};
use azsim_store::Connection;
use azsim_store::role_assignments::list_role_assignments_for_principal;
use http::Method;

use crate::auth::Caller;
use crate::error::ArmError;
use crate::lookup::acquire;
use crate::path::ArmPath;
use crate::request::ArmRequest;
use crate::state::ArmState;

/// The management action a request needs, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RequiredAccess {
    /// `Microsoft.Compute/virtualMachines/read`, ...
    pub(crate) action: String,
    /// The resource id addressed, or a collection's parent scope.
    pub(crate) scope: ResourceId,
    /// Whether any role assignment at, above or below the scope grants it (subscriptions).
    pub(crate) any_assignment: bool,
}

/// Authorizes a request to a served path and method; `AuthorizationFailed` if the caller's
/// roles do not grant the action at the scope.
pub(crate) async fn authorize_request(
    state: &ArmState,
    request: &ArmRequest,
    method: &Method,
) -> Result<(), ArmError> {
    let Some(access) = required_access(&request.path, method) else {
        return Ok(());
    };
    if request.path.subscription_id().is_some() {
        request.require_subscription()?;
    }
    let caller = &request.caller;
    let allowed = if access.any_assignment {
        let mut conn = acquire(state).await?;
        let visible = visible_subscriptions(&mut conn, caller.object_id(), [&access.scope]).await?;
        visible.first().copied().unwrap_or(false)
    } else {
        state
            .authorizer()
            .is_allowed(
                caller.object_id(),
                &access.action,
                PermissionKind::Management,
                &access.scope,
            )
            .await?
    };
    if allowed {
        Ok(())
    } else {
        tracing::info!(action = %access.action, scope = %access.scope, "request not authorized");
        Err(ArmError::AuthorizationFailed {
            object_id: caller.object_id().to_owned(),
            action: access.action,
            scope: access.scope.to_string(),
        })
    }
}

/// Checks that the caller may assign each identity in `identity_ids` (with the ids as the
/// request wrote them) to the resource `resource_id`, which it writes. The caller's
/// assignments are read once and every identity is decided in memory.
pub(crate) async fn authorize_linked(
    state: &ArmState,
    caller: &Caller,
    resource_id: &ResourceId,
    identity_ids: &[(&ResourceId, &str)],
) -> Result<(), ArmError> {
    let assignments = state
        .authorizer()
        .assignments_of(caller.object_id())
        .await?;
    let denied: Vec<String> = identity_ids
        .iter()
        .filter(|(identity_id, _)| {
            !is_allowed_by(
                &assignments,
                caller.object_id(),
                USER_ASSIGNED_IDENTITY_ASSIGN,
                PermissionKind::Management,
                identity_id,
            )
        })
        .map(|(_, given)| (*given).to_owned())
        .collect();
    if denied.is_empty() {
        return Ok(());
    }
    tracing::info!(linked = denied.len(), "identity assignment not authorized");
    Err(ArmError::LinkedAuthorizationFailed {
        object_id: caller.object_id().to_owned(),
        action: management_action_on(&Method::PUT, resource_id),
        scope: resource_id.to_string(),
        linked_scopes: denied,
    })
}

/// For each subscription id in `scopes`, whether `object_id` has a role assignment at, above
/// or below it. One indexed query, whatever the number asked.
pub(crate) async fn visible_subscriptions<'a>(
    conn: &mut Connection,
    object_id: &str,
    scopes: impl IntoIterator<Item = &'a ResourceId>,
) -> Result<Vec<bool>, ArmError> {
    let assignments = list_role_assignments_for_principal(conn, object_id).await?;
    Ok(scopes
        .into_iter()
        .map(|scope| {
            let target = scope.scope_key();
            assignments.iter().any(|assignment| {
                key_covers(&assignment.scope_key, target)
                    || key_covers(target, &assignment.scope_key)
            })
        })
        .collect())
}

/// The action and scope a served path and method need; `None` for what is answered without
/// authorization: the list of a kind visible by any assignment (`GET /subscriptions`, whose
/// answer is filtered), scopes the API does not serve and unknown paths (answered 404).
pub(crate) fn required_access(path: &ArmPath, method: &Method) -> Option<RequiredAccess> {
    let kind = path.kind()?;
    match path {
        ArmPath::Item { id, .. } if !kind.is_scope_only() => Some(RequiredAccess {
            action: management_action_on(method, id),
            scope: id.clone(),
            any_assignment: kind.visible_by_any_assignment,
        }),
        // A collection is read; the scope is where it hangs.
        ArmPath::Collection { parent, .. } if !kind.visible_by_any_assignment => {
            Some(RequiredAccess {
                action: management_action(&Method::GET, &ResourceType::new(kind.type_path)),
                scope: parent.clone(),
                any_assignment: false,
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests;
