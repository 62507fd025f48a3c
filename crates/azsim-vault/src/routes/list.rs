//! Listing: the secrets of a vault and the versions of a secret, without values, in pages.

use axum::Json;
use axum::extract::{Query, State};
use azsim_store::vaults::{
    list_secret_versions as stored_versions, list_secrets as stored_secrets,
};

use super::SecretPath;
use crate::access::{SecretAction, authorize, secret_scope, vault_resource_id};
use crate::api_version;
use crate::auth::Authenticated;
use crate::bundle::{ItemPage, SecretItem, secret_id};
use crate::error::VaultError;
use crate::name::check_secret_name;
use crate::paging::Page;
use crate::service::VaultService;

/// `GET /secrets`: the current version of every secret, by name, checked at the
/// vault's scope.
pub(super) async fn list_secrets(
    State(service): State<VaultService>,
    caller: Authenticated,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Json<ItemPage>, VaultError> {
    let api_version = api_version::require(&query)?;
    let page = Page::from_query(&query)?;
    authorize(
        &service,
        &caller,
        SecretAction::ReadMetadata,
        &vault_resource_id(&caller.vault),
    )
    .await?;
    let secrets = {
        let mut conn = service.connection().await?;
        stored_secrets(&mut conn, caller.vault.vault_row).await?
    };
    let vault_uri = &caller.vault.vault_uri;
    let items = secrets
        .iter()
        .map(|secret| SecretItem::new(vault_uri, secret, false))
        .collect();
    let (items, next_link) = page.take(items, &format!("{vault_uri}secrets"), api_version);
    Ok(Json(ItemPage::new(items, next_link)))
}

/// `GET /secrets/{name}/versions`: every version of one secret, oldest first,
/// checked at the secret's scope. A secret that does not exist has no versions.
pub(super) async fn list_secret_versions(
    State(service): State<VaultService>,
    caller: Authenticated,
    path: SecretPath,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Json<ItemPage>, VaultError> {
    let api_version = api_version::require(&query)?;
    check_secret_name(&path.name)?;
    let page = Page::from_query(&query)?;
    authorize(
        &service,
        &caller,
        SecretAction::ReadMetadata,
        &secret_scope(&caller.vault, &path.name),
    )
    .await?;
    let versions = {
        let mut conn = service.connection().await?;
        stored_versions(&mut conn, caller.vault.vault_row, &path.name).await?
    };
    let vault_uri = &caller.vault.vault_uri;
    let items = versions
        .iter()
        .map(|version| SecretItem::new(vault_uri, version, true))
        .collect();
    let list_url = format!("{}/versions", secret_id(vault_uri, &path.name, None));
    let (items, next_link) = page.take(items, &list_url, api_version);
    Ok(Json(ItemPage::new(items, next_link)))
}
