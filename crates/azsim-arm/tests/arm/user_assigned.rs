//! User-assigned identities over real HTTP: the `Microsoft.ManagedIdentity` resource type and
//! the user-assigned entries of a VM's `identity` property, with a real token service, MSRP
//! and metadata agents behind the resource API.

use crate::support::*;
use reqwest::Method;
use serde_json::{Value, json};

/// The api-versions real identity clients send.
const MSI_API_VERSIONS: [&str; 4] = [
    "2018-11-30",
    "2023-01-31",
    "2024-11-30",
    "2025-05-31-preview",
];

/// The path of a user-assigned identity, with an api-version.
fn identity_path(arm: &TestArm, group: &str, name: &str, api_version: &str) -> String {
    let subscription = arm.subscription_id();
    format!(
        "/subscriptions/{subscription}/resourceGroups/{group}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{name}?api-version={api_version}"
    )
}

/// The ARM id of a user-assigned identity as a caller writes it.
fn identity_id(arm: &TestArm, group: &str, name: &str) -> String {
    let subscription = arm.subscription_id();
    format!(
        "/subscriptions/{subscription}/resourceGroups/{group}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{name}"
    )
}

/// The id the provider answers with (lower-case `resourcegroups`, as in `xms_mirid`).
fn canonical_identity_id(arm: &TestArm, group: &str, name: &str) -> String {
    let subscription = arm.subscription_id();
    format!(
        "/subscriptions/{subscription}/resourcegroups/{group}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{name}"
    )
}

async fn create_identity(arm: &TestArm, token: &str, group: &str, name: &str) -> Value {
    let (status, body) = arm
        .call(
            Method::PUT,
            &identity_path(arm, group, name, "2024-11-30"),
            token,
            Some(json!({"location": "eastus"})),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    body
}

async fn patch_vm_identity(arm: &TestArm, token: &str, identity: Value) -> (u16, Value) {
    arm.call(
        Method::PATCH,
        &arm.vm_path("rg", "vm"),
        token,
        Some(json!({ "identity": identity })),
    )
    .await
}

/// The ids of the user-assigned entries of a VM body, lower-cased.
fn user_assigned_keys(vm: &Value) -> Vec<String> {
    vm.pointer("/identity/userAssignedIdentities")
        .and_then(Value::as_object)
        .map(|entries| entries.keys().map(|key| key.to_ascii_lowercase()).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn user_assigned_identity_crud_answers_with_the_providers_shapes() {
    let arm = TestArm::start().await;
    let subscription = arm.subscription_id();
    let tenant = arm.tenant_id();
    let token = arm.admin_token().await;
    arm.create_group(&token, "Id-RG").await;

    let (status, created) = arm
        .call(
            Method::PUT,
            &identity_path(&arm, "Id-RG", "Shared-Id", "2023-01-31"),
            &token,
            Some(json!({"location": "East US", "tags": {"env": "test"}})),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let principal_id = created["properties"]["principalId"]
        .as_str()
        .unwrap()
        .to_owned();
    let client_id = created["properties"]["clientId"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(uuid::Uuid::try_parse(&principal_id).is_ok());
    assert!(uuid::Uuid::try_parse(&client_id).is_ok());
    assert_ne!(principal_id, client_id);
    assert_eq!(
        created,
        json!({
            "id": canonical_identity_id(&arm, "Id-RG", "Shared-Id"),
            "name": "Shared-Id",
            "type": "Microsoft.ManagedIdentity/userAssignedIdentities",
            "location": "eastus",
            "tags": {"env": "test"},
            "properties": {"tenantId": tenant, "principalId": principal_id, "clientId": client_id},
        })
    );

    // A replace keeps the principal and client id, and replaces the tags.
    let (status, replaced) = arm
        .call(
            Method::PUT,
            &identity_path(&arm, "id-rg", "SHARED-ID", "2024-11-30"),
            &token,
            Some(json!({"location": "eastus", "properties": {"isolationScope": "None"}})),
        )
        .await;
    assert_eq!(status, 200, "{replaced}");
    assert_eq!(replaced["name"], "Shared-Id");
    assert_eq!(replaced["properties"]["principalId"], principal_id.as_str());
    assert_eq!(replaced["properties"]["clientId"], client_id.as_str());
    assert_eq!(replaced["tags"], json!({}));

    // Every api-version real clients send reads the same identity.
    for api_version in MSI_API_VERSIONS {
        let (status, read) = arm
            .call(
                Method::GET,
                &identity_path(&arm, "ID-RG", "shared-id", api_version),
                &token,
                None,
            )
            .await;
        assert_eq!(status, 200, "{api_version}: {read}");
        assert_eq!(read["properties"]["principalId"], principal_id.as_str());
    }

    let (status, patched) = arm
        .call(
            Method::PATCH,
            &identity_path(&arm, "Id-RG", "Shared-Id", "2024-11-30"),
            &token,
            Some(json!({"tags": {"owner": "me"}})),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(patched["tags"], json!({"owner": "me"}));
    assert_eq!(patched["properties"]["clientId"], client_id.as_str());

    arm.create_group(&token, "other-rg").await;
    create_identity(&arm, &token, "other-rg", "elsewhere").await;
    let in_group = format!(
        "/subscriptions/{subscription}/resourceGroups/Id-RG/providers/Microsoft.ManagedIdentity/userAssignedIdentities?api-version=2024-11-30"
    );
    let (status, listed) = arm.call(Method::GET, &in_group, &token, None).await;
    assert_eq!(status, 200);
    assert_eq!(listed["value"].as_array().unwrap().len(), 1);
    assert_eq!(listed["value"][0]["tags"], json!({"owner": "me"}));
    let in_subscription = format!(
        "/subscriptions/{subscription}/providers/Microsoft.ManagedIdentity/userAssignedIdentities?api-version=2018-11-30"
    );
    let (status, listed) = arm.call(Method::GET, &in_subscription, &token, None).await;
    assert_eq!(status, 200);
    let names: Vec<&str> = listed["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|identity| identity["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Shared-Id", "elsewhere"]);

    let (status, _) = arm
        .call(
            Method::DELETE,
            &identity_path(&arm, "Id-RG", "Shared-Id", "2024-11-30"),
            &token,
            None,
        )
        .await;
    assert_eq!(status, 200);
    let (status, missing) = arm
        .call(
            Method::GET,
            &identity_path(&arm, "Id-RG", "Shared-Id", "2024-11-30"),
            &token,
            None,
        )
        .await;
    assert_eq!(status, 404);
    assert_eq!(
        missing,
        json!({"error": {"code": "ResourceNotFound", "message": "The Resource 'Microsoft.ManagedIdentity/userAssignedIdentities/Shared-Id' under resource group 'Id-RG' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix"}})
    );
    let (status, _) = arm
        .call(
            Method::DELETE,
            &identity_path(&arm, "Id-RG", "Shared-Id", "2024-11-30"),
            &token,
            None,
        )
        .await;
    assert_eq!(status, 204);

    // Recreating the name gives a new principal, as in the real cloud.
    let recreated = create_identity(&arm, &token, "Id-RG", "Shared-Id").await;
    assert_ne!(
        recreated["properties"]["principalId"],
        principal_id.as_str()
    );
    assert_ne!(recreated["properties"]["clientId"], client_id.as_str());
    arm.stop().await;
}

#[tokio::test]
async fn bad_identity_writes_are_rejected_with_arm_codes() {
    let arm = TestArm::start().await;
    let token = arm.admin_token().await;
    arm.create_group(&token, "rg").await;
    let (status, body) = arm
        .call(
            Method::PUT,
            &identity_path(&arm, "rg", "no", "2024-11-30"),
            &token,
            Some(json!({"location": "eastus"})),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("InvalidResourceName"))
    );
    let (status, body) = arm
        .call(
            Method::PUT,
            &identity_path(&arm, "rg", "id1", "2024-11-30"),
            &token,
            Some(json!({"tags": {}})),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("LocationRequired"))
    );
    create_identity(&arm, &token, "rg", "id1").await;
    let (status, body) = arm
        .call(
            Method::PUT,
            &identity_path(&arm, "rg", "id1", "2024-11-30"),
            &token,
            Some(json!({"location": "westus"})),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("InvalidResourceLocation"))
    );
    let (status, body) = arm
        .call(
            Method::PUT,
            &identity_path(&arm, "missing-rg", "id1", "2024-11-30"),
            &token,
            Some(json!({"location": "eastus"})),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("ResourceGroupNotFound"))
    );
    let (status, body) = arm
        .call(
            Method::POST,
            &identity_path(&arm, "rg", "id1", "2024-11-30"),
            &token,
            None,
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (405, Some("MethodNotAllowed"))
    );
    arm.stop().await;
}

#[tokio::test]
async fn vm_user_assigned_entries_are_echoed_merged_and_removed() {
    let arm = TestArm::start().await;
    let tenant = arm.tenant_id();
    let token = arm.admin_token().await;
    arm.create_group(&token, "rg").await;
    let id1 = create_identity(&arm, &token, "rg", "id1").await;
    let id2 = create_identity(&arm, &token, "rg", "id2").await;

    // Created with id1, named in another casing: the answer echoes the identity's id with its
    // principal and client ids, and no system principal.
    let key = identity_id(&arm, "rg", "id1").to_ascii_lowercase();
    let (status, vm) = arm
        .call(
            Method::PUT,
            &arm.vm_path("rg", "vm"),
            &token,
            Some(json!({
                "location": "eastus",
                "identity": {"type": "UserAssigned", "userAssignedIdentities": {key: {}}},
            })),
        )
        .await;
    assert_eq!(status, 201, "{vm}");
    assert_eq!(
        vm["identity"],
        json!({
            "type": "UserAssigned",
            "userAssignedIdentities": {
                canonical_identity_id(&arm, "rg", "id1"): {
                    "principalId": id1["properties"]["principalId"],
                    "clientId": id1["properties"]["clientId"],
                }
            }
        })
    );

    // Add id2 and the system identity: id1 stays (merge).
    let (status, vm) = patch_vm_identity(
        &arm,
        &token,
        json!({"type": "SystemAssigned, UserAssigned", "userAssignedIdentities": {identity_id(&arm, "rg", "id2"): {}}}),
    )
    .await;
    assert_eq!(status, 200, "{vm}");
    assert_eq!(vm["identity"]["type"], "SystemAssigned, UserAssigned");
    assert!(vm["identity"]["principalId"].is_string());
    assert_eq!(vm["identity"]["tenantId"], tenant);
    assert_eq!(
        user_assigned_keys(&vm),
        [
            canonical_identity_id(&arm, "rg", "id1").to_ascii_lowercase(),
            canonical_identity_id(&arm, "rg", "id2").to_ascii_lowercase()
        ]
    );
    let system_principal = vm["identity"]["principalId"].clone();

    // A null value removes one entry.
    let (status, vm) = patch_vm_identity(
        &arm,
        &token,
        json!({"type": "SystemAssigned, UserAssigned", "userAssignedIdentities": {identity_id(&arm, "RG", "ID1"): null}}),
    )
    .await;
    assert_eq!(status, 200, "{vm}");
    assert_eq!(
        user_assigned_keys(&vm),
        [canonical_identity_id(&arm, "rg", "id2").to_ascii_lowercase()]
    );
    assert_eq!(
        vm["identity"]["userAssignedIdentities"][canonical_identity_id(&arm, "rg", "id2")]["clientId"],
        id2["properties"]["clientId"]
    );
    assert_eq!(vm["identity"]["principalId"], system_principal);

    // Removing the last one while the type still says UserAssigned is refused.
    let (status, error) = patch_vm_identity(
        &arm,
        &token,
        json!({"type": "UserAssigned", "userAssignedIdentities": {identity_id(&arm, "rg", "id2"): null}}),
    )
    .await;
    assert_eq!(status, 400, "{error}");
    assert_eq!(error["error"]["target"], "identity.userAssignedIdentities");

    // A patch without identity keeps everything; a GET shows the same.
    let (status, vm) = arm
        .call(
            Method::PATCH,
            &arm.vm_path("rg", "vm"),
            &token,
            Some(json!({"tags": {"a": "b"}})),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(vm["identity"]["type"], "SystemAssigned, UserAssigned");
    let (_, read) = arm
        .call(Method::GET, &arm.vm_path("rg", "vm"), &token, None)
        .await;
    assert_eq!(read["identity"], vm["identity"]);

    // `SystemAssigned` alone removes every user-assigned identity ...
    let (_, vm) = patch_vm_identity(&arm, &token, json!({"type": "SystemAssigned"})).await;
    assert_eq!(vm["identity"]["type"], "SystemAssigned");
    assert!(
        vm["identity"].get("userAssignedIdentities").is_none(),
        "{vm}"
    );
    assert_eq!(vm["identity"]["principalId"], system_principal);

    // ... `UserAssigned` turns the system identity off ...
    let (_, vm) = patch_vm_identity(
        &arm,
        &token,
        json!({"type": "UserAssigned", "userAssignedIdentities": {identity_id(&arm, "rg", "id1"): {}}}),
    )
    .await;
    assert_eq!(vm["identity"]["type"], "UserAssigned");
    assert!(vm["identity"].get("principalId").is_none(), "{vm}");

    // ... and `None` removes all.
    let (_, vm) = patch_vm_identity(&arm, &token, json!({"type": "None"})).await;
    assert!(vm.get("identity").is_none(), "{vm}");

    // The identities themselves are untouched by all of this.
    let (status, _) = arm
        .call(
            Method::GET,
            &identity_path(&arm, "rg", "id1", "2024-11-30"),
            &token,
            None,
        )
        .await;
    assert_eq!(status, 200);
    arm.stop().await;
}

#[tokio::test]
async fn a_patch_naming_a_missing_identity_changes_nothing() {
    let arm = TestArm::start().await;
    let token = arm.admin_token().await;
    arm.create_group(&token, "rg").await;
    create_identity(&arm, &token, "rg", "id1").await;
    let (status, _) = arm
        .call(
            Method::PUT,
            &arm.vm_path("rg", "vm"),
            &token,
            Some(json!({
                "location": "eastus",
                "identity": {"type": "UserAssigned", "userAssignedIdentities": {identity_id(&arm, "rg", "id1"): {}}},
            })),
        )
        .await;
    assert_eq!(status, 201);

    let (status, error) = patch_vm_identity(
        &arm,
        &token,
        json!({"type": "SystemAssigned, UserAssigned", "userAssignedIdentities": {identity_id(&arm, "rg", "ghost"): {}}}),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(error["error"]["code"], "FailedIdentityOperation");
    let (_, vm) = arm
        .call(Method::GET, &arm.vm_path("rg", "vm"), &token, None)
        .await;
    assert_eq!(vm["identity"]["type"], "UserAssigned", "{vm}");
    assert_eq!(
        user_assigned_keys(&vm),
        [canonical_identity_id(&arm, "rg", "id1").to_ascii_lowercase()]
    );
    arm.stop().await;
}

#[tokio::test]
async fn deleting_an_identitys_resource_group_detaches_it_from_vms_elsewhere() {
    let arm = TestArm::start().await;
    let token = arm.admin_token().await;
    arm.create_group(&token, "rg").await;
    arm.create_group(&token, "rg-ids").await;
    let identity = create_identity(&arm, &token, "rg-ids", "id1").await;
    let client_id = identity["properties"]["clientId"].as_str().unwrap();
    let (status, vm) = arm
        .call(
            Method::PUT,
            &arm.vm_path("rg", "vm"),
            &token,
            Some(json!({
                "location": "eastus",
                "identity": {"type": "UserAssigned", "userAssignedIdentities": {identity_id(&arm, "rg-ids", "id1"): {}}},
            })),
        )
        .await;
    assert_eq!(status, 201);
    let agent = arm
        .cloud()
        .msrp()
        .fleet()
        .agent_address(vm["properties"]["vmId"].as_str().unwrap())
        .await
        .expect("agent running");
    let token_request = |client_id: String| {
        arm.http()
            .get(format!("http://{agent}/metadata/identity/oauth2/token"))
            .query(&[
                ("api-version", "2018-02-01"),
                ("resource", "https://management.azure.com/"),
                ("client_id", client_id.as_str()),
            ])
            .header("Metadata", "true")
            .send()
    };
    let (status, body) = read(token_request(client_id.to_owned()).await.unwrap()).await;
    assert_eq!(status, 200, "{body}");

    let (status, _) = arm
        .call(Method::DELETE, &arm.group_path("rg-ids"), &token, None)
        .await;
    assert_eq!(status, 200);

    let (_, vm) = arm
        .call(Method::GET, &arm.vm_path("rg", "vm"), &token, None)
        .await;
    assert!(vm.get("identity").is_none(), "{vm}");
    let (status, body) = read(token_request(client_id.to_owned()).await.unwrap()).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error_description"], "Identity not found");
    arm.stop().await;
}
