//! Certificates are rolled by the system after 45 days; tokens keep flowing.

use std::time::Duration;

use azsim_store::directory::list_certificate_credentials;
use azsim_testkit::{FakeCloud, MANAGEMENT_RESOURCE};

const DAY: u64 = 24 * 3600;

#[tokio::test]
async fn identity_certificates_roll_after_45_days_and_the_agent_uses_the_new_one() {
    let cloud = FakeCloud::start().await;
    cloud.create_resource_group("rg").await.assert_status(201);
    let vm = cloud
        .put_virtual_machine("rg", "vm", "SystemAssigned")
        .await;
    let principal_id = vm.str_at("/identity/principalId").to_owned();
    let agent = cloud.agent_address(vm.str_at("/properties/vmId")).await;

    cloud.clock().advance(Duration::from_secs(44 * DAY));
    assert_eq!(
        cloud.cloud().msrp().roll_due_certificates().await.unwrap(),
        0
    );

    cloud.clock().advance(Duration::from_secs(2 * DAY));
    assert_eq!(
        cloud.cloud().msrp().roll_due_certificates().await.unwrap(),
        1
    );
    {
        let mut conn = cloud.cloud().store().read().await.unwrap();
        let credentials = list_certificate_credentials(&mut conn, &principal_id)
            .await
            .unwrap();
        assert_eq!(
            credentials.len(),
            2,
            "the old certificate stays valid until it expires"
        );
    }

    // Past the old certificate's 90 days, only the new one can work.
    cloud.clock().advance(Duration::from_secs(50 * DAY));
    let token = cloud
        .get_imds_token(agent, MANAGEMENT_RESOURCE, &[("bypass_cache", "true")])
        .await;
    token.assert_status(200);
    let claims = cloud
        .verify_token(token.str_at("/access_token"), MANAGEMENT_RESOURCE)
        .await;
    assert_eq!(claims["oid"], principal_id.as_str());
    cloud.stop().await;
}
