//! The one SQLite store that every azsim component shares.
//!
//! The store knows SQL and nothing of HTTP. Each component writes only its own tables; the
//! life-cycle rules (a system-assigned identity dies with its VM, an identity's service
//! principal dies with the identity, ...) are foreign keys and triggers in `migrations/`, so no
//! code path can break them.
//!
//! # Layout
//! - [`Store`]: opening the database file, applying migrations, transactions.
//! - [`directory`]: tenants, applications, service principals, credentials (token service).
//! - [`signing_keys`]: token signing keys and seen client assertions (token service).
//! - [`resources`]: subscriptions, resource groups, virtual machines (resource API).
//! - [`identities`]: managed identities, their certificates, MSRP's CA (MSRP).
//! - [`events`]: the flow-event log, and [`events::StoreEventSink`].
//! - [`settings`]: facts fixed at first start (tenant id, subscription id, ...).

pub mod agent_secrets;
pub mod directory;
mod error;
pub mod events;
pub mod identities;
pub mod resources;
pub mod role_assignments;
pub mod settings;
pub mod signing_keys;
mod store;
#[cfg(test)]
mod test_fixtures;
pub mod vaults;

pub use error::StoreError;
pub use store::{MIGRATOR, Store};

/// A connection inside a transaction or from the pool; queries take `&mut Connection`, so a
/// caller can compose several of them in one transaction.
pub type Connection = sqlx::SqliteConnection;

/// A connection borrowed from the store's pool.
pub type PoolConnection = sqlx::pool::PoolConnection<sqlx::Sqlite>;
