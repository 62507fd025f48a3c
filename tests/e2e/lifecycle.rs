//! Life-cycle rules over HTTP: turning the identity off, re-enabling it, deleting the group.

use azsim_store::directory::find_service_principal;
use azsim_testkit::{FakeCloud, MANAGEMENT_RESOURCE};

#[tokio::test]
async fn turning_the_identity_off_deletes_its_principal_and_reenabling_gives_a_new_one() {
    let cloud = FakeCloud::start().await;
    cloud.create_resource_group("rg").await.assert_status(201);
    let vm = cloud
        .put_virtual_machine("rg", "vm", "SystemAssigned")
        .await;
    let first_principal = vm.str_at("/identity/principalId").to_owned();
    let vm_id = vm.str_at("/properties/vmId").to_owned();
    let agent = cloud.agent_address(&vm_id).await;
    cloud
        .get_imds_token(agent, MANAGEMENT_RESOURCE, &[])
        .await
        .assert_status(200);

    let off = cloud
        .patch_virtual_machine_identity("rg", "vm", "None")
        .await;
    off.assert_status(200);
    assert!(
        off.body.pointer("/identity/principalId").is_none(),
        "{}",
        off.text
    );

    let no_identity = cloud.get_imds_token(agent, MANAGEMENT_RESOURCE, &[]).await;
    no_identity.assert_status(400);
    assert_eq!(no_identity.str_at("/error"), "invalid_request");
    assert_eq!(
        no_identity.str_at("/error_description"),
        "Identity not found"
    );
    {
        let mut conn = cloud.cloud().store().read().await.unwrap();
        assert!(
            find_service_principal(&mut conn, &first_principal)
                .await
                .unwrap()
                .is_none()
        );
    }

    let on = cloud
        .patch_virtual_machine_identity("rg", "vm", "SystemAssigned")
        .await;
    on.assert_status(200);
    let second_principal = on.str_at("/identity/principalId").to_owned();
    assert!(!second_principal.is_empty());
    assert_ne!(
        second_principal, first_principal,
        "re-enabling must give a new principal"
    );
    assert_eq!(
        on.str_at("/properties/vmId"),
        vm_id,
        "the VM itself is unchanged"
    );

    let token = cloud.get_imds_token(agent, MANAGEMENT_RESOURCE, &[]).await;
    token.assert_status(200);
    let claims = cloud
        .verify_token(token.str_at("/access_token"), MANAGEMENT_RESOURCE)
        .await;
    assert_eq!(claims["oid"], second_principal.as_str());
    cloud.stop().await;
}

#[tokio::test]
async fn deleting_the_resource_group_deletes_its_vms_identities_and_agents() {
    let cloud = FakeCloud::start().await;
    cloud
        .create_resource_group("rg-doomed")
        .await
        .assert_status(201);
    let vm = cloud
        .put_virtual_machine("rg-doomed", "vm", "SystemAssigned")
        .await;
    vm.assert_status(201);
    let principal_id = vm.str_at("/identity/principalId").to_owned();
    let agent = cloud.agent_address(vm.str_at("/properties/vmId")).await;

    cloud.delete_resource_group("rg-doomed").await;

    let admin = cloud.admin_token().await;
    let gone = cloud.get_virtual_machine("rg-doomed", "vm", &admin).await;
    gone.assert_status(404);
    assert_eq!(gone.error_code(), "ResourceGroupNotFound");
    {
        let mut conn = cloud.cloud().store().read().await.unwrap();
        assert!(
            find_service_principal(&mut conn, &principal_id)
                .await
                .unwrap()
                .is_none()
        );
    }
    let refused = cloud
        .http()
        .get(format!("http://{agent}/metadata/identity/oauth2/token"))
        .send()
        .await;
    assert!(refused.is_err(), "the agent of a deleted VM still answers");
    cloud.stop().await;
}

#[tokio::test]
async fn a_vm_without_identity_has_an_agent_that_answers_identity_not_found() {
    let cloud = FakeCloud::start().await;
    cloud.create_resource_group("rg").await.assert_status(201);
    let vm = cloud.put_virtual_machine("rg", "plain", "None").await;
    vm.assert_status(201);
    assert!(vm.body.get("identity").is_none() || vm.str_at("/identity/type") == "None");
    let agent = cloud.agent_address(vm.str_at("/properties/vmId")).await;
    let response = cloud.get_imds_token(agent, MANAGEMENT_RESOURCE, &[]).await;
    response.assert_status(400);
    assert_eq!(response.str_at("/error_description"), "Identity not found");
    cloud.stop().await;
}
