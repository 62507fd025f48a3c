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
use axum::extract::FromRequestParts;
use axum::routing::get;
use http::request::Parts;

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

/// The path of one secret. Its segments are percent-decoded without failing: bytes that are
/// not UTF-8 become U+FFFD, which no name or version rule accepts, so such a path gets Key
/// Vault's `BadParameter` from those rules rather than a plain-text rejection.
#[derive(Debug)]
pub(crate) struct SecretPath {
    /// The secret's name.
    name: String,
}

/// The path of one secret version, decoded as [`SecretPath`] is.
#[derive(Debug)]
pub(crate) struct VersionPath {
    /// The secret's name.
    name: String,
    /// The version.
    version: String,
}

/// Segment `index` of the request path (`/secrets/{name}/{version}`: 1 is the name, 2 the
/// version), percent-decoded once. Read from the URI itself: axum's path captures refuse a
/// segment that is not UTF-8 once decoded, with a plain-text answer of their own.
fn path_segment(parts: &Parts, index: usize) -> String {
    parts
        .uri
        .path()
        .split('/')
        .filter(|segment| !segment.is_empty())
        .nth(index)
        .map(|segment| {
            percent_encoding::percent_decode_str(segment)
                .decode_utf8_lossy()
                .into_owned()
        })
        .unwrap_or_default()
}

impl<S: Send + Sync> FromRequestParts<S> for SecretPath {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self {
            name: path_segment(parts, 1),
        })
    }
}

impl<S: Send + Sync> FromRequestParts<S> for VersionPath {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self {
            name: path_segment(parts, 1),
            version: path_segment(parts, 2),
        })
    }
}
