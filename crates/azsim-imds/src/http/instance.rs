//! `/metadata/instance` and its route filters (`/metadata/instance/compute/vmId?format=text`).

use std::sync::Arc;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::guard;
use crate::agent::AgentState;
use crate::api_version::Category;
use crate::error::{MetadataError, json_response};
use crate::instance_document::{filter, instance_document, is_leaf, render_text};
use crate::query::QueryParams;

/// `GET /metadata/instance`: the whole document.
pub(super) async fn instance_view(
    State(state): State<Arc<AgentState>>,
    headers: HeaderMap,
    RawQuery(raw_query): RawQuery,
) -> Result<Response, MetadataError> {
    serve_filtered(&state, &headers, raw_query.as_deref(), &[])
}

/// `GET /metadata/instance/<key>/<key-or-index>/...`: one part of the document.
pub(super) async fn instance_view_filtered(
    State(state): State<Arc<AgentState>>,
    headers: HeaderMap,
    RawQuery(raw_query): RawQuery,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, MetadataError> {
    // A path that does not even decode names nothing in the document.
    let Path(path) = path.map_err(|_| MetadataError::NotFound)?;
    let segments: Vec<&str> = path
        .split('/')
        .filter(|segment| !segment.is_empty())
        .collect();
    serve_filtered(&state, &headers, raw_query.as_deref(), &segments)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Text,
}

fn serve_filtered(
    state: &AgentState,
    headers: &HeaderMap,
    raw_query: Option<&str>,
    segments: &[&str],
) -> Result<Response, MetadataError> {
    let query = QueryParams::parse(raw_query);
    guard::check(headers, &query, Some(Category::Instance))?;
    let format = match query.get("format") {
        None | Some("json") => Format::Json,
        Some("text") => Format::Text,
        Some(_) => return Err(MetadataError::InvalidFormat),
    };
    let document = instance_document(&state.instance());
    let node = filter(&document, segments).ok_or(MetadataError::NotFound)?;
    match format {
        Format::Json if is_leaf(node) => Err(MetadataError::LeafNeedsText),
        Format::Json => Ok(json_response(StatusCode::OK, node)),
        Format::Text => Ok((
            StatusCode::OK,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            )],
            render_text(node),
        )
            .into_response()),
    }
}
