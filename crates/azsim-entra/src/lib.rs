//! The Entra-like token service of azsim: OAuth 2.0 client credentials (secrets and
//! certificate-signed client assertions), OpenID Connect discovery, JWKS, and the validator
//! that protected resources use for the tokens it issues.
//!
//! # Layout
//! - [`TokenService`]: built from the store, clock, event sink and [`TokenServiceConfig`];
//!   its [`TokenService::router`] serves every endpoint.
//! - [`AccessTokenValidator`]: checks a bearer token's signature, time, audience and issuer.
//! - [`AccessTokenClaims`]: the claims of the v1 access tokens issued here.
//! - [`directory`]: the directory's owner: registering applications, managed-identity
//!   principals and credentials, and [`directory::ClientSecret`], the one secret digest.
//! - [`resources`]: the first-party resources tokens can be requested for.
//! - [`COMPUTE_RESOURCE_FIELD`]: the azsim-internal token-request field through which a
//!   metadata agent names its VM for a user-assigned identity's `xms_az_rid`.
//! - Inside: `token_endpoint` (the grant, check by check), `secret` and `assertion` (client
//!   authentication), `compute_resource` (the `xms_az_rid` rule), `issue` (minting and responses), `aadsts` (the error catalogue) and
//!   `oauth_error` (its one response writer), `discovery` and `jwks`, `signing` (the key),
//!   `jws` (compact JWS on openssl).

mod aadsts;
mod assertion;
mod claims;
mod compute_resource;
mod config;
pub mod directory;
mod discovery;
mod error;
mod form;
mod issue;
mod jwks;
mod jws;
mod oauth_error;
mod random;
pub mod resources;
mod secret;
mod service;
mod signing;
mod state;
mod tenant;
mod token_endpoint;
mod validation;

pub use assertion::JWT_BEARER as CLIENT_ASSERTION_TYPE_JWT_BEARER;
pub use claims::{AccessTokenClaims, issuer_for_tenant};
pub use compute_resource::COMPUTE_RESOURCE_FIELD;
pub use config::TokenServiceConfig;
pub use error::EntraError;
pub use service::TokenService;
pub use validation::{AccessTokenValidator, TokenValidationError};
