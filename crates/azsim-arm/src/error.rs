//! The resource API's one error type, and the single place it becomes ARM's error envelope.
//!
//! Every variant knows its HTTP status, its ARM `code` and its public message (the templates
//! real ARM uses, so SDK clients and scripts that match on them behave the same). Internal
//! failures answer with a generic message; the full error chain is logged once, by
//! `azsim_http`'s request layer ([`LoggedError`]), and never sent to the client.

use axum::Json;
use axum::response::{IntoResponse, Response};
use azsim_http::LoggedError;
use azsim_rbac::RbacError;
use http::{HeaderValue, StatusCode, header};
use serde_json::json;
use time::OffsetDateTime;

/// The api-versions named when a request's version is rejected (real clients send these).
pub(crate) const SUPPORTED_API_VERSIONS: [&str; 8] = [
    "2026-04-01",
    "2025-04-01",
    "2024-11-01",
    "2024-07-01",
    "2022-12-01",
    "2021-04-01",
    "2020-06-01",
    "2016-02-01",
];

/// Why a request to the resource API failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ArmError {
    /// The request has no `Authorization` header.
    #[error("authorization header missing")]
    AuthorizationMissing,
    /// The `Authorization` header is not `Bearer <token>`.
    #[error("authorization header malformed")]
    AuthorizationMalformed,
    /// The token is not a valid token of the token service.
    #[error("access token invalid")]
    TokenInvalid,
    /// The token expired at `expired_at` (unix seconds); the clock reads `now`.
    #[error("access token expired")]
    TokenExpired {
        /// When the token expired.
        expired_at: i64,
        /// The current time.
        now: i64,
    },
    /// The token was issued for another resource.
    #[error("access token has the wrong audience")]
    TokenWrongAudience {
        /// The token's `aud`.
        audience: String,
    },
    /// The token comes from a tenant other than the one the subscription trusts.
    #[error("access token is from the wrong tenant")]
    TokenWrongTenant {
        /// The token's issuer.
        issuer: String,
        /// The issuer the subscription's tenant would have.
        expected_issuer: String,
        /// The subscription's tenant.
        expected_tenant: String,
    },
    /// The token's tenant is not known to the token service.
    #[error("access token is from an unknown tenant")]
    TokenUnknownTenant {
        /// The token's tenant.
        tenant_id: String,
    },
    /// The caller has no role that grants `action` at `scope`.
    #[error("caller not authorized for {action}")]
    AuthorizationFailed {
        /// The caller's object id.
        object_id: String,
        /// The action the request needs.
        action: String,
        /// The scope the request addresses.
        scope: String,
    },
    /// The caller may write the resource but may not assign the user-assigned identities it
    /// names (`.../userAssignedIdentities/assign/action` on each of them).
    #[error("caller not authorized on linked scopes")]
    LinkedAuthorizationFailed {
        /// The caller's object id.
        object_id: String,
        /// The action on the resource itself, which was granted.
        action: String,
        /// The resource's id.
        scope: String,
        /// The identities the caller may not assign, as the request named them.
        linked_scopes: Vec<String>,
    },
    /// A role-based access control operation refused the request (or failed).
    #[error("role-based access control operation failed")]
    Rbac(#[source] RbacError),
    /// A vault name Key Vault does not accept.
    #[error("vault name {name:?} invalid")]
    VaultNameNotValid {
        /// The name given.
        name: String,
    },
    /// A vault of that name exists elsewhere (vault names are global).
    #[error("vault name {name:?} already in use")]
    VaultAlreadyExists {
        /// The name given.
        name: String,
    },
    /// The request has no `api-version` query parameter.
    #[error("api-version missing")]
    ApiVersionMissing,
    /// The `api-version` does not look like an api-version.
    #[error("api-version {version:?} invalid")]
    ApiVersionInvalid {
        /// The version given.
        version: String,
    },
    /// The body is not JSON of the expected shape.
    #[error("request content invalid")]
    InvalidRequestContent {
        /// What the parser said.
        detail: String,
    },
    /// A PUT without `location`.
    #[error("location missing")]
    LocationRequired,
    /// A property has a value the resource type does not accept.
    #[error("invalid parameter {target}")]
    InvalidParameter {
        /// The property, as a JSON path (`identity.type`).
        target: String,
        /// What is wrong, for the client.
        message: String,
    },
    /// The resource group name has characters ARM does not allow.
    #[error("resource group name {name:?} invalid")]
    InvalidResourceGroupName {
        /// The name given.
        name: String,
        /// The characters that are not allowed.
        invalid_characters: String,
    },
    /// A resource name the resource type does not allow.
    #[error("resource name {name:?} invalid")]
    InvalidResourceName {
        /// The name given.
        name: String,
    },
    /// A VM names a user-assigned identity that does not exist.
    #[error("referenced user-assigned identity not found")]
    FailedIdentityOperation {
        /// The VM's ARM id.
        resource_id: String,
        /// The identity id as the request gave it.
        identity_id: String,
    },
    /// A PUT tries to move an existing resource group to another location.
    #[error("resource group location cannot change")]
    ResourceGroupLocationChange {
        /// The location asked for.
        requested: String,
        /// The group's location.
        existing: String,
    },
    /// A PUT tries to move an existing resource to another location.
    #[error("resource location cannot change")]
    ResourceLocationChange {
        /// The resource's name.
        name: String,
        /// Its resource group.
        resource_group: String,
        /// The location asked for.
        requested: String,
        /// The resource's location.
        existing: String,
    },
    /// The subscription id in the path is not a GUID.
    #[error("subscription id {subscription_id:?} malformed")]
    InvalidSubscriptionId {
        /// The id given.
        subscription_id: String,
    },
    /// No such subscription.
    #[error("subscription {subscription_id} not found")]
    SubscriptionNotFound {
        /// The id given.
        subscription_id: String,
    },
    /// No such resource group.
    #[error("resource group {name} not found")]
    ResourceGroupNotFound {
        /// The name given.
        name: String,
    },
    /// No such resource in an existing resource group.
    #[error("resource {resource_type}/{name} not found")]
    ResourceNotFound {
        /// `Microsoft.Compute/virtualMachines`.
        resource_type: &'static str,
        /// The name given.
        name: String,
        /// The resource group.
        resource_group: String,
    },
    /// The path names a provider namespace the cloud does not have.
    #[error("resource namespace {namespace} invalid")]
    InvalidResourceNamespace {
        /// The namespace given.
        namespace: String,
    },
    /// The path names a resource type its namespace does not have.
    #[error("resource type {resource_type} not found in {namespace}")]
    InvalidResourceType {
        /// The type given.
        resource_type: String,
        /// Its namespace.
        namespace: String,
        /// The request's api-version.
        api_version: String,
    },
    /// The path is nothing the resource API serves.
    #[error("no route for {path}")]
    NoRoute {
        /// The path.
        path: String,
    },
    /// The path exists but not for this method.
    #[error("method {method} not allowed")]
    MethodNotAllowed {
        /// The method used.
        method: String,
    },
    /// The request body is over the resource API's limit (ARM's 4 MB).
    #[error("request body over {limit} bytes")]
    RequestContentTooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// A body sent with a media type other than JSON (or none).
    #[error("unsupported media type {media_type:?}")]
    UnsupportedMediaType {
        /// The `Content-Type` sent, `<null>` when there was none.
        media_type: String,
    },
    /// The store failed.
    #[error("store operation failed")]
    Store(#[source] azsim_store::StoreError),
    /// What the store holds breaks a rule the code relies on.
    #[error("stored data is inconsistent: {what}")]
    Inconsistent {
        /// What was found.
        what: String,
    },
    /// MSRP failed.
    #[error("managed identity operation failed")]
    Msrp(#[source] azsim_msrp::MsrpError),
    /// A vault's data plane could not be started or stopped.
    #[error("vault data plane operation failed")]
    Vault(#[source] azsim_vault::VaultError),
    /// The token validator could not do its work (not a verdict on the token).
    #[error("token validation unavailable")]
    Validator(#[source] azsim_entra::TokenValidationError),
}

impl From<azsim_store::StoreError> for ArmError {
    fn from(error: azsim_store::StoreError) -> Self {
        Self::Store(error)
    }
}

impl From<RbacError> for ArmError {
    fn from(error: RbacError) -> Self {
        Self::Rbac(error)
    }
}

impl From<azsim_vault::VaultError> for ArmError {
    fn from(error: azsim_vault::VaultError) -> Self {
        Self::Vault(error)
    }
}

impl From<azsim_msrp::MsrpError> for ArmError {
    fn from(error: azsim_msrp::MsrpError) -> Self {
        Self::Msrp(error)
    }
}

impl ArmError {
    /// The HTTP status and ARM error code: the one table of the crate.
    pub(crate) fn status_and_code(&self) -> (StatusCode, &'static str) {
        use StatusCode as S;
        match self {
            Self::AuthorizationMissing => (S::UNAUTHORIZED, "AuthenticationFailed"),
            Self::AuthorizationMalformed => (S::UNAUTHORIZED, "AuthenticationFailedInvalidHeader"),
            Self::TokenInvalid => (S::UNAUTHORIZED, "InvalidAuthenticationToken"),
            Self::TokenExpired { .. } => (S::UNAUTHORIZED, "ExpiredAuthenticationToken"),
            Self::TokenWrongAudience { .. } => {
                (S::UNAUTHORIZED, "InvalidAuthenticationTokenAudience")
            }
            Self::TokenWrongTenant { .. } | Self::TokenUnknownTenant { .. } => {
                (S::UNAUTHORIZED, "InvalidAuthenticationTokenTenant")
            }
            Self::AuthorizationFailed { .. } => (S::FORBIDDEN, "AuthorizationFailed"),
            Self::LinkedAuthorizationFailed { .. } => (S::FORBIDDEN, "LinkedAuthorizationFailed"),
            Self::Rbac(error) => rbac_status_and_code(error),
            Self::VaultNameNotValid { .. } => (S::BAD_REQUEST, "VaultNameNotValid"),
            Self::VaultAlreadyExists { .. } => (S::CONFLICT, "VaultAlreadyExists"),
            Self::ApiVersionMissing => (S::BAD_REQUEST, "MissingApiVersionParameter"),
            Self::ApiVersionInvalid { .. } => (S::BAD_REQUEST, "InvalidApiVersionParameter"),
            Self::InvalidRequestContent { .. } => (S::BAD_REQUEST, "InvalidRequestContent"),
            Self::LocationRequired => (S::BAD_REQUEST, "LocationRequired"),
            Self::InvalidParameter { .. } => (S::BAD_REQUEST, "InvalidParameter"),
            Self::InvalidResourceGroupName { .. } => (S::BAD_REQUEST, "InvalidResourceGroup"),
            Self::InvalidResourceName { .. } => (S::BAD_REQUEST, "InvalidResourceName"),
            Self::FailedIdentityOperation { .. } => (S::BAD_REQUEST, "FailedIdentityOperation"),
            Self::ResourceGroupLocationChange { .. } => {
                (S::CONFLICT, "InvalidResourceGroupLocation")
            }
            Self::ResourceLocationChange { .. } => (S::CONFLICT, "InvalidResourceLocation"),
            Self::InvalidSubscriptionId { .. } => (S::BAD_REQUEST, "InvalidSubscriptionId"),
            Self::SubscriptionNotFound { .. } => (S::NOT_FOUND, "SubscriptionNotFound"),
            Self::ResourceGroupNotFound { .. } => (S::NOT_FOUND, "ResourceGroupNotFound"),
            Self::ResourceNotFound { .. } => (S::NOT_FOUND, "ResourceNotFound"),
            Self::InvalidResourceNamespace { .. } => (S::NOT_FOUND, "InvalidResourceNamespace"),
            Self::InvalidResourceType { .. } => (S::NOT_FOUND, "InvalidResourceType"),
            Self::NoRoute { .. } => (S::NOT_FOUND, "NotFound"),
            Self::MethodNotAllowed { .. } => (S::METHOD_NOT_ALLOWED, "MethodNotAllowed"),
            // Code and text as ARM answers (seen in Azure/avdaccelerator#632 and
            // Azure/azure-api-management-devops-resource-kit#594; 413 in
            // MicrosoftDocs/azure-docs#74251).
            Self::RequestContentTooLarge { .. } => (S::PAYLOAD_TOO_LARGE, "RequestContentTooLarge"),
            // As ARM answers a body without `application/json` (azure-cli#10143, #13056).
            Self::UnsupportedMediaType { .. } => {
                (S::UNSUPPORTED_MEDIA_TYPE, "UnsupportedMediaType")
            }
            Self::Store(_)
            | Self::Inconsistent { .. }
            | Self::Msrp(_)
            | Self::Vault(_)
            | Self::Validator(_) => (S::INTERNAL_SERVER_ERROR, "InternalServerError"),
        }
    }

    /// The message the client sees (ARM's templates where ARM has one).
    pub(crate) fn public_message(&self) -> String {
        match self {
            Self::AuthorizationMissing => {
                "Authentication failed. The 'Authorization' header is missing.".to_owned()
            }
            Self::AuthorizationMalformed => {
                "Authentication failed. The 'Authorization' header is provided in an invalid format."
                    .to_owned()
            }
            Self::TokenInvalid => "The access token is invalid.".to_owned(),
            Self::TokenExpired { expired_at, now } => format!(
                "The access token expiry UTC time '{}' is earlier than current UTC time '{}'.",
                arm_time(*expired_at),
                arm_time(*now)
            ),
            Self::TokenWrongAudience { audience } => format!(
                "The access token has been obtained for wrong audience or resource '{audience}'. \
                 It should exactly match with one of the allowed audiences {}.",
                azsim_core::audience::MANAGEMENT_AUDIENCES
                    .iter()
                    .map(|allowed| format!("'{allowed}'"))
                    .collect::<Vec<_>>()
                    .join(",")
            ),
            Self::TokenWrongTenant {
                issuer,
                expected_issuer,
                expected_tenant,
            } => format!(
                "The access token is from the wrong issuer '{issuer}'. It must match the tenant \
                 '{expected_issuer}' associated with this subscription. Please use a token of \
                 tenant '{expected_tenant}' to access this subscription."
            ),
            Self::TokenUnknownTenant { tenant_id } => {
                format!("The access token is from the unknown tenant '{tenant_id}'.")
            }
            // Azure prints a service principal's object id in both places.
            Self::AuthorizationFailed {
                object_id,
                action,
                scope,
            } => format!(
                "The client '{object_id}' with object id '{object_id}' does not have \
                 authorization to perform action '{action}' over scope '{scope}' or the scope is \
                 invalid. If access was recently granted, please refresh your credentials."
            ),
            Self::LinkedAuthorizationFailed {
                object_id,
                action,
                scope,
                linked_scopes,
            } => format!(
                "The client '{object_id}' with object id '{object_id}' has permission to perform \
                 action '{action}' on scope '{scope}'; however, it does not have permission to \
                 perform action '{}' on the linked scope(s) '{}' or the linked scope(s) are \
                 invalid.",
                azsim_rbac::actions::USER_ASSIGNED_IDENTITY_ASSIGN,
                linked_scopes.join(",")
            ),
            // The refusal's own text is the service's message; an internal failure's is not
            // for the client.
            Self::Rbac(error) if error.is_internal() => {
                "Encountered internal server error. Please retry the request.".to_owned()
            }
            Self::Rbac(error) => error.to_string(),
            Self::VaultNameNotValid { name } => format!(
                "The vault name '{name}' is invalid. A vault's name must be between 3-24 \
                 alphanumeric characters. The name must begin with a letter, end with a letter or \
                 digit, and not contain consecutive hyphens. Follow this link for more \
                 information: https://go.microsoft.com/fwlink/?linkid=2147742"
            ),
            Self::VaultAlreadyExists { name } => format!(
                "The vault name '{name}' is already in use. Vault names are globally unique so it \
                 is possible that the name is already taken. If you are sure that the vault name \
                 was not taken then it is possible that a vault with the same name was recently \
                 deleted but not purged after being placed in a recoverable state. If the vault \
                 is in a recoverable state then the vault will need to be purged before reusing \
                 the name. For more information about VaultAlreadyExists, soft delete and purging \
                 a vault follow this link https://go.microsoft.com/fwlink/?linkid=2147740."
            ),
            Self::ApiVersionMissing => {
                "The api-version query parameter (?api-version=) is required for all requests."
                    .to_owned()
            }
            Self::ApiVersionInvalid { version } => format!(
                "The api-version '{version}' is invalid. The supported versions are '{}'.",
                SUPPORTED_API_VERSIONS.join(",")
            ),
            Self::InvalidRequestContent { detail } => format!(
                "The request content was invalid and could not be deserialized: '{detail}'."
            ),
            Self::LocationRequired => "The location property is required for this definition.".to_owned(),
            Self::InvalidParameter { message, .. } => message.clone(),
            Self::InvalidResourceGroupName {
                name,
                invalid_characters,
            } => format!(
                "The provided resource group name '{name}' has these invalid characters: \
                 '{invalid_characters}'. The name can only be a letter, digit, '-', '.', '(', ')' \
                 or '_'."
            ),
            // Our wording: the provider's exact text was not captured.
            Self::InvalidResourceName { name } => format!(
                "Resource name '{name}' is invalid. The name can be 3 to 128 characters long. It \
                 must begin with a letter or number, and can contain only letters, numbers, \
                 hyphens and underscores."
            ),
            // ARM wraps the identity provider's answer in its own message, quotes and all.
            Self::FailedIdentityOperation {
                resource_id,
                identity_id,
            } => format!(
                "Identity operation for resource '{resource_id}' failed with error 'Failed to \
                 perform resource identity operation. Status: 'BadRequest'. Response: \
                 '{{\"error\":{{\"code\":\"BadRequest\",\"message\":\"Resource \
                 '{identity_id}' was not found.\"}}}}'.'."
            ),
            Self::ResourceGroupLocationChange {
                requested,
                existing,
            } => format!(
                "Invalid resource group location '{requested}'. The Resource group already exists \
                 in location '{existing}'."
            ),
            Self::ResourceLocationChange {
                name,
                resource_group,
                requested,
                existing,
            } => format!(
                "The resource '{name}' already exists in location '{existing}' in resource group \
                 '{resource_group}'. A resource with the same name cannot be created in location \
                 '{requested}'. Please select a new resource name."
            ),
            Self::InvalidSubscriptionId { subscription_id } => format!(
                "The provided subscription identifier '{subscription_id}' is malformed or invalid."
            ),
            Self::SubscriptionNotFound { subscription_id } => {
                format!("The subscription '{subscription_id}' could not be found.")
            }
            Self::ResourceGroupNotFound { name } => {
                format!("Resource group '{name}' could not be found.")
            }
            Self::ResourceNotFound {
                resource_type,
                name,
                resource_group,
            } => format!(
                "The Resource '{resource_type}/{name}' under resource group '{resource_group}' was \
                 not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix"
            ),
            Self::InvalidResourceNamespace { namespace } => {
                format!("The resource namespace '{namespace}' is invalid.")
            }
            Self::InvalidResourceType {
                resource_type,
                namespace,
                api_version,
            } => format!(
                "The resource type '{resource_type}' could not be found in the namespace \
                 '{namespace}' for api version '{api_version}'."
            ),
            Self::NoRoute { path } => format!("The requested path '{path}' was not found."),
            Self::MethodNotAllowed { method } => {
                format!("The requested resource does not support http method '{method}'.")
            }
            Self::RequestContentTooLarge { limit } => format!(
                "The request content size exceeds the maximum size of {} MB.",
                limit / (1024 * 1024)
            ),
            Self::UnsupportedMediaType { media_type } => format!(
                "The content media type '{media_type}' is not supported. Only 'application/json' \
                 is supported."
            ),
            Self::Store(_)
            | Self::Inconsistent { .. }
            | Self::Msrp(_)
            | Self::Vault(_)
            | Self::Validator(_) => {
                "Encountered internal server error. Please retry the request.".to_owned()
            }
        }
    }

    /// The property the error is about, when there is one (the envelope's `target`).
    fn target(&self) -> Option<&str> {
        match self {
            Self::InvalidParameter { target, .. } => Some(target),
            _ => None,
        }
    }
}

impl IntoResponse for ArmError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let message = self.public_message();
        let mut error = json!({ "code": code, "message": message });
        if let Some(target) = self.target() {
            error["target"] = json!(target);
        }
        let mut response = (status, Json(json!({ "error": error }))).into_response();
        if status == StatusCode::UNAUTHORIZED {
            // ARM challenges every 401; quotes would break the header's quoted string.
            let description = message.replace('"', "'");
            let challenge = format!(
                "Bearer authorization_uri=\"https://login.windows.net/\", error=\"invalid_token\", \
                 error_description=\"{description}\""
            );
            if let Ok(value) = HeaderValue::from_str(&challenge) {
                response
                    .headers_mut()
                    .insert(header::WWW_AUTHENTICATE, value);
            }
        }
        LoggedError::attach(&mut response, self);
        response
    }
}

/// The status and ARM code of each role-based access control refusal: part of the table of
/// [`ArmError::status_and_code`], kept apart because the RBAC crate knows no HTTP.
fn rbac_status_and_code(error: &RbacError) -> (StatusCode, &'static str) {
    use StatusCode as S;
    match error {
        RbacError::RoleAssignmentExists => (S::CONFLICT, "RoleAssignmentExists"),
        RbacError::RoleAssignmentUpdateNotPermitted => {
            (S::CONFLICT, "RoleAssignmentUpdateNotPermitted")
        }
        RbacError::PrincipalNotFound { .. } => (S::BAD_REQUEST, "PrincipalNotFound"),
        // The same code for both: a 400 when a new assignment names it, a 404 when it is read.
        RbacError::RoleDefinitionDoesNotExist { .. } => {
            (S::BAD_REQUEST, "RoleDefinitionDoesNotExist")
        }
        RbacError::RoleDefinitionNotFound { .. } => (S::NOT_FOUND, "RoleDefinitionDoesNotExist"),
        RbacError::InvalidRoleDefinitionId { .. } => (S::BAD_REQUEST, "InvalidRoleDefinitionId"),
        RbacError::InvalidRoleAssignmentId { .. } => (S::BAD_REQUEST, "InvalidRoleAssignmentId"),
        RbacError::InvalidPrincipalId => (S::BAD_REQUEST, "InvalidPrincipalId"),
        RbacError::RoleAssignmentScopeMismatch { .. } => {
            (S::BAD_REQUEST, "InvalidCreateRoleAssignmentRequest")
        }
        RbacError::RoleAssignmentNotFound { .. } => (S::NOT_FOUND, "RoleAssignmentNotFound"),
        RbacError::InvalidScope { .. } => (S::BAD_REQUEST, "InvalidScope"),
        RbacError::UnsupportedRoleAssignmentFilter { .. }
        | RbacError::UnsupportedRoleDefinitionFilter { .. } => (S::BAD_REQUEST, "UnsupportedQuery"),
        RbacError::Store(_) | RbacError::Inconsistent { .. } => {
            (S::INTERNAL_SERVER_ERROR, "InternalServerError")
        }
    }
}

/// A time as ARM writes it in messages: `M/d/yyyy h:mm:ss tt`, UTC.
fn arm_time(unix_seconds: i64) -> String {
    let time =
        OffsetDateTime::from_unix_timestamp(unix_seconds).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let (hour, meridiem) = match time.hour() {
        0 => (12, "AM"),
        hour @ 1..=11 => (hour, "AM"),
        12 => (12, "PM"),
        hour => (hour - 12, "PM"),
    };
    format!(
        "{}/{}/{} {}:{:02}:{:02} {}",
        u8::from(time.month()),
        time.day(),
        time.year(),
        hour,
        time.minute(),
        time.second(),
        meridiem
    )
}

#[cfg(test)]
mod tests;
