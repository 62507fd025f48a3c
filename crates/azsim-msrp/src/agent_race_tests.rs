//! A VM's agent is started and stopped by the writes that changed that VM, whatever other VMs
//! are created or deleted meanwhile.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use azsim_core::{EventSink, FlowEvent, ManualClock, SharedClock, SharedEventSink};
use azsim_imds::{AgentConfig, ImdsFleet};
use azsim_store::Store;
use azsim_store::directory::{Tenant, insert_tenant};
use azsim_store::resources::{
    NewVirtualMachine, ResourceGroupWrite, Subscription, delete_virtual_machine,
    insert_subscription, insert_virtual_machine, upsert_resource_group,
};
use serde_json::{Map, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::{Msrp, MsrpConfig};

const TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const SUBSCRIPTION: &str = "0b1f6471-1bf0-4dda-aec3-cb9272f09590";

#[derive(Debug)]
struct Discard;

impl EventSink for Discard {
    fn record(&self, _event: FlowEvent) {}
}

/// A store with a tenant, a subscription and a resource group, and MSRP over it.
struct Fixture {
    _dir: tempfile::TempDir,
    store: Store,
    msrp: Msrp,
    resource_group_row: i64,
}

impl Fixture {
    async fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("azsim.db")).await.unwrap();
        let clock: SharedClock = Arc::new(ManualClock::starting_now());
        let events: SharedEventSink = Arc::new(Discard);
        let mut tx = store.write().await.unwrap();
        insert_tenant(
            &mut tx,
            &Tenant {
                tenant_id: TENANT.into(),
                display_name: "t".into(),
                default_domain: "t.onmicrosoft.com".into(),
                created_at: 0,
            },
        )
        .await
        .unwrap();
        insert_subscription(
            &mut tx,
            &Subscription {
                subscription_id: SUBSCRIPTION.into(),
                tenant_id: TENANT.into(),
                display_name: "s".into(),
                state: "Enabled".into(),
                created_at: 0,
            },
        )
        .await
        .unwrap();
        let group = upsert_resource_group(
            &mut tx,
            ResourceGroupWrite {
                subscription_id: SUBSCRIPTION,
                name: "rg",
                location: "eastus",
                tags: &Map::new(),
                now: 0,
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let fleet = ImdsFleet::new(
            AgentConfig {
                authority_host: "http://127.0.0.1:1".parse().unwrap(),
                bind_host: IpAddr::V4(Ipv4Addr::LOCALHOST),
                ca_certificate_pem: None,
            },
            clock.clone(),
            events.clone(),
        );
        let msrp = Msrp::new(store.clone(), clock, events, fleet, MsrpConfig::default())
            .await
            .unwrap();
        Self {
            _dir: dir,
            store,
            msrp,
            resource_group_row: group.resource_group.resource_group_row,
        }
    }

    /// Creates a VM row and commits it; returns its row.
    async fn create_vm(&self, name: &str, vm_id: &str) -> i64 {
        let mut tx = self.store.write().await.unwrap();
        let vm = insert_virtual_machine(
            &mut tx,
            NewVirtualMachine {
                resource_group_row: self.resource_group_row,
                name,
                vm_id,
                location: "eastus",
                tags: &Map::new(),
                properties: &json!({}),
                now: 0,
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        vm.vm_row
    }

    /// Deletes a VM row and commits.
    async fn delete_vm(&self, vm_row: i64) {
        let mut tx = self.store.write().await.unwrap();
        assert!(delete_virtual_machine(&mut tx, vm_row).await.unwrap());
        tx.commit().await.unwrap();
    }
}

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

    // vm-a's delete commits; its after-commit step reads the VM list before vm-b's create
    // commits, and finishes after vm-b's agent started.
    fixture.delete_vm(vm_a).await;
    let listed_before_vm_b = msrp.stored_vm_ids().await.unwrap();
    let vm_b = fixture.create_vm("vm-b", VM_B).await;
    msrp.sync_vm_agent(vm_b, "c-b").await.unwrap();
    msrp.stop_agents_except(&listed_before_vm_b).await;

    assert_eq!(msrp.fleet().agent_address(VM_A).await, None);
    let address = msrp
        .fleet()
        .agent_address(VM_B)
        .await
        .expect("vm-b keeps its agent");
    assert_eq!(served_vm_id(address).await, VM_B);
}
