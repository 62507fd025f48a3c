//! The error dialect of the App Service managed-identity endpoint:
//! `{"statusCode": N, "message": "...", "correlationId": "..."}`.
//!
//! The shape and the "Unable to load the proper Managed Identity." text are those of real App
//! Service answers; the other messages are our wording, as the service does not document its
//! texts. Clients read only `statusCode` and `message` (MSAL turns them into
//! `"<statusCode>, <message>"`).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use azsim_http::LoggedError;
use serde::Serialize;

use crate::app_service::APP_SERVICE_API_VERSION;
use crate::error::json_response;
use crate::selection::SelectionError;
use crate::token_client::TokenServiceError;

/// Why a request to the App Service endpoint failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum AppServiceError {
    /// `X-IDENTITY-HEADER` is missing or is not this VM's secret.
    #[error("identity header missing or wrong")]
    InvalidIdentityHeader,
    /// `api-version` is missing or not [`APP_SERVICE_API_VERSION`].
    #[error("api-version is missing or not supported")]
    InvalidApiVersion,
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
}

/// An [`AppServiceError`] with the request's correlation id, as the wire body carries it.
#[derive(Debug, thiserror::Error)]
#[error("App Service identity request failed")]
pub(crate) struct AppServiceFailure {
    /// What went wrong.
    #[source]
    pub error: AppServiceError,
    /// The request's correlation id.
    pub correlation_id: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AppServiceErrorBody<'a> {
    status_code: u16,
    message: &'a str,
    correlation_id: &'a str,
}

impl AppServiceError {
    /// The HTTP status and the body's `message`.
    fn status_and_message(&self) -> (StatusCode, String) {
        let bad_request = |message: &str| (StatusCode::BAD_REQUEST, message.to_owned());
        match self {
            Self::InvalidIdentityHeader => (
                StatusCode::UNAUTHORIZED,
                "The X-IDENTITY-HEADER header is missing or does not match IDENTITY_HEADER"
                    .to_owned(),
            ),
            Self::InvalidApiVersion => bad_request(&format!(
                "The api-version is missing or not supported; use {APP_SERVICE_API_VERSION}"
            )),
            Self::MissingResource => bad_request("The resource parameter is required"),
            Self::Selection(SelectionError::ConflictingSelectors) => bad_request(
                "Only one of client_id, object_id (principal_id) and mi_res_id (msi_res_id) can be specified",
            ),
            Self::Selection(SelectionError::NotFound | SelectionError::MultipleUserAssigned) => {
                bad_request("Unable to load the proper Managed Identity.")
            }
            Self::TokenService(TokenServiceError::Rejected { description, .. }) => {
                bad_request(description)
            }
            Self::TokenService(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "An unexpected error occurred while fetching the AAD Token.".to_owned(),
            ),
            Self::NotFound => (
                StatusCode::NOT_FOUND,
                "The requested endpoint does not exist".to_owned(),
            ),
            Self::MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                "The managed identity endpoint only supports GET".to_owned(),
            ),
        }
    }
}

impl IntoResponse for AppServiceFailure {
    fn into_response(self) -> Response {
        let (status, message) = self.error.status_and_message();
        let body = AppServiceErrorBody {
            status_code: status.as_u16(),
            message: &message,
            correlation_id: &self.correlation_id,
        };
        let mut response = json_response(status, &body);
        if status == StatusCode::METHOD_NOT_ALLOWED {
            // HTTP requires a 405 to name the methods that are allowed.
            response.headers_mut().insert(
                axum::http::header::ALLOW,
                axum::http::HeaderValue::from_static("GET"),
            );
        }
        LoggedError::attach(&mut response, self.error);
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_has_status_code_message_and_correlation_id() {
        let body = AppServiceErrorBody {
            status_code: 400,
            message: "Unable to load the proper Managed Identity.",
            correlation_id: "c0ffee",
        };
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"statusCode":400,"message":"Unable to load the proper Managed Identity.","correlationId":"c0ffee"}"#
        );
    }

    #[test]
    fn unknown_identity_and_unnamed_user_assigned_read_as_app_service_does() {
        for error in [
            SelectionError::NotFound,
            SelectionError::MultipleUserAssigned,
        ] {
            let (status, message) = AppServiceError::Selection(error).status_and_message();
            assert_eq!(status, StatusCode::BAD_REQUEST);
            assert_eq!(message, "Unable to load the proper Managed Identity.");
        }
    }
}
