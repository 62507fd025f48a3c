//! The running listeners of the vaults, one per vault, keyed by the vault's URI.
//!
//! Keyed by URI rather than by name or row: a vault deleted and re-created under the same
//! name (and, SQLite reusing the largest row id, possibly the same row) is given a new port
//! while the old listener still runs, so stopping "the deleted vault" can never stop its
//! successor.

use std::collections::HashMap;
use std::net::SocketAddr;

use azsim_http::ServerHandle;
use tokio::sync::{Mutex, MutexGuard, oneshot};

/// One vault's running listener.
#[derive(Debug)]
pub(crate) struct VaultListener {
    /// The vault's name, for logs.
    pub(crate) vault_name: String,
    pub(crate) address: SocketAddr,
    pub(crate) server: ServerHandle,
    /// Fired to stop the listener gracefully.
    pub(crate) shutdown: oneshot::Sender<()>,
}

impl VaultListener {
    /// Stops accepting, lets open requests finish, and waits until the listener is closed.
    pub(crate) async fn stop(self) {
        let _ = self.shutdown.send(());
        if let Err(error) = self.server.stopped().await {
            tracing::warn!(
                vault = %self.vault_name,
                error = &error as &dyn std::error::Error,
                "vault listener stopped with an error"
            );
        }
    }
}

/// Every running vault listener.
#[derive(Debug, Default)]
pub(crate) struct VaultListeners {
    // A tokio mutex: reaping holds it across a store read, so that a vault committed and
    // started meanwhile is either in what the read returns or started after the reap.
    by_uri: Mutex<HashMap<String, VaultListener>>,
}

impl VaultListeners {
    pub(crate) async fn lock(&self) -> MutexGuard<'_, HashMap<String, VaultListener>> {
        self.by_uri.lock().await
    }

    /// Aborts every listener without waiting (the cloud was dropped without a shutdown). Does
    /// nothing if another task holds the map: it is then being stopped already.
    pub(crate) fn abort_all(&self) {
        if let Ok(listeners) = self.by_uri.try_lock() {
            for listener in listeners.values() {
                listener.server.abort();
            }
        }
    }
}
