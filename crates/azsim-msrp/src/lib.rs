//! MSRP, the managed-identity resource provider.
//!
//! MSRP owns the managed identities: when the resource API enables an identity, MSRP creates
//! its service principal in the directory, issues it an X.509 certificate from MSRP's own
//! certificate authority, registers that certificate as the principal's credential, and hands
//! client id, certificate and key to the metadata agent of every VM that carries the identity
//! (flow steps 2 and 3). User-assigned identities are resources of their own: created and
//! deleted by the resource API, attached to any number of VMs. MSRP also rolls certificates
//! before they expire.
//!
//! # Layout
//! - [`Msrp`]: the provider and its operations (system-assigned identities, agents, rollover).
//! - `user_assigned`: user-assigned identities and their attachments to VMs.
//! - [`authority`]: loading or creating MSRP's certificate authority.
//! - [`credential`]: issuing an identity certificate and registering it in the directory.
//! - [`agents`]: turning store rows into what a metadata agent is given.
//! - `vm_locks`: one lock per VM, so its agent follows the last committed write.
//! - `identity_header`: each VM's App Service secret (`IDENTITY_HEADER`), created once and
//!   handed to its agent.

mod agents;
mod authority;
mod credential;
mod error;
mod identity_header;
mod msrp;
mod user_assigned;
mod vm_locks;

#[cfg(test)]
mod agent_race_tests;
#[cfg(test)]
mod test_support;

pub use error::MsrpError;
pub use msrp::{DeletedVm, Msrp, MsrpConfig, SystemIdentityInfo, VmIdentityTarget};
pub use user_assigned::{
    UserAssignedIdentity, UserAssignedIdentityTarget, user_assigned_identity_resource_id,
};
