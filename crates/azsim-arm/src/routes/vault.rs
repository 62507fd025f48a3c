//! Handlers of `.../providers/Microsoft.KeyVault/vaults[/{name}]`.

use axum::response::{IntoResponse, Response};
use azsim_store::vaults::Vault;
use http::StatusCode;
use serde_json::{Map, Value, json};

use crate::app::vault::{
    VaultAddress, VaultPut, vault_create_or_update, vault_delete, vault_list_in_resource_group,
    vault_list_in_subscription, vault_view,
};
use crate::error::ArmError;
use crate::extract::ArmJson;
use crate::path::{VAULT_TYPE, vault_id};
use crate::routes::{Call, list as list_response, ok};

/// `PUT`: 201 when created, 200 when replaced; the write is complete when it answers.
pub(crate) async fn put(call: Call, address: VaultAddress<'_>) -> Result<Response, ArmError> {
    let ArmJson(body) = ArmJson::<VaultPut>::from_body(call.body).await?;
    let outcome = vault_create_or_update(&call.state, address, body).await?;
    let status = if outcome.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, axum::Json(vault_json(&outcome.vault))).into_response())
}

/// `GET`
pub(crate) async fn get(call: Call, address: VaultAddress<'_>) -> Result<Response, ArmError> {
    let vault = vault_view(&call.state, address).await?;
    Ok(ok(vault_json(&vault)))
}

/// `DELETE`: 200 when the vault existed, 204 when it did not.
pub(crate) async fn delete(call: Call, address: VaultAddress<'_>) -> Result<Response, ArmError> {
    let existed = vault_delete(&call.state, address).await?;
    let status = if existed {
        StatusCode::OK
    } else {
        StatusCode::NO_CONTENT
    };
    Ok(status.into_response())
}

/// `GET` of a resource group's vaults.
pub(crate) async fn list_in_resource_group(
    call: Call,
    subscription_id: &str,
    resource_group: &str,
) -> Result<Response, ArmError> {
    let vaults = vault_list_in_resource_group(&call.state, subscription_id, resource_group).await?;
    Ok(list_response(vaults.iter().map(vault_json).collect()))
}

/// `GET` of a subscription's vaults.
pub(crate) async fn list_in_subscription(
    call: Call,
    subscription_id: &str,
) -> Result<Response, ArmError> {
    let vaults = vault_list_in_subscription(&call.state, subscription_id).await?;
    Ok(list_response(vaults.iter().map(vault_json).collect()))
}

/// A vault as the provider shows it: the stored properties plus the read-only ones.
fn vault_json(vault: &Vault) -> Value {
    let mut properties = match &vault.properties {
        Value::Object(properties) => properties.clone(),
        _ => Map::new(),
    };
    properties.insert("vaultUri".to_owned(), json!(vault.vault_uri));
    properties.insert("provisioningState".to_owned(), json!("Succeeded"));
    json!({
        "id": vault_id(&vault.subscription_id, &vault.resource_group_name, &vault.name),
        "name": vault.name,
        "type": VAULT_TYPE,
        "location": vault.location,
        "tags": vault.tags,
        "properties": properties,
    })
}
