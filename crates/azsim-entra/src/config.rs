//! The token service's configuration.

/// How the token service presents itself.
#[derive(Debug, Clone)]
pub struct TokenServiceConfig {
    /// The scheme, host and port clients reach the service at, e.g. `http://127.0.0.1:8443`
    /// (no path). Every URL in discovery documents is under it, and client assertions may be
    /// addressed to its token endpoints.
    pub public_base_url: url::Url,
}

impl TokenServiceConfig {
    /// The base URL without a trailing slash, ready for `format!("{base}/{tenant}/...")`.
    pub(crate) fn base(&self) -> &str {
        self.public_base_url.as_str().trim_end_matches('/')
    }
}
