//! The token path both identity endpoints share (IMDS and the App Service flavour): pick the
//! identity, serve a cached token or get a fresh one from the token service, record the hops.

use azsim_core::{FlowEvent, FlowStep};

use crate::agent::AgentState;
use crate::model::IdentityKind;
use crate::selection::{IdentitySelector, SelectionError, select_identity};
use crate::token_client::{IssuedToken, TokenServiceError};

/// What a workload asked for, whichever endpoint it called.
#[derive(Debug)]
pub(super) struct TokenRequest<'a> {
    /// The audience (`resource=`).
    pub(super) resource: &'a str,
    /// Which identity.
    pub(super) selector: &'a IdentitySelector,
    /// Skip the cache (`bypass_cache=true`, IMDS only).
    pub(super) bypass_cache: bool,
    /// The correlation id passed on to the token service.
    pub(super) correlation_id: &'a str,
    /// The endpoint's name in the flow events ("the IMDS endpoint", ...).
    pub(super) endpoint: &'static str,
}

/// A token and the identity it was issued to.
#[derive(Debug)]
pub(super) struct IssuedFor {
    pub(super) token: IssuedToken,
    pub(super) client_id: String,
}

/// Why no token was served; each endpoint turns it into its own wire error.
#[derive(Debug)]
pub(super) enum IssueError {
    /// No identity could be chosen.
    Selection(SelectionError),
    /// The token service gave no token.
    TokenService(TokenServiceError),
}

/// Serves `request`: the chosen identity's cached token for the resource, or a fresh one.
pub(super) async fn issue_token(
    state: &AgentState,
    request: TokenRequest<'_>,
) -> Result<IssuedFor, IssueError> {
    let TokenRequest {
        resource,
        selector,
        bypass_cache,
        correlation_id,
        endpoint,
    } = request;
    let agent_name = format!("imds:{}", state.instance().name);
    let request_event = FlowEvent {
        source: "workload".to_owned(),
        target: agent_name.clone(),
        step: Some(FlowStep::RequestToken),
        correlation_id: correlation_id.to_owned(),
        summary: format!("code on the VM asks {endpoint} for a token for {resource}"),
    };

    let identities = state.identities();
    let credential = match select_identity(&identities, selector) {
        Ok(credential) => credential,
        Err(error) => {
            state.events.record(request_event);
            return Err(IssueError::Selection(error));
        }
    };
    let now = state.clock.unix_seconds();
    let cached = if bypass_cache {
        None
    } else {
        state.cache.get(&credential.client_id, resource, now)
    };
    // A request answered from the cache is one of the many of a busy workload: the event
    // sink may summarise those under load. A request that reaches the token service is not.
    if cached.is_some() {
        state.events.record_cache_hit(request_event);
    } else {
        state.events.record(request_event);
    }
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
                correlation_id: correlation_id.to_owned(),
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
                    resource,
                    compute_resource_id.as_deref(),
                    correlation_id,
                    now,
                )
                .await
                .map_err(IssueError::TokenService)?;
            state.cache_if_current(credential, resource, token.clone());
            tracing::debug!(client_id = %credential.client_id, resource = %resource, "token obtained from the token service");
            token
        }
    };
    Ok(IssuedFor {
        token,
        client_id: credential.client_id.clone(),
    })
}
