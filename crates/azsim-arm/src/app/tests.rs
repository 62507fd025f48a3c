//! Tests of the operations' pure helpers.

use serde_json::json;

use super::vm_identity::{
    IdentityReference, IdentityRequest, UserAssignedChange, WriteMode, identity_change,
};
use super::*;
use crate::names::{check_identity_name, check_resource_group_name};

#[test]
fn locations_are_normalised_like_arm() {
    assert_eq!(normalize_location(Some("East US")).unwrap(), "eastus");
    assert_eq!(
        normalize_location(Some("westeurope")).unwrap(),
        "westeurope"
    );
    assert!(matches!(
        normalize_location(None),
        Err(ArmError::LocationRequired)
    ));
    assert!(matches!(
        normalize_location(Some("  ")),
        Err(ArmError::LocationRequired)
    ));
}

#[test]
fn merge_patch_follows_rfc_7396() {
    let mut target = json!({"a": 1, "b": {"c": 2, "d": 3}, "e": [1]});
    let patch = json!({"a": null, "b": {"c": 4, "x": {"y": 5}}, "e": [2], "f": "new"});
    let (Value::Object(target_map), Value::Object(patch_map)) = (&mut target, &patch) else {
        unreachable!("literals are objects")
    };
    merge_patch(target_map, patch_map);
    assert_eq!(
        target,
        json!({"b": {"c": 4, "d": 3, "x": {"y": 5}}, "e": [2], "f": "new"})
    );
}

fn identity(kind: Option<&str>) -> IdentityRequest {
    IdentityRequest {
        kind: kind.map(str::to_owned),
        user_assigned_identities: None,
    }
}

const ID1: &str = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id1";
const ID2: &str = "/subscriptions/s/resourcegroups/rg/providers/microsoft.managedidentity/userassignedidentities/id2";

fn with_entries(kind: &str, entries: Value) -> IdentityRequest {
    let Value::Object(entries) = entries else {
        unreachable!("literals are objects")
    };
    IdentityRequest {
        kind: Some(kind.to_owned()),
        user_assigned_identities: Some(entries),
    }
}

fn given(references: &[IdentityReference]) -> Vec<&str> {
    references
        .iter()
        .map(|reference| reference.name.as_str())
        .collect()
}

fn names(change: &UserAssignedChange) -> (Vec<&str>, Vec<&str>) {
    match change {
        UserAssignedChange::Keep => (Vec::new(), Vec::new()),
        UserAssignedChange::Replace(references) => (given(references), Vec::new()),
        UserAssignedChange::Merge { add, remove } => (given(add), given(remove)),
    }
}

#[test]
fn a_put_without_identity_removes_every_identity_and_a_patch_keeps_them() {
    let put = identity_change(None, WriteMode::Replace).unwrap();
    assert_eq!(put.system, Some(false));
    assert_eq!(put.user_assigned, UserAssignedChange::Replace(Vec::new()));
    let patch = identity_change(None, WriteMode::Merge).unwrap();
    assert_eq!(patch.system, None);
    assert_eq!(patch.user_assigned, UserAssignedChange::Keep);
}

#[test]
fn identity_types_are_read_ignoring_case_and_spaces() {
    for (kind, system) in [
        ("SystemAssigned", true),
        ("systemassigned", true),
        ("None", false),
    ] {
        let change = identity_change(Some(&identity(Some(kind))), WriteMode::Merge).unwrap();
        assert_eq!(change.system, Some(system), "{kind}");
        assert_eq!(
            change.user_assigned,
            UserAssignedChange::Replace(Vec::new())
        );
    }
    let both = with_entries("systemAssigned,userAssigned", json!({ ID1: {} }));
    let change = identity_change(Some(&both), WriteMode::Replace).unwrap();
    assert_eq!(change.system, Some(true));
    assert_eq!(names(&change.user_assigned), (vec!["id1"], vec![]));
}

#[test]
fn a_patch_merges_user_assigned_entries_and_null_removes_one() {
    let request = with_entries("UserAssigned", json!({ ID1: {}, ID2: null }));
    let change = identity_change(Some(&request), WriteMode::Merge).unwrap();
    assert_eq!(change.system, Some(false));
    assert_eq!(names(&change.user_assigned), (vec!["id1"], vec!["id2"]));
    let UserAssignedChange::Merge { remove, .. } = &change.user_assigned else {
        unreachable!("a patch merges")
    };
    assert!(remove[0].names(
        "/subscriptions/S/resourceGroups/RG/providers/Microsoft.ManagedIdentity/userAssignedIdentities/ID2"
    ));
    assert!(!remove[0].names(ID1));
}

#[test]
fn bad_identity_requests_are_rejected_with_their_target() {
    let cases = [
        (identity(Some("Bogus")), "identity.type"),
        (identity(None), "identity.type"),
        (
            with_entries("SystemAssigned", json!({ ID1: {} })),
            "identity.userAssignedIdentities",
        ),
        (
            with_entries("UserAssigned", json!({})),
            "identity.userAssignedIdentities",
        ),
        (
            with_entries(
                "UserAssigned",
                json!({"/subscriptions/s/resourceGroups/rg": {}}),
            ),
            "identity.userAssignedIdentities",
        ),
        (
            with_entries("UserAssigned", json!({ ID1: "yes" })),
            "identity.userAssignedIdentities",
        ),
    ];
    for (request, expected) in cases {
        match identity_change(Some(&request), WriteMode::Replace) {
            Err(ArmError::InvalidParameter { target, .. }) => {
                assert_eq!(target, expected, "{request:?}")
            }
            other => panic!("{request:?}: {other:?}"),
        }
    }
    // Removing entries while turning user-assigned identities off is harmless.
    let request = with_entries("SystemAssigned", json!({ ID1: null }));
    assert!(identity_change(Some(&request), WriteMode::Merge).is_ok());
}

#[test]
fn identity_names_follow_the_providers_rules() {
    for name in ["abc", "shared-id", "Id_2", &"a".repeat(128)] {
        assert!(check_identity_name(name).is_ok(), "{name}");
    }
    for name in ["ab", "-lead", "has space", "dot.ted", &"a".repeat(129)] {
        assert!(
            matches!(
                check_identity_name(name),
                Err(ArmError::InvalidResourceName { .. })
            ),
            "{name}"
        );
    }
}

#[test]
fn resource_group_names_follow_arm_rules() {
    for name in ["rg", "My_Group-1.(x)", "groupé"] {
        assert!(check_resource_group_name(name).is_ok(), "{name}");
    }
    match check_resource_group_name("a b*c") {
        Err(ArmError::InvalidResourceGroupName {
            invalid_characters, ..
        }) => assert_eq!(invalid_characters, " *"),
        other => panic!("{other:?}"),
    }
    assert!(check_resource_group_name("ends.").is_err());
    assert!(check_resource_group_name(&"a".repeat(91)).is_err());
}
