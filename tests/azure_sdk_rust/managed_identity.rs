//! `ManagedIdentityCredential` through `IDENTITY_ENDPOINT` + `IDENTITY_HEADER`: the
//! system-assigned identity, a user-assigned one named by client id, and an unknown client id.

use azsim_testkit::FakeCloud;
use serde_json::Value;

use crate::app_service_env::app_service_env;
use crate::sdk_process::run_sdk;

/// The scope a user passes for the resource API.
const MANAGEMENT_SCOPE: &str = "https://management.azure.com/.default";
/// The audience the SDK asks for with that scope: it strips `/.default`, leaving no slash.
const MANAGEMENT_AUDIENCE: &str = "https://management.azure.com";

/// A token's claims, after its signature, `aud`, `exp` and `nbf` were checked against the
/// cloud's published keys and clock.
async fn verified_claims(cloud: &FakeCloud, access_token: &str) -> Value {
    cloud.verify_token(access_token, MANAGEMENT_AUDIENCE).await
}

#[tokio::test]
async fn sdk_gets_a_system_assigned_token_through_the_app_service_variables() {
    // Arrange: a VM with a system-assigned identity, and its variables.
    let cloud = FakeCloud::start().await;
    cloud
        .create_resource_group("rg-sdk")
        .await
        .assert_status(201);
    let vm = cloud
        .put_virtual_machine("rg-sdk", "vm-sdk", "SystemAssigned")
        .await;
    vm.assert_status(201);
    let principal_id = vm.str_at("/identity/principalId").to_owned();
    let env = app_service_env(&cloud, vm.str_at("/properties/vmId")).await;

    // Act.
    let token = run_sdk(&env, MANAGEMENT_SCOPE, None).await.expect_token();

    // Assert: the VM's identity, in this tenant, for the resource API.
    let claims = verified_claims(&cloud, &token.access_token).await;
    assert_eq!(claims["aud"], MANAGEMENT_AUDIENCE);
    assert_eq!(claims["oid"], principal_id.as_str());
    assert_eq!(claims["tid"], cloud.cloud().endpoints().tenant_id.as_str());
    let mirid = claims["xms_mirid"].as_str().expect("xms_mirid is a string");
    let vm_resource_id = cloud.virtual_machine_id("rg-sdk", "vm-sdk");
    assert!(
        mirid.eq_ignore_ascii_case(&vm_resource_id),
        "xms_mirid {mirid} is not {vm_resource_id}"
    );
    // The SDK read `expires_on` (a string of unix seconds) as the token's own `exp`.
    assert_eq!(Some(token.expires_on), claims["exp"].as_i64());
    cloud.stop().await;
}

#[tokio::test]
async fn sdk_gets_the_user_assigned_identity_named_by_client_id() {
    // Arrange: a VM with both kinds, so naming the user-assigned one is what selects it.
    let cloud = FakeCloud::start().await;
    cloud
        .create_resource_group("rg-sdk")
        .await
        .assert_status(201);
    let uami = cloud.put_user_assigned_identity("rg-sdk", "id-sdk").await;
    uami.assert_status(201);
    let client_id = uami.str_at("/properties/clientId").to_owned();
    let principal_id = uami.str_at("/properties/principalId").to_owned();
    let uami_id = cloud.user_assigned_identity_id("rg-sdk", "id-sdk");
    let vm = cloud
        .put_virtual_machine_with_identities(
            "rg-sdk",
            "vm-sdk",
            "SystemAssigned, UserAssigned",
            std::slice::from_ref(&uami_id),
        )
        .await;
    vm.assert_status(201);
    let env = app_service_env(&cloud, vm.str_at("/properties/vmId")).await;

    // Act.
    let token = run_sdk(&env, MANAGEMENT_SCOPE, Some(&client_id))
        .await
        .expect_token();

    // Assert: the user-assigned identity, not the VM's own.
    let claims = verified_claims(&cloud, &token.access_token).await;
    assert_eq!(claims["oid"], principal_id.as_str());
    assert_eq!(claims["appid"], client_id.as_str());
    assert_ne!(claims["oid"], vm.str_at("/identity/principalId"));
    let mirid = claims["xms_mirid"].as_str().expect("xms_mirid is a string");
    assert!(
        mirid.eq_ignore_ascii_case(&uami_id),
        "xms_mirid {mirid} is not {uami_id}"
    );
    assert_eq!(Some(token.expires_on), claims["exp"].as_i64());
    cloud.stop().await;
}

#[tokio::test]
async fn sdk_reports_an_unknown_client_id_as_an_unassigned_identity() {
    // Arrange: a VM whose only identity is its own.
    let cloud = FakeCloud::start().await;
    cloud
        .create_resource_group("rg-sdk")
        .await
        .assert_status(201);
    let vm = cloud
        .put_virtual_machine("rg-sdk", "vm-sdk", "SystemAssigned")
        .await;
    vm.assert_status(201);
    let env = app_service_env(&cloud, vm.str_at("/properties/vmId")).await;
    let unknown_client_id = uuid::Uuid::new_v4().to_string();

    // Act.
    let error = run_sdk(&env, MANAGEMENT_SCOPE, Some(&unknown_client_id))
        .await
        .expect_error();

    // Assert: the agent answered 400, which the SDK reads as "not assigned to this resource".
    assert_eq!(error.kind, "Credential", "{error:#?}");
    assert_eq!(error.status, Some(400), "{error:#?}");
    assert!(
        error.message.starts_with(
            "ManagedIdentityCredential authentication failed. \
             The requested identity has not been assigned to this resource"
        ),
        "{error:#?}"
    );
    // The cause is the agent's answer itself, not a failure to read it.
    assert_eq!(
        error.causes.first().map(String::as_str),
        Some("The requested identity has not been assigned to this resource"),
        "{error:#?}"
    );
    cloud.stop().await;
}
