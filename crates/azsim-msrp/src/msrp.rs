//! The provider: enabling and disabling identities, keeping metadata agents in line, rolling
//! certificates.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use azsim_core::{
    ClientId, FlowEvent, FlowStep, ObjectId, ResourceId, SharedClock, SharedEventSink,
};
use azsim_entra::directory::{
    ManagedIdentityOwner, NewManagedIdentityPrincipal, create_managed_identity_principal,
};
use azsim_imds::ImdsFleet;
use azsim_pki::CertificateAuthority;
use azsim_store::identities::{
    delete_expired_identity_certificates, delete_system_identity, find_system_identity,
    list_identities_due_for_renewal, list_vms_carrying_identity,
};
use azsim_store::resources::{
    find_subscription, find_virtual_machine_by_row, list_all_virtual_machines, set_imds_address,
};
use azsim_store::{Connection, ReadConnection, Store, StoreError, WriteTransaction};
use serde_json::{Map, Value};

use crate::agents::{vm_credentials, vm_instance};
use crate::credential::{
    CertificatePolicy, issue_certificate, keep_for_agents, renew_identity_certificate,
};
use crate::vm_locks::VmLocks;
use crate::{MsrpError, authority};

/// How many tasks restore metadata agents at start-up.
const RESTORE_TASKS: usize = 4;

/// How often an agent is moved when its fresh address is recorded for another VM (each move
/// binds a port the OS has not just handed out, so one is nearly always enough).
const MOVE_ATTEMPTS: usize = 3;

/// MSRP's settings.
#[derive(Debug, Clone, Copy)]
pub struct MsrpConfig {
    /// How long an identity certificate is valid (Azure: 90 days).
    pub certificate_validity: Duration,
    /// How long after issue a certificate is rolled (Azure: 45 days).
    pub certificate_renew_after: Duration,
}

impl Default for MsrpConfig {
    fn default() -> Self {
        const DAY: u64 = 24 * 3600;
        Self {
            certificate_validity: Duration::from_secs(90 * DAY),
            certificate_renew_after: Duration::from_secs(45 * DAY),
        }
    }
}

/// A VM a committed transaction deleted: whose metadata agent to stop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeletedVm {
    /// The VM's row.
    pub vm_row: i64,
    /// The VM's `vmId`, which keys its agent.
    pub vm_id: String,
}

/// The VM whose system-assigned identity is being changed.
#[derive(Debug, Clone)]
pub struct VmIdentityTarget {
    /// The VM's row.
    pub vm_row: i64,
    /// The VM's ARM id.
    pub vm_resource_id: String,
    /// The VM's name.
    pub vm_name: String,
    /// The tenant the VM's subscription trusts.
    pub tenant_id: String,
    /// The VM's region.
    pub location: String,
}

/// What the resource API shows of a system-assigned identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemIdentityInfo {
    /// The service principal's object id (`identity.principalId`).
    pub principal_id: String,
    /// The service principal's app id.
    pub client_id: String,
    /// The principal's tenant (`identity.tenantId`).
    pub tenant_id: String,
}

/// The managed-identity resource provider.
#[derive(Debug, Clone)]
pub struct Msrp {
    pub(crate) inner: Arc<Inner>,
}

/// What every clone of [`Msrp`] shares; the operations live in this module and in
/// `user_assigned`.
#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) store: Store,
    pub(crate) clock: SharedClock,
    pub(crate) events: SharedEventSink,
    pub(crate) fleet: ImdsFleet,
    pub(crate) authority: CertificateAuthority,
    pub(crate) policy: CertificatePolicy,
    pub(crate) vm_locks: VmLocks,
}

impl Msrp {
    /// Loads (or on first start creates) MSRP's certificate authority.
    pub async fn new(
        store: Store,
        clock: SharedClock,
        events: SharedEventSink,
        fleet: ImdsFleet,
        config: MsrpConfig,
    ) -> Result<Self, MsrpError> {
        let authority = authority::load_or_create(&store, &clock).await?;
        Ok(Self {
            inner: Arc::new(Inner {
                store,
                clock,
                events,
                fleet,
                authority,
                policy: CertificatePolicy {
                    validity: config.certificate_validity,
                    renew_after: config.certificate_renew_after,
                },
                vm_locks: VmLocks::default(),
            }),
        })
    }

    /// MSRP's CA certificate (PEM): what a relying party would trust for identity certificates.
    pub fn certificate_authority_pem(&self) -> String {
        self.inner.authority.certificate().to_pem()
    }

    /// The metadata agents MSRP configures.
    pub fn fleet(&self) -> &ImdsFleet {
        &self.inner.fleet
    }

    /// Inside the caller's transaction: gives the VM a system-assigned identity if it has none
    /// (flow step 2: service principal, certificate credential). Idempotent. The flow event
    /// is recorded when the transaction commits.
    #[tracing::instrument(skip_all, fields(vm = %vm.vm_resource_id))]
    pub async fn enable_system_identity(
        &self,
        tx: &mut WriteTransaction,
        vm: &VmIdentityTarget,
        correlation_id: &str,
    ) -> Result<SystemIdentityInfo, MsrpError> {
        if let Some(existing) = find_system_identity(tx, vm.vm_row).await? {
            return Ok(SystemIdentityInfo {
                principal_id: existing.principal_id,
                client_id: existing.client_id,
                tenant_id: existing.tenant_id,
            });
        }
        let resource_id = ResourceId::parse(&vm.vm_resource_id)?;
        let created = self
            .create_identity(
                tx,
                &IdentityToCreate {
                    owner: ManagedIdentityOwner::SystemAssigned { vm_row: vm.vm_row },
                    resource_id: &resource_id,
                    tenant_id: &vm.tenant_id,
                    display_name: &vm.vm_name,
                    location: &vm.location,
                    tags: &Map::new(),
                    described_as: format!("the system-assigned identity of {}", vm.vm_name),
                },
                correlation_id,
            )
            .await?;
        Ok(SystemIdentityInfo {
            principal_id: created.principal_id.to_string(),
            client_id: created.client_id.to_string(),
            tenant_id: vm.tenant_id.clone(),
        })
    }

    /// Inside the caller's transaction: creates a managed identity, its service principal and
    /// certificate credential (one implementation for both kinds), and keeps its certificate
    /// for the agents. Its flow event waits for the commit, so a rollback leaves no trace.
    pub(crate) async fn create_identity(
        &self,
        tx: &mut WriteTransaction,
        identity: &IdentityToCreate<'_>,
        correlation_id: &str,
    ) -> Result<CreatedIdentity, MsrpError> {
        let now = self.inner.clock.now();
        let principal_id = ObjectId::new_random();
        let client_id = ClientId::new_random();
        let issued = issue_certificate(
            &self.inner.authority,
            self.inner.policy,
            now,
            client_id.as_str(),
        )?;
        let identity_row = create_managed_identity_principal(
            tx,
            &NewManagedIdentityPrincipal {
                object_id: &principal_id,
                client_id: &client_id,
                tenant_id: identity.tenant_id,
                owner: identity.owner,
                resource_id: identity.resource_id,
                display_name: identity.display_name,
                location: identity.location,
                tags: identity.tags,
                certificate: &issued.certificate,
                now: now.unix_timestamp(),
            },
        )
        .await?;
        keep_for_agents(tx, identity_row, &issued).await?;
        self.record_directory_change(
            tx,
            Some(FlowStep::CreateServicePrincipal),
            correlation_id,
            format!(
                "created service principal {principal_id} (client id {client_id}) for {} \
                 and registered its certificate",
                identity.described_as
            ),
        );
        Ok(CreatedIdentity {
            identity_row,
            resource_id: identity.resource_id.mirid(),
            principal_id,
            client_id,
        })
    }

    /// Records MSRP's change to the directory once `tx` commits (never for a rollback).
    pub(crate) fn record_directory_change(
        &self,
        tx: &mut WriteTransaction,
        step: Option<FlowStep>,
        correlation_id: &str,
        summary: String,
    ) {
        tx.record_after_commit(
            &self.inner.events,
            FlowEvent {
                source: "msrp".into(),
                target: "entra".into(),
                step,
                correlation_id: correlation_id.to_owned(),
                summary,
            },
        );
    }

    /// Inside the caller's transaction: removes the VM's system-assigned identity; the schema
    /// removes its principal, credentials and certificates with it. Idempotent.
    pub async fn disable_system_identity(
        &self,
        tx: &mut WriteTransaction,
        vm_row: i64,
        correlation_id: &str,
    ) -> Result<(), MsrpError> {
        if let Some(identity) = find_system_identity(tx, vm_row).await? {
            delete_system_identity(tx, vm_row).await?;
            self.record_directory_change(
                tx,
                None,
                correlation_id,
                format!(
                    "deleted service principal {} and its credentials with the \
                     system-assigned identity of {}",
                    identity.principal_id, identity.resource_id
                ),
            );
        }
        Ok(())
    }

    /// The VM's system-assigned identity, if it has one.
    pub async fn system_identity(
        &self,
        conn: &mut Connection,
        vm_row: i64,
    ) -> Result<Option<SystemIdentityInfo>, MsrpError> {
        Ok(find_system_identity(conn, vm_row)
            .await?
            .map(|identity| SystemIdentityInfo {
                principal_id: identity.principal_id,
                client_id: identity.client_id,
                tenant_id: identity.tenant_id,
            }))
    }

    /// After the transaction committed: starts or updates the VM's metadata agent so that it
    /// serves the VM's current facts and identities (flow step 3).
    ///
    /// Under the VM's lock, reading the VM afresh: a VM deleted meanwhile is left alone (its
    /// delete stops its agent, under the same lock, with [`Msrp::stop_vm_agents`]), so a create
    /// and a delete of one VM converge whatever their order, and no other VM's agent is
    /// touched.
    pub async fn sync_vm_agent(&self, vm_row: i64, correlation_id: &str) -> Result<(), MsrpError> {
        let _vm_lock = self.inner.vm_locks.lock(vm_row).await;
        // One write transaction for the reads and the writes: a delete of the VM, or of an
        // identity it carries, cannot commit in between (it would make this committed write's
        // answer a 500 while the delete's own agent stop, waiting on the VM's lock, follows).
        // Starting an agent only binds a port, so the write lock is held for milliseconds.
        let mut conn = self.inner.store.write().await?;
        let Some(vm) = find_virtual_machine_by_row(&mut conn, vm_row).await? else {
            return Ok(());
        };
        let tenant_id = find_subscription(&mut conn, &vm.subscription_id)
            .await?
            .map(|subscription| subscription.tenant_id)
            .ok_or_else(|| {
                MsrpError::Inconsistent(format!("VM {} has no subscription", vm.vm_id))
            })?;
        let credentials = vm_credentials(&mut conn, vm_row).await?;
        let preferred: Option<SocketAddr> = vm
            .imds_address
            .as_deref()
            .and_then(|address| address.parse().ok());
        let client_ids: Vec<String> = credentials.iter().map(|c| c.client_id.clone()).collect();
        let agent_error = |source| MsrpError::Agent {
            vm_id: vm.vm_id.clone(),
            source,
        };
        let instance = vm_instance(&vm, &tenant_id);
        let mut address = self
            .inner
            .fleet
            .ensure_agent(instance.clone(), credentials.clone(), preferred)
            .await
            .map_err(agent_error)?;
        let mut attempts = 0;
        while preferred != Some(address) {
            match set_imds_address(&mut conn, vm_row, &address.to_string()).await {
                Ok(()) => break,
                // Another VM's row records this address (its agent is not running yet, e.g.
                // while agents are restored): move ours rather than share it.
                Err(StoreError::Conflict { .. }) if attempts < MOVE_ATTEMPTS => {
                    attempts += 1;
                    tracing::info!(
                        vm_id = vm.vm_id,
                        %address,
                        "another VM is recorded at this agent address; moving the agent"
                    );
                    address = self
                        .inner
                        .fleet
                        .move_agent(instance.clone(), credentials.clone())
                        .await
                        .map_err(agent_error)?;
                }
                Err(error) => return Err(error.into()),
            }
        }
        self.configure_identity_header(&mut conn, vm_row, &vm.vm_id)
            .await?;
        conn.commit().await?;
        if !client_ids.is_empty() {
            self.inner.events.record(FlowEvent {
                source: "msrp".into(),
                target: format!("imds:{}", vm.name),
                step: Some(FlowStep::ConfigureAgent),
                correlation_id: correlation_id.to_owned(),
                summary: format!(
                    "gave the metadata agent of {} at {address} the certificate and client id of \
                     {}",
                    vm.name,
                    client_ids.join(", ")
                ),
            });
        }
        Ok(())
    }

    /// After a delete committed: stops the metadata agents of exactly the VMs it deleted
    /// (collected in its transaction), each under the VM's lock. Agents of other VMs, whatever
    /// is being created meanwhile, are never looked at.
    pub async fn stop_vm_agents(&self, deleted: &[DeletedVm]) {
        for vm in deleted {
            let _vm_lock = self.inner.vm_locks.lock(vm.vm_row).await;
            if self.inner.fleet.stop_agent(&vm.vm_id).await {
                tracing::info!(
                    vm_id = vm.vm_id,
                    "stopped the metadata agent of a deleted VM"
                );
            }
        }
    }

    /// At start-up: brings back the metadata agent of every VM in the store, on its old
    /// address when that is free.
    pub async fn restore_agents(&self) -> Result<usize, MsrpError> {
        let vm_rows: Vec<i64> = {
            let mut conn = self.connection().await?;
            list_all_virtual_machines(&mut conn)
                .await?
                .into_iter()
                .map(|vm| vm.vm_row)
                .collect()
        };
        // A few restorers side by side: each VM's reads and key parsing overlap with the
        // others' (starting an agent itself is serialised by the fleet).
        let per_task = vm_rows.len().div_ceil(RESTORE_TASKS).max(1);
        let mut restorers = tokio::task::JoinSet::new();
        for chunk in vm_rows.chunks(per_task) {
            let msrp = self.clone();
            let chunk = chunk.to_vec();
            restorers.spawn(async move {
                for vm_row in chunk {
                    msrp.sync_vm_agent(vm_row, "startup").await?;
                }
                Ok::<(), MsrpError>(())
            });
        }
        while let Some(restored) = restorers.join_next().await {
            match restored {
                Ok(result) => result?,
                // Nothing aborts these tasks, so a join error is a panic: pass it on.
                Err(error) => std::panic::resume_unwind(error.into_panic()),
            }
        }
        Ok(vm_rows.len())
    }

    /// Rolls every identity certificate that is due (45 days after issue): a new certificate
    /// is issued and registered, the VMs' agents switch to it, and the old one stays a valid
    /// credential until it expires. Returns how many identities were rolled.
    pub async fn roll_due_certificates(&self) -> Result<usize, MsrpError> {
        let now = self.inner.clock.now();
        let mut tx = self.inner.store.write().await?;
        let due = list_identities_due_for_renewal(&mut tx, now.unix_timestamp()).await?;
        let mut vms_to_sync = Vec::new();
        for identity in &due {
            delete_expired_identity_certificates(
                &mut tx,
                identity.identity_row,
                now.unix_timestamp(),
            )
            .await?;
            renew_identity_certificate(
                &mut tx,
                &self.inner.authority,
                self.inner.policy,
                now,
                identity.identity_row,
                &identity.principal_id,
                &identity.client_id,
            )
            .await?;
            vms_to_sync.extend(list_vms_carrying_identity(&mut tx, identity.identity_row).await?);
        }
        tx.commit().await?;
        self.sync_vm_agents(&vms_to_sync, "certificate-rollover")
            .await?;
        if !due.is_empty() {
            tracing::info!(identities = due.len(), "rolled identity certificates");
        }
        Ok(due.len())
    }

    /// After a commit: brings the agents of `vm_rows` in line (each VM once; a VM deleted
    /// meanwhile is left to its delete).
    pub async fn sync_vm_agents(
        &self,
        vm_rows: &[i64],
        correlation_id: &str,
    ) -> Result<(), MsrpError> {
        let mut vm_rows = vm_rows.to_vec();
        vm_rows.sort_unstable();
        vm_rows.dedup();
        for vm_row in vm_rows {
            self.sync_vm_agent(vm_row, correlation_id).await?;
        }
        Ok(())
    }

    pub(crate) async fn connection(&self) -> Result<ReadConnection, MsrpError> {
        Ok(self.inner.store.read().await?)
    }
}

/// A managed identity to create: what differs between a system- and a user-assigned one.
pub(crate) struct IdentityToCreate<'a> {
    pub(crate) owner: ManagedIdentityOwner<'a>,
    /// The identity's ARM id (the VM's, for a system-assigned identity).
    pub(crate) resource_id: &'a ResourceId,
    pub(crate) tenant_id: &'a str,
    pub(crate) display_name: &'a str,
    pub(crate) location: &'a str,
    pub(crate) tags: &'a Map<String, Value>,
    /// How the flow event names the identity (`the system-assigned identity of vm-1`).
    pub(crate) described_as: String,
}

/// What [`Msrp::create_identity`] created.
pub(crate) struct CreatedIdentity {
    pub(crate) identity_row: i64,
    /// The identity's id in the `xms_mirid` form, as stored.
    pub(crate) resource_id: String,
    pub(crate) principal_id: ObjectId,
    pub(crate) client_id: ClientId,
}

#[cfg(test)]
mod tests {
    use azsim_core::ResourceId;

    fn mirid(vm_resource_id: &str) -> String {
        ResourceId::parse(vm_resource_id).unwrap().mirid()
    }

    #[test]
    fn mirid_spells_resource_groups_in_lower_case() {
        assert_eq!(
            mirid(
                "/subscriptions/s/resourceGroups/Rg/providers/Microsoft.Compute/virtualMachines/Vm"
            ),
            "/subscriptions/s/resourcegroups/Rg/providers/Microsoft.Compute/virtualMachines/Vm"
        );
    }

    mod events_after_commit {
        use std::sync::{Arc, Mutex};

        use azsim_core::{EventSink, FlowEvent, FlowStep};
        use azsim_store::Store;
        use azsim_store::directory::find_service_principal;

        use crate::test_support::{Fixture, SUBSCRIPTION, TENANT};
        use crate::{Msrp, VmIdentityTarget};

        #[derive(Debug, Default)]
        struct Recorded(Mutex<Vec<FlowEvent>>);

        impl EventSink for Recorded {
            fn record(&self, event: FlowEvent) {
                self.0.lock().unwrap().push(event);
            }
        }

        /// A store with one VM, MSRP on it, and the events MSRP records.
        async fn msrp_with_vm() -> (
            tempfile::TempDir,
            Store,
            Msrp,
            Arc<Recorded>,
            VmIdentityTarget,
        ) {
            let recorded = Arc::new(Recorded::default());
            let fixture = Fixture::with_events(recorded.clone()).await;
            let vm_row = fixture
                .create_vm("vm-1", "3a1b4c8e-0000-4000-8000-0000000000a1")
                .await;
            let target = VmIdentityTarget {
                vm_row,
                vm_resource_id: format!(
                    "/subscriptions/{SUBSCRIPTION}/resourceGroups/rg/providers/\
                     Microsoft.Compute/virtualMachines/vm-1"
                ),
                vm_name: "vm-1".into(),
                tenant_id: TENANT.into(),
                location: "eastus".into(),
            };
            (fixture.dir, fixture.store, fixture.msrp, recorded, target)
        }

        #[tokio::test]
        async fn a_rolled_back_enable_leaves_neither_principal_nor_event() {
            let (_dir, store, msrp, recorded, target) = msrp_with_vm().await;

            let mut tx = store.write().await.unwrap();
            let identity = msrp
                .enable_system_identity(&mut tx, &target, "c-1")
                .await
                .unwrap();
            drop(tx);

            let mut conn = store.read().await.unwrap();
            assert_eq!(
                find_service_principal(&mut conn, &identity.principal_id)
                    .await
                    .unwrap(),
                None
            );
            assert!(recorded.0.lock().unwrap().is_empty());
        }

        #[tokio::test]
        async fn a_committed_enable_records_its_principal_event_after_the_commit() {
            let (_dir, store, msrp, recorded, target) = msrp_with_vm().await;

            let mut tx = store.write().await.unwrap();
            let identity = msrp
                .enable_system_identity(&mut tx, &target, "c-2")
                .await
                .unwrap();
            assert!(
                recorded.0.lock().unwrap().is_empty(),
                "recorded inside the transaction"
            );
            tx.commit().await.unwrap();

            let mut conn = store.read().await.unwrap();
            let principal = find_service_principal(&mut conn, &identity.principal_id)
                .await
                .unwrap()
                .expect("the committed principal");
            assert_eq!(
                principal.managed_identity_resource_id.as_deref(),
                Some(
                    format!(
                        "/subscriptions/{SUBSCRIPTION}/resourcegroups/rg/providers/\
                         Microsoft.Compute/virtualMachines/vm-1"
                    )
                    .as_str()
                )
            );
            let events = recorded.0.lock().unwrap();
            assert_eq!(events.len(), 1);
            assert_eq!(events[0].step, Some(FlowStep::CreateServicePrincipal));
            assert_eq!(events[0].correlation_id, "c-2");
            assert!(events[0].summary.contains(&identity.principal_id));
        }
    }
}
