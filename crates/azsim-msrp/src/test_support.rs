//! The store and MSRP that MSRP's own tests run on: a tenant, a subscription, a resource
//! group, and a fleet whose agents cannot reach a token service (these tests never ask one).

use std::net::{IpAddr, Ipv4Addr};
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

use crate::{Msrp, MsrpConfig};

pub(crate) const TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
pub(crate) const SUBSCRIPTION: &str = "0b1f6471-1bf0-4dda-aec3-cb9272f09590";

/// An event sink that keeps nothing.
#[derive(Debug)]
pub(crate) struct Discard;

impl EventSink for Discard {
    fn record(&self, _event: FlowEvent) {}
}

/// A store with a tenant, a subscription and a resource group, and MSRP over it.
pub(crate) struct Fixture {
    pub(crate) dir: tempfile::TempDir,
    pub(crate) store: Store,
    pub(crate) msrp: Msrp,
    pub(crate) resource_group_row: i64,
}

impl Fixture {
    /// The fixture, its events thrown away.
    pub(crate) async fn new() -> Self {
        Self::with_events(Arc::new(Discard)).await
    }

    /// The fixture, its events recorded to `events`.
    pub(crate) async fn with_events(events: SharedEventSink) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("azsim.db")).await.unwrap();
        let clock: SharedClock = Arc::new(ManualClock::starting_now());
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
            dir,
            store,
            msrp,
            resource_group_row: group.resource_group.resource_group_row,
        }
    }

    /// Creates a VM row and commits it; returns its row.
    pub(crate) async fn create_vm(&self, name: &str, vm_id: &str) -> i64 {
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
    pub(crate) async fn delete_vm(&self, vm_row: i64) {
        let mut tx = self.store.write().await.unwrap();
        assert!(delete_virtual_machine(&mut tx, vm_row).await.unwrap());
        tx.commit().await.unwrap();
    }
}
