//! Tests of the operations' pure helpers.

use serde_json::json;

use super::resource_group::check_resource_group_name;
use super::virtual_machine::{IdentityRequest, system_identity_wanted};
use super::*;

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

#[test]
fn identity_types_map_to_system_identity_wishes() {
    assert_eq!(system_identity_wanted(None).unwrap(), None);
    assert_eq!(
        system_identity_wanted(Some(&identity(Some("SystemAssigned")))).unwrap(),
        Some(true)
    );
    assert_eq!(
        system_identity_wanted(Some(&identity(Some("systemassigned")))).unwrap(),
        Some(true)
    );
    assert_eq!(
        system_identity_wanted(Some(&identity(Some("None")))).unwrap(),
        Some(false)
    );
}

#[test]
fn user_assigned_and_unknown_identity_types_are_rejected() {
    for kind in [
        Some("UserAssigned"),
        Some("SystemAssigned, UserAssigned"),
        Some("Bogus"),
        None,
    ] {
        match system_identity_wanted(Some(&identity(kind))) {
            Err(ArmError::InvalidParameter { target, .. }) => assert_eq!(target, "identity.type"),
            other => panic!("{kind:?}: {other:?}"),
        }
    }
    let with_user_identities = IdentityRequest {
        kind: Some("SystemAssigned".into()),
        user_assigned_identities: Some(serde_json::Map::from_iter([(
            "/subscriptions/x".to_owned(),
            json!({}),
        )])),
    };
    assert!(system_identity_wanted(Some(&with_user_identities)).is_err());
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
