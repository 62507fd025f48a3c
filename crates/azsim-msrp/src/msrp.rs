//! The provider: enabling and disabling identities, keeping metadata agents in line, rolling
//! certificates.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use azsim_core::{FlowEvent, FlowStep, SharedClock, SharedEventSink};
use azsim_imds::ImdsFleet;
use azsim_pki::CertificateAuthority;
use azsim_store::directory::{PrincipalType, ServicePrincipal, insert_service_principal};
use azsim_store::identities::{
    IdentityKind, NewManagedIdentity, delete_expired_identity_certificates, delete_system_identity,
    find_system_identity, insert_managed_identity, list_identities_due_for_renewal,
    list_vms_carrying_identity,
};
use azsim_store::resources::{
    find_subscription, find_virtual_machine_by_row, list_all_virtual_machines, set_imds_address,
};
use azsim_store::{Connection, Store, StoreError};

use crate::agents::{vm_credentials, vm_instance};

/// How many tasks restore metadata agents at start-up.
const RESTORE_TASKS: usize = 4;
use crate::credential::{CertificatePolicy, issue_identity_certificate};
use crate::{MsrpError, authority};

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
    /// (flow step 2: service principal, certificate credential). Idempotent.
    #[tracing::instrument(skip_all, fields(vm = %vm.vm_resource_id))]
    pub async fn enable_system_identity(
        &self,
        tx: &mut Connection,
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
        let now = self.inner.clock.now();
        let principal_id = uuid::Uuid::new_v4().to_string();
        let client_id = uuid::Uuid::new_v4().to_string();
        let resource_id = mirid(&vm.vm_resource_id);
        insert_service_principal(
            tx,
            &ServicePrincipal {
                object_id: principal_id.clone(),
                tenant_id: vm.tenant_id.clone(),
                app_id: client_id.clone(),
                application_id: None,
                display_name: vm.vm_name.clone(),
                principal_type: PrincipalType::ManagedIdentity,
                managed_identity_resource_id: Some(resource_id.clone()),
                created_at: now.unix_timestamp(),
            },
        )
        .await?;
        let identity_row = insert_managed_identity(
            tx,
            &NewManagedIdentity {
                kind: IdentityKind::SystemAssigned,
                vm_row: Some(vm.vm_row),
                resource_group_row: None,
                name: None,
                resource_id: &resource_id,
                tenant_id: &vm.tenant_id,
                principal_id: &principal_id,
                client_id: &client_id,
                location: &vm.location,
                tags: "{}",
                created_at: now.unix_timestamp(),
            },
        )
        .await?;
        issue_identity_certificate(
            tx,
            &self.inner.authority,
            self.inner.policy,
            now,
            identity_row,
            &principal_id,
            &client_id,
        )
        .await?;
        self.inner.events.record(FlowEvent {
            source: "msrp".into(),
            target: "entra".into(),
            step: Some(FlowStep::CreateServicePrincipal),
            correlation_id: correlation_id.to_owned(),
            summary: format!(
                "created service principal {principal_id} (client id {client_id}) for the \
                 system-assigned identity of {} and registered its certificate",
                vm.vm_name
            ),
        });
        Ok(SystemIdentityInfo {
            principal_id,
            client_id,
            tenant_id: vm.tenant_id.clone(),
        })
    }

    /// Inside the caller's transaction: removes the VM's system-assigned identity; the schema
    /// removes its principal, credentials and certificates with it. Idempotent.
    pub async fn disable_system_identity(
        &self,
        tx: &mut Connection,
        vm_row: i64,
        correlation_id: &str,
    ) -> Result<(), MsrpError> {
        if let Some(identity) = find_system_identity(tx, vm_row).await? {
            delete_system_identity(tx, vm_row).await?;
            self.inner.events.record(FlowEvent {
                source: "msrp".into(),
                target: "entra".into(),
                step: None,
                correlation_id: correlation_id.to_owned(),
                summary: format!(
                    "deleted service principal {} and its credentials with the system-assigned \
                     identity of {}",
                    identity.principal_id, identity.resource_id
                ),
            });
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
    pub async fn sync_vm_agent(&self, vm_row: i64, correlation_id: &str) -> Result<(), MsrpError> {
        let mut conn = self.connection().await?;
        let Some(vm) = find_virtual_machine_by_row(&mut conn, vm_row).await? else {
            // Deleted meanwhile: nothing to serve.
            return self.reap_agents().await;
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
        let address = self
            .inner
            .fleet
            .ensure_agent(vm_instance(&vm, &tenant_id), credentials, preferred)
            .await
            .map_err(|source| MsrpError::Agent {
                vm_id: vm.vm_id.clone(),
                source,
            })?;
        if preferred != Some(address) {
            set_imds_address(&mut conn, vm_row, &address.to_string()).await?;
        }
        self.configure_identity_header(&mut conn, vm_row, &vm.vm_id)
            .await?;
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

    /// After a delete committed: stops the agents of VMs that no longer exist.
    pub async fn reap_agents(&self) -> Result<(), MsrpError> {
        let mut conn = self.connection().await?;
        let existing: std::collections::HashSet<String> = list_all_virtual_machines(&mut conn)
            .await?
            .into_iter()
            .map(|vm| vm.vm_id)
            .collect();
        for vm_id in self.inner.fleet.running_vm_ids().await {
            if !existing.contains(&vm_id) {
                self.inner.fleet.stop_agent(&vm_id).await;
                tracing::info!(vm_id, "stopped the metadata agent of a deleted VM");
            }
        }
        Ok(())
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
        let mut tx = self.inner.store.begin().await?;
        let due = list_identities_due_for_renewal(&mut tx, now.unix_timestamp()).await?;
        let mut vms_to_sync = Vec::new();
        for identity in &due {
            delete_expired_identity_certificates(
                &mut tx,
                identity.identity_row,
                now.unix_timestamp(),
            )
            .await?;
            issue_identity_certificate(
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
        tx.commit()
            .await
            .map_err(StoreError::query("committing rolled certificates"))?;
        self.sync_vm_agents(&vms_to_sync, "certificate-rollover")
            .await?;
        if !due.is_empty() {
            tracing::info!(identities = due.len(), "rolled identity certificates");
        }
        Ok(due.len())
    }

    /// After a commit: brings the agents of `vm_rows` in line (each VM once; a VM deleted
    /// meanwhile has its agent stopped).
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

    pub(crate) async fn connection(&self) -> Result<sqlx_connection::PoolConnection, MsrpError> {
        self.inner.store.pool().acquire().await.map_err(|source| {
            MsrpError::Store(StoreError::Query {
                context: "acquiring a connection",
                source,
            })
        })
    }
}

/// Re-export of the pooled connection type, so this crate needs no direct sqlx dependency in
/// its signatures.
mod sqlx_connection {
    pub(crate) type PoolConnection = azsim_store::PoolConnection;
}

/// The `xms_mirid` form of a VM id: real tokens spell `resourcegroups` in lower case.
fn mirid(vm_resource_id: &str) -> String {
    const SEGMENT: &str = "/resourceGroups/";
    match vm_resource_id
        .to_ascii_lowercase()
        .find(&SEGMENT.to_ascii_lowercase())
    {
        Some(at) => format!(
            "{}/resourcegroups/{}",
            &vm_resource_id[..at],
            &vm_resource_id[at + SEGMENT.len()..]
        ),
        None => vm_resource_id.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::mirid;

    #[test]
    fn mirid_spells_resource_groups_in_lower_case() {
        assert_eq!(
            mirid(
                "/subscriptions/s/resourceGroups/Rg/providers/Microsoft.Compute/virtualMachines/Vm"
            ),
            "/subscriptions/s/resourcegroups/Rg/providers/Microsoft.Compute/virtualMachines/Vm"
        );
    }
}
