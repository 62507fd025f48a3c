//! The role assignment operations the resource API's handlers call: create (PUT), view
//! (GET), delete (DELETE) and list (GET on the collection, with `$filter`).
//!
//! Each write runs in one store transaction. Authorization of the caller (may it write role
//! assignments here?) is the resource API's job, through [`crate::Authorizer`]; so is checking
//! that the resource a scope names exists.

use azsim_core::resource_id::key_covers;
use azsim_core::{ResourceId, SharedClock};
use azsim_store::role_assignments::{
    StoredRoleAssignment, delete_role_assignment, find_role_assignment,
    find_role_assignment_by_grant, insert_role_assignment, list_role_assignments_at_scopes,
    list_role_assignments_below, list_role_assignments_for_principal,
    update_role_assignment_description,
};
use azsim_store::{Connection, Store, directory, resources};

use crate::RbacError;
use crate::assignment::{RoleAssignment, RoleAssignmentProperties};
use crate::filter::RoleAssignmentFilter;
use crate::roles::{built_in_role, role_definition_guid};
use crate::scope::{covers, role_assignment_id};

/// The `principalType` of every principal in the directory: applications' and managed
/// identities' principals are both service principals to Azure RBAC.
const SERVICE_PRINCIPAL: &str = "ServicePrincipal";

/// `PUT {scope}/providers/Microsoft.Authorization/roleAssignments/{name}`.
///
/// Returns the assignment and whether it was created (201) rather than found identical
/// (200; the description is replaced). Refusals:
/// [`RbacError::InvalidRoleAssignmentId`] (name not a GUID),
/// [`RbacError::InvalidRoleDefinitionId`], [`RbacError::RoleDefinitionDoesNotExist`],
/// [`RbacError::InvalidPrincipalId`], [`RbacError::RoleAssignmentUpdateNotPermitted`] (the
/// name exists with another scope, role or principal), [`RbacError::PrincipalNotFound`] (not
/// in the directory of the scope's subscription), [`RbacError::RoleAssignmentExists`] (same
/// scope, role and principal under another name).
pub async fn role_assignment_create(
    store: &Store,
    clock: &SharedClock,
    scope: &ResourceId,
    name: &str,
    properties: &RoleAssignmentProperties,
    created_by: Option<&str>,
) -> Result<(RoleAssignment, bool), RbacError> {
    let name = assignment_name(name).ok_or_else(|| RbacError::InvalidRoleAssignmentId {
        name: name.to_owned(),
    })?;
    check_body_scope(scope, &name, properties.scope.as_deref())?;
    let role_definition_id = role_definition_guid(&properties.role_definition_id)?;
    if built_in_role(&role_definition_id).is_none() {
        return Err(RbacError::RoleDefinitionDoesNotExist { role_definition_id });
    }
    let principal_id = uuid::Uuid::parse_str(properties.principal_id.trim())
        .map_err(|_| RbacError::InvalidPrincipalId)?
        .to_string();
    let key = scope.scope_key().to_owned();
    let now = clock.unix_seconds();

    let mut transaction = store.write().await?;
    if let Some(existing) = find_role_assignment(&mut transaction, &name).await? {
        let same = existing.scope_key == key
            && existing.role_definition_id == role_definition_id
            && existing.principal_id == principal_id;
        if !same {
            return Err(RbacError::RoleAssignmentUpdateNotPermitted);
        }
        // An identical PUT replaces what may change (the description); it grants nothing new,
        // so it succeeds even for an orphaned assignment.
        update_role_assignment_description(
            &mut transaction,
            &name,
            properties.description.as_deref(),
            now,
            created_by,
        )
        .await?;
        let updated = find_role_assignment(&mut transaction, &name)
            .await?
            .ok_or_else(|| inconsistent("an updated role assignment vanished"))?;
        transaction.commit().await?;
        return Ok((RoleAssignment::from_stored(&updated)?, false));
    }

    let tenant_id = directory_of(&mut transaction, scope).await?;
    let principal = directory::find_service_principal(&mut transaction, &principal_id).await?;
    let in_directory = principal.is_some_and(|principal| {
        tenant_id
            .as_deref()
            .is_none_or(|tenant| principal.tenant_id.eq_ignore_ascii_case(tenant))
    });
    if !in_directory {
        return Err(RbacError::PrincipalNotFound {
            principal_id,
            tenant_id: tenant_id.unwrap_or_default(),
        });
    }
    if find_role_assignment_by_grant(&mut transaction, &key, &role_definition_id, &principal_id)
        .await?
        .is_some()
    {
        return Err(RbacError::RoleAssignmentExists);
    }

    let stored = StoredRoleAssignment {
        assignment_id: role_assignment_id(scope, &name).to_string(),
        name,
        scope: scope.to_string(),
        scope_key: key,
        role_definition_id,
        principal_id,
        principal_type: SERVICE_PRINCIPAL.to_owned(),
        description: properties.description.clone(),
        created_at: now,
        updated_at: now,
        created_by: created_by.map(str::to_owned),
        updated_by: created_by.map(str::to_owned),
    };
    insert_role_assignment(&mut transaction, &stored).await?;
    transaction.commit().await?;
    tracing::info!(
        assignment = %stored.name,
        scope = %stored.scope,
        role_definition_id = %stored.role_definition_id,
        principal_id = %stored.principal_id,
        "role assignment created"
    );
    Ok((RoleAssignment::from_stored(&stored)?, true))
}

/// `GET {scope}/providers/Microsoft.Authorization/roleAssignments/{name}`;
/// [`RbacError::RoleAssignmentNotFound`] unless an assignment of that name is at that scope.
pub async fn role_assignment_view(
    store: &Store,
    scope: &ResourceId,
    name: &str,
) -> Result<RoleAssignment, RbacError> {
    let mut conn = acquire(store).await?;
    let stored = find_at_scope(&mut conn, scope, name).await?;
    RoleAssignment::from_stored(&stored)
}

/// `DELETE {scope}/providers/Microsoft.Authorization/roleAssignments/{name}`: the deleted
/// assignment (200), or `None` when there was none at that scope (204).
pub async fn role_assignment_delete(
    store: &Store,
    scope: &ResourceId,
    name: &str,
) -> Result<Option<RoleAssignment>, RbacError> {
    let mut transaction = store.write().await?;
    let stored = match find_at_scope(&mut transaction, scope, name).await {
        Ok(stored) => stored,
        Err(RbacError::RoleAssignmentNotFound { .. }) => return Ok(None),
        Err(error) => return Err(error),
    };
    delete_role_assignment(&mut transaction, &stored.name).await?;
    transaction.commit().await?;
    tracing::info!(assignment = %stored.name, scope = %stored.scope, "role assignment deleted");
    RoleAssignment::from_stored(&stored).map(Some)
}

/// `GET {scope}/providers/Microsoft.Authorization/roleAssignments[?$filter=...]`, oldest
/// first. Without a filter: assignments at, above and below the scope. `atScope()`: at or
/// above. `principalId eq '{id}'` / `assignedTo('{id}')`: that principal's, at, above or
/// below (at or above with `atScope()`). Orphaned assignments are listed like any other,
/// with the `principalType` they were created with.
pub async fn role_assignment_list(
    store: &Store,
    scope: &ResourceId,
    filter: Option<&str>,
) -> Result<Vec<RoleAssignment>, RbacError> {
    let filter = RoleAssignmentFilter::parse(filter)?;
    let mut conn = acquire(store).await?;
    let mut found = match &filter.principal_id {
        Some(principal_id) => {
            // The principal index narrows first; the scope relation is checked in memory.
            list_role_assignments_for_principal(&mut conn, principal_id)
                .await?
                .into_iter()
                .filter(|assignment| {
                    covers(&assignment.scope_key, scope)
                        || (!filter.at_scope
                            && key_covers(scope.scope_key(), &assignment.scope_key))
                })
                .collect()
        }
        None => {
            let mut around =
                list_role_assignments_at_scopes(&mut conn, &scope.ancestor_keys()).await?;
            if !filter.at_scope {
                around.extend(list_role_assignments_below(&mut conn, scope.scope_key()).await?);
            }
            around
        }
    };
    found.sort_by(|a, b| (a.created_at, &a.name).cmp(&(b.created_at, &b.name)));
    found.iter().map(RoleAssignment::from_stored).collect()
}

/// The assignment `name` if it is at `scope`; its name being used at another scope does not
/// make it visible here.
async fn find_at_scope(
    conn: &mut Connection,
    scope: &ResourceId,
    name: &str,
) -> Result<StoredRoleAssignment, RbacError> {
    let not_found = || RbacError::RoleAssignmentNotFound {
        name: name.to_owned(),
    };
    let name = assignment_name(name).ok_or_else(not_found)?;
    find_role_assignment(conn, &name)
        .await?
        .filter(|stored| stored.scope_key == scope.scope_key())
        .ok_or_else(not_found)
}

/// The tenant whose directory a scope trusts: its subscription's tenant; `None` for scopes
/// not under a known subscription (the root), where any directory principal is accepted.
async fn directory_of(
    conn: &mut Connection,
    scope: &ResourceId,
) -> Result<Option<String>, RbacError> {
    let Some(subscription_id) = scope.subscription_id() else {
        return Ok(None);
    };
    Ok(resources::find_subscription(conn, subscription_id)
        .await?
        .map(|subscription| subscription.tenant_id))
}

/// Refuses a body whose `properties.scope` is not the URI's scope, compared as resource ids
/// (so casing and a trailing `/` do not matter, and a text that is no id never matches).
fn check_body_scope(scope: &ResourceId, name: &str, given: Option<&str>) -> Result<(), RbacError> {
    match given {
        None => Ok(()),
        Some(given) if ResourceId::parse(given).is_ok_and(|given| given == *scope) => Ok(()),
        Some(given) => Err(RbacError::RoleAssignmentScopeMismatch {
            name: name.to_owned(),
            scope: given.to_owned(),
            uri_scope: scope.to_string(),
        }),
    }
}

/// A valid assignment name in its stored form (lower-case hyphenated GUID).
fn assignment_name(name: &str) -> Option<String> {
    uuid::Uuid::parse_str(name)
        .ok()
        .filter(|_| name.len() == 36)
        .map(|guid| guid.to_string())
}

async fn acquire(store: &Store) -> Result<azsim_store::ReadConnection, RbacError> {
    Ok(store.read().await?)
}

fn inconsistent(what: &str) -> RbacError {
    RbacError::Inconsistent {
        what: what.to_owned(),
    }
}
