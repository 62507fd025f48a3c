//! Logging each failed request's error once, for every service, whatever its wire format.
//!
//! A service's `IntoResponse` writes its own wire body and then [`LoggedError::attach`]es the
//! error to the response; the request-context layer ([`crate::with_request_context`]) logs it
//! inside the request's span (so with its request and correlation ids), once, with its whole
//! source chain: server errors at `error`, refusals at `debug`. Handlers and services never log
//! the errors they return.

use std::error::Error;
use std::sync::Arc;

use axum::response::Response;

/// The error behind a failed response, carried to the one place that logs it.
#[derive(Debug, Clone)]
pub struct LoggedError(Arc<dyn Error + Send + Sync + 'static>);

impl LoggedError {
    /// Attaches `error` to `response`, to be logged once by the request-context layer.
    pub fn attach(response: &mut Response, error: impl Error + Send + Sync + 'static) {
        response.extensions_mut().insert(Self(Arc::new(error)));
    }

    /// The attached error.
    pub fn error(&self) -> &(dyn Error + 'static) {
        self.0.as_ref()
    }
}

/// Logs the error attached to `response`, if any. Called inside the request's span.
pub(crate) fn log_attached_error(response: &Response) {
    let Some(logged) = response.extensions().get::<LoggedError>() else {
        return;
    };
    let error = logged.error();
    let status = response.status().as_u16();
    if response.status().is_server_error() {
        tracing::error!(error, status, "request failed");
    } else {
        tracing::debug!(error, status, "request refused");
    }
}
