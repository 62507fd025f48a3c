//! Every hop of the flow is recorded, in order, with its step.

use azsim_core::FlowStep;
use azsim_store::events::list_events;
use azsim_testkit::{FakeCloud, MANAGEMENT_RESOURCE};

#[tokio::test]
async fn the_flow_records_steps_one_to_seven_in_order() {
    let cloud = FakeCloud::start().await;
    cloud.create_resource_group("rg").await.assert_status(201);
    let vm = cloud
        .put_virtual_machine("rg", "vm", "SystemAssigned")
        .await;
    let agent = cloud.agent_address(vm.str_at("/properties/vmId")).await;
    cloud
        .grant_reader(
            &cloud.resource_group_id("rg"),
            vm.str_at("/identity/principalId"),
        )
        .await;
    let token = cloud.get_imds_token(agent, MANAGEMENT_RESOURCE, &[]).await;
    cloud
        .get_virtual_machine("rg", "vm", token.str_at("/access_token"))
        .await
        .assert_status(200);
    cloud.cloud().flush_events().await;

    let mut conn = cloud.cloud().store().read().await.unwrap();
    let events = list_events(&mut conn, 0, 1000).await.unwrap();
    let steps: Vec<u8> = events
        .iter()
        .filter_map(|stored| stored.event.step.map(FlowStep::number))
        .collect();
    let position = |step: u8| {
        steps
            .iter()
            .position(|s| *s == step)
            .unwrap_or_else(|| panic!("step {step} not recorded: {steps:?}"))
    };
    assert!(position(1) < position(2));
    assert!(position(2) < position(3));
    assert!(position(3) < position(4));
    assert!(position(4) < position(5));
    assert!(position(5) < position(6));
    assert!(position(6) < position(7));
    // Steps 1 to 3 belong to one request: they share its correlation id.
    let correlation = |step: u8| {
        events
            .iter()
            .find(|stored| stored.event.step.map(FlowStep::number) == Some(step))
            .map(|stored| stored.event.correlation_id.clone())
            .unwrap()
    };
    assert_eq!(correlation(1), correlation(2));
    assert_eq!(correlation(2), correlation(3));
    assert_eq!(correlation(5), correlation(6));
    cloud.stop().await;
}
