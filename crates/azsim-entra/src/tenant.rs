//! The `{tenant}` segment of the token service's paths.

use axum::extract::FromRequestParts;
use azsim_store::directory::{Tenant, find_tenant};
use http::request::Parts;

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

/// The `{tenant}` path segment, percent-decoded without failing: bytes that are not UTF-8
/// become U+FFFD, so such a segment names no tenant and is answered with the tenant errors
/// (AADSTS90002) rather than a plain-text rejection.
#[derive(Debug)]
pub(crate) struct TenantPath(pub(crate) String);

impl<S: Send + Sync> FromRequestParts<S> for TenantPath {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        // Read from the URI itself: axum's path captures refuse a segment that is not UTF-8
        // once decoded, with a plain-text answer of their own. The tenant is the first segment
        // of every route that has one.
        let segment = parts
            .uri
            .path()
            .split('/')
            .find(|segment| !segment.is_empty())
            .map(|segment| {
                percent_encoding::percent_decode_str(segment)
                    .decode_utf8_lossy()
                    .into_owned()
            })
            .unwrap_or_default();
        Ok(Self(segment))
    }
}
