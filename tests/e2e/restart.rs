//! A restart on the same data directory finds everything again.

use azsim_testkit::{FakeCloud, MANAGEMENT_RESOURCE};

#[tokio::test]
async fn a_restarted_cloud_serves_the_same_vm_and_old_tokens_still_verify() {
    let mut cloud = FakeCloud::start().await;
    cloud.create_resource_group("rg").await.assert_status(201);
    let vm = cloud
        .put_virtual_machine("rg", "vm", "SystemAssigned")
        .await;
    vm.assert_status(201);
    let vm_id = vm.str_at("/properties/vmId").to_owned();
    let principal_id = vm.str_at("/identity/principalId").to_owned();
    let agent_before = cloud.agent_address(&vm_id).await;
    let old_token = cloud
        .get_imds_token(agent_before, MANAGEMENT_RESOURCE, &[])
        .await;
    old_token.assert_status(200);
    let old_token = old_token.str_at("/access_token").to_owned();
    let tenant_before = cloud.cloud().endpoints().tenant_id.clone();

    cloud.restart().await;

    assert_eq!(cloud.cloud().endpoints().tenant_id, tenant_before);
    let agent_after = cloud.agent_address(&vm_id).await;
    assert_eq!(
        agent_after, agent_before,
        "the agent comes back on its old address"
    );
    let new_token = cloud
        .get_imds_token(
            agent_after,
            MANAGEMENT_RESOURCE,
            &[("bypass_cache", "true")],
        )
        .await;
    new_token.assert_status(200);
    let claims = cloud
        .verify_token(new_token.str_at("/access_token"), MANAGEMENT_RESOURCE)
        .await;
    assert_eq!(claims["oid"], principal_id.as_str());
    // The signing keys survived: a token issued before the restart still verifies.
    let old_claims = cloud.verify_token(&old_token, MANAGEMENT_RESOURCE).await;
    assert_eq!(old_claims["oid"], principal_id.as_str());
    // And the resource API still knows the VM and its identity.
    let admin = cloud.admin_token().await;
    let vm = cloud.get_virtual_machine("rg", "vm", &admin).await;
    vm.assert_status(200);
    assert_eq!(vm.str_at("/identity/principalId"), principal_id);
    cloud.stop().await;
}
