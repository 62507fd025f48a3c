//! Request ids, the per-request tracing span, and the [`RequestContext`] handlers extract.

use std::convert::Infallible;

use axum::extract::{FromRequestParts, Request};
use axum::middleware::Next;
use axum::response::Response;
use http::HeaderValue;
use http::request::Parts;
use tracing::Instrument;

/// The response header that carries the id the service gave the request.
pub const REQUEST_ID_HEADER: &str = "x-ms-request-id";

/// The header that ties the requests of one flow together across services.
pub const CORRELATION_HEADER: &str = "x-ms-correlation-request-id";

/// Facts about the current request. Handlers take it as an extractor argument.
#[derive(Debug, Clone)]
pub struct RequestContext {
    /// The id this service gave the request (returned as `x-ms-request-id`).
    pub request_id: String,
    /// The caller's correlation id, or a new one (returned as `x-ms-correlation-request-id`).
    pub correlation_id: String,
}

impl RequestContext {
    /// Fresh ids, for a request that did not pass through [`with_request_context`].
    pub fn fresh() -> Self {
        Self {
            request_id: uuid::Uuid::new_v4().to_string(),
            correlation_id: uuid::Uuid::new_v4().to_string(),
        }
    }
}

/// Never fails: the context the middleware set, or fresh ids when a router was built
/// without the middleware (so every service handles that case the same way).
impl<S: Send + Sync> FromRequestParts<S> for RequestContext {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Infallible> {
        Ok(parts
            .extensions
            .get::<RequestContext>()
            .cloned()
            .unwrap_or_else(Self::fresh))
    }
}

/// Middleware: gives each request an id, adopts or creates its correlation id, runs the rest
/// of the stack inside an `http_request` span naming the service, logs the error behind a
/// failed response once ([`crate::LoggedError`]), and returns both ids.
///
/// Use as `axum::middleware::from_fn(move |req, next| with_request_context("arm", req, next))`.
pub async fn with_request_context(
    service: &'static str,
    mut request: Request,
    next: Next,
) -> Response {
    let request_id = uuid::Uuid::new_v4().to_string();
    let correlation_id = request
        .headers()
        .get(CORRELATION_HEADER)
        .or_else(|| request.headers().get("client-request-id"))
        .or_else(|| request.headers().get("x-ms-client-request-id"))
        .and_then(|value| value.to_str().ok())
        .filter(|value| !value.is_empty() && value.len() <= 128)
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let span = tracing::debug_span!(
        "http_request",
        service,
        method = %request.method(),
        path = %request.uri().path(),
        request_id = %request_id,
        correlation_id = %correlation_id,
        status = tracing::field::Empty,
    );
    request.extensions_mut().insert(RequestContext {
        request_id: request_id.clone(),
        correlation_id: correlation_id.clone(),
    });
    let mut response = next.run(request).instrument(span.clone()).await;
    span.record("status", response.status().as_u16());
    span.in_scope(|| {
        crate::error_log::log_attached_error(&response);
        tracing::debug!(status = response.status().as_u16(), "request finished");
    });
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        headers.insert(REQUEST_ID_HEADER, value);
    }
    if let Ok(value) = HeaderValue::from_str(&correlation_id) {
        headers.insert(CORRELATION_HEADER, value);
    }
    response
}
