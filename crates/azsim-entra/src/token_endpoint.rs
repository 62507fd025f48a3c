//! `POST /{tenant}/oauth2/token` and `POST /{tenant}/oauth2/v2.0/token`: client credentials.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::response::Response;
use azsim_core::{FlowEvent, FlowStep};
use azsim_http::RequestContext;
use azsim_store::directory::{PrincipalType, find_service_principal_by_app_id};
use http::HeaderMap;

use crate::aadsts;
use crate::compute_resource::compute_resource_claim;
use crate::form::{TokenForm, basic_credentials};
use crate::issue::{AuthMethod, EndpointVersion, issue, success_response};
use crate::oauth_error::OAuthError;
use crate::resources::find_resource;
use crate::state::{ServiceState, store_failure};
use crate::tenant::{TenantPath, TenantSegment, resolve};
use crate::{assertion, secret};

/// The v1 token endpoint.
pub(crate) async fn token_v1(
    State(state): State<Arc<ServiceState>>,
    TenantPath(tenant): TenantPath,
    context: RequestContext,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    token(
        &state,
        EndpointVersion::V1,
        &tenant,
        context,
        &headers,
        &body,
    )
    .await
}

/// The v2 token endpoint.
pub(crate) async fn token_v2(
    State(state): State<Arc<ServiceState>>,
    TenantPath(tenant): TenantPath,
    context: RequestContext,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    token(
        &state,
        EndpointVersion::V2,
        &tenant,
        context,
        &headers,
        &body,
    )
    .await
}

async fn token(
    state: &ServiceState,
    version: EndpointVersion,
    tenant: &str,
    context: RequestContext,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    let now = state.clock.now();
    match client_credentials(
        state,
        version,
        tenant,
        &context,
        headers,
        body,
        now.unix_timestamp(),
    )
    .await
    {
        Ok(response) => response,
        Err(error) => error.into_response(now, &context, state.config.base()),
    }
}

/// The client credentials grant, check by check in Entra's order.
async fn client_credentials(
    state: &ServiceState,
    version: EndpointVersion,
    tenant_segment: &str,
    context: &RequestContext,
    headers: &HeaderMap,
    body: &[u8],
    now: i64,
) -> Result<Response, OAuthError> {
    let tenant = match resolve(state, tenant_segment).await? {
        TenantSegment::Tenant(tenant) => tenant,
        TenantSegment::MultiTenant("organizations") => {
            return Err(aadsts::no_tenant_identifying_information());
        }
        TenantSegment::MultiTenant(_) => return Err(aadsts::grant_not_supported_on_common()),
        TenantSegment::Unknown => return Err(aadsts::tenant_not_found(tenant_segment)),
    };
    let form = TokenForm::parse(body);
    let grant_type = form
        .get("grant_type")
        .ok_or_else(|| aadsts::missing_parameter("grant_type"))?;
    if grant_type != "client_credentials" {
        return Err(aadsts::unsupported_grant_type(grant_type));
    }
    let basic = basic_credentials(headers)?;
    let client_id = match (form.get("client_id"), &basic) {
        (Some(form_id), Some(basic)) if !form_id.eq_ignore_ascii_case(&basic.client_id) => {
            return Err(aadsts::invalid_parameter("client_id"));
        }
        (Some(form_id), _) => form_id.to_owned(),
        (None, Some(basic)) => basic.client_id.clone(),
        (None, None) => return Err(aadsts::missing_parameter("client_id")),
    };
    let resource = requested_resource(version, &form)?;

    let principal = {
        let mut conn = state.connection().await?;
        find_service_principal_by_app_id(&mut conn, &tenant.tenant_id, &client_id)
            .await
            .map_err(store_failure)?
    }
    .ok_or_else(|| aadsts::unknown_client(&client_id, &tenant.display_name))?;

    let method = if form.has("client_assertion_type") || form.has("client_assertion") {
        assertion::authenticate(state, &tenant, &principal, &form, now).await?;
        AuthMethod::Certificate
    } else if let Some(client_secret) = form
        .get("client_secret")
        .or(basic.as_ref().map(|basic| basic.client_secret.as_str()))
    {
        secret::authenticate(state, &principal, client_secret, now).await?;
        AuthMethod::Secret
    } else {
        return Err(aadsts::no_client_credential());
    };

    let known = find_resource(&resource)
        .ok_or_else(|| aadsts::unknown_resource(&resource, &tenant.display_name))?;
    let compute_resource = compute_resource_claim(&principal, &form)?;
    let token = issue(
        &state.signing_key,
        &tenant.tenant_id,
        &principal,
        &resource,
        compute_resource,
        method,
        now,
    )?;
    state.events.record(FlowEvent {
        source: format!("client:{}", principal.app_id),
        target: "entra".to_owned(),
        step: (principal.principal_type == PrincipalType::ManagedIdentity)
            .then_some(FlowStep::IssueToken),
        correlation_id: context.correlation_id.clone(),
        summary: format!(
            "issued a token for {} ({resource}) to {} ({})",
            known.name, principal.display_name, principal.app_id
        ),
    });
    Ok(success_response(version, &token))
}

/// The resource asked for: v1's `resource`, or v2's single `<resource>/.default` scope.
fn requested_resource(version: EndpointVersion, form: &TokenForm) -> Result<String, OAuthError> {
    match version {
        EndpointVersion::V1 => form
            .get("resource")
            .map(str::to_owned)
            .ok_or_else(|| aadsts::missing_parameter("resource")),
        EndpointVersion::V2 => {
            if form.get("resource").is_some() {
                return Err(aadsts::resource_not_supported());
            }
            let scope = form
                .get("scope")
                .ok_or_else(|| aadsts::missing_parameter("scope"))?;
            let scopes: Vec<&str> = scope.split_whitespace().collect();
            let [single] = scopes.as_slice() else {
                return Err(aadsts::invalid_scope(scope));
            };
            let resource = single
                .strip_suffix("/.default")
                .ok_or_else(|| aadsts::scope_without_default(single))?;
            if resource.is_empty() {
                return Err(aadsts::invalid_scope(scope));
            }
            Ok(resource.to_owned())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v2(body: &str) -> Result<String, u32> {
        requested_resource(EndpointVersion::V2, &TokenForm::parse(body.as_bytes()))
            .map_err(|error| error.aadsts)
    }

    #[test]
    fn v2_scope_must_be_one_resource_with_default_suffix() {
        assert_eq!(
            v2("scope=https%3A%2F%2Fmanagement.azure.com%2F%2F.default").as_deref(),
            Ok("https://management.azure.com/")
        );
        assert_eq!(
            v2("scope=https%3A%2F%2Fvault.azure.net%2F.default").as_deref(),
            Ok("https://vault.azure.net")
        );
        assert_eq!(
            v2("scope=https%3A%2F%2Fgraph.microsoft.com%2FUser.Read"),
            Err(1_002_012)
        );
        assert_eq!(v2("scope=a%2F.default+b%2F.default"), Err(70_011));
        assert_eq!(v2("scope=%2F.default"), Err(70_011));
        assert_eq!(v2("resource=https%3A%2F%2Fvault.azure.net"), Err(901_002));
        assert_eq!(v2(""), Err(900_144));
    }

    #[test]
    fn v1_requires_resource() {
        let form = TokenForm::parse(b"grant_type=client_credentials");
        let error = requested_resource(EndpointVersion::V1, &form).unwrap_err();
        assert_eq!(error.aadsts, 900_144);
    }
}
