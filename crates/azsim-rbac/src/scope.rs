//! Scopes: normalising them, deciding which scope covers which, and the ids built on them.
//!
//! A scope is a resource id (`/`, `/subscriptions/{s}`, a resource group, a resource, a
//! vault's secret, ...). Scopes compare case-insensitively and segment-wise: an assignment at
//! `/subscriptions/1` covers `/subscriptions/1/resourceGroups/x` but not `/subscriptions/12`.

use crate::RbacError;

/// The provider segments of role assignment ids: `{scope}/providers/Microsoft.Authorization/roleAssignments/{name}`.
const ROLE_ASSIGNMENTS_SUFFIX: &str = "/providers/Microsoft.Authorization/roleAssignments/";
/// The provider segments of role definition ids.
const ROLE_DEFINITIONS_SUFFIX: &str = "/providers/Microsoft.Authorization/roleDefinitions/";

/// The matching key of a scope: lower case, without trailing `/`; the root scope `/` has the
/// empty key. Keys are what the store indexes and what [`covers`] compares.
pub fn scope_key(scope: &str) -> String {
    scope.trim_end_matches('/').to_ascii_lowercase()
}

/// Whether an assignment whose scope has key `assignment_key` applies at the scope with key
/// `target_key`: the same scope or any scope below it, never above. Both are [`scope_key`]s.
pub fn covers(assignment_key: &str, target_key: &str) -> bool {
    match target_key.strip_prefix(assignment_key) {
        // Segment-wise: the rest must be empty or start a new segment, so `/subscriptions/1`
        // does not cover `/subscriptions/12`. The root (empty key) covers every scope.
        Some(rest) => rest.is_empty() || rest.starts_with('/'),
        None => false,
    }
}

/// Whether the assignment scope `assignment_scope` covers `target_scope`, both as given
/// (any casing, trailing `/` or not).
pub fn scope_covers(assignment_scope: &str, target_scope: &str) -> bool {
    covers(&scope_key(assignment_scope), &scope_key(target_scope))
}

/// The keys of a scope and every scope above it, root first: what "at or above" means.
pub fn ancestor_keys(key: &str) -> Vec<String> {
    let mut keys = vec![String::new()];
    for (index, _) in key.match_indices('/').skip(1) {
        keys.push(key[..index].to_owned());
    }
    if !key.is_empty() {
        keys.push(key.to_owned());
    }
    keys
}

/// Checks that `scope` looks like a resource id: it starts with `/`, has no empty segment,
/// and no query or fragment.
pub fn validate_scope(scope: &str) -> Result<(), RbacError> {
    let trimmed = scope.trim_end_matches('/');
    let valid = scope.starts_with('/')
        && !trimmed.contains("//")
        && !scope.contains(['?', '#', '\\'])
        && !scope.chars().any(char::is_whitespace);
    if valid {
        Ok(())
    } else {
        Err(RbacError::InvalidScope {
            scope: scope.to_owned(),
        })
    }
}

/// The subscription id of a scope under a subscription, with the casing of the scope.
pub fn subscription_of(scope: &str) -> Option<&str> {
    let mut segments = scope.split('/').filter(|segment| !segment.is_empty());
    match (segments.next(), segments.next()) {
        (Some(first), Some(id)) if first.eq_ignore_ascii_case("subscriptions") => Some(id),
        _ => None,
    }
}

/// The full id of a role assignment named `name` at `scope`.
pub fn role_assignment_id(scope: &str, name: &str) -> String {
    format!(
        "{}{ROLE_ASSIGNMENTS_SUFFIX}{name}",
        scope.trim_end_matches('/')
    )
}

/// The full id of a role definition as ARM shows it at `scope`: at the scope's subscription
/// (`/subscriptions/{s}/providers/...`), or at the tenant (`/providers/...`) for scopes that
/// are not under a subscription. Clients compare assignments' `roleDefinitionId` with ids
/// listed at the subscription, so both use this form.
pub fn role_definition_id_at(scope: &str, role_definition_id: &str) -> String {
    match subscription_of(scope) {
        Some(subscription) => {
            format!("/subscriptions/{subscription}{ROLE_DEFINITIONS_SUFFIX}{role_definition_id}")
        }
        None => format!("{ROLE_DEFINITIONS_SUFFIX}{role_definition_id}"),
    }
}

/// Splits a role assignment id into its scope and name; `None` if it is not one.
pub fn split_role_assignment_id(id: &str) -> Option<(String, String)> {
    split_extension_id(id, ROLE_ASSIGNMENTS_SUFFIX)
}

/// Splits a role definition id into its scope and GUID; `None` if it is not one.
pub fn split_role_definition_id(id: &str) -> Option<(String, String)> {
    split_extension_id(id, ROLE_DEFINITIONS_SUFFIX)
}

fn split_extension_id(id: &str, suffix: &str) -> Option<(String, String)> {
    let lower = id.to_ascii_lowercase();
    // The last occurrence: a scope may itself be an extension resource.
    let at = lower.rfind(&suffix.to_ascii_lowercase())?;
    let name = &id[at + suffix.len()..];
    if name.is_empty() || name.contains('/') {
        return None;
    }
    let scope = if at == 0 { "/" } else { &id[..at] };
    Some((scope.to_owned(), name.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(ancestor_keys(""), [""]);
        assert_eq!(
            ancestor_keys("/subscriptions/1/resourcegroups/rg"),
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
        assert!(validate_scope("/").is_ok());
        assert!(validate_scope("/subscriptions/1/").is_ok());
        for bad in ["", "subscriptions/1", "/subscriptions//rg", "/a?b", "/a b"] {
            let error = validate_scope(bad).unwrap_err();
            assert_eq!(error.code(), "InvalidScope", "{bad}");
        }
    }

    #[test]
    fn role_definition_ids_are_shown_at_the_subscription_of_the_scope() {
        assert_eq!(
            role_definition_id_at("/subscriptions/S1/resourceGroups/rg", "g"),
            "/subscriptions/S1/providers/Microsoft.Authorization/roleDefinitions/g"
        );
        assert_eq!(
            role_definition_id_at("/", "g"),
            "/providers/Microsoft.Authorization/roleDefinitions/g"
        );
    }

    #[test]
    fn role_assignment_ids_split_back_into_scope_and_name() {
        let id = role_assignment_id("/subscriptions/1/resourceGroups/rg/", "n1");
        assert_eq!(
            id,
            "/subscriptions/1/resourceGroups/rg/providers/Microsoft.Authorization/roleAssignments/n1"
        );
        assert_eq!(
            split_role_assignment_id(&id.to_lowercase()),
            Some((
                "/subscriptions/1/resourcegroups/rg".to_owned(),
                "n1".to_owned()
            ))
        );
        assert_eq!(
            split_role_assignment_id(&role_assignment_id("/", "n2")),
            Some(("/".to_owned(), "n2".to_owned()))
        );
        assert_eq!(split_role_assignment_id("/subscriptions/1"), None);
        assert_eq!(
            split_role_definition_id("/providers/Microsoft.Authorization/roleDefinitions/g/x"),
            None
        );
    }
}
