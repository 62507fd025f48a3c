//! Action strings: mapping a resource API request to the management action it needs, and the
//! actions other components check by name.
//!
//! Format: `{Namespace}/{resourceType}[/{childType}...]/{read|write|delete|action}`.

/// Attaching a user-assigned identity to a resource: checked on the identity (the linked
/// scope), besides the write on the resource itself.
pub const USER_ASSIGNED_IDENTITY_ASSIGN: &str =
    "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action";
/// Reading role assignments.
pub const ROLE_ASSIGNMENTS_READ: &str = "Microsoft.Authorization/roleAssignments/read";
/// Creating role assignments.
pub const ROLE_ASSIGNMENTS_WRITE: &str = "Microsoft.Authorization/roleAssignments/write";
/// Deleting role assignments.
pub const ROLE_ASSIGNMENTS_DELETE: &str = "Microsoft.Authorization/roleAssignments/delete";
/// Reading role definitions.
pub const ROLE_DEFINITIONS_READ: &str = "Microsoft.Authorization/roleDefinitions/read";

/// Data action: reading a secret's value.
pub const KEY_VAULT_SECRET_GET: &str = "Microsoft.KeyVault/vaults/secrets/getSecret/action";
/// Data action: listing secrets and their versions, reading a secret's attributes.
pub const KEY_VAULT_SECRET_READ_METADATA: &str =
    "Microsoft.KeyVault/vaults/secrets/readMetadata/action";
/// Data action: setting a secret (a new version).
pub const KEY_VAULT_SECRET_SET: &str = "Microsoft.KeyVault/vaults/secrets/setSecret/action";
/// Data action: updating a secret's attributes.
pub const KEY_VAULT_SECRET_UPDATE: &str = "Microsoft.KeyVault/vaults/secrets/update/action";
/// Data action: deleting a secret.
pub const KEY_VAULT_SECRET_DELETE: &str = "Microsoft.KeyVault/vaults/secrets/delete";

/// The management action of an ARM request: `GET`/`HEAD` read, `PUT`/`PATCH` write, `DELETE`
/// delete, and anything else (`POST`) an action named by the last segment of
/// `resource_type_path` (`("POST", "Microsoft.Compute/virtualMachines/start")` →
/// `Microsoft.Compute/virtualMachines/start/action`).
///
/// `resource_type_path` is the resource type with its namespace, as
/// [`resource_type_path_of`] gives it: `Microsoft.Compute/virtualMachines`,
/// `Microsoft.Resources/subscriptions/resourceGroups`, `Microsoft.Resources/subscriptions`,
/// `Microsoft.Authorization/roleAssignments`. `method` is a `&str` or an `&http::Method`.
pub fn management_action(method: impl AsRef<str>, resource_type_path: &str) -> String {
    let verb = match method.as_ref().to_ascii_uppercase().as_str() {
        "GET" | "HEAD" => "read",
        "PUT" | "PATCH" => "write",
        "DELETE" => "delete",
        _ => "action",
    };
    format!("{}/{verb}", resource_type_path.trim_matches('/'))
}

/// The resource type path (namespace and types) of a resource id, a collection path, or an
/// extension resource id, with the casing of the path:
///
/// - `/subscriptions/{s}` → `Microsoft.Resources/subscriptions`
/// - `/subscriptions/{s}/resourceGroups[/{rg}]` → `Microsoft.Resources/subscriptions/resourceGroups`
/// - `.../providers/Microsoft.Compute/virtualMachines[/{vm}]` → `Microsoft.Compute/virtualMachines`
/// - `.../providers/Microsoft.KeyVault/vaults/{v}/secrets/{n}` → `Microsoft.KeyVault/vaults/secrets`
/// - `{scope}/providers/Microsoft.Authorization/roleAssignments/{g}` → `Microsoft.Authorization/roleAssignments`
///
/// The innermost `providers` segment decides, so an extension resource is typed by its own
/// provider, not by the scope it is attached to.
pub fn resource_type_path_of(path: &str) -> String {
    let segments: Vec<&str> = path
        .split('/')
        .filter(|segment| !segment.is_empty())
        .collect();
    let providers = segments
        .iter()
        .rposition(|segment| segment.eq_ignore_ascii_case("providers"));
    if let Some(index) = providers
        && let Some(namespace) = segments.get(index + 1)
    {
        // After the namespace: type, name, child type, child name, ...
        let types: Vec<&str> = segments[index + 2..].iter().step_by(2).copied().collect();
        if types.is_empty() {
            return (*namespace).to_owned();
        }
        return format!("{namespace}/{}", types.join("/"));
    }
    match segments.as_slice() {
        [first, _, group, ..]
            if first.eq_ignore_ascii_case("subscriptions")
                && group.eq_ignore_ascii_case("resourceGroups") =>
        {
            "Microsoft.Resources/subscriptions/resourceGroups".to_owned()
        }
        [first, ..] if first.eq_ignore_ascii_case("subscriptions") => {
            "Microsoft.Resources/subscriptions".to_owned()
        }
        _ => "Microsoft.Resources/tenants".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_methods_map_to_read_write_delete_and_action() {
        let vm = "Microsoft.Compute/virtualMachines";
        assert_eq!(
            management_action("GET", vm),
            "Microsoft.Compute/virtualMachines/read"
        );
        assert_eq!(
            management_action("head", vm),
            "Microsoft.Compute/virtualMachines/read"
        );
        assert_eq!(
            management_action("PUT", vm),
            "Microsoft.Compute/virtualMachines/write"
        );
        assert_eq!(
            management_action(&http::Method::PATCH, vm),
            "Microsoft.Compute/virtualMachines/write"
        );
        assert_eq!(
            management_action("DELETE", vm),
            "Microsoft.Compute/virtualMachines/delete"
        );
        assert_eq!(
            management_action("POST", "Microsoft.Compute/virtualMachines/start"),
            "Microsoft.Compute/virtualMachines/start/action"
        );
    }

    #[test]
    fn resource_groups_subscriptions_and_role_assignments_have_their_own_types() {
        assert_eq!(
            management_action("PUT", "Microsoft.Resources/subscriptions/resourceGroups"),
            "Microsoft.Resources/subscriptions/resourceGroups/write"
        );
        assert_eq!(
            management_action("GET", "Microsoft.Resources/subscriptions"),
            "Microsoft.Resources/subscriptions/read"
        );
        assert_eq!(
            management_action("DELETE", "Microsoft.Authorization/roleAssignments"),
            ROLE_ASSIGNMENTS_DELETE
        );
    }

    #[test]
    fn resource_type_paths_come_from_resource_ids() {
        let cases = [
            ("/subscriptions/s", "Microsoft.Resources/subscriptions"),
            ("/subscriptions", "Microsoft.Resources/subscriptions"),
            (
                "/subscriptions/s/resourceGroups/rg",
                "Microsoft.Resources/subscriptions/resourceGroups",
            ),
            (
                "/subscriptions/s/resourcegroups",
                "Microsoft.Resources/subscriptions/resourceGroups",
            ),
            (
                "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm",
                "Microsoft.Compute/virtualMachines",
            ),
            (
                "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines",
                "Microsoft.Compute/virtualMachines",
            ),
            (
                "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/v/secrets/n",
                "Microsoft.KeyVault/vaults/secrets",
            ),
            (
                "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm/providers/Microsoft.Authorization/roleAssignments/g",
                "Microsoft.Authorization/roleAssignments",
            ),
            (
                "/providers/Microsoft.Authorization/roleDefinitions",
                "Microsoft.Authorization/roleDefinitions",
            ),
            ("/", "Microsoft.Resources/tenants"),
        ];
        for (path, expected) in cases {
            assert_eq!(resource_type_path_of(path), expected, "{path}");
        }
        assert_eq!(
            management_action(
                "GET",
                &resource_type_path_of(
                    "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm"
                )
            ),
            "Microsoft.Compute/virtualMachines/read"
        );
    }
}
