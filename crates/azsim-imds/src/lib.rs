//! The per-VM instance metadata agent (IMDS) of azsim, and the fleet that runs one per VM.
//!
//! An agent speaks the real metadata service's wire protocol: `Metadata: true` required, no
//! proxies, `api-version` checked, OAuth-shaped errors on the identity endpoints. It never
//! opens the database: the managed-identity provider hands it the VM's facts and its
//! identities' certificates, and it gets tokens from the token service over HTTP,
//! authenticating with a certificate-signed client assertion.
//!
//! # Layout
//! - `agent`: [`ImdsAgent`], one VM's server, its identities and token cache.
//! - `fleet`: [`ImdsFleet`], every agent of a cloud by VM id.
//! - `model`: what an agent is handed ([`VmInstance`], [`IdentityCredential`], [`AgentConfig`]).
//! - `selection`: which identity a token request gets.
//! - `assertion`: the ES256 client assertion sent to the token service.
//! - `instance_document`: the `/metadata/instance` document.
//! - `api_version`: the versions the service accepts.
//! - `app_service`: the App Service flavour (`IDENTITY_ENDPOINT` + `IDENTITY_HEADER`) every
//!   agent also serves at `/msi/token`; `app_service_error` is its error dialect.
//! - `error`: the wire error dialects.

mod agent;
mod api_version;
mod app_service;
mod app_service_error;
mod assertion;
mod error;
mod fleet;
mod instance_document;
mod model;
mod selection;

mod http;
mod identity_header;
mod query;
mod token_cache;
mod token_client;

#[cfg(test)]
mod test_support;

pub use agent::ImdsAgent;
pub use app_service::{APP_SERVICE_TOKEN_PATH, identity_endpoint};
pub use error::{IdentityError, MetadataError};
pub use fleet::ImdsFleet;
pub use model::{AgentConfig, IdentityCredential, IdentityKind, VmInstance};
pub use selection::{IdentitySelector, SelectionError, select_identity};
pub use token_client::TokenServiceError;
