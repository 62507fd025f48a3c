//! `GET /metadata/identity/oauth2/token`: a managed-identity token for code on the VM.

use std::sync::Arc;

use axum::Extension;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use azsim_core::{FlowEvent, FlowStep};
use azsim_http::RequestContext;
use serde::Serialize;

use super::guard;
use crate::agent::AgentState;
use crate::api_version::Category;
use crate::error::{IdentityError, json_response};
use crate::model::IdentityKind;
use crate::query::QueryParams;
use crate::selection::{IdentitySelector, select_identity};
use crate::token_client::{IssuedToken, TokenServiceError};

/// The success body. Field order is the order the real service writes, and every value is
/// a string, numbers included, as its clients expect.
#[derive(Debug, Serialize)]
struct TokenResponse<'a> {
    access_token: &'a str,
    client_id: &'a str,
    expires_in: String,
    expires_on: String,
    ext_expires_in: &'static str,
    not_before: &'a str,
    resource: &'a str,
    token_type: &'static str,
}

/// Validates the request, picks the identity, and serves a cached or fresh token.
pub(super) async fn identity_token_issue(
    State(state): State<Arc<AgentState>>,
    headers: HeaderMap,
    RawQuery(raw_query): RawQuery,
    context: Option<Extension<RequestContext>>,
) -> Result<Response, IdentityError> {
    let query = QueryParams::parse(raw_query.as_deref());
    guard::check(&headers, &query, Some(Category::Identity))?;
    let resource = query
        .get("resource")
        .filter(|resource| !resource.is_empty())
        .ok_or(IdentityError::MissingResource)?
        .to_owned();
    let selector = IdentitySelector::from_parameters(
        query.get("client_id"),
        query.get("object_id"),
        query.get("msi_res_id"),
    )?;
    let bypass_cache = query.get("bypass_cache") == Some("true");
    let correlation_id = context
        .map(|Extension(context)| context.correlation_id)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let agent_name = format!("imds:{}", state.instance().name);
    state.events.record(FlowEvent {
        source: "workload".to_owned(),
        target: agent_name.clone(),
        step: Some(FlowStep::RequestToken),
        correlation_id: correlation_id.clone(),
        summary: format!("code on the VM asks for a token for {resource}"),
    });

    let identities = state.identities();
    let credential = select_identity(&identities, &selector)?;
    let now = state.clock.unix_seconds();
    let cached = if bypass_cache {
        None
    } else {
        state.cache.get(&credential.client_id, &resource, now)
    };
    let token = match cached {
        Some(token) => {
            tracing::debug!(client_id = %credential.client_id, resource = %resource, "token served from cache");
            token
        }
        None => {
            state.events.record(FlowEvent {
                source: agent_name,
                target: "entra".to_owned(),
                step: Some(FlowStep::IssueToken),
                correlation_id: correlation_id.clone(),
                summary: format!(
                    "metadata agent asks for a token for {resource} as client {} with a client assertion",
                    credential.client_id
                ),
            });
            // A user-assigned identity is shared by VMs: its token names the VM it serves.
            let compute_resource_id = (credential.kind == IdentityKind::UserAssigned)
                .then(|| state.instance().resource_id);
            let token = state
                .token_client
                .request_token(
                    credential,
                    &resource,
                    compute_resource_id.as_deref(),
                    &correlation_id,
                    now,
                )
                .await
                .inspect_err(|error| log_token_service_error(error, &credential.client_id))
                .map_err(IdentityError::TokenService)?;
            state.cache_if_current(credential, &resource, token.clone());
            tracing::debug!(client_id = %credential.client_id, resource = %resource, "token obtained from the token service");
            token
        }
    };
    // Read the clock again: the call to the token service took time.
    let now = state.clock.unix_seconds();
    Ok(token_response(
        &token,
        &credential.client_id,
        &resource,
        now,
    ))
}

fn token_response(token: &IssuedToken, client_id: &str, resource: &str, now: i64) -> Response {
    let body = TokenResponse {
        access_token: &token.access_token,
        client_id,
        expires_in: (token.expires_on - now).max(0).to_string(),
        expires_on: token.expires_on.to_string(),
        ext_expires_in: "86399",
        not_before: &token.not_before,
        resource,
        token_type: "Bearer",
    };
    json_response(StatusCode::OK, &body)
}

/// Logs a failed token-service call once, here, where it is turned into the wire answer.
fn log_token_service_error(error: &TokenServiceError, client_id: &str) {
    let error_ref = error as &dyn std::error::Error;
    match error {
        TokenServiceError::Rejected { .. } => {
            tracing::debug!(
                error = error_ref,
                client_id,
                "token service refused the request"
            );
        }
        _ => tracing::warn!(error = error_ref, client_id, "token service call failed"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_has_the_real_key_order_and_string_values() {
        let token = IssuedToken {
            access_token: "eyJ0eXAi".into(),
            expires_on: 1_702_437_173,
            not_before: "1702350473".into(),
        };
        let body = TokenResponse {
            access_token: &token.access_token,
            client_id: "b84e06d3-aba1-4bcc-9626-2e0d76cba2ce",
            expires_in: (token.expires_on - 1_702_351_226).to_string(),
            expires_on: token.expires_on.to_string(),
            ext_expires_in: "86399",
            not_before: &token.not_before,
            resource: "https://management.azure.com/",
            token_type: "Bearer",
        };
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"access_token":"eyJ0eXAi","client_id":"b84e06d3-aba1-4bcc-9626-2e0d76cba2ce","expires_in":"85947","expires_on":"1702437173","ext_expires_in":"86399","not_before":"1702350473","resource":"https://management.azure.com/","token_type":"Bearer"}"#
        );
    }
}
