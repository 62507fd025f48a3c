//! Starting and stopping vault listeners: with the vault's creation and deletion, at
//! start-up for every stored vault, and at shutdown.

use std::collections::HashSet;
use std::net::SocketAddr;

use axum::Extension;
use azsim_store::vaults::{Vault, list_all_vaults, set_vault_uri};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::address;
use crate::auth::ServedVault;
use crate::error::VaultError;
use crate::listeners::VaultListener;
use crate::service::VaultService;

/// A port bound for a vault that is being created. Its URI goes into the vault's row; once
/// the row is committed, [`VaultService::start_vault`] serves the vault on it. Dropping it
/// instead (the write failed) frees the port.
#[derive(Debug)]
pub struct BoundVaultEndpoint {
    listener: TcpListener,
    vault_uri: String,
}

impl BoundVaultEndpoint {
    /// The URI the vault will be served at (`properties.vaultUri`), ending in `/`.
    pub fn vault_uri(&self) -> &str {
        &self.vault_uri
    }
}

impl VaultService {
    /// Binds a fresh port for a new vault; see [`BoundVaultEndpoint`].
    pub async fn bind_vault_endpoint(&self) -> Result<BoundVaultEndpoint, VaultError> {
        self.bind(None).await
    }

    /// Serves `vault` on `endpoint`, bound for it by [`VaultService::bind_vault_endpoint`].
    pub async fn start_vault(
        &self,
        vault: &Vault,
        endpoint: BoundVaultEndpoint,
    ) -> Result<SocketAddr, VaultError> {
        let mut listeners = self.listeners().lock().await;
        self.serve(&mut listeners, &vault.name, endpoint)
    }

    /// Stops the listener of `vault` (after its row was deleted). Returns whether one ran.
    pub async fn stop_vault(&self, vault: &Vault) -> bool {
        let listener = self.listeners().lock().await.remove(&vault.vault_uri);
        match listener {
            Some(listener) => {
                listener.stop().await;
                tracing::info!(vault = %vault.name, "vault listener stopped");
                true
            }
            None => false,
        }
    }

    /// Stops the listeners of vaults no longer in the store (after a resource group delete,
    /// which deletes its vaults by cascade). Returns how many were stopped.
    pub async fn reap_vaults(&self) -> Result<usize, VaultError> {
        let stale: Vec<VaultListener> = {
            let mut listeners = self.listeners().lock().await;
            let stored: HashSet<String> = {
                let mut conn = self.connection().await?;
                list_all_vaults(&mut conn)
                    .await?
                    .into_iter()
                    .map(|vault| vault.vault_uri)
                    .collect()
            };
            let gone: Vec<String> = listeners
                .keys()
                .filter(|uri| !stored.contains(*uri))
                .cloned()
                .collect();
            gone.iter()
                .filter_map(|uri| listeners.remove(uri))
                .collect()
        };
        let count = stale.len();
        for listener in stale {
            tracing::info!(vault = %listener.vault_name, "stopping the listener of a deleted vault");
            listener.stop().await;
        }
        Ok(count)
    }

    /// At start-up: serves every stored vault, on the port of its stored URI when that port
    /// is free (so URIs handed out before a restart keep working), else on a fresh port, and
    /// then records its new URI. Returns how many vaults are served.
    pub async fn restore_vaults(&self) -> Result<usize, VaultError> {
        let vaults = {
            let mut conn = self.connection().await?;
            list_all_vaults(&mut conn).await?
        };
        let mut listeners = self.listeners().lock().await;
        for vault in &vaults {
            if listeners.contains_key(&vault.vault_uri) {
                continue;
            }
            let previous = address::previous_address(
                &vault.vault_uri,
                self.config().scheme(),
                self.config().bind_host,
            );
            let endpoint = self.bind(previous).await?;
            if endpoint.vault_uri != vault.vault_uri {
                let mut conn = self.connection().await?;
                set_vault_uri(&mut conn, vault.vault_row, &endpoint.vault_uri).await?;
                tracing::warn!(
                    vault = %vault.name,
                    from = %vault.vault_uri,
                    to = %endpoint.vault_uri,
                    "vault moved: its earlier address could not be served again"
                );
            }
            self.serve(&mut listeners, &vault.name, endpoint)?;
        }
        Ok(vaults.len())
    }

    /// Stops every vault listener, letting open requests finish.
    pub async fn stop_all_vaults(&self) {
        let running: Vec<VaultListener> = self
            .listeners()
            .lock()
            .await
            .drain()
            .map(|(_, listener)| listener)
            .collect();
        for listener in running {
            listener.stop().await;
        }
    }

    /// Aborts every vault listener at once, for a cloud dropped without a shutdown.
    pub fn abort_all_vaults(&self) {
        self.listeners().abort_all();
    }

    /// Where the vault served at `vault_uri` listens, if it is served.
    pub async fn vault_address(&self, vault_uri: &str) -> Option<SocketAddr> {
        self.listeners()
            .lock()
            .await
            .get(vault_uri)
            .map(|listener| listener.address)
    }

    /// Binds `preferred` or, when absent or taken, a fresh port on the configured host.
    async fn bind(&self, preferred: Option<SocketAddr>) -> Result<BoundVaultEndpoint, VaultError> {
        let fresh = SocketAddr::new(self.config().bind_host, 0);
        let earlier = match preferred {
            Some(preferred) => TcpListener::bind(preferred)
                .await
                .inspect_err(|error| {
                    tracing::debug!(
                        address = %preferred,
                        error = error as &dyn std::error::Error,
                        "earlier vault address unavailable"
                    );
                })
                .ok(),
            None => None,
        };
        let listener = match earlier {
            Some(listener) => listener,
            None => TcpListener::bind(fresh)
                .await
                .map_err(VaultError::Listener)?,
        };
        let address = listener.local_addr().map_err(VaultError::Listener)?;
        Ok(BoundVaultEndpoint {
            listener,
            vault_uri: address::vault_uri(self.config().scheme(), address),
        })
    }

    /// Serves vault `vault_name` on `endpoint` and records the listener.
    fn serve(
        &self,
        listeners: &mut std::collections::HashMap<String, VaultListener>,
        vault_name: &str,
        endpoint: BoundVaultEndpoint,
    ) -> Result<SocketAddr, VaultError> {
        let BoundVaultEndpoint {
            listener,
            vault_uri,
        } = endpoint;
        let address = listener.local_addr().map_err(VaultError::Listener)?;
        let router = self.router().layer(Extension(ServedVault {
            name: vault_name.to_owned(),
            uri: vault_uri.clone(),
        }));
        let (shutdown, stopped) = oneshot::channel::<()>();
        let stopped = async move {
            let _ = stopped.await;
        };
        let server = match &self.config().tls {
            Some(tls) => azsim_http::serve_tls(router, listener, tls.clone(), stopped),
            None => azsim_http::serve(router, listener, stopped),
        }
        .map_err(VaultError::Listener)?;
        tracing::info!(vault = %vault_name, %address, "vault listener started");
        listeners.insert(
            vault_uri,
            VaultListener {
                vault_name: vault_name.to_owned(),
                address,
                server,
                shutdown,
            },
        );
        Ok(address)
    }
}
