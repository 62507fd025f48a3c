//! The resource API's configuration and the state its handlers share.

use std::fmt;
use std::sync::Arc;

use azsim_core::{SharedClock, SharedEventSink};
use azsim_entra::AccessTokenValidator;
use azsim_msrp::Msrp;
use azsim_rbac::Authorizer;
use azsim_store::Store;
use azsim_vault::VaultService;

/// How the resource API is reached.
#[derive(Debug, Clone)]
pub struct ArmConfig {
    /// The URL clients use to reach the API (its scheme, host and port).
    pub public_base_url: url::Url,
}

/// Everything a request handler needs; cheap to clone (one shared allocation).
#[derive(Clone)]
pub struct ArmState {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    clock: SharedClock,
    events: SharedEventSink,
    validator: AccessTokenValidator,
    msrp: Msrp,
    authorizer: Authorizer,
    vaults: VaultService,
    config: ArmConfig,
}

impl ArmState {
    /// Builds the state from the cloud's shared parts.
    // One argument per shared part of the cloud; the signature is what the cloud composes.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        store: Store,
        clock: SharedClock,
        events: SharedEventSink,
        validator: AccessTokenValidator,
        msrp: Msrp,
        authorizer: Authorizer,
        vaults: VaultService,
        config: ArmConfig,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                store,
                clock,
                events,
                validator,
                msrp,
                authorizer,
                vaults,
                config,
            }),
        }
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// The cloud's clock.
    pub fn clock(&self) -> &SharedClock {
        &self.inner.clock
    }

    /// Where flow events go.
    pub fn events(&self) -> &SharedEventSink {
        &self.inner.events
    }

    /// Validates callers' bearer tokens.
    pub fn validator(&self) -> &AccessTokenValidator {
        &self.inner.validator
    }

    /// The managed-identity provider.
    pub fn msrp(&self) -> &Msrp {
        &self.inner.msrp
    }

    /// Decides whether a caller may perform an action at a scope.
    pub fn authorizer(&self) -> &Authorizer {
        &self.inner.authorizer
    }

    /// The vaults' data plane: names each vault's URI.
    pub fn vaults(&self) -> &VaultService {
        &self.inner.vaults
    }

    /// The API's configuration.
    pub fn config(&self) -> &ArmConfig {
        &self.inner.config
    }
}

impl fmt::Debug for ArmState {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("ArmState")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}
