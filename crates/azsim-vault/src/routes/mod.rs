//! The data plane's routes. Every handler takes [`Authenticated`](crate::auth::Authenticated)
//! before anything that reads the body, so authentication always answers first.
//!
//! Each vault has its own origin (see the `address` module), so paths start at `/secrets`.
//! Served: `PUT /secrets/{name}`, `GET /secrets/{name}` and `.../{name}/` (latest),
//! `GET /secrets/{name}/{version}`, `GET /secrets`, `GET /secrets/{name}/versions`,
//! `DELETE /secrets/{name}`. Not served yet:
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
        .route("/secrets", get(list::list_secrets))
        .route(
            "/secrets/{name}",
            get(secret::get_latest)
                .put(secret::set_secret)
                .delete(secret::delete_secret),
        )
        .route("/secrets/{name}/", get(secret::get_latest))
        .route("/secrets/{name}/versions", get(list::list_secret_versions))
        .route("/secrets/{name}/{version}", get(secret::get_version))
        .with_state(service)
}

/// The path of one secret.
#[derive(Debug, Deserialize)]
pub(crate) struct SecretPath {
    /// The secret's name.
    name: String,
}

/// The path of one secret version.
#[derive(Debug, Deserialize)]
pub(crate) struct VersionPath {
    /// The secret's name.
    name: String,
    /// The version.
    version: String,
}
