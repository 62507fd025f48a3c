//! A VM's agent is started and stopped by the writes that changed that VM, whatever other VMs
//! are created or deleted meanwhile.

use std::net::SocketAddr;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::DeletedVm;
use crate::test_support::{Fixture, TENANT};

/// The `vmId` the agent at `address` serves in its instance metadata.
async fn served_vm_id(address: SocketAddr) -> String {
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream
        .write_all(
            b"GET /metadata/instance/compute/vmId?api-version=2021-02-01&format=text HTTP/1.1\r\n\
              Host: 169.254.169.254\r\nMetadata: true\r\nConnection: close\r\n\r\n",
        )
        .await
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    response
        .split("\r\n\r\n")
        .nth(1)
        .unwrap_or_default()
        .trim()
        .to_owned()
}

const VM_A: &str = "3a1b4c8e-0000-4000-8000-0000000000a1";
const VM_B: &str = "3a1b4c8e-0000-4000-8000-0000000000b2";

#[tokio::test]
async fn a_vm_created_while_another_is_deleted_keeps_its_agent() {
    let fixture = Fixture::new().await;
    let msrp = &fixture.msrp;
    let vm_a = fixture.create_vm("vm-a", VM_A).await;
    msrp.sync_vm_agent(vm_a, "c-a").await.unwrap();

    // vm-a's delete commits; its after-commit step runs only once vm-b (created after that
    // commit) has its agent. (The sweep this replaced listed the VMs before vm-b's commit
    // and then stopped every running agent missing from that list: vm-b's.)
    fixture.delete_vm(vm_a).await;
    let vm_b = fixture.create_vm("vm-b", VM_B).await;
    msrp.sync_vm_agent(vm_b, "c-b").await.unwrap();
    msrp.stop_vm_agents(&[DeletedVm {
        vm_row: vm_a,
        vm_id: VM_A.into(),
    }])
    .await;

    assert_eq!(msrp.fleet().agent_address(VM_A).await, None);
    let address = msrp
        .fleet()
        .agent_address(VM_B)
        .await
        .expect("vm-b keeps its agent");
    assert_eq!(served_vm_id(address).await, VM_B);
}

#[tokio::test]
async fn a_create_and_a_delete_of_one_vm_converge_in_either_order() {
    let fixture = Fixture::new().await;
    let msrp = &fixture.msrp;

    // The delete's stop runs before the create's sync: the sync finds no VM and starts nothing.
    let vm_a = fixture.create_vm("vm-a", VM_A).await;
    fixture.delete_vm(vm_a).await;
    let deleted_a = DeletedVm {
        vm_row: vm_a,
        vm_id: VM_A.into(),
    };
    msrp.stop_vm_agents(std::slice::from_ref(&deleted_a)).await;
    msrp.sync_vm_agent(vm_a, "c-a").await.unwrap();
    assert_eq!(msrp.fleet().agent_address(VM_A).await, None);

    // The create's sync runs first (it read the VM before the delete committed): the stop
    // that follows removes the agent.
    let vm_b = fixture.create_vm("vm-b", VM_B).await;
    msrp.sync_vm_agent(vm_b, "c-b").await.unwrap();
    fixture.delete_vm(vm_b).await;
    msrp.stop_vm_agents(&[DeletedVm {
        vm_row: vm_b,
        vm_id: VM_B.into(),
    }])
    .await;
    assert!(msrp.fleet().running_vm_ids().await.is_empty());
}

#[tokio::test]
async fn an_agent_whose_fresh_address_is_recorded_for_another_vm_moves() {
    let fixture = Fixture::new().await;
    let msrp = &fixture.msrp;
    let vm_a = fixture.create_vm("vm-a", VM_A).await;
    msrp.sync_vm_agent(vm_a, "c-a").await.unwrap();
    let address_a = msrp.fleet().agent_address(VM_A).await.unwrap();
    // As after a restart before vm-a's agent is back: vm-a's address is recorded but free,
    // and the OS hands it to vm-b's new agent.
    msrp.fleet().stop_agent(VM_A).await;
    let vm_b = fixture.create_vm("vm-b", VM_B).await;
    let instance_b = {
        let mut conn = fixture.store.read().await.unwrap();
        azsim_store::resources::set_imds_address(&mut conn, vm_b, &address_a.to_string())
            .await
            .expect_err("the store refuses a second VM at one agent address");
        let vm = azsim_store::resources::find_virtual_machine_by_row(&mut conn, vm_b)
            .await
            .unwrap()
            .unwrap();
        crate::agents::vm_instance(&vm, TENANT)
    };
    let taken = msrp
        .fleet()
        .ensure_agent(instance_b, Vec::new(), Some(address_a))
        .await
        .unwrap();
    assert_eq!(taken, address_a);

    msrp.sync_vm_agent(vm_b, "c-b").await.unwrap();
    msrp.sync_vm_agent(vm_a, "c-a").await.unwrap();

    let address_b = msrp.fleet().agent_address(VM_B).await.unwrap();
    let address_a_now = msrp.fleet().agent_address(VM_A).await.unwrap();
    assert_ne!(address_a_now, address_b);
    assert_eq!(served_vm_id(address_a_now).await, VM_A);
    assert_eq!(served_vm_id(address_b).await, VM_B);
}
