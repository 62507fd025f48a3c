//! [`VaultService`]: the data plane's shared state and its router.

use std::fmt;
use std::sync::Arc;

use axum::Router;
use axum::middleware::from_fn;
use axum::response::IntoResponse;
use azsim_core::{SharedClock, SharedEventSink};
use azsim_entra::AccessTokenValidator;
use azsim_rbac::Authorizer;
use azsim_store::Store;

use crate::config::VaultConfig;
use crate::error::VaultError;
use crate::listeners::VaultListeners;

/// The secrets data plane of every vault of a cloud, each vault on a listener of its own;
/// cheap to clone.
///
/// A vault is served from its creation ([`VaultService::bind_vault_endpoint`],
/// [`VaultService::start_vault`]) to its deletion ([`VaultService::stop_vault`],
/// [`VaultService::reap_vaults`]), and again after a restart
/// ([`VaultService::restore_vaults`]); see the `address` module for the URI scheme.
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
    listeners: VaultListeners,
}

impl fmt::Debug for VaultService {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("VaultService")
            .field("bind_host", &self.inner.config.bind_host)
            .field("https", &self.inner.config.tls.is_some())
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
                listeners: VaultListeners::default(),
            }),
        }
    }

    /// The data plane's routes with request ids and the per-request span; each vault's
    /// listener serves them with the vault it is for as a request extension.
    pub(crate) fn router(&self) -> Router {
        azsim_http::limit_request_bodies(
            crate::routes::router(self.clone()),
            azsim_http::limits::VAULT_BODY_LIMIT,
            |too_large| {
                VaultError::RequestTooLarge {
                    limit: too_large.limit,
                }
                .into_response()
            },
        )
        .layer(from_fn(|request, next| {
            azsim_http::with_request_context("vault", request, next)
        }))
    }

    pub(crate) fn listeners(&self) -> &VaultListeners {
        &self.inner.listeners
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
    pub(crate) async fn connection(&self) -> Result<azsim_store::ReadConnection, VaultError> {
        self.inner.store.read().await.map_err(VaultError::Store)
    }
}
