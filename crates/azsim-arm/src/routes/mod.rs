//! HTTP routing: one fallback handler takes the request's parsed path (from its
//! [`ArmRequest`]), checks the method against the table of kinds, authorizes, and hands the
//! request to the handlers of that kind. Handlers only parse, call one `app` function and
//! shape the answer.
//!
//! # Layout
//! - `subscription`: `/subscriptions[/{sub}]`.
//! - `resource_group`: `/subscriptions/{sub}/resourcegroups[/{rg}]`.
//! - `virtual_machine`: `.../providers/Microsoft.Compute/virtualMachines[/{vm}]`.
//! - `user_assigned_identity`:
//!   `.../providers/Microsoft.ManagedIdentity/userAssignedIdentities[/{name}]`.
//! - `vault`: `.../providers/Microsoft.KeyVault/vaults[/{name}]`.
//! - `authorization`: `{scope}/providers/Microsoft.Authorization/roleAssignments[/{name}]`
//!   and `.../roleDefinitions[/{id}]`.
//!
//! Before any handler runs, the request is authorized in one place (`crate::access`).

mod authorization;
mod resource_group;
mod subscription;
mod user_assigned_identity;
mod vault;
mod virtual_machine;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use azsim_core::ResourceId;
use http::{Method, StatusCode};

use crate::error::ArmError;
use crate::kinds::Kind;
use crate::path::ArmPath;
use crate::request::{ArmRequest, error_response};
use crate::state::ArmState;

/// One authenticated request on its way to a handler.
pub(crate) struct Call {
    pub(crate) state: ArmState,
    pub(crate) request: ArmRequest,
    pub(crate) method: Method,
    pub(crate) query: Option<String>,
    pub(crate) body: Body,
}

impl Call {
    /// The value of query parameter `name` (compared ignoring case), percent-decoded.
    pub(crate) fn query_parameter(&self, name: &str) -> Option<String> {
        self.query
            .as_deref()
            .into_iter()
            .flat_map(|query| url::form_urlencoded::parse(query.as_bytes()))
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.into_owned())
    }

    /// The error for a method the kind's handlers do not serve (the table already let
    /// through only the methods it lists).
    pub(crate) fn not_allowed<T>(&self) -> Result<T, ArmError> {
        Err(ArmError::MethodNotAllowed {
            method: self.method.to_string(),
        })
    }
}

/// What a kind's handlers are asked for.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Target<'a> {
    /// One item, by id.
    Item(&'a ResourceId),
    /// The items under a parent scope.
    Collection(&'a ResourceId),
}

/// The router's only handler: dispatches on the parsed path and the method.
pub(crate) async fn dispatch(State(state): State<ArmState>, request: Request) -> Response {
    let is_head = request.method() == Method::HEAD;
    match route(state, request).await {
        Ok(response) => response,
        Err(error) => error_response(error, is_head),
    }
}

async fn route(state: ArmState, request: Request) -> Result<Response, ArmError> {
    let (mut parts, body) = request.into_parts();
    let arm_request = parts
        .extensions
        .remove::<ArmRequest>()
        .ok_or(ArmError::AuthorizationMissing)?;
    let method = parts.method;
    if !serves(&arm_request.path, &method) {
        return Err(ArmError::MethodNotAllowed {
            method: method.to_string(),
        });
    }
    crate::access::authorize_request(&state, &arm_request, &method).await?;
    if matches!(method, Method::PUT | Method::PATCH | Method::POST) {
        crate::extract::check_json_media_type(&parts.headers)?;
    }
    let path = arm_request.path.clone();
    // A new name is checked against its kind's rule before any handler can write.
    if let ArmPath::Item { id, kind } = &path {
        let kind = kind.descriptor();
        if method == Method::PUT && !kind.is_scope_only() {
            kind.check_name(id.name().unwrap_or_default())?;
        }
    }
    let call = Call {
        state,
        request: arm_request,
        method,
        query: parts.uri.query().map(str::to_owned),
        body,
    };
    let (target, kind) = match &path {
        ArmPath::Item { id, kind } => (Target::Item(id), *kind),
        ArmPath::Collection { parent, kind } => (Target::Collection(parent), *kind),
        ArmPath::InvalidName { kind, name } => return Err(kind.descriptor().refuse_name(name)),
        ArmPath::UnknownNamespace { namespace, .. } => {
            return Err(ArmError::InvalidResourceNamespace {
                namespace: namespace.clone(),
            });
        }
        ArmPath::UnknownResourceType {
            namespace,
            resource_type,
            ..
        } => return Err(unknown_type(&call, namespace, resource_type)),
        ArmPath::OtherInSubscription { .. } | ArmPath::Other => {
            return Err(ArmError::NoRoute {
                path: parts.uri.path().to_owned(),
            });
        }
    };
    match kind {
        Kind::Subscription => subscription::route(call, target).await,
        Kind::ResourceGroup => resource_group::route(call, target).await,
        Kind::VirtualMachine => virtual_machine::route(call, target).await,
        Kind::UserAssignedIdentity => user_assigned_identity::route(call, target).await,
        Kind::Vault => vault::route(call, target).await,
        Kind::RoleAssignment => authorization::route_assignments(call, target).await,
        Kind::RoleDefinition => authorization::route_definitions(&call, target),
        // A secret is a scope for role assignments; its data lives in the vault's data plane.
        Kind::VaultSecret => {
            let kind = kind.descriptor();
            let type_path = kind
                .type_path
                .split_once('/')
                .map_or("", |(_, types)| types);
            Err(unknown_type(&call, kind.namespace, type_path))
        }
    }
}

/// Whether the API serves `method` on `path`, as the table of kinds lists it. Paths it does
/// not serve at all count as served: they are answered with their own 404s.
fn serves(path: &ArmPath, method: &Method) -> bool {
    match path {
        ArmPath::Item { kind, .. } => {
            let kind = kind.descriptor();
            kind.is_scope_only() || kind.item_methods.contains(method)
        }
        ArmPath::Collection { .. } => method == Method::GET,
        ArmPath::InvalidName { .. }
        | ArmPath::UnknownNamespace { .. }
        | ArmPath::UnknownResourceType { .. }
        | ArmPath::OtherInSubscription { .. }
        | ArmPath::Other => true,
    }
}

fn unknown_type(call: &Call, namespace: &str, resource_type: &str) -> ArmError {
    ArmError::InvalidResourceType {
        resource_type: resource_type.to_owned(),
        namespace: namespace.to_owned(),
        api_version: call.request.api_version.as_str().to_owned(),
    }
}

/// `200 OK` with a JSON body.
fn ok(body: serde_json::Value) -> Response {
    (StatusCode::OK, axum::Json(body)).into_response()
}

/// A PUT's answer: `201 Created` for a new resource, `200 OK` for a replaced one.
fn put_answer(created: bool, body: serde_json::Value) -> Response {
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    (status, axum::Json(body)).into_response()
}

/// A DELETE's answer: `200 OK` when the resource existed, `204 No Content` when it did not.
fn delete_answer(existed: bool) -> Response {
    if existed {
        StatusCode::OK.into_response()
    } else {
        StatusCode::NO_CONTENT.into_response()
    }
}

/// A list as ARM pages it: everything on one page, so no `nextLink`.
fn list(items: Vec<serde_json::Value>) -> Response {
    ok(serde_json::json!({ "value": items }))
}
