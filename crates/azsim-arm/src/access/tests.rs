//! Tests of the request-to-action mapping.

use super::*;

const SUB: &str = "0b1f6471-1bf0-4dda-aec3-cb9272f09590";

fn access(path: &str, method: Method) -> Option<(String, String)> {
    required_access(&ArmPath::parse(path), &method)
        .map(|access| (access.action, access.scope.to_string()))
}

fn pair(action: &str, scope: &str) -> Option<(String, String)> {
    Some((action.to_owned(), scope.to_owned()))
}

#[test]
fn items_need_read_write_delete_at_their_own_id() {
    let vm = format!(
        "/subscriptions/{SUB}/resourceGroups/Rg/providers/Microsoft.Compute/virtualMachines/Vm1"
    );
    assert_eq!(
        access(&vm, Method::GET),
        pair("Microsoft.Compute/virtualMachines/read", &vm)
    );
    assert_eq!(
        access(&vm, Method::PATCH),
        pair("Microsoft.Compute/virtualMachines/write", &vm)
    );
    assert_eq!(
        access(&vm, Method::DELETE),
        pair("Microsoft.Compute/virtualMachines/delete", &vm)
    );
    // The casing of the request is kept; fixed segments are written canonically.
    assert_eq!(
        access(
            &format!("/subscriptions/{SUB}/resourcegroups/Rg"),
            Method::PUT
        ),
        pair(
            "Microsoft.Resources/subscriptions/resourceGroups/write",
            &format!("/subscriptions/{SUB}/resourceGroups/Rg")
        )
    );
    let vault =
        format!("/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv");
    assert_eq!(
        access(&vault, Method::PUT),
        pair("Microsoft.KeyVault/vaults/write", &vault)
    );
}

#[test]
fn collections_need_read_of_their_type_at_the_parent_scope() {
    let group = format!("/subscriptions/{SUB}/resourceGroups/rg");
    assert_eq!(
        access(
            &format!("{group}/providers/Microsoft.ManagedIdentity/userAssignedIdentities"),
            Method::GET
        ),
        pair(
            "Microsoft.ManagedIdentity/userAssignedIdentities/read",
            &group
        )
    );
    assert_eq!(
        access(
            &format!("/subscriptions/{SUB}/providers/Microsoft.KeyVault/vaults"),
            Method::GET
        ),
        pair(
            "Microsoft.KeyVault/vaults/read",
            &format!("/subscriptions/{SUB}")
        )
    );
    assert_eq!(
        access(&format!("/subscriptions/{SUB}/resourcegroups"), Method::GET),
        pair(
            "Microsoft.Resources/subscriptions/resourceGroups/read",
            &format!("/subscriptions/{SUB}")
        )
    );
}

#[test]
fn role_assignments_are_authorized_at_their_id_and_lists_at_their_scope() {
    let secret = format!(
        "/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv/secrets/s"
    );
    let id = format!(
        "{secret}/providers/Microsoft.Authorization/roleAssignments/05c5a614-a7d6-4502-b150-c2fb455033ff"
    );
    assert_eq!(
        access(&id, Method::PUT),
        pair("Microsoft.Authorization/roleAssignments/write", &id)
    );
    assert_eq!(
        access(&id, Method::DELETE),
        pair("Microsoft.Authorization/roleAssignments/delete", &id)
    );
    assert_eq!(
        access(
            &format!("{secret}/providers/Microsoft.Authorization/roleAssignments"),
            Method::GET
        ),
        pair("Microsoft.Authorization/roleAssignments/read", &secret)
    );
    assert_eq!(
        access(
            "/providers/Microsoft.Authorization/roleDefinitions",
            Method::GET
        ),
        pair("Microsoft.Authorization/roleDefinitions/read", "/")
    );
}

#[test]
fn unserved_paths_and_the_subscription_list_need_nothing() {
    assert_eq!(access("/subscriptions", Method::GET), None);
    assert_eq!(access("/nothing/here", Method::GET), None);
    assert_eq!(
        access(
            &format!("/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Nope/x/y"),
            Method::GET
        ),
        None
    );
}

#[test]
fn a_name_holding_an_encoded_separator_needs_no_scope_because_it_is_never_served() {
    let vms = format!(
        "/subscriptions/{SUB}/resourceGroups/Rg/providers/Microsoft.Compute/virtualMachines"
    );
    for name in ["vm-a%2Fchild", "vm-a%5Cchild", "%2E%2E"] {
        let path = ArmPath::parse(&format!("{vms}/{name}"));
        assert!(matches!(path, ArmPath::InvalidName { .. }), "{path:?}");
        assert_eq!(required_access(&path, &Method::PUT), None);
    }
    // Decoded once, `%252F` is a literal name: its own scope, under no sibling.
    assert_eq!(
        access(&format!("{vms}/vm-a%252Fchild"), Method::PUT),
        pair(
            "Microsoft.Compute/virtualMachines/write",
            &format!("{vms}/vm-a%2Fchild")
        )
    );
}
