//! The fleet: one agent per VM, updated in place, stopped for good, restarted on its address.

use std::sync::Arc;

use azsim_core::NullEventSink;
use azsim_imds::{IdentityKind, ImdsFleet};
use tokio::net::{TcpListener, TcpStream};

use crate::support::{clock, config, get, identity, instance, json, token_path};

async fn fleet() -> ImdsFleet {
    ImdsFleet::new(config().await, clock(), Arc::new(NullEventSink))
}

async fn tags_of(address: std::net::SocketAddr) -> String {
    get(
        address,
        "/metadata/instance/compute/tags?api-version=2021-02-01&format=text",
        true,
    )
    .await
    .text()
    .await
    .unwrap()
}

#[tokio::test]
async fn fleet_starts_one_agent_per_vm() {
    let fleet = fleet().await;
    let first = fleet
        .ensure_agent(instance("vm-a"), vec![], None)
        .await
        .unwrap();
    let second = fleet
        .ensure_agent(instance("vm-b"), vec![], None)
        .await
        .unwrap();

    assert_ne!(first, second);
    assert!(first.ip().is_loopback());
    let mut expected = vec![instance("vm-a").vm_id, instance("vm-b").vm_id];
    expected.sort();
    assert_eq!(fleet.running_vm_ids().await, expected);
    assert_eq!(
        fleet.agent_address(&instance("vm-b").vm_id).await,
        Some(second)
    );
    let name = get(
        second,
        "/metadata/instance/compute/name?api-version=2021-02-01&format=text",
        true,
    )
    .await
    .text()
    .await
    .unwrap();
    assert_eq!(name, "vm-b");
    fleet.stop_all().await;
}

#[tokio::test]
async fn ensure_agent_updates_a_running_agent_in_place() {
    let fleet = fleet().await;
    let vm = instance("vm-a");
    let address = fleet.ensure_agent(vm.clone(), vec![], None).await.unwrap();
    let (status, body) = json(get(address, &token_path(""), true).await).await;
    assert_eq!(
        (status, body["error_description"].as_str()),
        (400, Some("Identity not found"))
    );

    let mut updated = vm.clone();
    updated.tags.insert("owner".to_owned(), "ops".to_owned());
    let again = fleet
        .ensure_agent(
            updated,
            vec![identity(IdentityKind::SystemAssigned, 1)],
            None,
        )
        .await
        .unwrap();

    assert_eq!(again, address, "the running agent keeps its address");
    assert_eq!(fleet.running_vm_ids().await.len(), 1);
    assert_eq!(tags_of(address).await, "env:test;owner:ops");
    let (status, _) = json(get(address, &token_path(""), true).await).await;
    assert_eq!(
        status, 500,
        "the new identity is used (the token service is unreachable)"
    );
    fleet.stop_all().await;
}

#[tokio::test]
async fn stopped_agent_refuses_connections() {
    let fleet = fleet().await;
    let vm_id = instance("vm-a").vm_id;
    let address = fleet
        .ensure_agent(instance("vm-a"), vec![], None)
        .await
        .unwrap();
    TcpStream::connect(address)
        .await
        .expect("a running agent accepts connections");

    assert!(fleet.stop_agent(&vm_id).await);

    assert!(TcpStream::connect(address).await.is_err());
    assert_eq!(fleet.agent_address(&vm_id).await, None);
    assert!(fleet.running_vm_ids().await.is_empty());
    assert!(
        !fleet.stop_agent(&vm_id).await,
        "stopping twice reports nothing running"
    );
}

#[tokio::test]
async fn restarted_agent_reuses_its_preferred_address() {
    let fleet = fleet().await;
    let vm_id = instance("vm-a").vm_id;
    let address = fleet
        .ensure_agent(instance("vm-a"), vec![], None)
        .await
        .unwrap();
    // An open keep-alive connection must not keep the port from being reused.
    assert_eq!(tags_of(address).await, "env:test");
    fleet.stop_agent(&vm_id).await;

    let restarted = fleet
        .ensure_agent(instance("vm-a"), vec![], Some(address))
        .await
        .unwrap();

    assert_eq!(restarted, address);
    assert_eq!(tags_of(restarted).await, "env:test");
    fleet.stop_all().await;
}

#[tokio::test]
async fn taken_preferred_address_falls_back_to_a_fresh_port() {
    let fleet = fleet().await;
    let occupant = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let taken = occupant.local_addr().unwrap();

    let address = fleet
        .ensure_agent(instance("vm-a"), vec![], Some(taken))
        .await
        .unwrap();

    assert_ne!(address, taken);
    assert_eq!(tags_of(address).await, "env:test");
    fleet.stop_all().await;
}

#[tokio::test]
async fn stop_all_stops_every_agent() {
    let fleet = fleet().await;
    let first = fleet
        .ensure_agent(instance("vm-a"), vec![], None)
        .await
        .unwrap();
    let second = fleet
        .ensure_agent(instance("vm-b"), vec![], None)
        .await
        .unwrap();

    fleet.clone().stop_all().await;

    assert!(fleet.running_vm_ids().await.is_empty());
    assert!(TcpStream::connect(first).await.is_err());
    assert!(TcpStream::connect(second).await.is_err());
}

#[tokio::test]
async fn fleet_hands_the_identity_header_to_the_running_agent_only() {
    let fleet = fleet().await;
    let vm = instance("vm-h");
    assert!(
        !fleet
            .set_identity_header(&vm.vm_id, "early".to_owned())
            .await
    );
    let address = fleet
        .ensure_agent(
            vm.clone(),
            vec![identity(IdentityKind::SystemAssigned, 1)],
            None,
        )
        .await
        .unwrap();

    assert!(
        fleet
            .set_identity_header(&vm.vm_id, "s3cr3t".to_owned())
            .await
    );

    let status_with = |secret: &'static str| async move {
        crate::support::client()
            .get(format!(
                "http://{address}/msi/token?api-version=2019-08-01&resource=r"
            ))
            .header("X-IDENTITY-HEADER", secret)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    };
    assert_eq!(status_with("early").await, 401);
    // Accepted: the request goes on to the (unreachable) token service.
    assert_eq!(status_with("s3cr3t").await, 500);
    fleet.stop_all().await;
}
