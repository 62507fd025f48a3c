//! The Key Vault secrets data plane of azsim: set, get, list and delete secrets of the vaults
//! the resource API created, behind Key Vault's bearer challenge and RBAC data actions, with
//! the JSON shapes and errors of the real service so `azure-keyvault-secrets` works unchanged.
//!
//! # Layout
//! - [`VaultService`]: built from the store, clock, events, token validator, authorizer and
//!   [`VaultConfig`]; [`VaultService::router`] serves every vault, [`VaultService::vault_uri`]
//!   names one.
//! - `address`: the vault URL scheme (path-based, one listener for all vaults) and why.
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
mod name;
mod paging;
mod routes;
mod service;

pub use config::VaultConfig;
pub use error::VaultError;
pub use service::VaultService;
