//! [`VaultService`]: the data plane's shared state, its router and the vault URI scheme.

use std::fmt;
use std::sync::Arc;

use axum::Router;
use axum::middleware::from_fn;
use azsim_core::{SharedClock, SharedEventSink};
use azsim_entra::AccessTokenValidator;
use azsim_rbac::Authorizer;
use azsim_store::Store;

use crate::address;
use crate::config::VaultConfig;
use crate::error::VaultError;

/// The secrets data plane of every vault of a cloud, on one listener; cheap to clone.
///
/// Vaults are addressed by path (`{public_base_url}{vault name}/`); see the `address` module
/// for why.
#[derive(Clone)]
pub struct VaultService {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    clock: SharedClock,
    events: SharedEventSink,
    validator: AccessTokenValidator,
    authorizer: Authorizer,
    config: VaultConfig,
}

impl fmt::Debug for VaultService {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("VaultService")
            .field(
                "public_base_url",
                &self.inner.config.public_base_url.as_str(),
            )
            .finish_non_exhaustive()
    }
}

impl VaultService {
    /// A data plane over `store`, reading time from `clock`, recording flow events to
    /// `events`, accepting tokens `validator` validates and deciding access with `authorizer`.
    pub fn new(
        store: Store,
        clock: SharedClock,
        events: SharedEventSink,
        validator: AccessTokenValidator,
        authorizer: Authorizer,
        config: VaultConfig,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                store,
                clock,
                events,
                validator,
                authorizer,
                config,
            }),
        }
    }

    /// The data plane as a router: every vault's secrets, with request ids and the
    /// per-request span. Serve it on the listener `public_base_url` points at.
    pub fn router(&self) -> Router {
        let routes = crate::routes::router(self.clone());
        let routes = match address::mount_path(&self.inner.config.public_base_url) {
            Some(prefix) => Router::new().nest(&prefix, routes),
            None => routes,
        };
        routes.layer(from_fn(|request, next| {
            azsim_http::with_request_context("vault", request, next)
        }))
    }

    /// The URI of vault `vault_name` (`properties.vaultUri`), ending in `/`.
    pub fn vault_uri(&self, vault_name: &str) -> String {
        address::vault_uri(&self.inner.config.public_base_url, vault_name)
    }

    pub(crate) fn store(&self) -> &Store {
        &self.inner.store
    }

    pub(crate) fn clock(&self) -> &SharedClock {
        &self.inner.clock
    }

    pub(crate) fn events(&self) -> &SharedEventSink {
        &self.inner.events
    }

    pub(crate) fn validator(&self) -> &AccessTokenValidator {
        &self.inner.validator
    }

    pub(crate) fn authorizer(&self) -> &Authorizer {
        &self.inner.authorizer
    }

    pub(crate) fn config(&self) -> &VaultConfig {
        &self.inner.config
    }

    /// A pooled connection, for reads and single-statement writes.
    pub(crate) async fn connection(&self) -> Result<azsim_store::PoolConnection, VaultError> {
        self.inner.store.pool().acquire().await.map_err(|source| {
            VaultError::Store(azsim_store::StoreError::Query {
                context: "acquiring a connection",
                source,
            })
        })
    }
}
