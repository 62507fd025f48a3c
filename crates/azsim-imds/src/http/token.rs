//! `GET /metadata/identity/oauth2/token`: a managed-identity token for code on the VM.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use azsim_http::RequestContext;
use serde::Serialize;

use super::guard;
use super::issue::{self, IssueError, TokenRequest};
use crate::agent::AgentState;
use crate::api_version::Category;
use crate::error::{IdentityError, json_response};
use crate::query::QueryParams;
use crate::selection::IdentitySelector;
use crate::token_client::IssuedToken;

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
    context: RequestContext,
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
    let correlation_id = context.correlation_id;
    let issued = issue::issue_token(
        &state,
        TokenRequest {
            resource: &resource,
            selector: &selector,
            bypass_cache: query.get("bypass_cache") == Some("true"),
            correlation_id: &correlation_id,
            endpoint: "the IMDS endpoint",
        },
    )
    .await
    .map_err(|error| match error {
        IssueError::Selection(error) => IdentityError::Selection(error),
        IssueError::TokenService(error) => IdentityError::TokenService(error),
    })?;
    // Read the clock again: the call to the token service took time.
    let now = state.clock.unix_seconds();
    Ok(token_response(
        &issued.token,
        &issued.client_id,
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
