//! HTTP routing: one fallback handler parses the path case-insensitively into an
//! [`ArmPath`](crate::path::ArmPath) and hands the request to the handler of that resource
//! type and method. Handlers only parse, call one `app` function and shape the answer.
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
use azsim_http::RequestContext;
use http::{Method, StatusCode};

use crate::auth::Caller;
use crate::error::ArmError;
use crate::extract::ApiVersion;
use crate::path::ArmPath;
use crate::state::ArmState;

/// One authenticated request on its way to a handler.
pub(crate) struct Call {
    pub(crate) state: ArmState,
    pub(crate) caller: Caller,
    pub(crate) context: RequestContext,
    pub(crate) api_version: ApiVersion,
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
}

/// The router's only handler: dispatches on the parsed path and the method.
pub(crate) async fn dispatch(State(state): State<ArmState>, request: Request) -> Response {
    let is_head = request.method() == Method::HEAD;
    match route(state, request).await {
        Ok(response) => response,
        // A HEAD answer has no body; the status says it all.
        Err(error) if is_head => {
            let (parts, _) = error.into_response().into_parts();
            Response::from_parts(parts, Body::empty())
        }
        Err(error) => error.into_response(),
    }
}

async fn route(state: ArmState, request: Request) -> Result<Response, ArmError> {
    let (parts, body) = request.into_parts();
    let api_version = ApiVersion::from_query(parts.uri.query())?;
    let caller = parts
        .extensions
        .get::<Caller>()
        .cloned()
        .ok_or(ArmError::AuthorizationMissing)?;
    let context = parts
        .extensions
        .get::<RequestContext>()
        .cloned()
        .unwrap_or_else(|| {
            // The router always installs the request-context layer; this only guards a router
            // assembled without it.
            let id = uuid::Uuid::new_v4().to_string();
            RequestContext {
                request_id: id.clone(),
                correlation_id: id,
            }
        });
    let method = parts.method;
    let path = ArmPath::parse(parts.uri.path());
    if !serves(&path, &method) {
        return not_allowed(&method);
    }
    crate::access::authorize_request(&state, &caller, &path, &method).await?;
    let call = Call {
        state,
        caller,
        context,
        api_version,
        query: parts.uri.query().map(str::to_owned),
        body,
    };
    match path {
        ArmPath::Subscriptions => match method {
            Method::GET => subscription::list(call).await,
            _ => not_allowed(&method),
        },
        ArmPath::Subscription { subscription_id } => match method {
            Method::GET => subscription::view(call, &subscription_id).await,
            _ => not_allowed(&method),
        },
        ArmPath::ResourceGroups { subscription_id } => match method {
            Method::GET => resource_group::list(call, &subscription_id).await,
            _ => not_allowed(&method),
        },
        ArmPath::ResourceGroup {
            subscription_id,
            resource_group,
        } => match method {
            Method::PUT => resource_group::put(call, &subscription_id, &resource_group).await,
            Method::GET => resource_group::get(call, &subscription_id, &resource_group).await,
            Method::HEAD => resource_group::head(call, &subscription_id, &resource_group).await,
            Method::PATCH => resource_group::patch(call, &subscription_id, &resource_group).await,
            Method::DELETE => resource_group::delete(call, &subscription_id, &resource_group).await,
            _ => not_allowed(&method),
        },
        ArmPath::SubscriptionVirtualMachines { subscription_id } => match method {
            Method::GET => virtual_machine::list_in_subscription(call, &subscription_id).await,
            _ => not_allowed(&method),
        },
        ArmPath::VirtualMachines {
            subscription_id,
            resource_group,
        } => match method {
            Method::GET => {
                virtual_machine::list_in_resource_group(call, &subscription_id, &resource_group)
                    .await
            }
            _ => not_allowed(&method),
        },
        ArmPath::VirtualMachine {
            subscription_id,
            resource_group,
            name,
        } => {
            let address = crate::app::virtual_machine::VirtualMachineAddress {
                subscription_id: &subscription_id,
                resource_group: &resource_group,
                name: &name,
            };
            match method {
                Method::PUT => virtual_machine::put(call, address).await,
                Method::GET => virtual_machine::get(call, address).await,
                Method::PATCH => virtual_machine::patch(call, address).await,
                Method::DELETE => virtual_machine::delete(call, address).await,
                _ => not_allowed(&method),
            }
        }
        ArmPath::SubscriptionUserAssignedIdentities { subscription_id } => match method {
            Method::GET => {
                user_assigned_identity::list_in_subscription(call, &subscription_id).await
            }
            _ => not_allowed(&method),
        },
        ArmPath::UserAssignedIdentities {
            subscription_id,
            resource_group,
        } => match method {
            Method::GET => {
                user_assigned_identity::list_in_resource_group(
                    call,
                    &subscription_id,
                    &resource_group,
                )
                .await
            }
            _ => not_allowed(&method),
        },
        ArmPath::UserAssignedIdentity {
            subscription_id,
            resource_group,
            name,
        } => {
            let address = crate::app::user_assigned_identity::UserAssignedIdentityAddress {
                subscription_id: &subscription_id,
                resource_group: &resource_group,
                name: &name,
            };
            match method {
                Method::PUT => user_assigned_identity::put(call, address).await,
                Method::GET => user_assigned_identity::get(call, address).await,
                Method::PATCH => user_assigned_identity::patch(call, address).await,
                Method::DELETE => user_assigned_identity::delete(call, address).await,
                _ => not_allowed(&method),
            }
        }
        ArmPath::SubscriptionVaults { subscription_id } => match method {
            Method::GET => vault::list_in_subscription(call, &subscription_id).await,
            _ => not_allowed(&method),
        },
        ArmPath::Vaults {
            subscription_id,
            resource_group,
        } => match method {
            Method::GET => {
                vault::list_in_resource_group(call, &subscription_id, &resource_group).await
            }
            _ => not_allowed(&method),
        },
        ArmPath::Vault {
            subscription_id,
            resource_group,
            name,
        } => {
            let address = crate::app::vault::VaultAddress {
                subscription_id: &subscription_id,
                resource_group: &resource_group,
                name: &name,
            };
            match method {
                Method::PUT => vault::put(call, address).await,
                Method::GET => vault::get(call, address).await,
                Method::DELETE => vault::delete(call, address).await,
                _ => not_allowed(&method),
            }
        }
        ArmPath::RoleAssignments { scope } => match method {
            Method::GET => authorization::list_assignments(call, &scope).await,
            _ => not_allowed(&method),
        },
        ArmPath::RoleAssignment { scope, name } => match method {
            Method::PUT => authorization::put_assignment(call, &scope, &name).await,
            Method::GET => authorization::get_assignment(call, &scope, &name).await,
            Method::DELETE => authorization::delete_assignment(call, &scope, &name).await,
            _ => not_allowed(&method),
        },
        ArmPath::RoleDefinitions { scope } => match method {
            Method::GET => authorization::list_definitions(&call, &scope),
            _ => not_allowed(&method),
        },
        ArmPath::RoleDefinition { scope, id } => match method {
            Method::GET => authorization::get_definition(&scope, &id),
            _ => not_allowed(&method),
        },
        // A secret is a scope for role assignments; its data lives in the vault's data plane.
        ArmPath::VaultSecret { .. } => Err(ArmError::InvalidResourceType {
            resource_type: "vaults/secrets".to_owned(),
            namespace: crate::path::KEY_VAULT_NAMESPACE.to_owned(),
            api_version: call.api_version.0,
        }),
        ArmPath::UnknownNamespace { namespace, .. } => {
            Err(ArmError::InvalidResourceNamespace { namespace })
        }
        ArmPath::UnknownResourceType {
            namespace,
            resource_type,
            ..
        } => Err(ArmError::InvalidResourceType {
            resource_type,
            namespace,
            api_version: call.api_version.0,
        }),
        ArmPath::OtherInSubscription { .. } | ArmPath::Other => Err(ArmError::NoRoute {
            path: parts.uri.path().to_owned(),
        }),
    }
}

/// Whether the API serves `method` on `path`. Paths it does not serve at all count as served:
/// they are answered with their own 404s.
fn serves(path: &ArmPath, method: &Method) -> bool {
    let any_of = |methods: &[Method]| methods.contains(method);
    match path {
        ArmPath::Subscriptions
        | ArmPath::Subscription { .. }
        | ArmPath::ResourceGroups { .. }
        | ArmPath::SubscriptionVirtualMachines { .. }
        | ArmPath::VirtualMachines { .. }
        | ArmPath::SubscriptionUserAssignedIdentities { .. }
        | ArmPath::UserAssignedIdentities { .. }
        | ArmPath::SubscriptionVaults { .. }
        | ArmPath::Vaults { .. }
        | ArmPath::RoleAssignments { .. }
        | ArmPath::RoleDefinitions { .. }
        | ArmPath::RoleDefinition { .. } => method == Method::GET,
        ArmPath::ResourceGroup { .. } => any_of(&[
            Method::PUT,
            Method::GET,
            Method::HEAD,
            Method::PATCH,
            Method::DELETE,
        ]),
        ArmPath::VirtualMachine { .. } | ArmPath::UserAssignedIdentity { .. } => {
            any_of(&[Method::PUT, Method::GET, Method::PATCH, Method::DELETE])
        }
        ArmPath::Vault { .. } | ArmPath::RoleAssignment { .. } => {
            any_of(&[Method::PUT, Method::GET, Method::DELETE])
        }
        ArmPath::VaultSecret { .. }
        | ArmPath::UnknownNamespace { .. }
        | ArmPath::UnknownResourceType { .. }
        | ArmPath::OtherInSubscription { .. }
        | ArmPath::Other => true,
    }
}

fn not_allowed(method: &Method) -> Result<Response, ArmError> {
    Err(ArmError::MethodNotAllowed {
        method: method.to_string(),
    })
}

/// `200 OK` with a JSON body.
fn ok(body: serde_json::Value) -> Response {
    (StatusCode::OK, axum::Json(body)).into_response()
}

/// A list as ARM pages it: everything on one page, so no `nextLink`.
fn list(items: Vec<serde_json::Value>) -> Response {
    ok(serde_json::json!({ "value": items }))
}
