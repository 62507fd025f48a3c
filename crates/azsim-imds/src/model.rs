//! The facts an agent is handed: the VM it serves, the identities it may use, its settings.

use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;

/// What the metadata agent knows about its VM (the `compute` part of instance metadata).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VmInstance {
    /// The subscription the VM lives in.
    pub subscription_id: String,
    /// The VM's resource group.
    pub resource_group_name: String,
    /// The VM's name.
    pub name: String,
    /// The Azure region, e.g. `westeurope`.
    pub location: String,
    /// The VM's immutable GUID (`properties.vmId`).
    pub vm_id: String,
    /// The VM size, e.g. `Standard_D2s_v3`.
    pub vm_size: String,
    /// `Linux` or `Windows`.
    pub os_type: String,
    /// The ARM id of the VM.
    pub resource_id: String,
    /// The VM's tags.
    pub tags: BTreeMap<String, String>,
    /// The tenant the VM's subscription belongs to.
    pub tenant_id: String,
}

/// Whether an identity belongs to the VM itself or was attached to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdentityKind {
    /// The VM's own identity, created and deleted with it.
    SystemAssigned,
    /// A standalone identity attached to the VM.
    UserAssigned,
}

/// An identity the agent may get tokens for, with the certificate it authenticates with.
#[derive(Clone, PartialEq, Eq)]
pub struct IdentityCredential {
    /// System- or user-assigned.
    pub kind: IdentityKind,
    /// The client (application) id of the identity's service principal.
    pub client_id: String,
    /// The object id of the identity's service principal.
    pub object_id: String,
    /// The ARM id of the identity (what a token request names as `msi_res_id`).
    pub resource_id: String,
    /// The tenant the service principal lives in.
    pub tenant_id: String,
    /// The identity's certificate, PEM.
    pub certificate_pem: String,
    /// The certificate's private key: PKCS#8 PEM of an EC P-256 key.
    pub private_key_pem: String,
}

// Written by hand so that the private key never reaches a log line.
impl fmt::Debug for IdentityCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdentityCredential")
            .field("kind", &self.kind)
            .field("client_id", &self.client_id)
            .field("object_id", &self.object_id)
            .field("resource_id", &self.resource_id)
            .field("tenant_id", &self.tenant_id)
            .field("private_key_pem", &"<redacted>")
            .finish_non_exhaustive()
    }
}

/// Settings shared by every agent of one cloud.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentConfig {
    /// Base URL of the token service, e.g. `https://127.0.0.1:PORT`.
    pub authority_host: url::Url,
    /// The address agents bind when they get no preferred address.
    pub bind_host: IpAddr,
    /// The CA certificate (PEM) the token service's HTTPS certificate chains to, trusted in
    /// addition to the system's roots; `None` for a plain-HTTP token service.
    pub ca_certificate_pem: Option<String>,
}
