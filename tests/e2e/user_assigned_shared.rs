//! A user-assigned identity shared by several VMs: its own life cycle, independent of theirs.

use azsim_store::directory::{PrincipalType, find_service_principal};
use azsim_testkit::{FakeCloud, MANAGEMENT_RESOURCE};
use serde_json::Value;

/// The identity id as tokens (and the provider) write it: lower-case `resourcegroups`.
fn mirid(cloud: &FakeCloud, resource_group: &str, name: &str) -> String {
    format!(
        "/subscriptions/{}/resourcegroups/{resource_group}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{name}",
        cloud.subscription_id()
    )
}

/// Creates a VM carrying only `identity_id` and returns its `vmId`.
async fn vm_with(cloud: &FakeCloud, name: &str, identity_id: &str) -> String {
    let vm = cloud
        .put_virtual_machine_with_identities(
            "rg-shared",
            name,
            "UserAssigned",
            &[identity_id.to_owned()],
        )
        .await;
    vm.assert_status(201);
    assert_eq!(vm.str_at("/identity/type"), "UserAssigned");
    vm.str_at("/properties/vmId").to_owned()
}

/// A management token from the VM's agent (bypassing its cache) and its verified claims.
async fn token_claims(cloud: &FakeCloud, vm_id: &str, client_id: &str) -> Value {
    let agent = cloud.agent_address(vm_id).await;
    let response = cloud
        .get_imds_token(agent, MANAGEMENT_RESOURCE, &[("bypass_cache", "true")])
        .await;
    response.assert_status(200);
    assert_eq!(response.str_at("/client_id"), client_id);
    cloud
        .verify_token(response.str_at("/access_token"), MANAGEMENT_RESOURCE)
        .await
}

#[tokio::test]
async fn a_shared_identity_outlives_its_vms_and_dies_alone() {
    // Arrange: the identity `shared-id`, on its own, before any VM.
    let cloud = FakeCloud::start().await;
    cloud
        .create_resource_group("rg-shared")
        .await
        .assert_status(201);
    let created = cloud
        .put_user_assigned_identity("rg-shared", "shared-id")
        .await;
    created.assert_status(201);
    let principal_id = created.str_at("/properties/principalId").to_owned();
    let client_id = created.str_at("/properties/clientId").to_owned();
    let identity_mirid = mirid(&cloud, "rg-shared", "shared-id");
    assert_eq!(created.str_at("/id"), identity_mirid);
    assert_eq!(
        created.str_at("/properties/tenantId"),
        cloud.cloud().endpoints().tenant_id
    );

    // Its principal exists at once, so roles can be granted before any VM uses it.
    {
        let mut conn = cloud.cloud().store().read().await.unwrap();
        let principal = find_service_principal(&mut conn, &principal_id)
            .await
            .unwrap()
            .expect("the principal exists before any VM uses the identity");
        assert_eq!(principal.principal_type, PrincipalType::ManagedIdentity);
        assert_eq!(principal.app_id, client_id);
        assert_eq!(
            principal.managed_identity_resource_id.as_deref(),
            Some(identity_mirid.as_str())
        );
    }

    // Act: two VMs carry it.
    let identity_id = cloud.user_assigned_identity_id("rg-shared", "shared-id");
    let vm_a = vm_with(&cloud, "vm-a", &identity_id).await;
    let vm_b = vm_with(&cloud, "vm-b", &identity_id).await;

    // Assert: both agents get tokens of the one principal, each naming its own VM.
    for (vm_id, vm_name) in [(&vm_a, "vm-a"), (&vm_b, "vm-b")] {
        let claims = token_claims(&cloud, vm_id, &client_id).await;
        assert_eq!(claims["oid"], principal_id.as_str());
        assert_eq!(claims["appid"], client_id.as_str());
        assert_eq!(claims["appidacr"], "2");
        assert_eq!(claims["xms_mirid"], identity_mirid.as_str());
        assert_eq!(
            claims["xms_az_rid"],
            cloud.virtual_machine_id("rg-shared", vm_name).as_str()
        );
    }
    let agent_a = cloud.agent_address(&vm_a).await;

    // Deleting vm-a leaves the identity and vm-b's tokens alone.
    cloud
        .delete_virtual_machine("rg-shared", "vm-a")
        .await
        .assert_status(200);
    let still_there = cloud
        .get_user_assigned_identity("rg-shared", "shared-id")
        .await;
    still_there.assert_status(200);
    assert_eq!(still_there.str_at("/properties/principalId"), principal_id);
    assert!(
        cloud
            .http()
            .get(format!("http://{agent_a}/metadata/identity/oauth2/token"))
            .send()
            .await
            .is_err(),
        "the deleted VM's agent still answers"
    );
    let claims = token_claims(&cloud, &vm_b, &client_id).await;
    assert_eq!(claims["oid"], principal_id.as_str());

    // A new VM (named with the id in another casing) gets the same principal.
    let vm_c = vm_with(&cloud, "vm-c", &identity_id.to_ascii_lowercase()).await;
    let claims = token_claims(&cloud, &vm_c, &client_id).await;
    assert_eq!(claims["oid"], principal_id.as_str());
    assert_eq!(
        claims["xms_az_rid"],
        cloud.virtual_machine_id("rg-shared", "vm-c").as_str()
    );

    // Deleting the identity detaches it everywhere: the agents stop offering it ...
    cloud
        .delete_user_assigned_identity("rg-shared", "shared-id")
        .await
        .assert_status(200);
    for vm_id in [&vm_b, &vm_c] {
        let agent = cloud.agent_address(vm_id).await;
        for selector in [vec![("client_id", client_id.as_str())], vec![]] {
            let refused = cloud
                .get_imds_token(agent, MANAGEMENT_RESOURCE, &selector)
                .await;
            refused.assert_status(400);
            assert_eq!(refused.str_at("/error"), "invalid_request");
            assert_eq!(refused.str_at("/error_description"), "Identity not found");
        }
    }
    // ... the VMs no longer list it, and its principal is gone.
    let admin = cloud.admin_token().await;
    let vm = cloud.get_virtual_machine("rg-shared", "vm-b", &admin).await;
    vm.assert_status(200);
    assert!(vm.body.get("identity").is_none(), "{}", vm.text);
    {
        let mut conn = cloud.cloud().store().read().await.unwrap();
        assert!(
            find_service_principal(&mut conn, &principal_id)
                .await
                .unwrap()
                .is_none()
        );
    }
    let gone = cloud
        .get_user_assigned_identity("rg-shared", "shared-id")
        .await;
    gone.assert_status(404);
    assert_eq!(gone.error_code(), "ResourceNotFound");

    // Recreating the name makes a new principal, which the old VMs do not get by themselves.
    let recreated = cloud
        .put_user_assigned_identity("rg-shared", "shared-id")
        .await;
    recreated.assert_status(201);
    assert_ne!(recreated.str_at("/properties/principalId"), principal_id);
    let agent_b = cloud.agent_address(&vm_b).await;
    cloud
        .get_imds_token(agent_b, MANAGEMENT_RESOURCE, &[])
        .await
        .assert_status(400);
    cloud.stop().await;
}
