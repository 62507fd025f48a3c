//! The ARM-like resource API of azsim: subscriptions, resource groups, virtual machines,
//! user-assigned identities, vaults, role assignments and role definitions, with ARM's ids,
//! casing rules, api-version check, error envelope, bearer authentication and role-based
//! access control, so that the Azure SDK management clients work against it unchanged.
//!
//! # Layout
//! - [`router`] and [`ArmState`]: the API as an axum router and the state it shares.
//! - [`error`]: [`ArmError`], the one place errors become ARM's envelope.
//! - [`extract`]: the `api-version` and JSON body extractors.
//! - [`path`]: request paths parsed case-insensitively into [`ArmPath`], and resource ids.
//! - [`auth`]: bearer-token authentication and the [`Caller`] extension.
//! - `access` (private): the role-based access check every request passes.
//! - [`app`]: the operations; `routes` (private) holds the thin HTTP handlers.

mod access;
pub mod app;
pub mod auth;
pub mod error;
pub mod extract;
pub mod path;
mod routes;
mod state;

use axum::Router;
use axum::middleware::{from_fn, from_fn_with_state};

pub use auth::Caller;
pub use error::ArmError;
pub use extract::{ApiVersion, ArmJson};
pub use path::ArmPath;
pub use state::{ArmConfig, ArmState};

/// The resource API. Every request gets ARM's request ids, is authenticated, is routed by
/// its case-insensitively parsed path and authorized by the caller's role assignments before
/// its handler runs; errors are logged once, inside the request's span.
pub fn router(state: ArmState) -> Router {
    Router::new()
        .fallback(routes::dispatch)
        .layer(from_fn_with_state(state.clone(), auth::authenticate))
        .layer(from_fn(error::log_errors))
        .layer(from_fn(|request, next| {
            azsim_http::with_request_context("arm", request, next)
        }))
        .with_state(state)
}
