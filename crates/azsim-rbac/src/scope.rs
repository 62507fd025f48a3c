//! Scopes: deciding which scope covers which, and the ids built on scopes.
//!
//! A scope is a resource id ([`ResourceId`]: `/`, `/subscriptions/{s}`, a resource group, a
//! resource, a vault's secret, ...). Scopes compare case-insensitively and segment-wise: an
//! assignment at `/subscriptions/1` covers `/subscriptions/1/resourceGroups/x` but not
//! `/subscriptions/12`. Stored assignments carry their scope's key
//! ([`ResourceId::scope_key`]), which is what [`covers`] compares.

use azsim_core::ResourceId;
use azsim_core::resource_id::key_covers;

use crate::RbacError;

/// The namespace of role assignments and role definitions, extension resources of any scope.
pub const AUTHORIZATION_NAMESPACE: &str = "Microsoft.Authorization";
/// The type of role assignments inside [`AUTHORIZATION_NAMESPACE`].
pub const ROLE_ASSIGNMENTS: &str = "roleAssignments";
/// The type of role definitions inside [`AUTHORIZATION_NAMESPACE`].
pub const ROLE_DEFINITIONS: &str = "roleDefinitions";

/// Whether an assignment whose scope has key `assignment_key` applies at `target`: the same
/// scope or any scope below it, never above.
pub fn covers(assignment_key: &str, target: &ResourceId) -> bool {
    key_covers(assignment_key, target.scope_key())
}

/// Whether the assignment scope `assignment_scope` covers `target_scope`.
pub fn scope_covers(assignment_scope: &ResourceId, target_scope: &ResourceId) -> bool {
    assignment_scope.covers(target_scope)
}

/// Parses a scope as a caller wrote it (any casing, trailing `/` or not);
/// [`RbacError::InvalidScope`] if it is not a resource id.
pub fn parse_scope(scope: &str) -> Result<ResourceId, RbacError> {
    ResourceId::parse(scope).map_err(|_| RbacError::InvalidScope {
        scope: scope.to_owned(),
    })
}

/// The full id of a role assignment named `name` at `scope`.
pub fn role_assignment_id(scope: &ResourceId, name: &str) -> ResourceId {
    scope.provider(AUTHORIZATION_NAMESPACE, ROLE_ASSIGNMENTS, name)
}

/// The full id of a role definition as ARM shows it at `scope`: at the scope's subscription
/// (`/subscriptions/{s}/providers/...`), or at the tenant (`/providers/...`) for scopes that
/// are not under a subscription. Clients compare assignments' `roleDefinitionId` with ids
/// listed at the subscription, so both use this form.
pub fn role_definition_id_at(scope: &ResourceId, role_definition_id: &str) -> ResourceId {
    let base = match scope.subscription_id() {
        Some(subscription) => ResourceId::subscription(subscription),
        None => ResourceId::root(),
    };
    base.provider(
        AUTHORIZATION_NAMESPACE,
        ROLE_DEFINITIONS,
        role_definition_id,
    )
}

/// Splits a role assignment id into its scope and name; `None` if it is not one.
pub fn split_role_assignment_id(id: &ResourceId) -> Option<(ResourceId, String)> {
    split_extension_id(id, ROLE_ASSIGNMENTS)
}

/// Splits a role definition id into its scope and GUID; `None` if it is not one.
pub fn split_role_definition_id(id: &ResourceId) -> Option<(ResourceId, String)> {
    split_extension_id(id, ROLE_DEFINITIONS)
}

fn split_extension_id(id: &ResourceId, type_name: &str) -> Option<(ResourceId, String)> {
    // The innermost provider types the id, so a scope may itself be an extension resource.
    let resource_type = id.resource_type();
    let (namespace, rest) = resource_type.as_str().split_once('/')?;
    if !namespace.eq_ignore_ascii_case(AUTHORIZATION_NAMESPACE)
        || !rest.eq_ignore_ascii_case(type_name)
    {
        return None;
    }
    Some((id.parent()?, id.name()?.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(text: &str) -> ResourceId {
        ResourceId::parse(text).unwrap()
    }

    fn scope_covers(assignment_scope: &str, target_scope: &str) -> bool {
        super::scope_covers(&id(assignment_scope), &id(target_scope))
    }

    #[test]
    fn assignment_scope_covers_itself_and_everything_below() {
        let rg = "/subscriptions/1/resourceGroups/rg";
        assert!(scope_covers(rg, rg));
        assert!(scope_covers(
            rg,
            "/subscriptions/1/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm"
        ));
        assert!(scope_covers("/subscriptions/1", rg));
    }

    #[test]
    fn assignment_scope_never_covers_a_scope_above() {
        assert!(!scope_covers(
            "/subscriptions/1/resourceGroups/rg",
            "/subscriptions/1"
        ));
        assert!(!scope_covers("/subscriptions/1", "/"));
    }

    #[test]
    fn scope_match_is_segment_wise_not_a_string_prefix() {
        assert!(!scope_covers("/subscriptions/1", "/subscriptions/12"));
        assert!(!scope_covers(
            "/subscriptions/1/resourceGroups/rg",
            "/subscriptions/1/resourceGroups/rg-2"
        ));
        assert!(!scope_covers(
            "/subscriptions/1/resourceGroups/rg",
            "/subscriptions/1/resourceGroups/rg2/providers/X.Y/z/a"
        ));
    }

    #[test]
    fn scope_match_ignores_case_and_trailing_slashes() {
        assert!(scope_covers(
            "/SUBSCRIPTIONS/1/resourcegroups/RG/",
            "/subscriptions/1/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/V"
        ));
        assert!(covers(
            id("/SUBSCRIPTIONS/1/resourcegroups/RG/").scope_key(),
            &id("/subscriptions/1/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/V")
        ));
    }

    #[test]
    fn root_scope_covers_every_scope() {
        assert!(scope_covers("/", "/"));
        assert!(scope_covers("/", "/subscriptions/1"));
        assert!(scope_covers(
            "/",
            "/providers/Microsoft.Management/managementGroups/m"
        ));
    }

    #[test]
    fn ancestors_run_from_root_to_the_scope() {
        assert_eq!(ResourceId::root().ancestor_keys(), [""]);
        assert_eq!(
            id("/subscriptions/1/resourcegroups/rg").ancestor_keys(),
            [
                "",
                "/subscriptions",
                "/subscriptions/1",
                "/subscriptions/1/resourcegroups",
                "/subscriptions/1/resourcegroups/rg"
            ]
        );
    }

    #[test]
    fn scopes_must_be_resource_ids() {
        assert!(parse_scope("/").is_ok());
        assert!(parse_scope("/subscriptions/1/").is_ok());
        for bad in ["", "subscriptions/1", "/subscriptions//rg", "/a?b", "/a b"] {
            let error = parse_scope(bad).unwrap_err();
            assert!(matches!(error, RbacError::InvalidScope { .. }), "{bad}");
        }
    }

    #[test]
    fn role_definition_ids_are_shown_at_the_subscription_of_the_scope() {
        assert_eq!(
            role_definition_id_at(&id("/subscriptions/S1/resourceGroups/rg"), "g").as_str(),
            "/subscriptions/S1/providers/Microsoft.Authorization/roleDefinitions/g"
        );
        assert_eq!(
            role_definition_id_at(&ResourceId::root(), "g").as_str(),
            "/providers/Microsoft.Authorization/roleDefinitions/g"
        );
    }

    #[test]
    fn role_assignment_ids_split_back_into_scope_and_name() {
        let assignment = role_assignment_id(&id("/subscriptions/1/resourceGroups/rg/"), "n1");
        assert_eq!(
            assignment.as_str(),
            "/subscriptions/1/resourceGroups/rg/providers/Microsoft.Authorization/roleAssignments/n1"
        );
        assert_eq!(
            split_role_assignment_id(&id(&assignment.as_str().to_lowercase())),
            Some((id("/subscriptions/1/resourcegroups/rg"), "n1".to_owned()))
        );
        assert_eq!(
            split_role_assignment_id(&role_assignment_id(&ResourceId::root(), "n2")),
            Some((ResourceId::root(), "n2".to_owned()))
        );
        assert_eq!(split_role_assignment_id(&id("/subscriptions/1")), None);
        assert!(
            ResourceId::parse("/providers/Microsoft.Authorization/roleDefinitions/g/x").is_err()
        );
        assert_eq!(
            split_role_definition_id(&id(
                "/providers/Microsoft.Authorization/roleDefinitions/g/x/y"
            )),
            None
        );
    }
}
