//! The two wire error dialects of the metadata service and their HTTP answers.
//!
//! The identity endpoints answer in the OAuth form `{"error","error_description"}`; the
//! instance endpoints answer `{"error": "<sentence>"}`. Each variant picks its status and
//! text in one place, here. The error itself goes to `azsim_http`'s request layer, which logs
//! it once.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use azsim_http::LoggedError;
use serde::Serialize;
use serde_json::json;

use crate::api_version::NEWEST_API_VERSIONS;
use crate::selection::SelectionError;
use crate::token_client::TokenServiceError;

/// The `Content-Type` of every JSON answer, charset included as the real service sends it.
pub(crate) const JSON_CONTENT_TYPE: &str = "application/json; charset=utf-8";

/// What the real service answers when it cannot get a token (a Windows log path, verbatim
/// in shape from real answers).
const TOKEN_FAILURE_DESCRIPTION: &str = r"Failed to retrieve token from the Active directory. For details see logs in C:\WindowsAzure\Logs\Plugins\Microsoft.Identity.MSI\1.0\service_identity_0.log";

/// A failed request to an identity endpoint (`/metadata/identity/...`).
#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    /// The `Metadata: true` header is missing or has another value.
    #[error("required metadata header not specified")]
    MissingMetadataHeader,
    /// The request carries `X-Forwarded-For`, so it came through a proxy.
    #[error("request was forwarded by a proxy")]
    ForwardedRequest,
    /// `api-version` is missing or not one that serves identity endpoints.
    #[error("api-version is missing or not supported")]
    InvalidApiVersion,
    /// A query parameter occurs more than once.
    #[error("query parameter {name} occurs more than once")]
    DuplicateParameter {
        /// The repeated parameter.
        name: String,
    },
    /// `resource` is missing or empty.
    #[error("resource parameter missing")]
    MissingResource,
    /// No identity could be chosen for the request.
    #[error("no identity for the request")]
    Selection(#[source] SelectionError),
    /// The token service gave no token.
    #[error("the token service gave no token")]
    TokenService(#[source] TokenServiceError),
    /// No endpoint at this path.
    #[error("no such endpoint")]
    NotFound,
    /// A method other than GET.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// The request body is over the agent's limit.
    #[error("request body over {limit} bytes")]
    PayloadTooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
}

impl From<SelectionError> for IdentityError {
    fn from(error: SelectionError) -> Self {
        Self::Selection(error)
    }
}

#[derive(Serialize)]
struct OauthErrorBody<'a> {
    error: &'a str,
    error_description: &'a str,
}

impl IntoResponse for IdentityError {
    fn into_response(self) -> Response {
        let invalid_request = |description: String| {
            (
                StatusCode::BAD_REQUEST,
                "invalid_request".to_owned(),
                description,
            )
        };
        let (status, error, description) = match &self {
            Self::MissingMetadataHeader => {
                invalid_request("Required metadata header not specified".to_owned())
            }
            // Our wording: the real service documents the rejection but not its text.
            Self::ForwardedRequest => invalid_request(
                "Requests with an X-Forwarded-For header are not accepted; call the metadata endpoint directly, without a proxy".to_owned(),
            ),
            Self::InvalidApiVersion => invalid_request("Invalid 'api-version' requested".to_owned()),
            // Our wording: the real service documents the rejection but not its text.
            Self::DuplicateParameter { name } => {
                invalid_request(format!("Query parameter '{name}' is specified more than once"))
            }
            Self::MissingResource => {
                invalid_request("Required query variable 'resource' is missing".to_owned())
            }
            Self::Selection(SelectionError::ConflictingSelectors) => invalid_request(
                "Only one of client_id, object_id and msi_res_id can be specified".to_owned(),
            ),
            Self::Selection(SelectionError::NotFound) => {
                invalid_request("Identity not found".to_owned())
            }
            Self::Selection(SelectionError::MultipleUserAssigned) => invalid_request(
                "Multiple user assigned identities exist, please specify the clientId / resourceId of the identity in the token request".to_owned(),
            ),
            Self::TokenService(TokenServiceError::Rejected { error, description, .. }) => {
                (StatusCode::BAD_REQUEST, error.clone(), description.clone())
            }
            Self::TokenService(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "unknown".to_owned(),
                TOKEN_FAILURE_DESCRIPTION.to_owned(),
            ),
            Self::NotFound => (
                StatusCode::NOT_FOUND,
                "not_found".to_owned(),
                "The requested endpoint does not exist".to_owned(),
            ),
            Self::MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed".to_owned(),
                "The metadata service only supports GET".to_owned(),
            ),
            // Our wording and code: the real service documents no answer to a body (it
            // serves GET only), so this takes the shape of its other refusals.
            Self::PayloadTooLarge { limit } => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "invalid_request".to_owned(),
                format!("The request body exceeds the maximum size of {limit} bytes"),
            ),
        };
        let body = OauthErrorBody {
            error: &error,
            error_description: &description,
        };
        let mut response = with_allow_on_405(json_response(status, &body));
        LoggedError::attach(&mut response, self);
        response
    }
}

/// A failed request to an instance endpoint (`/metadata/instance`, `/metadata/versions`).
#[derive(Debug, thiserror::Error)]
pub enum MetadataError {
    /// The `Metadata: true` header is missing or has another value.
    #[error("required metadata header not specified")]
    MissingMetadataHeader,
    /// The request carries `X-Forwarded-For`, so it came through a proxy.
    #[error("request was forwarded by a proxy")]
    ForwardedRequest,
    /// `api-version` is missing or not one that serves this endpoint.
    #[error("api-version is missing or not supported")]
    InvalidApiVersion,
    /// A query parameter occurs more than once.
    #[error("query parameter {name} occurs more than once")]
    DuplicateParameter {
        /// The repeated parameter.
        name: String,
    },
    /// `format` is neither `json` nor `text`.
    #[error("unsupported format")]
    InvalidFormat,
    /// A leaf was asked for as JSON; leaves are served as text only.
    #[error("leaf node requested without format=text")]
    LeafNeedsText,
    /// No such endpoint or no such element in the document.
    #[error("not found")]
    NotFound,
    /// A method other than GET.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// The request body is over the agent's limit.
    #[error("request body over {limit} bytes")]
    PayloadTooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
}

impl IntoResponse for MetadataError {
    fn into_response(self) -> Response {
        let bad_request = |message: String| (StatusCode::BAD_REQUEST, json!({ "error": message }));
        let (status, body) = match self {
            Self::MissingMetadataHeader => {
                bad_request("Bad request. Required metadata header not specified".to_owned())
            }
            // Our wording: the real service documents the rejection but not its text.
            Self::ForwardedRequest => bad_request(
                "Bad request. Requests with an X-Forwarded-For header are not accepted".to_owned(),
            ),
            Self::InvalidApiVersion => (
                StatusCode::BAD_REQUEST,
                json!({
                    "error": "Bad request. api-version is invalid or was not specified in the request. For more information refer to aka.ms/azureimds",
                    "newest-versions": NEWEST_API_VERSIONS,
                }),
            ),
            Self::DuplicateParameter { name } => bad_request(format!(
                "Bad request. Query parameter '{name}' is specified more than once"
            )),
            Self::InvalidFormat => {
                bad_request("Bad request. format must be 'json' or 'text'".to_owned())
            }
            Self::LeafNeedsText => bad_request(
                "Bad request. Leaf nodes can only be queried with format=text".to_owned(),
            ),
            Self::NotFound => (StatusCode::NOT_FOUND, json!({ "error": "Not found" })),
            Self::MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                json!({ "error": "Method not allowed" }),
            ),
            // Our wording, in the shape of the instance endpoints' other refusals.
            Self::PayloadTooLarge { limit } => (
                StatusCode::PAYLOAD_TOO_LARGE,
                json!({ "error": format!("Bad request. The request body exceeds the maximum size of {limit} bytes") }),
            ),
        };
        with_allow_on_405(json_response(status, &body))
    }
}

/// `body` as JSON with the service's content type.
pub(crate) fn json_response(status: StatusCode, body: &impl Serialize) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => (
            status,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static(JSON_CONTENT_TYPE),
            )],
            bytes,
        )
            .into_response(),
        // Only a type with a failing `Serialize` impl gets here; ours are plain data.
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// HTTP requires a 405 to name the methods that are allowed.
fn with_allow_on_405(mut response: Response) -> Response {
    if response.status() == StatusCode::METHOD_NOT_ALLOWED {
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET"));
    }
    response
}
