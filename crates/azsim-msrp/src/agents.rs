//! What a VM's metadata agent is given: the VM's facts and the credentials of its identities.

use std::collections::BTreeMap;

use azsim_core::ResourceId;
use azsim_imds::{IdentityCredential, IdentityKind as AgentIdentityKind, VmInstance};
use azsim_store::Connection;
use azsim_store::identities::{IdentityKind, current_identity_certificate, list_vm_identities};
use azsim_store::resources::VirtualMachine;

use crate::MsrpError;

/// The VM facts an agent serves at `/metadata/instance`.
pub(crate) fn vm_instance(vm: &VirtualMachine, tenant_id: &str) -> VmInstance {
    let properties = &vm.properties;
    let text = |pointer: &str| {
        properties
            .pointer(pointer)
            .and_then(|value| value.as_str())
            .unwrap_or_default()
            .to_owned()
    };
    let tags: BTreeMap<String, String> = vm
        .tags
        .iter()
        .map(|(key, value)| {
            let value = value
                .as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| value.to_string());
            (key.clone(), value)
        })
        .collect();
    VmInstance {
        subscription_id: vm.subscription_id.clone(),
        resource_group_name: vm.resource_group_name.clone(),
        name: vm.name.clone(),
        location: vm.location.clone(),
        vm_id: vm.vm_id.clone(),
        vm_size: text("/hardwareProfile/vmSize"),
        os_type: text("/storageProfile/osDisk/osType"),
        resource_id: ResourceId::resource_group(&vm.subscription_id, &vm.resource_group_name)
            .provider("Microsoft.Compute", "virtualMachines", &vm.name)
            .to_string(),
        tags,
        tenant_id: tenant_id.to_owned(),
    }
}

/// The credentials of every identity the VM carries, with their newest certificates.
pub(crate) async fn vm_credentials(
    conn: &mut Connection,
    vm_row: i64,
) -> Result<Vec<IdentityCredential>, MsrpError> {
    let mut credentials = Vec::new();
    for identity in list_vm_identities(conn, vm_row).await? {
        let Some(certificate) = current_identity_certificate(conn, identity.identity_row).await?
        else {
            return Err(MsrpError::Inconsistent(format!(
                "identity {} has no certificate",
                identity.principal_id
            )));
        };
        credentials.push(IdentityCredential {
            kind: match identity.kind {
                IdentityKind::SystemAssigned => AgentIdentityKind::SystemAssigned,
                IdentityKind::UserAssigned => AgentIdentityKind::UserAssigned,
            },
            client_id: identity.client_id,
            object_id: identity.principal_id,
            resource_id: identity.resource_id,
            tenant_id: identity.tenant_id,
            certificate_pem: certificate.certificate_pem,
            private_key_pem: certificate.private_key_pem,
        });
    }
    Ok(credentials)
}
