//! The data plane's routes. Every handler takes [`Authenticated`](crate::auth::Authenticated)
//! before anything that reads the body, so authentication always answers first.
//!
//! Vault names are the first path segment (see the `address` module). Served:
//! `PUT /{vault}/secrets/{name}`, `GET /{vault}/secrets/{name}` and `.../{name}/` (latest),
//! `GET /{vault}/secrets/{name}/{version}`, `GET /{vault}/secrets`,
//! `GET /{vault}/secrets/{name}/versions`, `DELETE /{vault}/secrets/{name}`. Not served yet:
//! `PATCH` of a version's attributes, deleted secrets (recover, purge), backup and restore.

mod list;
mod secret;

use axum::Router;
use axum::routing::get;
use serde::Deserialize;

use crate::service::VaultService;

/// The secrets routes, with `service` as their state.
pub(crate) fn router(service: VaultService) -> Router {
    Router::new()
        .route("/{vault}/secrets", get(list::list_secrets))
        .route(
            "/{vault}/secrets/{name}",
            get(secret::get_latest)
                .put(secret::set_secret)
                .delete(secret::delete_secret),
        )
        .route("/{vault}/secrets/{name}/", get(secret::get_latest))
        .route(
            "/{vault}/secrets/{name}/versions",
            get(list::list_secret_versions),
        )
        .route(
            "/{vault}/secrets/{name}/{version}",
            get(secret::get_version),
        )
        .with_state(service)
}

/// The path of one secret.
#[derive(Debug, Deserialize)]
pub(crate) struct SecretPath {
    /// The vault's name (the authentication extractor reads it too).
    #[serde(rename = "vault")]
    _vault: String,
    /// The secret's name.
    name: String,
}

/// The path of one secret version.
#[derive(Debug, Deserialize)]
pub(crate) struct VersionPath {
    /// The vault's name (the authentication extractor reads it too).
    #[serde(rename = "vault")]
    _vault: String,
    /// The secret's name.
    name: String,
    /// The version.
    version: String,
}
