//! The one SQLite store that every azsim component shares.
//!
//! The store knows SQL and nothing of HTTP. Each component writes only its own tables; the
//! life-cycle rules (a system-assigned identity dies with its VM, an identity's service
//! principal dies with the identity, ...) are foreign keys and triggers in `migrations/`, so no
//! code path can break them.
//!
//! # Layout
//! - [`Store`]: opening the database file (migrating it, or [`Store::open_existing`] without),
//!   [`Store::read`] for a pooled [`ReadConnection`], [`Store::write`] for a [`WriteTransaction`].
//! - [`directory`]: tenants, applications, service principals, credentials (token service).
//! - [`signing_keys`]: token signing keys and seen client assertions (token service).
//! - [`resources`]: subscriptions, resource groups, virtual machines (resource API).
//! - [`identities`]: managed identities, their certificates, MSRP's CA (MSRP).
//! - [`events`]: the flow-event log, and [`events::StoreEventSink`].
//! - [`invariants`]: the consistency rules re-checked on a whole file (after a crash, say).
//! - [`settings`]: facts fixed at first start (tenant id, subscription id, ...).

pub mod agent_secrets;
pub mod directory;
mod error;
pub mod events;
pub mod identities;
pub mod invariants;
pub mod resources;
pub mod role_assignments;
pub mod settings;
pub mod signing_keys;
mod store;
#[cfg(test)]
mod test_fixtures;
pub mod vaults;

pub use error::StoreError;
pub use store::{MIGRATOR, ReadConnection, Store, WriteTransaction};

/// A connection inside a transaction or from the pool; queries take `&mut Connection`, so a
/// caller can compose several of them in one transaction. [`ReadConnection`] and
/// [`WriteTransaction`] both dereference to it.
pub type Connection = sqlx::SqliteConnection;
