//! [`ArmRequest`]: what one middleware learns about a request before any handler runs, once.
//!
//! The middleware authenticates the bearer token, parses the path, reads the subscription the
//! path is in (and refuses a token of another tenant), and checks the `api-version`. Handlers
//! and operations take what they need from the [`ArmRequest`] request extension instead of
//! deriving it again.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use azsim_core::{FlowEvent, FlowStep};
use azsim_http::RequestContext;
use azsim_store::resources::Subscription;
use http::{HeaderMap, Method};

use crate::auth::Caller;
use crate::error::ArmError;
use crate::extract::ApiVersion;
use crate::lookup::{find_subscription, is_subscription_id};
use crate::path::ArmPath;
use crate::state::ArmState;

/// One authenticated request: who calls, in which flow, at which version, on what, in which
/// subscription.
#[derive(Debug, Clone)]
pub(crate) struct ArmRequest {
    /// The authenticated caller.
    pub(crate) caller: Caller,
    /// The request's ids.
    pub(crate) context: RequestContext,
    /// The request's `api-version`.
    pub(crate) api_version: ApiVersion,
    /// What the path addresses, parsed once.
    pub(crate) path: ArmPath,
    /// The subscription the path is in, read once; `None` when the path names none, or one
    /// that does not exist or whose id is not a GUID.
    pub(crate) subscription: Option<Subscription>,
}

impl ArmRequest {
    /// The request's correlation id, which flow events and agent syncs carry.
    pub(crate) fn correlation_id(&self) -> &str {
        &self.context.correlation_id
    }

    /// The subscription of the path, with ARM's errors: `InvalidSubscriptionId` if the id is
    /// not a GUID, `SubscriptionNotFound` if there is no such subscription.
    pub(crate) fn require_subscription(&self) -> Result<&Subscription, ArmError> {
        let subscription_id = self.path.subscription_id().unwrap_or_default();
        if !is_subscription_id(subscription_id) {
            return Err(ArmError::InvalidSubscriptionId {
                subscription_id: subscription_id.to_owned(),
            });
        }
        self.subscription
            .as_ref()
            .ok_or_else(|| ArmError::SubscriptionNotFound {
                subscription_id: subscription_id.to_owned(),
            })
    }
}

/// Middleware: builds the [`ArmRequest`] or answers with the error (401 for authentication).
pub(crate) async fn arm_request(
    State(state): State<ArmState>,
    mut request: Request,
    next: Next,
) -> Response {
    let is_head = request.method() == Method::HEAD;
    // Only the headers and URI cross the awaits: a request body is not `Sync`.
    let (caller, path, subscription) =
        match identify(&state, request.headers(), request.uri().path()).await {
            Ok(identified) => identified,
            Err(error) => return error.into_response(),
        };
    if let Some(resource_id) = &caller.claims().xms_mirid {
        record_use_token(&state, &request, resource_id);
    }
    let api_version = match ApiVersion::from_query(request.uri().query()) {
        Ok(api_version) => api_version,
        Err(error) => return error_response(error, is_head),
    };
    let context = request_context(&request);
    request.extensions_mut().insert(ArmRequest {
        caller,
        context,
        api_version,
        path,
        subscription,
    });
    next.run(request).await
}

/// An error response; a HEAD answer has no body, the status says it all.
pub(crate) fn error_response(error: ArmError, is_head: bool) -> Response {
    let response = error.into_response();
    if is_head {
        let (parts, _) = response.into_parts();
        Response::from_parts(parts, Body::empty())
    } else {
        response
    }
}

/// The caller, the parsed path and the path's subscription. A subscription accepts only
/// tokens of the tenant it trusts; one that does not exist is left to authorization, which
/// answers `SubscriptionNotFound` as ARM does.
async fn identify(
    state: &ArmState,
    headers: &HeaderMap,
    path: &str,
) -> Result<(Caller, ArmPath, Option<Subscription>), ArmError> {
    let caller = crate::auth::authenticate(state, headers).await?;
    let path = ArmPath::parse(path);
    let subscription = match path.subscription_id() {
        Some(subscription_id) => find_subscription(state, subscription_id).await?,
        None => None,
    };
    if let Some(subscription) = &subscription {
        caller.check_tenant(subscription)?;
    }
    Ok((caller, path, subscription))
}

/// The ids the request-context layer gave the request, or fresh ones (as its extractor does).
fn request_context(request: &Request) -> RequestContext {
    request
        .extensions()
        .get::<RequestContext>()
        .cloned()
        .unwrap_or_else(RequestContext::fresh)
}

/// Step 7 of the flow: a managed identity's token reached the resource API.
fn record_use_token(state: &ArmState, request: &Request, resource_id: &str) {
    let correlation_id = request_context(request).correlation_id;
    state.events().record(FlowEvent {
        source: resource_id.to_owned(),
        target: "arm".to_owned(),
        step: Some(FlowStep::UseToken),
        correlation_id,
        summary: format!(
            "managed identity calls the resource API: {} {}",
            request.method(),
            request.uri().path()
        ),
    });
}
