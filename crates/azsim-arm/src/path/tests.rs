//! Tests of path parsing and resource ids.

use super::*;

const SUB: &str = "0b1f6471-1bf0-4dda-aec3-cb9272f09590";

#[test]
fn resource_group_segment_matches_in_any_casing() {
    for segment in ["resourcegroups", "resourceGroups", "RESOURCEGROUPS"] {
        assert_eq!(
            ArmPath::parse(&format!("/subscriptions/{SUB}/{segment}/My-Rg")),
            ArmPath::ResourceGroup {
                subscription_id: SUB.to_owned(),
                resource_group: "My-Rg".to_owned(),
            }
        );
    }
    assert_eq!(
        ArmPath::parse(&format!("/SUBSCRIPTIONS/{SUB}/ResourceGroups")),
        ArmPath::ResourceGroups {
            subscription_id: SUB.to_owned()
        }
    );
}

#[test]
fn virtual_machine_paths_match_case_insensitively_and_keep_name_casing() {
    let path = format!(
        "/subscriptions/{SUB}/resourcegroups/rg/providers/microsoft.compute/VIRTUALMACHINES/Web-1"
    );
    assert_eq!(
        ArmPath::parse(&path),
        ArmPath::VirtualMachine {
            subscription_id: SUB.to_owned(),
            resource_group: "rg".to_owned(),
            name: "Web-1".to_owned(),
        }
    );
    assert_eq!(
        ArmPath::parse(&format!(
            "/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines"
        )),
        ArmPath::VirtualMachines {
            subscription_id: SUB.to_owned(),
            resource_group: "rg".to_owned(),
        }
    );
    assert_eq!(
        ArmPath::parse(&format!(
            "/subscriptions/{SUB}/providers/Microsoft.Compute/virtualMachines/"
        )),
        ArmPath::SubscriptionVirtualMachines {
            subscription_id: SUB.to_owned()
        }
    );
}

#[test]
fn names_are_percent_decoded() {
    assert_eq!(
        ArmPath::parse(&format!("/subscriptions/{SUB}/resourcegroups/rg%28test%29")),
        ArmPath::ResourceGroup {
            subscription_id: SUB.to_owned(),
            resource_group: "rg(test)".to_owned(),
        }
    );
    assert_eq!(
        ArmPath::parse(&format!("/subscriptions/{SUB}/resourcegroups/rg%2")),
        ArmPath::Other
    );
    assert_eq!(
        ArmPath::parse(&format!("/subscriptions/{SUB}/resourcegroups/%FF")),
        ArmPath::Other
    );
    assert_eq!(
        ArmPath::parse(&format!("/subscriptions/{SUB}/resourcegroups/%+1")),
        ArmPath::Other
    );
}

#[test]
fn unknown_namespaces_and_types_are_recognised_as_such() {
    assert_eq!(
        ArmPath::parse(&format!(
            "/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Foo/bars/x"
        )),
        ArmPath::UnknownNamespace {
            subscription_id: SUB.to_owned(),
            namespace: "Microsoft.Foo".to_owned(),
        }
    );
    assert_eq!(
        ArmPath::parse(&format!(
            "/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm/extensions/e"
        )),
        ArmPath::UnknownResourceType {
            subscription_id: SUB.to_owned(),
            namespace: COMPUTE_NAMESPACE.to_owned(),
            resource_type: "virtualMachines/extensions".to_owned(),
        }
    );
}

#[test]
fn paths_outside_the_grammar_are_other() {
    for path in [
        "/",
        "",
        "/foo",
        "/subscriptions//resourcegroups",
        "/subscriptionsx/abc",
    ] {
        assert_eq!(ArmPath::parse(path), ArmPath::Other, "{path}");
    }
    assert_eq!(
        ArmPath::parse(&format!("/subscriptions/{SUB}/locations")),
        ArmPath::OtherInSubscription {
            subscription_id: SUB.to_owned()
        }
    );
    assert_eq!(ArmPath::parse("/subscriptions"), ArmPath::Subscriptions);
    assert_eq!(ArmPath::Subscriptions.subscription_id(), None);
}

#[test]
fn resource_ids_use_arm_casing() {
    assert_eq!(
        resource_group_id(SUB, "Rg"),
        format!("/subscriptions/{SUB}/resourceGroups/Rg")
    );
    assert_eq!(
        virtual_machine_id(SUB, "Rg", "Vm"),
        format!(
            "/subscriptions/{SUB}/resourceGroups/Rg/providers/Microsoft.Compute/virtualMachines/Vm"
        )
    );
}

#[test]
fn user_assigned_identity_paths_match_case_insensitively() {
    assert_eq!(
        ArmPath::parse(&format!(
            "/subscriptions/{SUB}/resourcegroups/Rg/providers/microsoft.managedidentity/USERASSIGNEDIDENTITIES/Shared-Id"
        )),
        ArmPath::UserAssignedIdentity {
            subscription_id: SUB.to_owned(),
            resource_group: "Rg".to_owned(),
            name: "Shared-Id".to_owned(),
        }
    );
    assert_eq!(
        ArmPath::parse(&format!(
            "/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities"
        )),
        ArmPath::UserAssignedIdentities {
            subscription_id: SUB.to_owned(),
            resource_group: "rg".to_owned(),
        }
    );
    let in_subscription = ArmPath::parse(&format!(
        "/subscriptions/{SUB}/providers/Microsoft.ManagedIdentity/userAssignedIdentities"
    ));
    assert_eq!(
        in_subscription,
        ArmPath::SubscriptionUserAssignedIdentities {
            subscription_id: SUB.to_owned()
        }
    );
    assert_eq!(in_subscription.subscription_id(), Some(SUB));
    assert_eq!(
        ArmPath::parse(&format!(
            "/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id/federatedIdentityCredentials"
        )),
        ArmPath::UnknownResourceType {
            subscription_id: SUB.to_owned(),
            namespace: MANAGED_IDENTITY_NAMESPACE.to_owned(),
            resource_type: "userAssignedIdentities/federatedIdentityCredentials".to_owned(),
        }
    );
}

#[test]
fn vault_paths_parse_in_any_casing_and_secrets_are_scopes() {
    assert_eq!(
        ArmPath::parse(&format!(
            "/subscriptions/{SUB}/resourcegroups/rg/providers/microsoft.keyvault/VAULTS/Kv-App"
        )),
        ArmPath::Vault {
            subscription_id: SUB.to_owned(),
            resource_group: "rg".to_owned(),
            name: "Kv-App".to_owned(),
        }
    );
    assert_eq!(
        ArmPath::parse(&format!(
            "/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults"
        )),
        ArmPath::Vaults {
            subscription_id: SUB.to_owned(),
            resource_group: "rg".to_owned(),
        }
    );
    assert_eq!(
        ArmPath::parse(&format!(
            "/subscriptions/{SUB}/providers/Microsoft.KeyVault/vaults"
        )),
        ArmPath::SubscriptionVaults {
            subscription_id: SUB.to_owned()
        }
    );
    assert_eq!(
        ArmPath::parse(&format!(
            "/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv/secrets/db-password"
        )),
        ArmPath::VaultSecret {
            subscription_id: SUB.to_owned(),
            resource_group: "rg".to_owned(),
            vault: "kv".to_owned(),
            name: "db-password".to_owned(),
        }
    );
}

#[test]
fn role_assignment_paths_parse_after_any_scope() {
    let secret = format!(
        "/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv/secrets/s"
    );
    let name = "05c5a614-a7d6-4502-b150-c2fb455033ff";
    for scope in [
        "/".to_owned(),
        format!("/subscriptions/{SUB}"),
        format!("/subscriptions/{SUB}/resourceGroups/Rg"),
        format!(
            "/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm"
        ),
        secret.clone(),
    ] {
        let base = scope.trim_end_matches('/');
        assert_eq!(
            ArmPath::parse(&format!(
                "{base}/providers/microsoft.authorization/ROLEASSIGNMENTS/{name}"
            )),
            ArmPath::RoleAssignment {
                scope: scope.clone(),
                name: name.to_owned(),
            },
            "{scope}"
        );
        assert_eq!(
            ArmPath::parse(&format!(
                "{base}/providers/Microsoft.Authorization/roleAssignments"
            )),
            ArmPath::RoleAssignments {
                scope: scope.clone()
            }
        );
        assert_eq!(
            ArmPath::parse(&format!(
                "{base}/providers/Microsoft.Authorization/roleDefinitions/{name}"
            )),
            ArmPath::RoleDefinition {
                scope: scope.clone(),
                id: name.to_owned(),
            }
        );
    }
    let at_secret = ArmPath::parse(&format!(
        "{secret}/providers/Microsoft.Authorization/roleAssignments"
    ));
    assert_eq!(at_secret.subscription_id(), Some(SUB));
    let at_root = ArmPath::parse("/providers/Microsoft.Authorization/roleDefinitions");
    assert_eq!(
        at_root,
        ArmPath::RoleDefinitions {
            scope: "/".to_owned()
        }
    );
    assert_eq!(at_root.subscription_id(), None);
}

#[test]
fn other_authorization_types_are_unknown_resource_types() {
    assert_eq!(
        ArmPath::parse(&format!(
            "/subscriptions/{SUB}/providers/Microsoft.Authorization/denyAssignments"
        )),
        ArmPath::UnknownResourceType {
            subscription_id: SUB.to_owned(),
            namespace: AUTHORIZATION_NAMESPACE.to_owned(),
            resource_type: "denyAssignments".to_owned(),
        }
    );
}
