//! Resource names over real HTTP: every kind's name rule answered with the provider's error
//! before anything is written, and percent-encoded separators in a path segment refused, so a
//! name can never reach below another resource's scope.

use crate::support::*;
use azsim_rbac::roles::{CONTRIBUTOR, READER};
use reqwest::Method;
use serde_json::{Value, json};

/// The body of a VM with a system-assigned identity: a write that would create a VM, an
/// identity and its service principal.
fn vm_body() -> Value {
    json!({"location": "eastus", "identity": {"type": "SystemAssigned"}})
}

/// The path of the VMs of a group, with the compute api-version.
fn vms_path(arm: &TestArm, group: &str) -> String {
    format!(
        "{}/providers/Microsoft.Compute/virtualMachines?api-version=2026-04-01",
        arm.group_scope(group)
    )
}

/// The names of the VMs the administrator lists in `group`, sorted.
async fn vm_names(arm: &TestArm, admin: &str, group: &str) -> Vec<String> {
    let (status, body) = arm
        .call(Method::GET, &vms_path(arm, group), admin, None)
        .await;
    assert_eq!(status, 200, "{body}");
    let mut names: Vec<String> = body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|vm| vm["name"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    names
}

/// The number of flow events recorded: MSRP records one for each identity, principal and
/// certificate it makes, the agents one for each start.
async fn event_count(arm: &TestArm) -> usize {
    arm.flow_events().await.len()
}

/// The administrator creates VM `vm-a` in group `rg`.
async fn create_vm_a(arm: &TestArm, admin: &str) {
    let (status, body) = arm
        .call(
            Method::PUT,
            &arm.vm_path("rg", "vm-a"),
            admin,
            Some(vm_body()),
        )
        .await;
    assert_eq!(status, 201, "{body}");
}

fn assert_invalid_vm_name(status: u16, body: &Value) {
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["code"], "InvalidParameter", "{body}");
    assert_eq!(body["error"]["target"], "vmName", "{body}");
}

#[tokio::test]
async fn a_contributor_on_one_vm_cannot_create_another_through_an_encoded_separator() {
    let arm = TestArm::start().await;
    let admin = arm.admin_token().await;
    arm.create_group(&admin, "rg").await;
    create_vm_a(&arm, &admin).await;
    let attacker = arm.new_client().await;
    let vm_a = arm.virtual_machine_id("rg", "vm-a");
    arm.grant(&attacker.object_id, CONTRIBUTOR, &vm_a).await;
    let token = arm.token(&attacker, MANAGEMENT_SCOPE).await;
    let events_before = event_count(&arm).await;

    for name in [
        "vm-a%2Fchild",
        "vm-a%2fchild",
        "vm-a%5Cchild",
        "vm-a%5cchild",
    ] {
        let (status, body) = arm
            .call(
                Method::PUT,
                &arm.vm_path("rg", name),
                &token,
                Some(vm_body()),
            )
            .await;
        assert_invalid_vm_name(status, &body);
    }
    // Encoded twice, the name is the literal `vm-a%2Fchild`: a VM the attacker has no role on.
    let (status, body) = arm
        .call(
            Method::PUT,
            &arm.vm_path("rg", "vm-a%252Fchild"),
            &token,
            Some(vm_body()),
        )
        .await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["error"]["code"], "AuthorizationFailed", "{body}");

    assert_eq!(vm_names(&arm, &admin, "rg").await, ["vm-a"]);
    assert_eq!(
        event_count(&arm).await,
        events_before,
        "no identity, principal or agent was made"
    );
    // The attacker's own VM is still theirs to write.
    let (status, body) = arm
        .call(
            Method::PUT,
            &arm.vm_path("rg", "vm-a"),
            &token,
            Some(vm_body()),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    arm.stop().await;
}

#[tokio::test]
async fn an_encoded_separator_is_refused_for_every_kind_and_at_any_scope() {
    let arm = TestArm::start().await;
    let admin = arm.admin_token().await;
    arm.create_group(&admin, "rg").await;
    let events_before = event_count(&arm).await;
    // A group, an identity, a vault, a role assignment and the scope of one.
    let subscription = arm.subscription_scope();
    let cases = [
        (
            format!("{subscription}/resourcegroups/rg%2Fx?api-version={API_VERSION}"),
            json!({"location": "eastus"}),
            "InvalidResourceGroup",
        ),
        (
            format!(
                "{}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id%2F1?api-version=2023-01-31",
                arm.group_scope("rg")
            ),
            json!({"location": "eastus"}),
            "InvalidResourceName",
        ),
        (
            format!(
                "{}/providers/Microsoft.KeyVault/vaults/kv%5Cone?api-version=2023-07-01",
                arm.group_scope("rg")
            ),
            json!({"location": "eastus"}),
            "VaultNameNotValid",
        ),
        (
            format!(
                "{}/providers/Microsoft.Authorization/roleAssignments/{}%2F1?api-version={AUTHORIZATION_API_VERSION}",
                arm.group_scope("rg"),
                "6f2a3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
            ),
            json!({}),
            "InvalidRoleAssignmentId",
        ),
    ];
    for (path, body, code) in cases {
        let (status, answer) = arm.call(Method::PUT, &path, &admin, Some(body)).await;
        assert_eq!(status, 400, "{path}: {answer}");
        assert_eq!(answer["error"]["code"], code, "{path}: {answer}");
    }
    // A scope whose name holds an encoded separator is no scope at all.
    let scope = format!("{}%2Fx", arm.group_scope("rg"));
    let (status, answer) = arm
        .call(
            Method::PUT,
            &role_assignment_path(&scope, "6f2a3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"),
            &admin,
            Some(json!({})),
        )
        .await;
    assert_eq!(status, 400, "{answer}");
    assert_eq!(answer["error"]["code"], "InvalidResourceGroup", "{answer}");

    assert_eq!(event_count(&arm).await, events_before);
    let (status, groups) = arm
        .call(
            Method::GET,
            &format!("{subscription}/resourcegroups?api-version={API_VERSION}"),
            &admin,
            None,
        )
        .await;
    assert_eq!(status, 200, "{groups}");
    assert_eq!(groups["value"].as_array().unwrap().len(), 1, "{groups}");
    arm.stop().await;
}

#[tokio::test]
async fn a_1001_character_vm_name_is_refused_and_nothing_is_written() {
    let arm = TestArm::start().await;
    let admin = arm.admin_token().await;
    arm.create_group(&admin, "rg").await;
    let events_before = event_count(&arm).await;
    let name = "a".repeat(1001);
    let (status, body) = arm
        .call(
            Method::PUT,
            &arm.vm_path("rg", &name),
            &admin,
            Some(vm_body()),
        )
        .await;
    assert_invalid_vm_name(status, &body);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("cannot exceed 64 characters"),
        "{body}"
    );
    assert!(vm_names(&arm, &admin, "rg").await.is_empty());
    assert_eq!(event_count(&arm).await, events_before);
    arm.stop().await;
}

#[tokio::test]
async fn vm_names_follow_computes_rule() {
    let arm = TestArm::start().await;
    let admin = arm.admin_token().await;
    arm.create_group(&admin, "rg").await;
    let longest = "v".repeat(64);
    for name in ["vm1", "VM-1", "a", "vm.1", longest.as_str()] {
        let (status, body) = arm
            .call(
                Method::PUT,
                &arm.vm_path("rg", name),
                &admin,
                Some(vm_body()),
            )
            .await;
        assert_eq!(status, 201, "{name}: {body}");
    }
    let too_long = "v".repeat(65);
    for name in [
        too_long.as_str(),
        "_vm",
        "vm.",
        "vm-",
        "vm_1",
        "vm%201",
        "vm%21",
        "vm%09",
        "vm%3F",
    ] {
        let (status, body) = arm
            .call(
                Method::PUT,
                &arm.vm_path("rg", name),
                &admin,
                Some(vm_body()),
            )
            .await;
        assert_invalid_vm_name(status, &body);
    }
    assert_eq!(vm_names(&arm, &admin, "rg").await.len(), 5);
    arm.stop().await;
}

#[tokio::test]
async fn each_kind_answers_its_own_invalid_name_error() {
    let arm = TestArm::start().await;
    let admin = arm.admin_token().await;
    arm.create_group(&admin, "rg").await;
    let long_group = "g".repeat(91);
    for (name, code) in [
        ("bad name", "InvalidResourceGroup"),
        ("rg!", "InvalidResourceGroup"),
        (long_group.as_str(), "InvalidParameter"),
        ("ends-in-dot.", "InvalidParameter"),
    ] {
        let (status, body) = arm
            .call(
                Method::PUT,
                &arm.group_path(name),
                &admin,
                Some(json!({"location": "eastus"})),
            )
            .await;
        assert_eq!(status, 400, "{name}: {body}");
        assert_eq!(body["error"]["code"], code, "{name}: {body}");
    }
    for name in ["ab", "-id", "id.1"] {
        let response = arm.put_user_assigned_identity("rg", name).await;
        assert_eq!(response.status, 400, "{name}: {}", response.text);
        assert_eq!(response.error_code(), "InvalidResourceName");
    }
    for name in ["1vault", "kv", "kv--one", "kv-"] {
        let response = arm.put_key_vault("rg", name).await;
        assert_eq!(response.status, 400, "{name}: {}", response.text);
        assert_eq!(response.error_code(), "VaultNameNotValid");
    }
    let principal = arm.new_client().await;
    let (status, body) = arm
        .call(
            Method::PUT,
            &role_assignment_path(&arm.group_scope("rg"), "not-a-guid"),
            &admin,
            Some(json!({"properties": {
                "roleDefinitionId": format!(
                    "{}/providers/Microsoft.Authorization/roleDefinitions/{READER}",
                    arm.subscription_scope()
                ),
                "principalId": principal.object_id,
            }})),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        body["error"],
        json!({
            "code": "InvalidRoleAssignmentId",
            "message": "The role assignment ID 'not-a-guid' is not valid. The role assignment ID must be a GUID.",
        })
    );
    arm.stop().await;
}

#[tokio::test]
async fn a_role_assignment_body_cannot_name_another_scope_than_its_uri() {
    let arm = TestArm::start().await;
    let admin = arm.admin_token().await;
    arm.create_group(&admin, "rg").await;
    create_vm_a(&arm, &admin).await;
    let vm_a = arm.virtual_machine_id("rg", "vm-a");
    let principal = arm.new_client().await;
    let body_at = |scope: &str| {
        json!({"properties": {
            "roleDefinitionId": format!(
                "{}/providers/Microsoft.Authorization/roleDefinitions/{READER}",
                arm.subscription_scope()
            ),
            "principalId": principal.object_id,
            "scope": scope,
        }})
    };
    let name = "6f2a3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d";
    for scope in [
        arm.group_scope("rg"),
        format!("{vm_a}/.."),
        format!("{vm_a}%2F.."),
        arm.virtual_machine_id("rg", "vm-b"),
    ] {
        let (status, answer) = arm
            .call(
                Method::PUT,
                &role_assignment_path(&vm_a, name),
                &admin,
                Some(body_at(&scope)),
            )
            .await;
        assert_eq!(status, 400, "{scope}: {answer}");
        assert_eq!(
            answer["error"]["code"], "InvalidCreateRoleAssignmentRequest",
            "{scope}: {answer}"
        );
    }
    // The URI's own scope, in any casing, is the assignment's.
    let (status, answer) = arm
        .call(
            Method::PUT,
            &role_assignment_path(&vm_a, name),
            &admin,
            Some(body_at(&vm_a.to_uppercase())),
        )
        .await;
    assert_eq!(status, 201, "{answer}");
    assert_eq!(answer["properties"]["scope"], vm_a, "{answer}");
    arm.stop().await;
}
