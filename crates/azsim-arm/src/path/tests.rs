//! Tests of path parsing.

use super::*;

const SUB: &str = "0b1f6471-1bf0-4dda-aec3-cb9272f09590";

fn item(id: &str, kind: Kind) -> ArmPath {
    ArmPath::Item {
        id: ResourceId::parse(id).unwrap(),
        kind,
    }
}

fn collection(parent: &str, kind: Kind) -> ArmPath {
    ArmPath::Collection {
        parent: ResourceId::parse(parent).unwrap(),
        kind,
    }
}

/// The id text of a parsed item: canonical segments, the caller's names.
fn id_text(path: &ArmPath) -> &str {
    match path {
        ArmPath::Item { id, .. } => id.as_str(),
        other => panic!("not an item: {other:?}"),
    }
}

#[test]
fn resource_group_segment_matches_in_any_casing() {
    for segment in ["resourcegroups", "resourceGroups", "RESOURCEGROUPS"] {
        let path = ArmPath::parse(&format!("/subscriptions/{SUB}/{segment}/My-Rg"));
        assert_eq!(
            path,
            item(
                &format!("/subscriptions/{SUB}/resourceGroups/My-Rg"),
                Kind::ResourceGroup
            )
        );
        assert_eq!(
            id_text(&path),
            format!("/subscriptions/{SUB}/resourceGroups/My-Rg")
        );
    }
    assert_eq!(
        ArmPath::parse(&format!("/SUBSCRIPTIONS/{SUB}/ResourceGroups")),
        collection(&format!("/subscriptions/{SUB}"), Kind::ResourceGroup)
    );
}

#[test]
fn virtual_machine_paths_match_case_insensitively_and_keep_name_casing() {
    let path = ArmPath::parse(&format!(
        "/subscriptions/{SUB}/resourcegroups/rg/providers/microsoft.compute/VIRTUALMACHINES/Web-1"
    ));
    assert_eq!(
        id_text(&path),
        format!(
            "/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/Web-1"
        )
    );
    assert_eq!(
        path.kind().map(|kind| kind.kind),
        Some(Kind::VirtualMachine)
    );
    assert_eq!(
        ArmPath::parse(&format!(
            "/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines"
        )),
        collection(
            &format!("/subscriptions/{SUB}/resourceGroups/rg"),
            Kind::VirtualMachine
        )
    );
    assert_eq!(
        ArmPath::parse(&format!(
            "/subscriptions/{SUB}/providers/Microsoft.Compute/virtualMachines/"
        )),
        collection(&format!("/subscriptions/{SUB}"), Kind::VirtualMachine)
    );
}

#[test]
fn names_are_percent_decoded() {
    let path = ArmPath::parse(&format!("/subscriptions/{SUB}/resourcegroups/rg%28test%29"));
    assert_eq!(
        id_text(&path),
        format!("/subscriptions/{SUB}/resourceGroups/rg(test)")
    );
    // A name the group rule refuses is still a group path: the handler says why.
    let spaced = ArmPath::parse(&format!("/subscriptions/{SUB}/resourcegroups/bad%20name"));
    assert_eq!(
        spaced.kind().map(|kind| kind.kind),
        Some(Kind::ResourceGroup)
    );
    for bad in ["rg%2", "%FF", "%+1"] {
        assert_eq!(
            ArmPath::parse(&format!("/subscriptions/{SUB}/resourcegroups/{bad}")),
            ArmPath::Other,
            "{bad}"
        );
    }
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
            namespace: "Microsoft.Compute".to_owned(),
            resource_type: "virtualMachines/extensions".to_owned(),
        }
    );
    assert_eq!(
        ArmPath::parse(&format!(
            "/subscriptions/{SUB}/providers/microsoft.resources/deployments"
        )),
        ArmPath::UnknownNamespace {
            subscription_id: SUB.to_owned(),
            namespace: "microsoft.resources".to_owned(),
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
        "/foo/providers/Microsoft.Authorization/roleAssignments",
    ] {
        assert_eq!(ArmPath::parse(path), ArmPath::Other, "{path}");
    }
    assert_eq!(
        ArmPath::parse(&format!("/subscriptions/{SUB}/locations")),
        ArmPath::OtherInSubscription {
            subscription_id: SUB.to_owned()
        }
    );
    let subscriptions = ArmPath::parse("/subscriptions");
    assert_eq!(subscriptions, collection("/", Kind::Subscription));
    assert_eq!(subscriptions.subscription_id(), None);
}

#[test]
fn user_assigned_identity_paths_match_case_insensitively() {
    let path = ArmPath::parse(&format!(
        "/subscriptions/{SUB}/resourcegroups/Rg/providers/microsoft.managedidentity/USERASSIGNEDIDENTITIES/Shared-Id"
    ));
    assert_eq!(
        path,
        item(
            &format!(
                "/subscriptions/{SUB}/resourceGroups/Rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/Shared-Id"
            ),
            Kind::UserAssignedIdentity
        )
    );
    assert_eq!(
        ArmPath::parse(&format!(
            "/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities"
        )),
        collection(
            &format!("/subscriptions/{SUB}/resourceGroups/rg"),
            Kind::UserAssignedIdentity
        )
    );
    let in_subscription = ArmPath::parse(&format!(
        "/subscriptions/{SUB}/providers/Microsoft.ManagedIdentity/userAssignedIdentities"
    ));
    assert_eq!(
        in_subscription,
        collection(&format!("/subscriptions/{SUB}"), Kind::UserAssignedIdentity)
    );
    assert_eq!(in_subscription.subscription_id(), Some(SUB));
    assert_eq!(
        ArmPath::parse(&format!(
            "/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id/federatedIdentityCredentials"
        )),
        ArmPath::UnknownResourceType {
            subscription_id: SUB.to_owned(),
            namespace: "Microsoft.ManagedIdentity".to_owned(),
            resource_type: "userAssignedIdentities/federatedIdentityCredentials".to_owned(),
        }
    );
}

#[test]
fn vault_paths_parse_in_any_casing_and_secrets_are_scopes() {
    let group = format!("/subscriptions/{SUB}/resourceGroups/rg");
    assert_eq!(
        ArmPath::parse(&format!(
            "/subscriptions/{SUB}/resourcegroups/rg/providers/microsoft.keyvault/VAULTS/Kv-App"
        )),
        item(
            &format!("{group}/providers/Microsoft.KeyVault/vaults/Kv-App"),
            Kind::Vault
        )
    );
    assert_eq!(
        ArmPath::parse(&format!("{group}/providers/Microsoft.KeyVault/vaults")),
        collection(&group, Kind::Vault)
    );
    assert_eq!(
        ArmPath::parse(&format!(
            "/subscriptions/{SUB}/providers/Microsoft.KeyVault/vaults"
        )),
        collection(&format!("/subscriptions/{SUB}"), Kind::Vault)
    );
    let secret = ArmPath::parse(&format!(
        "{group}/providers/Microsoft.KeyVault/vaults/kv/secrets/db-password"
    ));
    assert_eq!(
        secret,
        item(
            &format!("{group}/providers/Microsoft.KeyVault/vaults/kv/secrets/db-password"),
            Kind::VaultSecret
        )
    );
    assert!(secret.kind().is_some_and(ResourceKind::is_scope_only));
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
        let assignment = ArmPath::parse(&format!(
            "{base}/providers/microsoft.authorization/ROLEASSIGNMENTS/{name}"
        ));
        assert_eq!(
            assignment,
            item(
                &format!("{base}/providers/Microsoft.Authorization/roleAssignments/{name}"),
                Kind::RoleAssignment
            ),
            "{scope}"
        );
        let ArmPath::Item { id, .. } = &assignment else {
            unreachable!("an item")
        };
        assert_eq!(id.parent(), Some(ResourceId::parse(&scope).unwrap()));
        assert_eq!(
            ArmPath::parse(&format!(
                "{base}/providers/Microsoft.Authorization/roleAssignments"
            )),
            collection(&scope, Kind::RoleAssignment)
        );
        assert_eq!(
            ArmPath::parse(&format!(
                "{base}/providers/Microsoft.Authorization/roleDefinitions/{name}"
            )),
            item(
                &format!("{base}/providers/Microsoft.Authorization/roleDefinitions/{name}"),
                Kind::RoleDefinition
            )
        );
    }
    let at_secret = ArmPath::parse(&format!(
        "{secret}/providers/Microsoft.Authorization/roleAssignments"
    ));
    assert_eq!(at_secret.subscription_id(), Some(SUB));
    let at_root = ArmPath::parse("/providers/Microsoft.Authorization/roleDefinitions");
    assert_eq!(at_root, collection("/", Kind::RoleDefinition));
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
            namespace: "Microsoft.Authorization".to_owned(),
            resource_type: "denyAssignments".to_owned(),
        }
    );
}

#[test]
fn ids_classify_like_their_paths_without_decoding_names() {
    let vault =
        ResourceId::resource_group(SUB, "rg").provider("Microsoft.KeyVault", "vaults", "kv");
    let secret = vault.child("secrets", "a%41").unwrap();
    assert_eq!(
        ArmPath::of_id(&secret),
        ArmPath::Item {
            id: secret.clone(),
            kind: Kind::VaultSecret
        }
    );
    assert_eq!(
        ArmPath::of_id(&secret).kind().map(|kind| kind.kind),
        Some(Kind::VaultSecret)
    );
    let ArmPath::Item { id, .. } = ArmPath::of_id(&secret) else {
        unreachable!("an item")
    };
    assert_eq!(id.name(), Some("a%41"));
    assert_eq!(ArmPath::of_id(&ResourceId::root()), ArmPath::Other);
}

#[test]
fn a_name_decoding_to_a_separator_or_a_dot_segment_is_an_invalid_name_of_its_kind() {
    let group = format!("/subscriptions/{SUB}/resourceGroups/rg");
    let vms = format!("{group}/providers/Microsoft.Compute/virtualMachines");
    let assignments = "providers/Microsoft.Authorization/roleAssignments";
    let invalid = |kind, name: &str| ArmPath::InvalidName {
        kind,
        name: name.to_owned(),
    };
    for (path, expected) in [
        (
            format!("{vms}/vm-a%2Fchild"),
            invalid(Kind::VirtualMachine, "vm-a/child"),
        ),
        (
            format!("{vms}/vm-a%2fchild"),
            invalid(Kind::VirtualMachine, "vm-a/child"),
        ),
        (
            format!("{vms}/vm-a%5Cchild"),
            invalid(Kind::VirtualMachine, "vm-a\\child"),
        ),
        (format!("{vms}/%2E%2E"), invalid(Kind::VirtualMachine, "..")),
        (format!("{vms}/."), invalid(Kind::VirtualMachine, ".")),
        (
            format!("/subscriptions/{SUB}/resourceGroups/rg%2Fx"),
            invalid(Kind::ResourceGroup, "rg/x"),
        ),
        (
            format!(
                "/subscriptions/{SUB}/resourceGroups/..%2F/providers/Microsoft.Compute/virtualMachines/vm"
            ),
            invalid(Kind::ResourceGroup, "../"),
        ),
        (
            "/subscriptions/a%2Fb/resourceGroups/rg".to_owned(),
            invalid(Kind::Subscription, "a/b"),
        ),
        (
            format!("{group}/providers/Microsoft.KeyVault/vaults/kv/secrets/s%2F1"),
            invalid(Kind::VaultSecret, "s/1"),
        ),
        (
            format!("{group}/providers/Microsoft.KeyVault/vaults/kv%2F1/secrets/s"),
            invalid(Kind::Vault, "kv/1"),
        ),
        (
            format!("{group}/{assignments}/a%2Fb"),
            invalid(Kind::RoleAssignment, "a/b"),
        ),
        // The scope of an extension path is refused as its own name's kind refuses it.
        (
            format!("{vms}/vm-a%2Fchild/{assignments}/g"),
            invalid(Kind::VirtualMachine, "vm-a/child"),
        ),
        (
            format!("/subscriptions/{SUB}/resourceGroups/rg%5C/{assignments}"),
            invalid(Kind::ResourceGroup, "rg\\"),
        ),
    ] {
        assert_eq!(ArmPath::parse(&path), expected, "{path}");
    }
}

#[test]
fn an_encoded_percent_is_decoded_once_into_a_literal_name() {
    let vms = format!(
        "/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines"
    );
    let path = ArmPath::parse(&format!("{vms}/vm-a%252Fchild"));
    assert_eq!(id_text(&path), format!("{vms}/vm-a%2Fchild"));
    let ArmPath::Item { id, .. } = &path else {
        unreachable!()
    };
    assert_eq!(id.name(), Some("vm-a%2Fchild"));
    // Not under `vm-a`: the name is one segment.
    let vm_a = ResourceId::parse(&format!("{vms}/vm-a")).unwrap();
    assert!(!vm_a.covers(id));
}
