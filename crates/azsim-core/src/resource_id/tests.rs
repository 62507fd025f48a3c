//! Resource ids: examples, then properties over generated ids.

use proptest::prelude::*;

use super::*;

const VM: &str =
    "/subscriptions/S1/resourceGroups/Rg/providers/Microsoft.Compute/virtualMachines/Vm";

#[test]
fn ids_show_fixed_segments_in_arm_casing_and_names_as_given() {
    let id = ResourceId::parse(
        "/SUBSCRIPTIONS/S1/resourcegroups/Rg/PROVIDERS/Microsoft.Compute/virtualMachines/Vm/",
    )
    .unwrap();
    assert_eq!(id.to_string(), VM);
    assert_eq!(id.subscription_id(), Some("S1"));
    assert_eq!(id.resource_group_name(), Some("Rg"));
    assert_eq!(id.name(), Some("Vm"));
    assert_eq!(id.resource_type(), "Microsoft.Compute/virtualMachines");
}

#[test]
fn builders_and_the_parser_agree() {
    let built = ResourceId::resource_group("S1", "Rg").provider(
        "Microsoft.Compute",
        "virtualMachines",
        "Vm",
    );
    assert_eq!(built, ResourceId::parse(VM).unwrap());
    assert_eq!(built.as_str(), VM);
    let secret = ResourceId::resource_group("S1", "Rg")
        .provider("Microsoft.KeyVault", "vaults", "kv")
        .child("secrets", "s")
        .unwrap();
    assert_eq!(
        secret.as_str(),
        "/subscriptions/S1/resourceGroups/Rg/providers/Microsoft.KeyVault/vaults/kv/secrets/s"
    );
    assert_eq!(secret.resource_type(), "Microsoft.KeyVault/vaults/secrets");
    assert!(ResourceId::subscription("S1").child("x", "y").is_none());
}

#[test]
fn parents_walk_up_to_the_root() {
    let assignment = ResourceId::parse(&format!(
        "{VM}/providers/Microsoft.Authorization/roleAssignments/g"
    ))
    .unwrap();
    assert_eq!(
        assignment.resource_type(),
        "Microsoft.Authorization/roleAssignments"
    );
    let mut chain = vec![assignment.to_string()];
    let mut current = assignment;
    while let Some(parent) = current.parent() {
        chain.push(parent.to_string());
        current = parent;
    }
    assert_eq!(
        chain,
        [
            &format!("{VM}/providers/Microsoft.Authorization/roleAssignments/g"),
            VM,
            "/subscriptions/S1/resourceGroups/Rg",
            "/subscriptions/S1",
            "/",
        ]
    );
    let secret = ResourceId::parse(&format!("{VM}/secrets/n")).unwrap();
    assert_eq!(secret.parent().unwrap().as_str(), VM);
}

#[test]
fn the_root_and_tenant_level_ids_are_ids() {
    let root = ResourceId::parse("/").unwrap();
    assert!(root.is_root());
    assert_eq!(root.as_str(), "/");
    assert_eq!(root.scope_key(), "");
    assert_eq!(root.resource_type(), "Microsoft.Resources/tenants");
    let group = ResourceId::parse("/providers/Microsoft.Management/managementGroups/m").unwrap();
    assert_eq!(group.parent(), Some(root.clone()));
    assert!(root.covers(&group));
}

#[test]
fn what_is_not_an_id_is_refused_with_a_reason() {
    for bad in [
        "",
        "subscriptions/1",
        "/subscriptions",
        "/subscriptions//resourceGroups/rg",
        "/resourceGroups/rg",
        "/subscriptions/1/resourceGroups/rg/resourceGroups/rg2",
        "/subscriptions/1/providers/Microsoft.Compute",
        "/subscriptions/1/providers/Microsoft.Compute/virtualMachines",
        "/subscriptions/1/locations/westeurope",
        "/subscriptions/1/resourceGroups/a b",
        "/subscriptions/1?x",
        "/subscriptions/1#x",
    ] {
        let error = ResourceId::parse(bad).unwrap_err();
        assert_eq!(error.text, bad);
        assert!(
            error.to_string().contains("is not a valid resource id"),
            "{bad}"
        );
    }
}

#[test]
fn decoded_segments_holding_a_slash_are_refused() {
    let segments = [
        "subscriptions",
        "s",
        "resourceGroups",
        "rg",
        "providers",
        "Microsoft.Compute",
        "virtualMachines",
        "vm-a/child",
    ];
    assert_eq!(
        ResourceId::from_segments(&segments).unwrap_err(),
        "a name contains a separator ('/' or '\\')"
    );
}

#[test]
fn request_path_segments_may_name_what_an_id_text_may_not() {
    let segments = ["subscriptions", "s", "resourcegroups", "bad name?"];
    assert!(ResourceId::from_segments(&segments).is_err());
    let id = ResourceId::from_path_segments(&segments).unwrap();
    assert_eq!(id.as_str(), "/subscriptions/s/resourceGroups/bad name?");
    assert_eq!(id.resource_group_name(), Some("bad name?"));
    for bad in [
        &["subscriptions", "s", "resourceGroups", "a/b"][..],
        &["subscriptions", "s", "resourceGroups", "a\\b"],
        &["subscriptions", "s", "resourceGroups", "."],
        &["subscriptions", "s", "resourceGroups", ".."],
        &[
            "subscriptions",
            "s",
            "resourceGroups",
            "rg",
            "providers",
            "..",
            "t",
            "n",
        ],
        &["subscriptions", ""],
        &["subscriptions", "s", "locations", "x"],
    ] {
        assert!(ResourceId::from_path_segments(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn a_name_holding_a_separator_stays_one_segment_and_under_no_sibling() {
    let group = ResourceId::resource_group("s", "rg");
    let vm_a = group.provider("Microsoft.Compute", "virtualMachines", "vm-a");
    for name in ["vm-a/child", "vm-a\\child"] {
        let forged = group.provider("Microsoft.Compute", "virtualMachines", name);
        assert!(!vm_a.covers(&forged), "{forged}");
        assert!(
            !forged
                .ancestor_keys()
                .contains(&vm_a.scope_key().to_owned())
        );
        assert_eq!(forged.name(), Some(name));
        assert_eq!(
            forged.as_str().matches('/').count(),
            vm_a.as_str().matches('/').count()
        );
    }
    assert_eq!(
        ResourceId::resource_group("s", "a/b").as_str(),
        "/subscriptions/s/resourceGroups/a%2Fb"
    );
    assert!(ResourceId::check_segment("vm-a").is_ok());
    for bad in ["", "a/b", "a\\b", ".", ".."] {
        assert!(ResourceId::check_segment(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn mirid_spells_resource_groups_in_lower_case() {
    let id = ResourceId::parse(VM).unwrap();
    assert_eq!(
        id.mirid(),
        "/subscriptions/S1/resourcegroups/Rg/providers/Microsoft.Compute/virtualMachines/Vm"
    );
}

#[test]
fn ancestors_run_from_root_to_the_scope() {
    let id = ResourceId::resource_group("1", "rg");
    assert_eq!(
        id.ancestor_keys(),
        [
            "",
            "/subscriptions",
            "/subscriptions/1",
            "/subscriptions/1/resourcegroups",
            "/subscriptions/1/resourcegroups/rg"
        ]
    );
    assert_eq!(ResourceId::root().ancestor_keys(), [""]);
}

// === properties ===

/// A name as ARM allows them in ids: no `/`, no white space; some casing variety.
fn name() -> impl Strategy<Value = String> {
    "[A-Za-z0-9][A-Za-z0-9._()-]{0,12}"
}

/// Any id of the grammar: root, subscription, group, resources with children, extensions.
fn resource_id() -> impl Strategy<Value = ResourceId> {
    let provider = (name(), prop::collection::vec((name(), name()), 1..3));
    (
        0usize..3,
        name(),
        name(),
        prop::collection::vec(provider, 0..3),
    )
        .prop_map(|(depth, subscription, group, providers)| {
            let mut id = match depth {
                0 => ResourceId::root(),
                1 => ResourceId::subscription(&subscription),
                _ => ResourceId::resource_group(&subscription, &group),
            };
            for (namespace, pairs) in providers {
                let (first_type, first_name) = &pairs[0];
                id = id.provider(&namespace, first_type, first_name);
                for (type_name, child) in &pairs[1..] {
                    id = id.child(type_name, child).unwrap();
                }
            }
            id
        })
}

/// The same text with every letter's case flipped at random.
fn recased(text: &str, flips: &[bool]) -> String {
    text.chars()
        .zip(flips.iter().cycle())
        .map(|(c, flip)| {
            if *flip {
                if c.is_ascii_lowercase() {
                    c.to_ascii_uppercase()
                } else {
                    c.to_ascii_lowercase()
                }
            } else {
                c
            }
        })
        .collect()
}

proptest! {
    #[test]
    fn parse_of_display_is_the_same_id(id in resource_id()) {
        let parsed = ResourceId::parse(&id.to_string()).unwrap();
        prop_assert_eq!(&parsed, &id);
        prop_assert_eq!(parsed.as_str(), id.as_str());
        prop_assert_eq!(parsed.resource_type(), id.resource_type());
        // A trailing slash changes nothing.
        let trailing = ResourceId::parse(&format!("{}/", id.as_str().trim_end_matches('/'))).unwrap();
        prop_assert_eq!(trailing.as_str(), id.as_str());
    }

    #[test]
    fn equality_ignores_case(id in resource_id(), flips in prop::collection::vec(any::<bool>(), 1..16)) {
        let other = ResourceId::parse(&recased(id.as_str(), &flips)).unwrap();
        prop_assert_eq!(&other, &id);
        prop_assert!(other.covers(&id) && id.covers(&other));
        let mut set = std::collections::HashSet::new();
        set.insert(id.clone());
        prop_assert!(set.contains(&other));
    }

    #[test]
    fn every_ancestor_covers_and_no_descendant_does(id in resource_id()) {
        let mut current = id.clone();
        while let Some(parent) = current.parent() {
            prop_assert!(parent.covers(&id));
            prop_assert!(!id.covers(&parent));
            prop_assert!(id.ancestor_keys().contains(&parent.scope_key().to_owned()));
            current = parent;
        }
        prop_assert!(current.is_root());
    }

    #[test]
    fn coverage_is_on_segment_boundaries(id in resource_id(), suffix in "[A-Za-z0-9]{1,4}") {
        // Extending the last name (`kv1` → `kv10`) makes a sibling, never a child.
        if let Some(name) = id.name() {
            let sibling_text = format!("{}{suffix}", id.as_str());
            let sibling = ResourceId::parse(&sibling_text).unwrap();
            prop_assert_eq!(sibling.name().unwrap(), format!("{name}{suffix}"));
            prop_assert!(!id.covers(&sibling));
            prop_assert!(!sibling.covers(&id));
        }
    }
}
