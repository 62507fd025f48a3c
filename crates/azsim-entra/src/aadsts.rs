//! The catalogue of AADSTS errors the token service returns, with Entra's texts.

use crate::oauth_error::{OAuthError, OAuthErrorCode};

use OAuthErrorCode::{
    InvalidClient, InvalidRequest, InvalidResource, InvalidScope, InvalidTenant, ServerError,
    UnauthorizedClient, UnsupportedGrantType,
};

const NOT_INSTALLED: &str = "This can happen if the application has not been installed by the \
     administrator of the tenant or consented to by any user in the tenant. You may have sent \
     your authentication request to the wrong tenant.";

/// AADSTS900144: a required body parameter is missing.
pub(crate) fn missing_parameter(name: &str) -> OAuthError {
    OAuthError::new(
        InvalidRequest,
        900_144,
        format!("The request body must contain the following parameter: '{name}'."),
    )
}

/// AADSTS9002313 ("Invalid request. Request is malformed or invalid."): a request body over
/// the token service's limit. Entra documents no code of its own for an oversized body; this
/// is its documented code for a malformed request, answered with 413
/// (`oauth_error::body_too_large`).
pub(crate) fn request_body_too_large(limit: usize) -> OAuthError {
    OAuthError::new(
        InvalidRequest,
        9_002_313,
        format!(
            "Invalid request. Request is malformed or invalid. The request body exceeds the \
             maximum size of {limit} bytes."
        ),
    )
}

/// AADSTS90100: a parameter is empty or not valid.
pub(crate) fn invalid_parameter(name: &str) -> OAuthError {
    OAuthError::new(
        InvalidRequest,
        90_100,
        format!("The parameter '{name}' is empty or not valid."),
    )
}

/// AADSTS90002 at the token endpoint: the tenant does not exist.
pub(crate) fn tenant_not_found(tenant: &str) -> OAuthError {
    OAuthError::new(InvalidRequest, 90_002, tenant_not_found_text(tenant))
}

/// AADSTS90002 at a discovery endpoint (which says `invalid_tenant`).
pub(crate) fn discovery_tenant_not_found(tenant: &str) -> OAuthError {
    OAuthError::new(InvalidTenant, 90_002, tenant_not_found_text(tenant))
}

fn tenant_not_found_text(tenant: &str) -> String {
    format!(
        "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are \
         signing into the correct cloud. Check with your subscription administrator, this may \
         happen if there are no active subscriptions for the tenant."
    )
}

/// AADSTS9001023: client credentials on `/common` or `/consumers`.
pub(crate) fn grant_not_supported_on_common() -> OAuthError {
    OAuthError::new(
        InvalidRequest,
        9_001_023,
        "The grant type isn't supported over the /common or /consumers endpoints. Please use \
         the /organizations or tenant-specific endpoint.",
    )
}

/// AADSTS50059: client credentials on `/organizations` (no tenant to issue in).
pub(crate) fn no_tenant_identifying_information() -> OAuthError {
    OAuthError::new(
        InvalidRequest,
        50_059,
        "No tenant-identifying information found in either the request or implied by any \
         provided credentials.",
    )
}

/// AADSTS70003: a grant type other than client credentials.
pub(crate) fn unsupported_grant_type(grant_type: &str) -> OAuthError {
    OAuthError::new(
        UnsupportedGrantType,
        70_003,
        format!("The app requested an unsupported grant type '{grant_type}'."),
    )
}

/// AADSTS901002: `resource` sent to the v2 endpoint.
pub(crate) fn resource_not_supported() -> OAuthError {
    OAuthError::new(
        InvalidRequest,
        901_002,
        "The 'resource' request parameter isn't supported.",
    )
}

/// AADSTS1002012: a client credentials scope without `/.default`.
pub(crate) fn scope_without_default(scope: &str) -> OAuthError {
    OAuthError::new(
        InvalidScope,
        1_002_012,
        format!(
            "The provided value for scope {scope} is not valid. Client credential flows must \
             have a scope value with /.default suffixed to the resource identifier \
             (application ID URI)."
        ),
    )
}

/// AADSTS70011: the scope is not valid (several resources, or empty).
pub(crate) fn invalid_scope(scope: &str) -> OAuthError {
    OAuthError::new(
        InvalidScope,
        70_011,
        format!(
            "The provided value for the input parameter 'scope' isn't valid. The scope {scope} \
             isn't valid."
        ),
    )
}

/// AADSTS700016: no service principal with this client id in the tenant.
pub(crate) fn unknown_client(client_id: &str, tenant_display_name: &str) -> OAuthError {
    OAuthError::new(
        UnauthorizedClient,
        700_016,
        format!(
            "Application with identifier '{client_id}' was not found in the directory \
             '{tenant_display_name}'. {NOT_INSTALLED}"
        ),
    )
}

/// AADSTS7000218: neither a secret nor an assertion.
pub(crate) fn no_client_credential() -> OAuthError {
    OAuthError::new(
        InvalidClient,
        7_000_218,
        "The request body must contain the following parameter: 'client_assertion' or \
         'client_secret'.",
    )
}

/// AADSTS7000215: the secret matches none of the client's secrets.
pub(crate) fn invalid_client_secret(client_id: &str) -> OAuthError {
    OAuthError::new(
        InvalidClient,
        7_000_215,
        format!(
            "Invalid client secret provided. Ensure the secret being sent in the request is the \
             client secret value, not the client secret ID, for a secret added to app \
             '{client_id}'."
        ),
    )
}

/// AADSTS7000222: the secret matches, but it has expired (or is not valid yet).
pub(crate) fn expired_client_secret(client_id: &str) -> OAuthError {
    OAuthError::new(
        InvalidClient,
        7_000_222,
        format!(
            "The provided client secret keys for app '{client_id}' are expired. Visit the \
             Azure portal to create new keys for your app, or consider using certificate \
             credentials for added security."
        ),
    )
}

/// AADSTS90014: a field of the credential is missing.
pub(crate) fn missing_assertion_field(name: &str) -> OAuthError {
    OAuthError::new(
        InvalidRequest,
        90_014,
        format!(
            "The required field '{name}' is missing from the credential. Ensure that you have all the necessary parameters for the login request."
        ),
    )
}

/// AADSTS50027: the client assertion is not a well-formed JWT.
pub(crate) fn malformed_assertion(reason: &str) -> OAuthError {
    OAuthError::new(
        InvalidClient,
        50_027,
        format!("JWT token is invalid or malformed. {reason}"),
    )
}

/// AADSTS700027: the assertion's algorithm is not one azsim verifies.
pub(crate) fn unsupported_assertion_algorithm(alg: &str) -> OAuthError {
    OAuthError::new(
        InvalidClient,
        700_027,
        format!("Invalid JWT token. Unsupported asymmetric signing algorithm '{alg}'."),
    )
}

/// AADSTS700027: no certificate of the client has the assertion's thumbprint.
pub(crate) fn assertion_key_not_found(thumbprint_hex: &str, client_id: &str) -> OAuthError {
    OAuthError::new(
        InvalidClient,
        700_027,
        format!(
            "Client assertion contains an invalid signature. [Reason - The key was not found., \
             Thumbprint of key used by client: '{thumbprint_hex}', Please visit the Azure \
             Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id \
             '{client_id}'.]"
        ),
    )
}

/// AADSTS700027: the certificate was found but is outside its validity window.
pub(crate) fn assertion_key_expired(
    thumbprint_hex: &str,
    not_before: &str,
    not_after: &str,
) -> OAuthError {
    OAuthError::new(
        InvalidClient,
        700_027,
        format!(
            "Client assertion contains an invalid signature. [Reason - The key used is expired., \
             Thumbprint of key used by client: '{thumbprint_hex}', Found key 'Start={not_before}, \
             End={not_after}']"
        ),
    )
}

/// AADSTS700027: the signature does not verify with the certificate.
pub(crate) fn assertion_bad_signature() -> OAuthError {
    OAuthError::new(
        InvalidClient,
        700_027,
        "Client assertion failed signature validation.",
    )
}

/// AADSTS700021: the assertion's issuer is not the client id.
pub(crate) fn assertion_issuer_mismatch(client_id: &str) -> OAuthError {
    OAuthError::new(
        InvalidClient,
        700_021,
        format!(
            "Client assertion application identifier doesn't match 'client_id' parameter '{client_id}'."
        ),
    )
}

/// AADSTS50048: the assertion's subject is not its issuer.
pub(crate) fn assertion_subject_mismatch() -> OAuthError {
    OAuthError::new(
        InvalidClient,
        50_048,
        "Subject mismatches Issuer claim in the client assertion.",
    )
}

/// AADSTS50013: the assertion is for another audience.
pub(crate) fn assertion_wrong_audience(audience: &str, expected: &str) -> OAuthError {
    OAuthError::new(
        InvalidClient,
        50_013,
        format!(
            "Assertion audience claim does not match the required value. The audience in the \
             assertion was '{audience}' and the expected audience is '{expected}'."
        ),
    )
}

/// AADSTS50013: the assertion id was used before.
pub(crate) fn assertion_replayed() -> OAuthError {
    OAuthError::new(
        InvalidClient,
        50_013,
        "Assertion is invalid: its 'jti' was already used. Create a new assertion for every \
         request.",
    )
}

/// AADSTS700024: the assertion is expired or not valid yet.
pub(crate) fn assertion_time_range(now: &str, not_before: &str, expiry: &str) -> OAuthError {
    OAuthError::new(
        InvalidClient,
        700_024,
        format!(
            "Client assertion is not within its valid time range. Current time: {now}, \
             assertion valid from {not_before}, expiry time of assertion {expiry}."
        ),
    )
}

/// AADSTS500011: the resource is not one the tenant knows.
pub(crate) fn unknown_resource(resource: &str, tenant_display_name: &str) -> OAuthError {
    OAuthError::new(
        InvalidResource,
        500_011,
        format!(
            "The resource principal named {resource} was not found in the tenant named \
             {tenant_display_name}. This can happen if the application has not been installed \
             by the administrator of the tenant or consented to by any user in the tenant. You \
             might have sent your authentication request to the wrong tenant."
        ),
    )
}

/// AADSTS50000: the service failed (store or crypto trouble); logged where it happens.
pub(crate) fn server_error() -> OAuthError {
    OAuthError::new(
        ServerError,
        50_000,
        "There was an error issuing a token or an authorization code. Please try again.",
    )
}
