//! Handlers of `.../providers/Microsoft.KeyVault/vaults[/{name}]`.

use axum::response::Response;
use azsim_core::ResourceId;
use azsim_store::vaults::Vault;
use http::Method;
use serde_json::{Map, Value, json};

use crate::app::vault::{
    VaultPut, vault_create_or_update, vault_delete, vault_list_in_resource_group,
    vault_list_in_subscription, vault_view,
};
use crate::error::ArmError;
use crate::extract::ArmJson;
use crate::kinds::VAULT;
use crate::routes::{Call, Target, delete_answer, list as list_response, ok, put_answer};

/// The handlers of the kind, by target and method.
pub(crate) async fn route(call: Call, target: Target<'_>) -> Result<Response, ArmError> {
    match (target, &call.method) {
        (Target::Item(id), &Method::PUT) => put(call, id).await,
        (Target::Item(id), &Method::GET) => get(call, id).await,
        (Target::Item(id), &Method::DELETE) => delete(call, id).await,
        (Target::Collection(parent), &Method::GET) => match parent.resource_group_name() {
            Some(group) => list_in_resource_group(call, group).await,
            None => list_in_subscription(call).await,
        },
        _ => call.not_allowed(),
    }
}

/// `PUT`: 201 when created, 200 when replaced; the write is complete when it answers.
async fn put(call: Call, id: &ResourceId) -> Result<Response, ArmError> {
    let ArmJson(body) = ArmJson::<VaultPut>::from_body(call.body).await?;
    let outcome = vault_create_or_update(&call.state, &call.request, id, body).await?;
    Ok(put_answer(outcome.created, vault_json(&outcome.vault)))
}

/// `GET`
async fn get(call: Call, id: &ResourceId) -> Result<Response, ArmError> {
    let vault = vault_view(&call.state, &call.request, id).await?;
    Ok(ok(vault_json(&vault)))
}

/// `DELETE`: 200 when the vault existed, 204 when it did not.
async fn delete(call: Call, id: &ResourceId) -> Result<Response, ArmError> {
    let existed = vault_delete(&call.state, &call.request, id).await?;
    Ok(delete_answer(existed))
}

/// `GET` of a resource group's vaults.
async fn list_in_resource_group(call: Call, resource_group: &str) -> Result<Response, ArmError> {
    let vaults = vault_list_in_resource_group(&call.state, &call.request, resource_group).await?;
    Ok(list_response(vaults.iter().map(vault_json).collect()))
}

/// `GET` of a subscription's vaults.
async fn list_in_subscription(call: Call) -> Result<Response, ArmError> {
    let vaults = vault_list_in_subscription(&call.state, &call.request).await?;
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
        "id": VAULT.in_group(&vault.subscription_id, &vault.resource_group_name, &vault.name),
        "name": vault.name,
        "type": VAULT.type_path,
        "location": vault.location,
        "tags": vault.tags,
        "properties": properties,
    })
}
