//! Who may do what: the RBAC data action of each operation, the scope it is checked at, and
//! Key Vault's `ForbiddenByRbac` refusal.
//!
//! A vault with `enableRbacAuthorization` decides every data-plane call with role
//! assignments' data actions, never with management actions: an Owner of the subscription
//! reads no secret until a role such as Key Vault Secrets User is assigned. A single secret's
//! operations are checked at the secret's own scope, `{vault id}/secrets/{name}`, so an
//! assignment on one secret grants that secret alone; listing is checked at the vault.

use azsim_core::{FlowEvent, FlowStep, ResourceId};
use azsim_rbac::PermissionKind;
use azsim_store::vaults::Vault;

use crate::auth::Authenticated;
use crate::error::VaultError;
use crate::service::VaultService;

/// A data-plane operation on secrets, by the RBAC data action it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SecretAction {
    /// Read a secret's value.
    GetSecret,
    /// Add a secret version.
    SetSecret,
    /// List secrets or a secret's versions (no values).
    ReadMetadata,
    /// Delete a secret.
    Delete,
}

impl SecretAction {
    /// The data action, as role definitions name it.
    pub(crate) fn data_action(self) -> &'static str {
        match self {
            Self::GetSecret => "Microsoft.KeyVault/vaults/secrets/getSecret/action",
            Self::SetSecret => "Microsoft.KeyVault/vaults/secrets/setSecret/action",
            Self::ReadMetadata => "Microsoft.KeyVault/vaults/secrets/readMetadata/action",
            Self::Delete => "Microsoft.KeyVault/vaults/secrets/delete",
        }
    }

    /// A few words for flow events.
    fn describe(self) -> &'static str {
        match self {
            Self::GetSecret => "reads",
            Self::SetSecret => "sets",
            Self::ReadMetadata => "lists",
            Self::Delete => "deletes",
        }
    }
}

/// The vault's ARM id: `/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.KeyVault/vaults/{v}`.
pub(crate) fn vault_resource_id(vault: &Vault) -> ResourceId {
    ResourceId::resource_group(&vault.subscription_id, &vault.resource_group_name).provider(
        "Microsoft.KeyVault",
        "vaults",
        &vault.name,
    )
}

/// The scope of one secret: `{vault id}/secrets/{name}`.
pub(crate) fn secret_scope(vault: &Vault, secret_name: &str) -> ResourceId {
    let vault_id = vault_resource_id(vault);
    // A vault id is a provider resource, so it always has children.
    vault_id.child("secrets", secret_name).unwrap_or(vault_id)
}

/// Allows the caller `action` at `scope` or refuses with 403 `ForbiddenByRbac`. A managed
/// identity's call is recorded as step 7 of the flow, with the decision.
pub(crate) async fn authorize(
    service: &VaultService,
    caller: &Authenticated,
    action: SecretAction,
    scope: &ResourceId,
) -> Result<(), VaultError> {
    let allowed = service
        .authorizer()
        .is_allowed(
            &caller.claims.oid,
            action.data_action(),
            PermissionKind::Data,
            scope,
        )
        .await
        .map_err(VaultError::Authorization)?;
    if let Some(identity) = &caller.claims.xms_mirid {
        service.events().record(FlowEvent {
            source: identity.clone(),
            target: format!("vault:{}", caller.vault.name),
            step: Some(FlowStep::UseToken),
            correlation_id: caller.correlation_id.clone(),
            summary: format!(
                "managed identity {} {scope}: {}",
                action.describe(),
                if allowed { "allowed" } else { "denied (403)" }
            ),
        });
    }
    if allowed {
        Ok(())
    } else {
        tracing::info!(
            object_id = %caller.claims.oid,
            action = action.data_action(),
            scope = %scope,
            "vault call denied by RBAC"
        );
        Err(VaultError::ForbiddenByRbac {
            message: forbidden_message(caller, action, scope),
        })
    }
}

/// Key Vault's refusal text, line by line as the real service writes it (resource lower-case).
fn forbidden_message(caller: &Authenticated, action: SecretAction, scope: &ResourceId) -> String {
    let claims = &caller.claims;
    let vault = &caller.vault;
    format!(
        "Caller is not authorized to perform action on resource.\r\n\
         If role assignments, deny assignments or role definitions were changed recently, \
         please observe propagation time.\r\n\
         Caller: appid={};oid={};iss={}\r\n\
         Action: '{}'\r\n\
         Resource: '{}'\r\n\
         Assignment: (not found)\r\n\
         DenyAssignmentId: null\r\n\
         DecisionReason: null \r\n\
         Vault: {};location={}\r\n",
        claims.appid,
        claims.oid,
        claims.iss,
        action.data_action(),
        scope.scope_key(),
        vault.name,
        vault.location,
    )
}
