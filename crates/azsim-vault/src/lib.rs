//! The Key Vault secrets data plane of azsim: set, get, list and delete secrets of the vaults
//! the resource API created, behind Key Vault's bearer challenge and RBAC data actions, with
//! the JSON shapes and errors of the real service so `azure-keyvault-secrets` works unchanged.
//!
//! # Layout
//! - [`VaultService`]: built from the store, clock, events, token validator, authorizer and
//!   [`VaultConfig`].
//! - `lifecycle`: each vault's listener, started with the vault ([`BoundVaultEndpoint`]),
//!   stopped with it, restored at start-up; `listeners` keeps the running ones.
//! - `address`: the vault URL scheme (an origin per vault) and why.
//! - `auth`: the challenge and token checks, as an extractor that runs before the body is read.
//! - `access`: the RBAC data actions, scopes and the `ForbiddenByRbac` decision.
//! - `api_version`, `name`, `paging`: request parameters.
//! - `bundle`: the JSON shapes (secret bundle, list item, deleted bundle).
//! - `routes`: the handlers, one file per operation group.
//! - `error`: [`VaultError`], the one place errors become Key Vault's error body.

mod access;
mod address;
mod api_version;
mod auth;
mod bundle;
mod config;
mod error;
mod lifecycle;
mod listeners;
mod name;
mod paging;
mod routes;
mod service;

pub use config::VaultConfig;
pub use error::VaultError;
pub use lifecycle::BoundVaultEndpoint;
pub use service::VaultService;
