//! The data plane's one error type, and the single place it becomes Key Vault's error body
//! `{"error":{"code","message","innererror"?}}`.
//!
//! Every 401 carries the `WWW-Authenticate` challenge, as Key Vault's do: the SDK starts its
//! token flow from it. Internal failures answer with a generic message; the error is attached to
//! the response and logged once, with its chain, by `azsim_http`'s request layer, and never sent
//! to the client.

use axum::Json;
use axum::response::{IntoResponse, Response};
use azsim_entra::TokenValidationError;
use azsim_http::LoggedError;
use azsim_store::StoreError;
use http::{HeaderValue, StatusCode, header};
use serde_json::{Value, json};

/// The message of the 401 a request without a token gets, as Key Vault words it.
const MISSING_TOKEN_MESSAGE: &str = "Request is missing a Bearer or PoP token.";

/// Why a data-plane request failed.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    /// The vault this listener serves is gone (deleted a moment ago; its listener is being
    /// stopped). Azure answers with a DNS failure; a listener still open cannot.
    #[error("vault {name} not found")]
    VaultNotFound {
        /// The name in the request.
        name: String,
    },
    /// The request carries no bearer token: the challenge that starts the client's token flow.
    #[error("request has no bearer token")]
    MissingToken {
        /// The `WWW-Authenticate` value.
        challenge: String,
    },
    /// The token was refused (audience, issuer, signature, time).
    #[error("access token refused")]
    InvalidToken {
        /// The `WWW-Authenticate` value.
        challenge: String,
        /// Key Vault's message for the refusal.
        message: String,
    },
    /// The request has no `api-version` query parameter.
    #[error("api-version missing")]
    ApiVersionMissing,
    /// The `api-version` is not one Key Vault knows.
    #[error("api-version {version:?} not recognized")]
    ApiVersionUnsupported {
        /// The version given.
        version: String,
        /// The newest version, which the message recommends.
        latest: &'static str,
    },
    /// A secret name that is not 1 to 127 letters, digits and dashes.
    #[error("invalid secret name")]
    InvalidName {
        /// The name in the request.
        name: String,
    },
    /// A query or body parameter has an invalid value.
    #[error("invalid parameter")]
    BadParameter {
        /// Key Vault's message for it.
        message: String,
    },
    /// The secret (or that version of it) does not exist.
    #[error("secret not found")]
    SecretNotFound {
        /// `name` or `name/version`, as the message names it.
        name: String,
    },
    /// The secret version is disabled, so its value cannot be read.
    #[error("secret is disabled")]
    SecretDisabled {
        /// The operation refused (`get`).
        operation: &'static str,
    },
    /// No role assignment grants the caller the data action at the scope.
    #[error("caller is not authorized by RBAC")]
    ForbiddenByRbac {
        /// Key Vault's multi-line message naming caller, action, resource and vault.
        message: String,
    },
    /// The store failed.
    #[error("store failure")]
    Store(#[source] StoreError),
    /// The token validator could not read keys or tenants.
    #[error("token validation failed internally")]
    Validator(#[source] TokenValidationError),
    /// The authorization engine failed.
    #[error("authorization failed internally")]
    Authorization(#[source] azsim_rbac::RbacError),
    /// A vault's listener could not be bound or started.
    #[error("vault listener failure")]
    Listener(#[source] std::io::Error),
    /// The request body is over the vault's limit.
    #[error("request body over {limit} bytes")]
    RequestTooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
}

impl From<StoreError> for VaultError {
    fn from(error: StoreError) -> Self {
        Self::Store(error)
    }
}

impl VaultError {
    /// The HTTP status of this error.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::VaultNotFound { .. } | Self::SecretNotFound { .. } => StatusCode::NOT_FOUND,
            Self::MissingToken { .. } | Self::InvalidToken { .. } => StatusCode::UNAUTHORIZED,
            Self::ApiVersionMissing
            | Self::ApiVersionUnsupported { .. }
            | Self::InvalidName { .. }
            | Self::BadParameter { .. } => StatusCode::BAD_REQUEST,
            Self::SecretDisabled { .. } | Self::ForbiddenByRbac { .. } => StatusCode::FORBIDDEN,
            Self::RequestTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Store(_) | Self::Validator(_) | Self::Authorization(_) | Self::Listener(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }

    /// The error body: Key Vault's code, message and inner error.
    fn body(&self) -> Value {
        let (code, message, inner) = match self {
            Self::VaultNotFound { name } => (
                "VaultNotFound",
                format!("No vault named '{name}' exists in this cloud."),
                None,
            ),
            Self::MissingToken { .. } => ("Unauthorized", MISSING_TOKEN_MESSAGE.to_owned(), None),
            Self::InvalidToken { message, .. } => ("Unauthorized", message.clone(), None),
            Self::ApiVersionMissing => (
                "BadParameter",
                "The 'api-version' query parameter is missing.".to_owned(),
                None,
            ),
            Self::ApiVersionUnsupported { version, latest } => (
                "BadParameter",
                format!(
                    "The specified version ({version}) is not recognized. Consider using the \
                     latest supported version ({latest})."
                ),
                None,
            ),
            Self::InvalidName { name } => (
                "BadParameter",
                format!("The request URI contains an invalid name: {name}"),
                None,
            ),
            Self::BadParameter { message } => ("BadParameter", message.clone(), None),
            Self::SecretNotFound { name } => (
                "SecretNotFound",
                format!(
                    "A secret with (name/id) {name} was not found in this key vault. If you \
                     recently deleted this secret you may be able to recover it using the \
                     correct recovery command. For help resolving this issue, please see \
                     https://go.microsoft.com/fwlink/?linkid=2125182"
                ),
                None,
            ),
            Self::SecretDisabled { operation } => (
                "Forbidden",
                format!("Operation {operation} is not allowed on a disabled secret."),
                Some("SecretDisabled"),
            ),
            Self::ForbiddenByRbac { message } => {
                ("Forbidden", message.clone(), Some("ForbiddenByRbac"))
            }
            // Our code and wording in Key Vault's envelope: Key Vault documents its 25 KB
            // secret size (MicrosoftDocs/azure-docs#35832) but no answer to an oversized body.
            Self::RequestTooLarge { limit } => (
                "RequestEntityTooLarge",
                format!("The request body exceeds the maximum size of {limit} bytes."),
                None,
            ),
            Self::Store(_) | Self::Validator(_) | Self::Authorization(_) | Self::Listener(_) => (
                "InternalServerError",
                "The service encountered an internal error. Please try again.".to_owned(),
                None,
            ),
        };
        let mut error = json!({"code": code, "message": message});
        if let Some(inner) = inner {
            error["innererror"] = json!({"code": inner});
        }
        json!({"error": error})
    }

    /// The challenge of a 401, if this is one.
    fn challenge(&self) -> Option<&str> {
        match self {
            Self::MissingToken { challenge } | Self::InvalidToken { challenge, .. } => {
                Some(challenge)
            }
            _ => None,
        }
    }
}

impl IntoResponse for VaultError {
    fn into_response(self) -> Response {
        let status = self.status();
        let mut response = (status, Json(self.body())).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        if let Some(value) = self
            .challenge()
            .and_then(|challenge| HeaderValue::from_str(challenge).ok())
        {
            headers.insert(header::WWW_AUTHENTICATE, value);
        }
        LoggedError::attach(&mut response, self);
        response
    }
}
