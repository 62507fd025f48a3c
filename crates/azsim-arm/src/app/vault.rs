//! Vaults (`Microsoft.KeyVault/vaults`): create or replace, read, list, delete.
//!
//! A vault here always uses role-based access control for its data plane, trusts its
//! subscription's tenant, and is served on a listener of its own from its creation to its
//! deletion (its `vaultUri` is that listener's origin). Vault names are global, as they are
//! DNS names in Azure. Deleting a vault deletes its secrets (the schema cascades); there is no
//! soft delete.

use azsim_core::ResourceId;
use azsim_store::StoreError;
use azsim_store::resources::ResourceGroup;
use azsim_store::vaults::{self, Vault, VaultWrite};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::app::normalize_location;
use crate::error::ArmError;
use crate::kinds::VAULT;
use crate::lookup::{acquire, group_item, require_resource_group};
use crate::request::ArmRequest;
use crate::state::ArmState;

/// Properties the service sets; a caller's values for them are ignored.
const READ_ONLY_PROPERTIES: [&str; 3] = ["vaultUri", "provisioningState", "hsmPoolResourceId"];

/// The body of a vault PUT (a full replace). Properties the simulator does not model
/// (`enableSoftDelete`, `accessPolicies`, ...) are kept and echoed.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct VaultPut {
    /// Where the vault lives; required.
    pub(crate) location: Option<String>,
    /// Its tags.
    #[serde(default)]
    pub(crate) tags: Option<Map<String, Value>>,
    /// `tenantId`, `sku`, `enableRbacAuthorization`, ...
    #[serde(default)]
    pub(crate) properties: Option<Map<String, Value>>,
}

/// The result of a vault PUT: the vault and whether it was created.
#[derive(Debug, Clone)]
pub(crate) struct VaultPutOutcome {
    /// The vault after the write.
    pub(crate) vault: Vault,
    /// `true` when the vault did not exist before.
    pub(crate) created: bool,
}

/// Creates or replaces a vault. Its location cannot change, and its name must be free in the
/// whole cloud.
#[tracing::instrument(skip_all, fields(resource_id = %id))]
pub(crate) async fn vault_create_or_update(
    state: &ArmState,
    request: &ArmRequest,
    id: &ResourceId,
    body: VaultPut,
) -> Result<VaultPutOutcome, ArmError> {
    let (group_name, name) = group_item(id)?;
    let subscription = request.require_subscription()?;
    VAULT.check_name(name)?;
    let location = normalize_location(body.location.as_deref())?;
    let tags = body.tags.unwrap_or_default();
    let mut tx = state.store().write().await?;
    let group = require_resource_group(&mut tx, subscription, group_name).await?;
    let properties = vault_properties(
        body.properties.unwrap_or_default(),
        &subscription.tenant_id,
        &subscription.subscription_id,
    )?;
    let existing = vaults::find_vault_by_name(&mut tx, name).await?;
    // A new vault gets its port now, so its URI goes into its row; the port is served once
    // the row is committed, and freed if the write fails.
    let (vault_uri, new_endpoint) = match &existing {
        Some(existing) if existing.resource_group_row != group.resource_group_row => {
            return Err(ArmError::VaultAlreadyExists {
                name: name.to_owned(),
            });
        }
        Some(existing) if existing.location != location => {
            return Err(ArmError::ResourceLocationChange {
                name: existing.name.clone(),
                resource_group: group.name,
                requested: location,
                existing: existing.location.clone(),
            });
        }
        // The store keeps the URI a vault was created with.
        Some(existing) => (existing.vault_uri.clone(), None),
        None => {
            let endpoint = state.vaults().bind_vault_endpoint().await?;
            (endpoint.vault_uri().to_owned(), Some(endpoint))
        }
    };
    let upsert = vaults::upsert_vault(
        &mut tx,
        VaultWrite {
            resource_group_row: group.resource_group_row,
            name,
            location: &location,
            tenant_id: &subscription.tenant_id,
            properties: &properties,
            tags: &tags,
            vault_uri: &vault_uri,
            now: state.clock().unix_seconds(),
        },
    )
    .await
    .map_err(|error| match error {
        // Another writer took the name between the look-up and the write.
        StoreError::Conflict { .. } => ArmError::VaultAlreadyExists {
            name: name.to_owned(),
        },
        other => ArmError::Store(other),
    })?;
    tx.commit().await?;
    if let Some(endpoint) = new_endpoint {
        let address = state.vaults().start_vault(&upsert.vault, endpoint).await?;
        tracing::info!(%address, "vault data plane started");
    }
    tracing::info!(created = upsert.created, "vault written");
    Ok(VaultPutOutcome {
        vault: upsert.vault,
        created: upsert.created,
    })
}

/// One vault.
#[tracing::instrument(skip_all, fields(resource_id = %id))]
pub(crate) async fn vault_view(
    state: &ArmState,
    request: &ArmRequest,
    id: &ResourceId,
) -> Result<Vault, ArmError> {
    let (group_name, name) = group_item(id)?;
    let subscription = request.require_subscription()?;
    let mut conn = acquire(state).await?;
    let group = require_resource_group(&mut conn, subscription, group_name).await?;
    find_in_group(&mut conn, &group, name).await
}

/// The vaults of a resource group.
#[tracing::instrument(skip_all, fields(resource_group = %resource_group))]
pub(crate) async fn vault_list_in_resource_group(
    state: &ArmState,
    request: &ArmRequest,
    resource_group: &str,
) -> Result<Vec<Vault>, ArmError> {
    let subscription = request.require_subscription()?;
    let mut conn = acquire(state).await?;
    let group = require_resource_group(&mut conn, subscription, resource_group).await?;
    Ok(vaults::list_vaults_in_resource_group(&mut conn, group.resource_group_row).await?)
}

/// The vaults of a subscription.
#[tracing::instrument(skip_all)]
pub(crate) async fn vault_list_in_subscription(
    state: &ArmState,
    request: &ArmRequest,
) -> Result<Vec<Vault>, ArmError> {
    let subscription = request.require_subscription()?;
    let mut conn = acquire(state).await?;
    Ok(vaults::list_vaults_in_subscription(&mut conn, &subscription.subscription_id).await?)
}

/// Deletes a vault and (by the schema's cascade) its secrets, then stops its listener; `false`
/// when there was none.
#[tracing::instrument(skip_all, fields(resource_id = %id))]
pub(crate) async fn vault_delete(
    state: &ArmState,
    request: &ArmRequest,
    id: &ResourceId,
) -> Result<bool, ArmError> {
    let (group_name, name) = group_item(id)?;
    let subscription = request.require_subscription()?;
    let mut tx = state.store().write().await?;
    let group = require_resource_group(&mut tx, subscription, group_name).await?;
    let Some(vault) = vaults::find_vault(&mut tx, group.resource_group_row, name).await? else {
        return Ok(false);
    };
    vaults::delete_vault(&mut tx, vault.vault_row).await?;
    tx.commit().await?;
    state.vaults().stop_vault(&vault).await;
    tracing::info!("vault deleted");
    Ok(true)
}

/// A vault of a resource group, or `ResourceNotFound`.
pub(crate) async fn find_in_group(
    conn: &mut azsim_store::Connection,
    group: &ResourceGroup,
    name: &str,
) -> Result<Vault, ArmError> {
    vaults::find_vault(conn, group.resource_group_row, name)
        .await?
        .ok_or_else(|| {
            (VAULT.not_found)(&VAULT.in_group(&group.subscription_id, &group.name, name))
        })
}

/// The properties to store: the caller's, without read-only ones, with `tenantId`, `sku` and
/// `enableRbacAuthorization` checked and filled in.
fn vault_properties(
    mut properties: Map<String, Value>,
    tenant_id: &str,
    subscription_id: &str,
) -> Result<Value, ArmError> {
    for read_only in READ_ONLY_PROPERTIES {
        properties.remove(read_only);
    }
    match properties.get("tenantId") {
        None | Some(Value::Null) => {}
        Some(Value::String(given)) if given.eq_ignore_ascii_case(tenant_id) => {}
        Some(given) => {
            return Err(invalid(
                "properties.tenantId",
                format!(
                    "The tenant '{}' is not the tenant '{tenant_id}' of subscription \
                     '{subscription_id}'. A vault accepts tokens of its subscription's tenant \
                     only.",
                    given.as_str().unwrap_or_default()
                ),
            ));
        }
    }
    properties.insert("tenantId".to_owned(), json!(tenant_id));
    let sku = sku(properties.get("sku"))?;
    properties.insert("sku".to_owned(), sku);
    match properties.get("enableRbacAuthorization") {
        None | Some(Value::Null) | Some(Value::Bool(true)) => {}
        Some(_) => {
            return Err(invalid(
                "properties.enableRbacAuthorization",
                "Only vaults with 'enableRbacAuthorization' true are supported: access to \
                 secrets is decided by role assignments."
                    .to_owned(),
            ));
        }
    }
    properties.insert("enableRbacAuthorization".to_owned(), json!(true));
    Ok(Value::Object(properties))
}

/// The vault's `sku`: family `A`, name `standard` (the default) or `premium`.
fn sku(given: Option<&Value>) -> Result<Value, ArmError> {
    let (family, name) = match given {
        None | Some(Value::Null) => (None, None),
        Some(Value::Object(sku)) => (sku.get("family"), sku.get("name")),
        Some(_) => {
            return Err(invalid(
                "properties.sku",
                "The sku must be an object.".to_owned(),
            ));
        }
    };
    let family_ok = match family {
        None | Some(Value::Null) => true,
        Some(Value::String(family)) => family.eq_ignore_ascii_case("A"),
        Some(_) => false,
    };
    if !family_ok {
        return Err(invalid(
            "properties.sku.family",
            "The value of parameter 'properties.sku.family' is not valid. The allowed value is \
             'A'."
                .to_owned(),
        ));
    }
    let name = match name {
        None | Some(Value::Null) => "standard".to_owned(),
        Some(Value::String(name))
            if name.eq_ignore_ascii_case("standard") || name.eq_ignore_ascii_case("premium") =>
        {
            name.to_ascii_lowercase()
        }
        Some(_) => {
            return Err(invalid(
                "properties.sku.name",
                "The value of parameter 'properties.sku.name' is not valid. The allowed values \
                 are 'standard', 'premium'."
                    .to_owned(),
            ));
        }
    };
    Ok(json!({ "family": "A", "name": name }))
}

fn invalid(target: &str, message: String) -> ArmError {
    ArmError::InvalidParameter {
        target: target.to_owned(),
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::names::check_vault_name;

    const TENANT: &str = "5c7d2b0e-3f4a-4b6c-9d8e-1a2b3c4d5e6f";
    const SUB: &str = "0b1f6471-1bf0-4dda-aec3-cb9272f09590";

    #[test]
    fn vault_names_follow_key_vaults_rule() {
        for name in ["kv1", "Kv-App-01", &"a".repeat(24), "a-b-c"] {
            assert!(check_vault_name(name).is_ok(), "{name}");
        }
        for name in [
            "kv",
            &"a".repeat(25),
            "1kv",
            "kv-",
            "k--v",
            "kv_app",
            "kv.app",
            "-kv",
        ] {
            let error = check_vault_name(name).unwrap_err();
            assert_eq!(error.status_and_code().1, "VaultNameNotValid", "{name}");
        }
    }

    #[test]
    fn properties_get_tenant_sku_and_rbac_filled_in() {
        let properties = vault_properties(
            json!({"vaultUri": "https://x/", "enableSoftDelete": true})
                .as_object()
                .cloned()
                .unwrap(),
            TENANT,
            SUB,
        )
        .unwrap();
        assert_eq!(
            properties,
            json!({
                "enableSoftDelete": true,
                "tenantId": TENANT,
                "sku": {"family": "A", "name": "standard"},
                "enableRbacAuthorization": true,
            })
        );
        let premium = vault_properties(
            json!({"tenantId": TENANT.to_uppercase(), "sku": {"family": "a", "name": "Premium"}})
                .as_object()
                .cloned()
                .unwrap(),
            TENANT,
            SUB,
        )
        .unwrap();
        assert_eq!(premium["sku"], json!({"family": "A", "name": "premium"}));
        assert_eq!(premium["tenantId"], TENANT);
    }

    #[test]
    fn properties_the_simulator_cannot_honour_are_refused() {
        for (properties, target) in [
            (
                json!({"tenantId": "00000000-0000-0000-0000-000000000000"}),
                "properties.tenantId",
            ),
            (json!({"sku": {"name": "basic"}}), "properties.sku.name"),
            (json!({"sku": {"family": "B"}}), "properties.sku.family"),
            (
                json!({"enableRbacAuthorization": false}),
                "properties.enableRbacAuthorization",
            ),
        ] {
            let error = vault_properties(properties.as_object().cloned().unwrap(), TENANT, SUB)
                .unwrap_err();
            match error {
                ArmError::InvalidParameter { target: got, .. } => assert_eq!(got, target),
                other => panic!("unexpected {other:?}"),
            }
        }
    }
}
