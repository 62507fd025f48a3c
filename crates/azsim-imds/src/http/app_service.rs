//! `GET /msi/token`: the App Service flavour of the managed-identity endpoint, the one that
//! `IDENTITY_ENDPOINT` + `IDENTITY_HEADER` point every Azure SDK at.
//!
//! Same identities, selection rules, cache and token service as the IMDS endpoint; only the
//! request checks, the parameter names and the wire shapes differ.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use azsim_http::RequestContext;
use serde::Serialize;

use super::issue::{self, IssueError, TokenRequest};
use crate::agent::AgentState;
use crate::app_service::{APP_SERVICE_API_VERSION, IDENTITY_HEADER_NAME};
use crate::app_service_error::{AppServiceError, AppServiceFailure};
use crate::error::json_response;
use crate::query::QueryParams;
use crate::selection::{IdentitySelector, SelectionError};

/// The success body App Service documents: `expires_on` is a string of unix seconds.
#[derive(Debug, Serialize)]
struct AppServiceTokenResponse<'a> {
    access_token: &'a str,
    expires_on: String,
    resource: &'a str,
    token_type: &'static str,
    client_id: &'a str,
}

/// Checks the secret and the request, picks the identity, and serves a cached or fresh token.
pub(super) async fn app_service_token_issue(
    State(state): State<Arc<AgentState>>,
    headers: HeaderMap,
    RawQuery(raw_query): RawQuery,
    context: RequestContext,
) -> Result<Response, AppServiceFailure> {
    let correlation_id = context.correlation_id;
    let fail = |error| AppServiceFailure {
        error,
        correlation_id: correlation_id.clone(),
    };
    let mut presented = headers.get_all(IDENTITY_HEADER_NAME).iter();
    let header_ok = match (presented.next(), presented.next()) {
        (Some(value), None) => state.identity_header.matches(value.as_bytes()),
        _ => false,
    };
    if !header_ok {
        return Err(fail(AppServiceError::InvalidIdentityHeader));
    }
    let query = QueryParams::parse(raw_query.as_deref());
    if query.get("api-version") != Some(APP_SERVICE_API_VERSION) {
        return Err(fail(AppServiceError::InvalidApiVersion));
    }
    let resource = query
        .get("resource")
        .filter(|resource| !resource.is_empty())
        .ok_or_else(|| fail(AppServiceError::MissingResource))?
        .to_owned();
    let selector =
        app_service_selector(&query).map_err(|error| fail(AppServiceError::Selection(error)))?;
    let issued = issue::issue_token(
        &state,
        TokenRequest {
            resource: &resource,
            selector: &selector,
            bypass_cache: false,
            correlation_id: &correlation_id,
            endpoint: "the App Service endpoint",
        },
    )
    .await
    .map_err(|error| {
        fail(match error {
            IssueError::Selection(error) => AppServiceError::Selection(error),
            IssueError::TokenService(error) => AppServiceError::TokenService(error),
        })
    })?;
    let body = AppServiceTokenResponse {
        access_token: &issued.token.access_token,
        expires_on: issued.token.expires_on.to_string(),
        resource: &resource,
        token_type: "Bearer",
        client_id: &issued.client_id,
    };
    Ok(json_response(StatusCode::OK, &body))
}

/// The identity a request names. App Service clients disagree on the names: `object_id`
/// (MSAL) or `principal_id` (older Go), `mi_res_id` (MSAL) or `msi_res_id` (Rust); each pair
/// names one thing, so giving both of a pair conflicts like giving two selectors.
fn app_service_selector(query: &QueryParams) -> Result<IdentitySelector, SelectionError> {
    let either = |first: &str, second: &str| match (query.get(first), query.get(second)) {
        (Some(_), Some(_)) => Err(SelectionError::ConflictingSelectors),
        (one, other) => Ok(one.or(other)),
    };
    let object_id = either("object_id", "principal_id")?;
    let resource_id = either("mi_res_id", "msi_res_id")?;
    IdentitySelector::from_parameters(query.get("client_id"), object_id, resource_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn selector(raw: &str) -> Result<IdentitySelector, SelectionError> {
        app_service_selector(&QueryParams::parse(Some(raw)))
    }

    #[test]
    fn every_client_spelling_of_a_selector_is_understood() {
        assert_eq!(selector("resource=r"), Ok(IdentitySelector::Default));
        assert_eq!(
            selector("client_id=c"),
            Ok(IdentitySelector::ClientId("c".into()))
        );
        for name in ["object_id", "principal_id"] {
            assert_eq!(
                selector(&format!("{name}=o")),
                Ok(IdentitySelector::ObjectId("o".into()))
            );
        }
        for name in ["mi_res_id", "msi_res_id"] {
            assert_eq!(
                selector(&format!("{name}=/x")),
                Ok(IdentitySelector::ResourceId("/x".into()))
            );
        }
    }

    #[test]
    fn two_selectors_or_both_spellings_conflict() {
        for raw in [
            "object_id=o&principal_id=o",
            "mi_res_id=/x&msi_res_id=/x",
            "client_id=c&mi_res_id=/x",
        ] {
            assert_eq!(selector(raw), Err(SelectionError::ConflictingSelectors));
        }
    }

    #[test]
    fn body_has_the_documented_fields_with_a_string_expiry() {
        let body = AppServiceTokenResponse {
            access_token: "eyJ0eXAi",
            expires_on: 1_586_984_735.to_string(),
            resource: "https://vault.azure.net",
            token_type: "Bearer",
            client_id: "5e29463d-71da-4fe0-8e69-999b57db23b0",
        };
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"access_token":"eyJ0eXAi","expires_on":"1586984735","resource":"https://vault.azure.net","token_type":"Bearer","client_id":"5e29463d-71da-4fe0-8e69-999b57db23b0"}"#
        );
    }
}
