//! OpenID Connect discovery documents (v1 and v2) and MSAL's instance discovery.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use azsim_http::RequestContext;
use http::HeaderValue;
use http::header::{ACCESS_CONTROL_ALLOW_ORIGIN, CACHE_CONTROL};
use serde_json::{Value, json};

use crate::aadsts;
use crate::oauth_error::OAuthError;
use crate::state::ServiceState;
use crate::tenant::{TenantPath, TenantSegment, resolve};

/// What a discovery document is about: the path's tenant, and the id its issuer names
/// (a placeholder for the multi-tenant aliases, as Entra writes it).
pub(crate) struct DiscoveryTenant {
    pub(crate) path: String,
    pub(crate) id: String,
}

/// Resolves the `{tenant}` of a discovery or keys path; unknown tenants are `invalid_tenant`.
pub(crate) async fn discovery_tenant(
    state: &ServiceState,
    segment: &str,
) -> Result<DiscoveryTenant, OAuthError> {
    match resolve(state, segment).await? {
        TenantSegment::Tenant(tenant) => Ok(DiscoveryTenant {
            id: tenant.tenant_id.clone(),
            path: tenant.tenant_id,
        }),
        TenantSegment::MultiTenant(alias) => Ok(DiscoveryTenant {
            path: alias.to_owned(),
            id: "{tenantid}".to_owned(),
        }),
        TenantSegment::Unknown => Err(aadsts::discovery_tenant_not_found(segment)),
    }
}

/// `GET /{tenant}/.well-known/openid-configuration`.
pub(crate) async fn openid_configuration_v1(
    State(state): State<Arc<ServiceState>>,
    TenantPath(segment): TenantPath,
    context: RequestContext,
) -> Response {
    match discovery_tenant(&state, &segment).await {
        Ok(tenant) => cached_json(v1_document(state.config.base(), &tenant)),
        Err(error) => error.into_response(state.clock.now(), &context, state.config.base()),
    }
}

/// `GET /{tenant}/v2.0/.well-known/openid-configuration`.
pub(crate) async fn openid_configuration_v2(
    State(state): State<Arc<ServiceState>>,
    TenantPath(segment): TenantPath,
    context: RequestContext,
) -> Response {
    match discovery_tenant(&state, &segment).await {
        Ok(tenant) => cached_json(v2_document(state.config.base(), &tenant)),
        Err(error) => error.into_response(state.clock.now(), &context, state.config.base()),
    }
}

/// `GET /common/discovery/instance?authorization_endpoint=...`: MSAL asks it which host to
/// discover a tenant at; the answer is always this service.
pub(crate) async fn instance_discovery(
    State(state): State<Arc<ServiceState>>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let base = state.config.base();
    let tenant = query
        .get("authorization_endpoint")
        .and_then(|endpoint| url::Url::parse(endpoint).ok())
        .and_then(|endpoint| {
            endpoint
                .path_segments()
                .and_then(|mut segments| segments.next().map(str::to_owned))
        })
        .filter(|tenant| !tenant.is_empty())
        .unwrap_or_else(|| "common".to_owned());
    let host = state
        .config
        .public_base_url
        .host_str()
        .map(|host| match state.config.public_base_url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        })
        .unwrap_or_default();
    cached_json(json!({
        "tenant_discovery_endpoint": format!("{base}/{tenant}/v2.0/.well-known/openid-configuration"),
        "api-version": "1.1",
        "metadata": [{
            "preferred_network": host,
            "preferred_cache": host,
            "aliases": [host],
        }],
    }))
}

fn v1_document(base: &str, tenant: &DiscoveryTenant) -> Value {
    let (path, id) = (&tenant.path, &tenant.id);
    json!({
        "token_endpoint": format!("{base}/{path}/oauth2/token"),
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        "jwks_uri": format!("{base}/{path}/discovery/keys"),
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "token id_token", "token"],
        "scopes_supported": ["openid"],
        "issuer": format!("https://sts.windows.net/{id}/"),
        "microsoft_multi_refresh_token": true,
        "authorization_endpoint": format!("{base}/{path}/oauth2/authorize"),
        "device_authorization_endpoint": format!("{base}/{path}/oauth2/devicecode"),
        "http_logout_supported": true,
        "frontchannel_logout_supported": true,
        "end_session_endpoint": format!("{base}/{path}/oauth2/logout"),
        "claims_supported": ["sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name", "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "amr", "nonce", "email", "given_name", "family_name", "nickname"],
        "check_session_iframe": format!("{base}/{path}/oauth2/checksession"),
        "userinfo_endpoint": format!("{base}/{path}/openid/userinfo"),
        "kerberos_endpoint": format!("{base}/{path}/kerberos"),
        "tenant_region_scope": region_scope(tenant),
        "cloud_instance_name": "microsoftonline.com",
        "cloud_graph_host_name": "graph.windows.net",
        "msgraph_host": "graph.microsoft.com",
    })
}

fn v2_document(base: &str, tenant: &DiscoveryTenant) -> Value {
    let (path, id) = (&tenant.path, &tenant.id);
    json!({
        "token_endpoint": format!("{base}/{path}/oauth2/v2.0/token"),
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        "jwks_uri": format!("{base}/{path}/discovery/v2.0/keys"),
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": format!("{base}/{id}/v2.0"),
        "request_uri_parameter_supported": false,
        "userinfo_endpoint": format!("{base}/oidc/userinfo"),
        "authorization_endpoint": format!("{base}/{path}/oauth2/v2.0/authorize"),
        "device_authorization_endpoint": format!("{base}/{path}/oauth2/v2.0/devicecode"),
        "http_logout_supported": true,
        "frontchannel_logout_supported": true,
        "end_session_endpoint": format!("{base}/{path}/oauth2/v2.0/logout"),
        "claims_supported": ["sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name", "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username", "name", "tid", "ver", "at_hash", "c_hash", "email"],
        "kerberos_endpoint": format!("{base}/{path}/kerberos"),
        "tenant_region_scope": region_scope(tenant),
        "cloud_instance_name": "microsoftonline.com",
        "cloud_graph_host_name": "graph.windows.net",
        "msgraph_host": "graph.microsoft.com",
    })
}

/// `"WW"` for a real tenant, `null` for the multi-tenant aliases (as Entra answers).
fn region_scope(tenant: &DiscoveryTenant) -> Value {
    if tenant.id == "{tenantid}" {
        Value::Null
    } else {
        Value::from("WW")
    }
}

/// A JSON response with the caching headers of Entra's public metadata.
pub(crate) fn cached_json(body: Value) -> Response {
    let mut response = Json(body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        CACHE_CONTROL,
        HeaderValue::from_static("max-age=86400, private"),
    );
    headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    response
}
