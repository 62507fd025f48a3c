//! The `{tenant}` segment of the token service's paths.

use azsim_store::directory::{Tenant, find_tenant};

use crate::oauth_error::OAuthError;
use crate::state::{ServiceState, store_failure};

/// What the `{tenant}` path segment names.
#[derive(Debug)]
pub(crate) enum TenantSegment {
    /// `common`, `organizations` or `consumers`: no particular tenant.
    MultiTenant(&'static str),
    /// A tenant of the directory.
    Tenant(Tenant),
    /// Nothing the directory knows.
    Unknown,
}

/// Resolves a `{tenant}` path segment (tenant id or default domain, any case).
pub(crate) async fn resolve(
    state: &ServiceState,
    segment: &str,
) -> Result<TenantSegment, OAuthError> {
    for alias in ["common", "organizations", "consumers"] {
        if segment.eq_ignore_ascii_case(alias) {
            return Ok(TenantSegment::MultiTenant(alias));
        }
    }
    let mut conn = state.connection().await?;
    Ok(find_tenant(&mut conn, segment)
        .await
        .map_err(store_failure)?
        .map_or(TenantSegment::Unknown, TenantSegment::Tenant))
}
