//! The claims of the v1 access tokens the token service issues.

use serde::{Deserialize, Serialize};

/// The claims of an access token, as a protected resource reads them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessTokenClaims {
    /// The resource the token is for, exactly as the client asked for it.
    pub aud: String,
    /// `https://sts.windows.net/{tid}/`.
    pub iss: String,
    /// Issued at (back-dated five minutes, as Entra does).
    pub iat: i64,
    /// Not before (equals `iat`).
    pub nbf: i64,
    /// Expiry.
    pub exp: i64,
    /// The client (application) id.
    pub appid: String,
    /// How the client authenticated: `"1"` secret, `"2"` certificate.
    pub appidacr: String,
    /// `"app"`: an app-only token.
    pub idtyp: String,
    /// The service principal's object id.
    pub oid: String,
    /// The subject (equals `oid` for app tokens).
    pub sub: String,
    /// The tenant id.
    pub tid: String,
    /// A unique token id.
    pub uti: String,
    /// The token version, `"1.0"`.
    pub ver: String,
    /// For a managed identity: the ARM id of the identity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub xms_mirid: Option<String>,
    /// For a user-assigned identity: the ARM id of the compute resource using it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub xms_az_rid: Option<String>,
}

/// Every claim the token service writes, in the order Entra writes them.
#[derive(Debug, Serialize)]
pub(crate) struct IssuedClaims<'a> {
    pub(crate) aud: &'a str,
    pub(crate) iss: &'a str,
    pub(crate) iat: i64,
    pub(crate) nbf: i64,
    pub(crate) exp: i64,
    pub(crate) aio: &'a str,
    pub(crate) appid: &'a str,
    pub(crate) appidacr: &'a str,
    pub(crate) idp: &'a str,
    pub(crate) idtyp: &'a str,
    pub(crate) oid: &'a str,
    pub(crate) rh: &'a str,
    pub(crate) sub: &'a str,
    pub(crate) tid: &'a str,
    pub(crate) uti: &'a str,
    pub(crate) ver: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) xms_mirid: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) xms_az_rid: Option<&'a str>,
}

/// The v1 issuer for a tenant: `https://sts.windows.net/{tenant_id}/`.
pub fn issuer_for_tenant(tenant_id: &str) -> String {
    format!("https://sts.windows.net/{tenant_id}/")
}
