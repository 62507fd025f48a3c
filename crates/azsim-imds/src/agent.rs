//! One VM's metadata agent: an HTTP server on its own address, with the VM's facts,
//! identities and token cache.

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;

use azsim_core::{SharedClock, SharedEventSink};
use azsim_http::ServerHandle;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::identity_header::IdentityHeader;
use crate::model::{AgentConfig, IdentityCredential, VmInstance};
use crate::token_cache::TokenCache;
use crate::token_client::{IssuedToken, TokenServiceClient};

/// How long [`ImdsAgent::stop`] waits for open requests before it returns anyway (the
/// listener is closed at once either way).
const STOP_GRACE: Duration = Duration::from_secs(5);

/// A running metadata agent.
///
/// Dropping it without [`ImdsAgent::stop`] also shuts its server down, without waiting.
pub struct ImdsAgent {
    local_addr: SocketAddr,
    state: Arc<AgentState>,
    shutdown: oneshot::Sender<()>,
    server: ServerHandle,
}

impl ImdsAgent {
    /// Serves the metadata endpoints of `instance` on `listener`, getting tokens for
    /// `identities` from the token service named in `config`.
    pub async fn start(
        listener: TcpListener,
        config: AgentConfig,
        instance: VmInstance,
        identities: Vec<IdentityCredential>,
        clock: SharedClock,
        events: SharedEventSink,
    ) -> io::Result<ImdsAgent> {
        let token_client =
            TokenServiceClient::new(config.authority_host, config.ca_certificate_pem.as_deref())
                .map_err(io::Error::other)?;
        let vm_id = instance.vm_id.clone();
        let state = Arc::new(AgentState {
            instance: RwLock::new(instance),
            identities: RwLock::new(Arc::new(identities)),
            cache: TokenCache::default(),
            identity_header: IdentityHeader::default(),
            token_client,
            clock,
            events,
        });
        let (shutdown, shutdown_signal) = oneshot::channel::<()>();
        let router = crate::http::router(Arc::clone(&state));
        // A dropped sender ends the wait as well, so a dropped agent stops serving.
        let server = azsim_http::serve(router, listener, async move {
            let _ = shutdown_signal.await;
        })?;
        let local_addr = server.local_addr();
        tracing::info!(vm_id = %vm_id, address = %local_addr, "metadata agent listening");
        Ok(ImdsAgent {
            local_addr,
            state,
            shutdown,
            server,
        })
    }

    /// The address the agent listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The VM facts the agent serves.
    pub fn instance(&self) -> VmInstance {
        self.state.instance()
    }

    /// Replaces the identities; cached tokens of identities that left or whose certificate
    /// changed are dropped.
    pub fn set_identities(&self, identities: Vec<IdentityCredential>) {
        self.state.set_identities(identities);
    }

    /// Sets the secret the App Service endpoint requires as `X-IDENTITY-HEADER`; until it is
    /// set, that endpoint refuses every request.
    pub fn set_identity_header(&self, identity_header: String) {
        self.state.identity_header.set(identity_header);
    }

    /// Replaces the VM facts (tags, size, ...).
    pub fn set_instance(&self, instance: VmInstance) {
        *write(&self.state.instance) = instance;
    }

    /// Stops the agent: the listener closes at once, then open requests may finish.
    pub async fn stop(self) {
        let vm_id = self.state.instance().vm_id;
        // The server may already have ended (it only does on this signal), so a failed send
        // leaves nothing to do.
        let _ = self.shutdown.send(());
        match tokio::time::timeout(STOP_GRACE, self.server.stopped()).await {
            Ok(Ok(())) => tracing::info!(vm_id = %vm_id, "metadata agent stopped"),
            Ok(Err(error)) => {
                let error = &error as &dyn std::error::Error;
                tracing::warn!(vm_id = %vm_id, error, "metadata agent ended with an error");
            }
            Err(_) => {
                tracing::warn!(vm_id = %vm_id, "metadata agent stopped with requests still open")
            }
        }
    }
}

impl fmt::Debug for ImdsAgent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImdsAgent")
            .field("vm_id", &self.state.instance().vm_id)
            .field("local_addr", &self.local_addr)
            .finish_non_exhaustive()
    }
}

/// What the handlers of one agent share.
pub(crate) struct AgentState {
    instance: RwLock<VmInstance>,
    // Behind an `Arc` so a request takes a snapshot without copying keys.
    identities: RwLock<Arc<Vec<IdentityCredential>>>,
    pub(crate) cache: TokenCache,
    pub(crate) identity_header: IdentityHeader,
    pub(crate) token_client: TokenServiceClient,
    pub(crate) clock: SharedClock,
    pub(crate) events: SharedEventSink,
}

impl AgentState {
    /// The VM facts now.
    pub(crate) fn instance(&self) -> VmInstance {
        read(&self.instance).clone()
    }

    /// The identities now.
    pub(crate) fn identities(&self) -> Arc<Vec<IdentityCredential>> {
        Arc::clone(&read(&self.identities))
    }

    fn set_identities(&self, identities: Vec<IdentityCredential>) {
        let mut current = write(&self.identities);
        // Pruned under the write lock, so no request can cache a token of an identity that
        // is no longer current (see `cache_if_current`).
        self.cache.retain_identities(&identities);
        *current = Arc::new(identities);
    }

    /// Caches `token` unless `credential` was replaced while the token was being fetched.
    pub(crate) fn cache_if_current(
        &self,
        credential: &IdentityCredential,
        resource: &str,
        token: IssuedToken,
    ) {
        let identities = read(&self.identities);
        let still_current = identities.iter().any(|identity| {
            identity.client_id == credential.client_id
                && identity.certificate_pem == credential.certificate_pem
        });
        if still_current {
            self.cache.insert(credential, resource, token);
        }
    }
}

// A poisoned lock only means a panic elsewhere; every write replaces the whole value, so
// what the lock holds is always whole.
fn read<T>(lock: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn write<T>(lock: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    lock.write()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
