//! `/metadata/versions` and `/metadata/identity/info`.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::json;

use super::guard;
use crate::agent::AgentState;
use crate::api_version::{Category, SUPPORTED_API_VERSIONS};
use crate::error::{IdentityError, MetadataError, json_response};
use crate::query::QueryParams;

/// `GET /metadata/versions`: the supported versions; the one endpoint without `api-version`.
pub(super) async fn versions_list(
    headers: HeaderMap,
    RawQuery(raw_query): RawQuery,
) -> Result<Response, MetadataError> {
    guard::check(&headers, &QueryParams::parse(raw_query.as_deref()), None)?;
    Ok(json_response(
        StatusCode::OK,
        &json!({ "apiVersions": SUPPORTED_API_VERSIONS.as_slice() }),
    ))
}

/// `GET /metadata/identity/info`: the tenant of the VM.
pub(super) async fn identity_info_view(
    State(state): State<Arc<AgentState>>,
    headers: HeaderMap,
    RawQuery(raw_query): RawQuery,
) -> Result<Response, IdentityError> {
    let query = QueryParams::parse(raw_query.as_deref());
    guard::check(&headers, &query, Some(Category::Identity))?;
    let tenant_id = state.instance().tenant_id;
    Ok(json_response(
        StatusCode::OK,
        &json!({ "tenantId": tenant_id }),
    ))
}
