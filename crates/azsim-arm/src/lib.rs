//! The ARM-like resource API of azsim: subscriptions, resource groups, virtual machines,
//! user-assigned identities, vaults, role assignments and role definitions, with ARM's ids,
//! casing rules, api-version check, error envelope, bearer authentication and role-based
//! access control, so that the Azure SDK management clients work against it unchanged.
//!
//! # Layout
//! - [`router`] and [`ArmState`]: the API as an axum router and the state it shares.
//! - `request`: the middleware that authenticates, parses the path and reads the
//!   subscription once, into an `ArmRequest` (`auth` validates the token).
//! - `kinds`: the one table of resource kinds; `path`: request paths parsed against it;
//!   `names`: the kinds' name rules.
//! - `access`: the role-based access check every request passes.
//! - `routes`: the thin HTTP handlers, one file per kind; `app`: the operations;
//!   `lookup`: the store look-ups operations start with.
//! - `error`: `ArmError`, the one place errors become ARM's envelope; `extract`: the
//!   `api-version` and JSON body extractors.

mod access;
mod app;
mod auth;
mod error;
mod extract;
mod kinds;
mod lookup;
mod names;
mod path;
mod request;
mod routes;
mod state;

use axum::Router;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::IntoResponse;

pub use state::{ArmConfig, ArmState};

/// The resource API. Every request gets ARM's request ids, is authenticated, is routed by
/// its case-insensitively parsed path and authorized by the caller's role assignments before
/// its handler runs; errors are logged once, inside the request's span.
pub fn router(state: ArmState) -> Router {
    let routes = Router::new()
        .fallback(routes::dispatch)
        .layer(from_fn_with_state(state.clone(), request::arm_request));
    azsim_http::limit_request_bodies(
        routes,
        azsim_http::limits::RESOURCE_API_BODY_LIMIT,
        |too_large| {
            error::ArmError::RequestContentTooLarge {
                limit: too_large.limit,
            }
            .into_response()
        },
    )
    .layer(from_fn(|request, next| {
        azsim_http::with_request_context("arm", request, next)
    }))
    .with_state(state)
}
