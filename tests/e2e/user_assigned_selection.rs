//! Which identity a token request gets on a VM with several: the metadata agent's selection
//! rules, end to end.

use azsim_testkit::{ApiResponse, FakeCloud, MANAGEMENT_RESOURCE};
use serde_json::{Value, json};

/// An identity's principal and client ids, from its PUT answer.
struct Created {
    principal_id: String,
    client_id: String,
    mirid: String,
}

async fn create_identity(cloud: &FakeCloud, name: &str) -> Created {
    let created = cloud.put_user_assigned_identity("rg-select", name).await;
    created.assert_status(201);
    Created {
        principal_id: created.str_at("/properties/principalId").to_owned(),
        client_id: created.str_at("/properties/clientId").to_owned(),
        mirid: created.str_at("/id").to_owned(),
    }
}

async fn claims_of(cloud: &FakeCloud, response: &ApiResponse) -> Value {
    response.assert_status(200);
    cloud
        .verify_token(response.str_at("/access_token"), MANAGEMENT_RESOURCE)
        .await
}

#[track_caller]
fn assert_refused(response: &ApiResponse, description: &str) {
    response.assert_status(400);
    assert_eq!(response.str_at("/error"), "invalid_request");
    assert_eq!(response.str_at("/error_description"), description);
}

#[tokio::test]
async fn a_token_request_selects_among_system_and_user_assigned_identities() {
    // Arrange: a VM with its system identity and two user-assigned ones.
    let cloud = FakeCloud::start().await;
    cloud
        .create_resource_group("rg-select")
        .await
        .assert_status(201);
    let one = create_identity(&cloud, "id-one").await;
    let two = create_identity(&cloud, "id-two").await;
    let ids = [
        cloud.user_assigned_identity_id("rg-select", "id-one"),
        cloud.user_assigned_identity_id("rg-select", "id-two"),
    ];
    let vm = cloud
        .put_virtual_machine_with_identities(
            "rg-select",
            "vm-mixed",
            "SystemAssigned, UserAssigned",
            &ids,
        )
        .await;
    vm.assert_status(201);
    assert_eq!(vm.str_at("/identity/type"), "SystemAssigned, UserAssigned");
    let system_principal = vm.str_at("/identity/principalId").to_owned();
    let entries = vm.body["identity"]["userAssignedIdentities"]
        .as_object()
        .expect("user-assigned entries");
    assert_eq!(
        entries[&one.mirid]["principalId"],
        one.principal_id.as_str()
    );
    assert_eq!(entries[&two.mirid]["clientId"], two.client_id.as_str());
    let vm_resource_id = cloud.virtual_machine_id("rg-select", "vm-mixed");
    let agent = cloud.agent_address(vm.str_at("/properties/vmId")).await;

    // Default: the system identity, whose token names no other compute resource.
    let claims = claims_of(
        &cloud,
        &cloud.get_imds_token(agent, MANAGEMENT_RESOURCE, &[]).await,
    )
    .await;
    assert_eq!(claims["oid"], system_principal.as_str());
    assert!(claims.get("xms_az_rid").is_none(), "{claims}");
    assert!(
        claims["xms_mirid"]
            .as_str()
            .unwrap()
            .ends_with("/providers/Microsoft.Compute/virtualMachines/vm-mixed")
    );

    // By client_id, object_id and (URL-encoded) msi_res_id.
    let selections: [(&str, &str, &Created); 3] = [
        ("client_id", &one.client_id, &one),
        ("object_id", &two.principal_id, &two),
        ("msi_res_id", &ids[1], &two),
    ];
    for (parameter, value, expected) in selections {
        let response = cloud
            .get_imds_token(agent, MANAGEMENT_RESOURCE, &[(parameter, value)])
            .await;
        assert_eq!(
            response.str_at("/client_id"),
            expected.client_id,
            "{parameter}"
        );
        let claims = claims_of(&cloud, &response).await;
        assert_eq!(claims["oid"], expected.principal_id.as_str(), "{parameter}");
        assert_eq!(claims["appid"], expected.client_id.as_str(), "{parameter}");
        assert_eq!(claims["xms_mirid"], expected.mirid.as_str(), "{parameter}");
        assert_eq!(claims["xms_az_rid"], vm_resource_id.as_str(), "{parameter}");
    }

    // Two selectors at once, and an identity that is not on this VM.
    let both = cloud
        .get_imds_token(
            agent,
            MANAGEMENT_RESOURCE,
            &[
                ("client_id", one.client_id.as_str()),
                ("object_id", one.principal_id.as_str()),
            ],
        )
        .await;
    both.assert_status(400);
    assert_eq!(both.str_at("/error"), "invalid_request");
    let unknown = cloud
        .get_imds_token(
            agent,
            MANAGEMENT_RESOURCE,
            &[("client_id", "7d2a3f54-0b1c-4d5e-8f90-a1b2c3d4e5f6")],
        )
        .await;
    assert_refused(&unknown, "Identity not found");
    let not_attached = cloud.user_assigned_identity_id("rg-select", "id-three");
    let elsewhere = cloud
        .get_imds_token(
            agent,
            MANAGEMENT_RESOURCE,
            &[("msi_res_id", not_attached.as_str())],
        )
        .await;
    assert_refused(&elsewhere, "Identity not found");

    // Detaching id-two (a PATCH with a null entry) reaches the agent at once.
    cloud
        .patch_virtual_machine_identities(
            "rg-select",
            "vm-mixed",
            &json!({"type": "SystemAssigned, UserAssigned", "userAssignedIdentities": {ids[1].clone(): null}}),
        )
        .await
        .assert_status(200);
    let detached = cloud
        .get_imds_token(
            agent,
            MANAGEMENT_RESOURCE,
            &[("client_id", two.client_id.as_str())],
        )
        .await;
    assert_refused(&detached, "Identity not found");
    cloud.stop().await;
}

#[tokio::test]
async fn without_a_system_identity_one_user_assigned_identity_is_the_default_and_two_need_a_selector()
 {
    let cloud = FakeCloud::start().await;
    cloud
        .create_resource_group("rg-select")
        .await
        .assert_status(201);
    let one = create_identity(&cloud, "id-one").await;
    let two = create_identity(&cloud, "id-two").await;
    let ids = [
        cloud.user_assigned_identity_id("rg-select", "id-one"),
        cloud.user_assigned_identity_id("rg-select", "id-two"),
    ];
    let vm = cloud
        .put_virtual_machine_with_identities("rg-select", "vm-users", "UserAssigned", &ids)
        .await;
    vm.assert_status(201);
    assert!(
        vm.body["identity"].get("principalId").is_none(),
        "{}",
        vm.text
    );
    let agent = cloud.agent_address(vm.str_at("/properties/vmId")).await;

    let several = cloud.get_imds_token(agent, MANAGEMENT_RESOURCE, &[]).await;
    assert_refused(
        &several,
        "Multiple user assigned identities exist, please specify the clientId / resourceId of \
         the identity in the token request",
    );
    let chosen = cloud
        .get_imds_token(
            agent,
            MANAGEMENT_RESOURCE,
            &[("client_id", two.client_id.as_str())],
        )
        .await;
    assert_eq!(
        claims_of(&cloud, &chosen).await["oid"],
        two.principal_id.as_str()
    );

    // With only id-one left it becomes the default.
    cloud
        .patch_virtual_machine_identities(
            "rg-select",
            "vm-users",
            &json!({"type": "UserAssigned", "userAssignedIdentities": {ids[1].clone(): null}}),
        )
        .await
        .assert_status(200);
    let default = cloud.get_imds_token(agent, MANAGEMENT_RESOURCE, &[]).await;
    assert_eq!(
        claims_of(&cloud, &default).await["oid"],
        one.principal_id.as_str()
    );
    cloud.stop().await;
}
