//! The agent's HTTP surface: routes, the GET-only rule, and answers for unknown paths.

mod app_service;
mod guard;
mod info;
mod instance;
mod issue;
mod token;

use std::sync::Arc;

use axum::Router;
use axum::extract::Request;
use axum::http::Method;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use azsim_http::limits::METADATA_BODY_LIMIT;
use azsim_http::{BodyTooLarge, RequestContext};

use crate::agent::AgentState;
use crate::app_service_error::{AppServiceError, AppServiceFailure};
use crate::error::{IdentityError, MetadataError};

/// The router of one agent.
pub(crate) fn router(state: Arc<AgentState>) -> Router {
    let routes = Router::new()
        .route(
            "/metadata/identity/oauth2/token",
            get(token::identity_token_issue),
        )
        .route(
            crate::app_service::APP_SERVICE_TOKEN_PATH,
            get(app_service::app_service_token_issue),
        )
        .route("/metadata/identity/info", get(info::identity_info_view))
        .route("/metadata/instance", get(instance::instance_view))
        .route(
            "/metadata/instance/{*filter}",
            get(instance::instance_view_filtered),
        )
        .route("/metadata/versions", get(info::versions_list))
        .fallback(not_found)
        .with_state(state)
        .layer(middleware::from_fn(only_get));
    azsim_http::limit_request_bodies(routes, METADATA_BODY_LIMIT, body_too_large).layer(
        middleware::from_fn(|request, next| {
            azsim_http::with_request_context("imds", request, next)
        }),
    )
}

/// The answer to a body over the agent's limit, in the dialect of the path's endpoints (the
/// App Service endpoint answers in the identity endpoints' OAuth form here).
fn body_too_large(too_large: BodyTooLarge) -> Response {
    let limit = too_large.limit;
    let path = too_large.uri.path();
    if is_identity_path(path) || is_app_service_path(path) {
        IdentityError::PayloadTooLarge { limit }.into_response()
    } else {
        MetadataError::PayloadTooLarge { limit }.into_response()
    }
}

/// Whether `path` belongs to the identity endpoints, which answer errors in the OAuth form.
fn is_identity_path(path: &str) -> bool {
    path == "/metadata/identity" || path.starts_with("/metadata/identity/")
}

/// Whether `path` belongs to the App Service endpoint, which answers errors in its own form.
fn is_app_service_path(path: &str) -> bool {
    path == "/msi" || path.starts_with("/msi/")
}

/// An App Service error answer carrying the request's correlation id.
fn app_service_failure(request: &Request, error: AppServiceError) -> Response {
    let correlation_id = request
        .extensions()
        .get::<RequestContext>()
        .cloned()
        .unwrap_or_else(RequestContext::fresh)
        .correlation_id;
    AppServiceFailure {
        error,
        correlation_id,
    }
    .into_response()
}

/// The service supports GET only, on every path (known or not), so other methods are
/// refused before routing. Axum would otherwise answer HEAD through the GET handlers.
async fn only_get(request: Request, next: Next) -> Response {
    if request.method() == Method::GET {
        return next.run(request).await;
    }
    if is_app_service_path(request.uri().path()) {
        app_service_failure(&request, AppServiceError::MethodNotAllowed)
    } else if is_identity_path(request.uri().path()) {
        IdentityError::MethodNotAllowed.into_response()
    } else {
        MetadataError::MethodNotAllowed.into_response()
    }
}

async fn not_found(request: Request) -> Response {
    if is_app_service_path(request.uri().path()) {
        app_service_failure(&request, AppServiceError::NotFound)
    } else if is_identity_path(request.uri().path()) {
        IdentityError::NotFound.into_response()
    } else {
        MetadataError::NotFound.into_response()
    }
}
