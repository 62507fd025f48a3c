//! Action strings: mapping a resource API request to the management action it needs, and the
//! actions other components check by name.
//!
//! Format: `{Namespace}/{resourceType}[/{childType}...]/{read|write|delete|action}`.

use azsim_core::{ResourceId, ResourceType};

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
/// `resource_type` (`("POST", "Microsoft.Compute/virtualMachines/start")` →
/// `Microsoft.Compute/virtualMachines/start/action`).
///
/// `resource_type` is the resource type with its namespace, as [`ResourceId::resource_type`]
/// gives it: `Microsoft.Compute/virtualMachines`,
/// `Microsoft.Resources/subscriptions/resourceGroups`, `Microsoft.Resources/subscriptions`,
/// `Microsoft.Authorization/roleAssignments`. `method` is a `&str` or an `&http::Method`.
pub fn management_action(method: impl AsRef<str>, resource_type: &ResourceType) -> String {
    let verb = match method.as_ref().to_ascii_uppercase().as_str() {
        "GET" | "HEAD" => "read",
        "PUT" | "PATCH" => "write",
        "DELETE" => "delete",
        _ => "action",
    };
    format!("{}/{verb}", resource_type.as_str().trim_matches('/'))
}

/// The management action `method` needs on the resource `id`: [`management_action`] of the
/// id's own type. An extension resource is typed by its own provider, not by the scope it is
/// attached to.
pub fn management_action_on(method: impl AsRef<str>, id: &ResourceId) -> String {
    management_action(method, &id.resource_type())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn action(method: impl AsRef<str>, resource_type: &str) -> String {
        management_action(method, &ResourceType::new(resource_type))
    }

    #[test]
    fn http_methods_map_to_read_write_delete_and_action() {
        let vm = "Microsoft.Compute/virtualMachines";
        assert_eq!(action("GET", vm), "Microsoft.Compute/virtualMachines/read");
        assert_eq!(action("head", vm), "Microsoft.Compute/virtualMachines/read");
        assert_eq!(action("PUT", vm), "Microsoft.Compute/virtualMachines/write");
        assert_eq!(
            action(&http::Method::PATCH, vm),
            "Microsoft.Compute/virtualMachines/write"
        );
        assert_eq!(
            action("DELETE", vm),
            "Microsoft.Compute/virtualMachines/delete"
        );
        assert_eq!(
            action("POST", "Microsoft.Compute/virtualMachines/start"),
            "Microsoft.Compute/virtualMachines/start/action"
        );
    }

    #[test]
    fn resource_groups_subscriptions_and_role_assignments_have_their_own_types() {
        assert_eq!(
            action("PUT", "Microsoft.Resources/subscriptions/resourceGroups"),
            "Microsoft.Resources/subscriptions/resourceGroups/write"
        );
        assert_eq!(
            action("GET", "Microsoft.Resources/subscriptions"),
            "Microsoft.Resources/subscriptions/read"
        );
        assert_eq!(
            action("DELETE", "Microsoft.Authorization/roleAssignments"),
            ROLE_ASSIGNMENTS_DELETE
        );
    }

    #[test]
    fn resource_type_paths_come_from_resource_ids() {
        let cases = [
            ("/subscriptions/s", "Microsoft.Resources/subscriptions"),
            (
                "/subscriptions/s/resourceGroups/rg",
                "Microsoft.Resources/subscriptions/resourceGroups",
            ),
            (
                "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm",
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
                "/providers/Microsoft.Authorization/roleDefinitions/g",
                "Microsoft.Authorization/roleDefinitions",
            ),
            ("/", "Microsoft.Resources/tenants"),
        ];
        for (path, expected) in cases {
            let id = ResourceId::parse(path).unwrap();
            assert_eq!(id.resource_type(), expected, "{path}");
            assert_eq!(
                management_action_on("GET", &id),
                format!("{expected}/read"),
                "{path}"
            );
        }
        assert_eq!(
            management_action_on(
                "GET",
                &ResourceId::parse(
                    "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm"
                )
                .unwrap()
            ),
            "Microsoft.Compute/virtualMachines/read"
        );
    }
}
