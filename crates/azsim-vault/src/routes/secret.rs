//! One secret: set a new version, get the latest or a given version, delete all versions.

use std::collections::BTreeMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, State};
use azsim_store::vaults::{
    NewSecretVersion, SecretVersion, delete_secret as delete_versions, find_latest_secret,
    find_secret_version, insert_secret_version,
};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::{SecretPath, VersionPath};
use crate::access::{SecretAction, authorize, secret_scope};
use crate::api_version;
use crate::auth::Authenticated;
use crate::bundle::{DeletedSecretBundle, SecretBundle};
use crate::error::VaultError;
use crate::name::{check_secret_name, check_version, new_version};
use crate::service::VaultService;

/// The body of a set request (`SecretSetParameters`).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SetSecretRequest {
    value: String,
    #[serde(default)]
    content_type: Option<String>,
    #[serde(default)]
    tags: Option<BTreeMap<String, String>>,
    #[serde(default)]
    attributes: Option<SetAttributes>,
}

/// The attributes a caller may set.
#[derive(Debug, Deserialize)]
struct SetAttributes {
    #[serde(default)]
    enabled: Option<bool>,
    #[serde(default)]
    nbf: Option<i64>,
    #[serde(default)]
    exp: Option<i64>,
}

/// `PUT /secrets/{name}`: adds a new version, which becomes the current one.
pub(super) async fn set_secret(
    State(service): State<VaultService>,
    caller: Authenticated,
    path: SecretPath,
    Query(query): Query<Vec<(String, String)>>,
    body: Bytes,
) -> Result<Json<SecretBundle>, VaultError> {
    api_version::require(&query)?;
    check_secret_name(&path.name)?;
    authorize(
        &service,
        &caller,
        SecretAction::SetSecret,
        &secret_scope(&caller.vault, &path.name),
    )
    .await?;
    let request = parse_set_request(&body)?;
    let tags: Map<String, Value> = request
        .tags
        .unwrap_or_default()
        .into_iter()
        .map(|(key, value)| (key, Value::String(value)))
        .collect();
    let attributes = request.attributes;
    let version = new_version();
    let now = service.clock().unix_seconds();
    let mut tx = service.store().write().await?;
    let stored = insert_secret_version(
        &mut tx,
        NewSecretVersion {
            vault_row: caller.vault.vault_row,
            name: &path.name,
            version: &version,
            value: &request.value,
            content_type: request.content_type.as_deref(),
            enabled: attributes.as_ref().and_then(|a| a.enabled).unwrap_or(true),
            not_before: attributes.as_ref().and_then(|a| a.nbf),
            expires: attributes.as_ref().and_then(|a| a.exp),
            tags: &tags,
            now,
        },
    )
    .await?;
    tx.commit().await?;
    tracing::info!(
        vault = %caller.vault.name,
        secret = %stored.name,
        version = %stored.version,
        "secret version set"
    );
    Ok(Json(SecretBundle::new(&caller.vault.vault_uri, &stored)))
}

/// The set request in `body`: a JSON object (serde would also read a struct from an array,
/// which Key Vault does not accept) with a string `value`.
fn parse_set_request(body: &[u8]) -> Result<SetSecretRequest, VaultError> {
    let invalid = |detail: String| VaultError::BadParameter {
        message: format!(
            "The request body is invalid: {detail}. A set request is a JSON object with at \
             least {{\"value\": \"...\"}}."
        ),
    };
    let json: Value = serde_json::from_slice(body).map_err(|error| invalid(error.to_string()))?;
    if !json.is_object() {
        return Err(invalid("it is not a JSON object".to_owned()));
    }
    let request: SetSecretRequest =
        serde_json::from_value(json).map_err(|error| invalid(error.to_string()))?;
    if request.value.len() > MAX_SECRET_VALUE_BYTES {
        return Err(VaultError::BadParameter {
            message: format!(
                "Secret is beyond the maximum permitted length of {MAX_SECRET_VALUE_BYTES} \
                 characters."
            ),
        });
    }
    Ok(request)
}

/// Key Vault keeps a secret value as at most 25 KiB of octets ("about-secrets" in Key Vault's
/// docs); a longer value is refused with this text (as quoted in azure-cli#5639).
const MAX_SECRET_VALUE_BYTES: usize = 25_600;

/// `GET /secrets/{name}` and `GET /secrets/{name}/`: the current version.
pub(super) async fn get_latest(
    State(service): State<VaultService>,
    caller: Authenticated,
    path: SecretPath,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Json<SecretBundle>, VaultError> {
    read_secret(&service, &caller, &path.name, None, &query).await
}

/// `GET /secrets/{name}/{version}`: one version.
pub(super) async fn get_version(
    State(service): State<VaultService>,
    caller: Authenticated,
    path: VersionPath,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Json<SecretBundle>, VaultError> {
    read_secret(&service, &caller, &path.name, Some(&path.version), &query).await
}

async fn read_secret(
    service: &VaultService,
    caller: &Authenticated,
    name: &str,
    version: Option<&str>,
    query: &[(String, String)],
) -> Result<Json<SecretBundle>, VaultError> {
    api_version::require(query)?;
    check_secret_name(name)?;
    if let Some(version) = version {
        check_version(name, version)?;
    }
    authorize(
        service,
        caller,
        SecretAction::GetSecret,
        &secret_scope(&caller.vault, name),
    )
    .await?;
    let secret: Option<SecretVersion> = {
        let mut conn = service.connection().await?;
        match version {
            None => find_latest_secret(&mut conn, caller.vault.vault_row, name).await?,
            Some(version) => {
                find_secret_version(&mut conn, caller.vault.vault_row, name, version).await?
            }
        }
    };
    let secret = secret.ok_or_else(|| VaultError::SecretNotFound {
        name: match version {
            None => name.to_owned(),
            Some(version) => format!("{name}/{version}"),
        },
    })?;
    if !secret.enabled {
        return Err(VaultError::SecretDisabled { operation: "get" });
    }
    Ok(Json(SecretBundle::new(&caller.vault.vault_uri, &secret)))
}

/// `DELETE /secrets/{name}`: deletes every version, answering with the deleted
/// bundle of the current one.
pub(super) async fn delete_secret(
    State(service): State<VaultService>,
    caller: Authenticated,
    path: SecretPath,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Json<DeletedSecretBundle>, VaultError> {
    api_version::require(&query)?;
    check_secret_name(&path.name)?;
    authorize(
        &service,
        &caller,
        SecretAction::Delete,
        &secret_scope(&caller.vault, &path.name),
    )
    .await?;
    let now = service.clock().unix_seconds();
    let mut tx = service.store().write().await?;
    let latest = find_latest_secret(&mut tx, caller.vault.vault_row, &path.name)
        .await?
        .ok_or_else(|| VaultError::SecretNotFound {
            name: path.name.clone(),
        })?;
    let versions = delete_versions(&mut tx, caller.vault.vault_row, &path.name).await?;
    tx.commit().await?;
    tracing::info!(
        vault = %caller.vault.name,
        secret = %latest.name,
        versions,
        "secret deleted"
    );
    Ok(Json(DeletedSecretBundle::new(
        &caller.vault.vault_uri,
        &latest,
        now,
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_over_25_kib_is_refused() {
        let body = |length: usize| format!(r#"{{"value":"{}"}}"#, "v".repeat(length));
        assert!(parse_set_request(body(MAX_SECRET_VALUE_BYTES).as_bytes()).is_ok());
        match parse_set_request(body(MAX_SECRET_VALUE_BYTES + 1).as_bytes()) {
            Err(VaultError::BadParameter { message }) => {
                assert!(message.contains("maximum permitted length"), "{message}")
            }
            other => panic!("{other:?}"),
        }
    }
}
