//! OAuth 2.0 error responses in Entra's AADSTS shape, written in one place.

use std::error::Error;
use std::fmt;
use std::sync::Arc;

use axum::Json;
use axum::response::{IntoResponse, Response};
use azsim_http::{LoggedError, RequestContext};
use http::StatusCode;
use http::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderValue, PRAGMA};
use serde::Serialize;
use time::OffsetDateTime;
use time::macros::format_description;

/// The `error` member of an OAuth error response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OAuthErrorCode {
    /// RFC 6749 5.2: a parameter is missing, repeated or malformed.
    InvalidRequest,
    /// RFC 6749 5.2: client authentication failed.
    InvalidClient,
    /// RFC 6749 5.2: the client is not allowed this grant (Entra: unknown client id).
    UnauthorizedClient,
    /// RFC 6749 5.2: the grant type is not supported.
    UnsupportedGrantType,
    /// RFC 6749 5.2: the scope is invalid.
    InvalidScope,
    /// Entra: the requested resource does not exist in the tenant.
    InvalidResource,
    /// Entra (discovery): the tenant does not exist.
    InvalidTenant,
    /// RFC 6749 4.1.2.1: the server failed.
    ServerError,
}

impl OAuthErrorCode {
    /// The wire string.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidClient => "invalid_client",
            Self::UnauthorizedClient => "unauthorized_client",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::InvalidScope => "invalid_scope",
            Self::InvalidResource => "invalid_resource",
            Self::InvalidTenant => "invalid_tenant",
            Self::ServerError => "server_error",
        }
    }

    /// The HTTP status: 401 for failed client authentication (RFC 6749 5.2), 500 for our own
    /// failures, 400 for everything else. This is the only place that decides.
    pub(crate) fn status(self) -> StatusCode {
        match self {
            Self::InvalidClient => StatusCode::UNAUTHORIZED,
            Self::ServerError => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::BAD_REQUEST,
        }
    }
}

/// A refused request: the OAuth code, the AADSTS number and its message, and for our own
/// failures the internal error behind it (logged, never sent).
#[derive(Debug, Clone)]
pub(crate) struct OAuthError {
    pub(crate) code: OAuthErrorCode,
    pub(crate) aadsts: u32,
    pub(crate) message: String,
    cause: Option<Arc<dyn Error + Send + Sync + 'static>>,
}

/// Two refusals are the same when the client would see the same answer.
impl PartialEq for OAuthError {
    fn eq(&self, other: &Self) -> bool {
        (self.code, self.aadsts, &self.message) == (other.code, other.aadsts, &other.message)
    }
}

impl Eq for OAuthError {}

impl fmt::Display for OAuthError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{} (AADSTS{})", self.code.as_str(), self.aadsts)
    }
}

impl Error for OAuthError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.cause
            .as_deref()
            .map(|cause| cause as &(dyn Error + 'static))
    }
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'static str,
    error_description: String,
    error_codes: [u32; 1],
    timestamp: &'a str,
    trace_id: &'a str,
    correlation_id: &'a str,
    error_uri: String,
}

impl OAuthError {
    pub(crate) fn new(code: OAuthErrorCode, aadsts: u32, message: impl Into<String>) -> Self {
        Self {
            code,
            aadsts,
            message: message.into(),
            cause: None,
        }
    }

    /// The same refusal, caused by an internal failure that the request layer logs.
    pub(crate) fn caused_by(mut self, cause: impl Error + Send + Sync + 'static) -> Self {
        self.cause = Some(Arc::new(cause));
        self
    }

    /// The response: Entra's body with trace and correlation ids and the time, and the
    /// no-store headers of the token endpoint.
    pub(crate) fn into_response(
        self,
        now: OffsetDateTime,
        context: &RequestContext,
        public_base: &str,
    ) -> Response {
        let timestamp = entra_timestamp(now);
        let body = ErrorBody {
            error: self.code.as_str(),
            error_description: format!(
                "AADSTS{}: {}\r\nTrace ID: {}\r\nCorrelation ID: {}\r\nTimestamp: {}",
                self.aadsts, self.message, context.request_id, context.correlation_id, timestamp
            ),
            error_codes: [self.aadsts],
            timestamp: &timestamp,
            trace_id: &context.request_id,
            correlation_id: &context.correlation_id,
            error_uri: format!("{public_base}/error?code={}", self.aadsts),
        };
        let mut response = (self.code.status(), Json(body)).into_response();
        no_store(&mut response);
        LoggedError::attach(&mut response, self);
        response
    }
}

/// The answer to a request body over the token service's limit: Entra's error body, with
/// the status HTTP has for it (413) instead of its code's 400.
pub(crate) fn body_too_large(
    limit: usize,
    now: OffsetDateTime,
    context: &RequestContext,
    public_base: &str,
) -> Response {
    let mut response =
        crate::aadsts::request_body_too_large(limit).into_response(now, context, public_base);
    *response.status_mut() = StatusCode::PAYLOAD_TOO_LARGE;
    response
}

/// Sets the headers Entra sends on every token endpoint response.
pub(crate) fn no_store(response: &mut Response) {
    let headers = response.headers_mut();
    headers.insert(
        CACHE_CONTROL,
        HeaderValue::from_static("no-store, no-cache"),
    );
    headers.insert(PRAGMA, HeaderValue::from_static("no-cache"));
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
}

/// `2016-01-09 02:02:12Z`, the format of Entra's error timestamps.
pub(crate) fn entra_timestamp(now: OffsetDateTime) -> String {
    let format = format_description!("[year]-[month]-[day] [hour]:[minute]:[second]Z");
    now.to_offset(time::UtcOffset::UTC)
        .format(&format)
        .unwrap_or_else(|_| now.unix_timestamp().to_string())
}

/// Unix seconds in Entra's timestamp format, for messages.
pub(crate) fn format_unix(unix_seconds: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix_seconds)
        .map(entra_timestamp)
        .unwrap_or_else(|_| unix_seconds.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_use_entra_format() {
        let time = OffsetDateTime::from_unix_timestamp(1_452_304_932).unwrap();
        assert_eq!(entra_timestamp(time), "2016-01-09 02:02:12Z");
    }

    #[test]
    fn only_client_authentication_failures_are_401() {
        assert_eq!(
            OAuthErrorCode::InvalidClient.status(),
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            OAuthErrorCode::UnauthorizedClient.status(),
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            OAuthErrorCode::InvalidResource.status(),
            StatusCode::BAD_REQUEST
        );
    }
}
