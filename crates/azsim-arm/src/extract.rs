//! Extractors that reject bad input with ARM's error envelope instead of axum's plain text:
//! the `api-version` query parameter and JSON bodies.

use axum::body::Body;
use axum::extract::{FromRequest, FromRequestParts, Request};
use http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::ArmError;

/// The largest body the API reads; ARM's own limit is 4 MiB.
const BODY_LIMIT: usize = 4 * 1024 * 1024;

/// The request's `api-version`: required on every request, any date-like value accepted.
///
/// The simulator serves one shape per resource type whatever the version, so it does not keep
/// an allow-list (new SDKs send new versions all the time); it only rejects values that
/// cannot be versions at all, as ARM does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiVersion(pub(crate) String);

impl ApiVersion {
    /// Reads the version from a query string (`None` when the URI has none).
    pub(crate) fn from_query(query: Option<&str>) -> Result<Self, ArmError> {
        let version = query
            .into_iter()
            .flat_map(|query| url::form_urlencoded::parse(query.as_bytes()))
            .find(|(name, _)| name.eq_ignore_ascii_case("api-version"))
            .map(|(_, value)| value.into_owned())
            .filter(|value| !value.is_empty())
            .ok_or(ArmError::ApiVersionMissing)?;
        if is_date_like_version(&version) {
            Ok(Self(version))
        } else {
            Err(ArmError::ApiVersionInvalid { version })
        }
    }

    /// The version as sent.
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ApiVersion {
    type Rejection = ArmError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ArmError> {
        Self::from_query(parts.uri.query())
    }
}

/// Refuses a request that carries a body with a media type other than `application/json`, as
/// ARM does (`415 UnsupportedMediaType`, also for a body without `Content-Type`; seen in
/// azure-cli#10143 and #13056). Parameters (`; charset=utf-8`) and case do not matter. A
/// request without a body passes whatever its headers say.
pub(crate) fn check_json_media_type(headers: &http::HeaderMap) -> Result<(), ArmError> {
    let has_body = headers.contains_key(http::header::TRANSFER_ENCODING)
        || headers
            .get(http::header::CONTENT_LENGTH)
            .and_then(|length| length.to_str().ok())
            .is_some_and(|length| length.trim() != "0");
    if !has_body {
        return Ok(());
    }
    let Some(content_type) = headers.get(http::header::CONTENT_TYPE) else {
        return Err(ArmError::UnsupportedMediaType {
            media_type: "<null>".to_owned(),
        });
    };
    let content_type = String::from_utf8_lossy(content_type.as_bytes()).into_owned();
    let media_type = content_type.split(';').next().unwrap_or_default().trim();
    if media_type.eq_ignore_ascii_case("application/json") {
        Ok(())
    } else {
        Err(ArmError::UnsupportedMediaType {
            media_type: content_type,
        })
    }
}

/// A JSON body of type `T`; malformed or ill-typed JSON is ARM's `InvalidRequestContent`.
///
/// The media type is checked before, by [`check_json_media_type`]. Unknown fields are
/// tolerated, as ARM tolerates them.
#[derive(Debug, Clone)]
pub(crate) struct ArmJson<T>(pub(crate) T);

impl<T: DeserializeOwned> ArmJson<T> {
    /// Reads and parses a request body.
    pub(crate) async fn from_body(body: Body) -> Result<Self, ArmError> {
        let bytes = axum::body::to_bytes(body, BODY_LIMIT).await.map_err(|_| {
            ArmError::InvalidRequestContent {
                detail: format!(
                    "The request content could not be read or exceeds {BODY_LIMIT} bytes."
                ),
            }
        })?;
        Self::from_bytes(&bytes)
    }

    /// Parses a body already read.
    pub(crate) fn from_bytes(bytes: &[u8]) -> Result<Self, ArmError> {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(ArmError::InvalidRequestContent {
                detail: "The request content is empty.".to_owned(),
            });
        }
        serde_json::from_slice(bytes)
            .map(Self)
            .map_err(|error| ArmError::InvalidRequestContent {
                detail: error.to_string(),
            })
    }
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ArmJson<T> {
    type Rejection = ArmError;

    async fn from_request(request: Request, _state: &S) -> Result<Self, ArmError> {
        Self::from_body(request.into_body()).await
    }
}

/// `yyyy-MM-dd` with a real month and day, optionally followed by a `-suffix` of letters and
/// digits (`-preview`, `-beta`, `-privatepreview`).
fn is_date_like_version(version: &str) -> bool {
    let (date, suffix) = match version.get(10..) {
        Some("") => (version, None),
        Some(rest) => match rest.strip_prefix('-') {
            Some(suffix) => (&version[..10], Some(suffix)),
            None => return false,
        },
        None => return false,
    };
    let suffix_ok = suffix.is_none_or(|suffix| {
        !suffix.is_empty() && suffix.bytes().all(|byte| byte.is_ascii_alphanumeric())
    });
    let bytes = date.as_bytes();
    let digits_ok = bytes.iter().enumerate().all(|(index, byte)| match index {
        4 | 7 => *byte == b'-',
        _ => byte.is_ascii_digit(),
    });
    if !suffix_ok || !digits_ok {
        return false;
    }
    let month: u8 = date[5..7].parse().unwrap_or(0);
    let day: u8 = date[8..10].parse().unwrap_or(0);
    (1..=12).contains(&month) && (1..=31).contains(&day)
}

#[cfg(test)]
mod tests;
