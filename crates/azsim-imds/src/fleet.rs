//! All metadata agents of one cloud, one per VM, keyed by VM id.

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use azsim_core::{SharedClock, SharedEventSink};
use tokio::net::TcpListener;
use tokio::sync::Mutex;

use crate::agent::ImdsAgent;
use crate::model::{AgentConfig, IdentityCredential, VmInstance};

/// All agents of one cloud, keyed by `vm_id`. Clones share the same agents.
#[derive(Debug, Clone)]
pub struct ImdsFleet {
    inner: Arc<FleetInner>,
}

#[derive(Debug)]
struct FleetInner {
    config: AgentConfig,
    clock: SharedClock,
    events: SharedEventSink,
    // A tokio mutex: starting and stopping agents awaits while the map is held, so that two
    // calls for one VM never race to start two agents.
    agents: Mutex<HashMap<String, ImdsAgent>>,
}

impl ImdsFleet {
    /// An empty fleet whose agents use `config`, `clock` and `events`.
    pub fn new(config: AgentConfig, clock: SharedClock, events: SharedEventSink) -> Self {
        Self {
            inner: Arc::new(FleetInner {
                config,
                clock,
                events,
                agents: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// Starts the VM's agent (on `preferred` if that address can be bound and no other VM's
    /// agent holds it, else on `bind_host:0`) or, if it runs, updates its instance and
    /// identities. Returns its address.
    pub async fn ensure_agent(
        &self,
        instance: VmInstance,
        identities: Vec<IdentityCredential>,
        preferred: Option<SocketAddr>,
    ) -> io::Result<SocketAddr> {
        let mut agents = self.inner.agents.lock().await;
        if let Some(agent) = agents.get(&instance.vm_id) {
            agent.set_instance(instance);
            agent.set_identities(identities);
            return Ok(agent.local_addr());
        }
        // Never another VM's address: its workload would get this VM's tokens. (The socket
        // would refuse it too while that agent listens; this holds whatever the platform's
        // socket options.)
        let preferred = preferred.filter(|address| !held_by_an_agent(&agents, *address));
        let listener = bind(preferred, &self.inner.config).await?;
        self.start_agent(&mut agents, listener, instance, identities)
            .await
    }

    /// Moves the VM's agent to a fresh address (another VM holds its recorded address) and
    /// returns it. The new port is bound while the old agent still holds its own, so it
    /// differs; the old agent then stops. The App Service secret must be given again
    /// ([`ImdsFleet::set_identity_header`]).
    pub async fn move_agent(
        &self,
        instance: VmInstance,
        identities: Vec<IdentityCredential>,
    ) -> io::Result<SocketAddr> {
        let mut agents = self.inner.agents.lock().await;
        let listener = bind(None, &self.inner.config).await?;
        if let Some(old) = agents.remove(&instance.vm_id) {
            old.stop().await;
        }
        self.start_agent(&mut agents, listener, instance, identities)
            .await
    }

    /// Starts an agent on `listener` and adds it to `agents`.
    async fn start_agent(
        &self,
        agents: &mut HashMap<String, ImdsAgent>,
        listener: TcpListener,
        instance: VmInstance,
        identities: Vec<IdentityCredential>,
    ) -> io::Result<SocketAddr> {
        let vm_id = instance.vm_id.clone();
        let agent = ImdsAgent::start(
            listener,
            self.inner.config.clone(),
            instance,
            identities,
            Arc::clone(&self.inner.clock),
            Arc::clone(&self.inner.events),
        )
        .await?;
        let local_addr = agent.local_addr();
        agents.insert(vm_id, agent);
        Ok(local_addr)
    }

    /// Gives the VM's running agent its App Service secret (`IDENTITY_HEADER`). Returns
    /// whether an agent was running.
    pub async fn set_identity_header(&self, vm_id: &str, identity_header: String) -> bool {
        match self.inner.agents.lock().await.get(vm_id) {
            Some(agent) => {
                agent.set_identity_header(identity_header);
                true
            }
            None => false,
        }
    }

    /// Stops the VM's agent. Returns whether one was running.
    pub async fn stop_agent(&self, vm_id: &str) -> bool {
        // Stopped while the map is held, so a following `ensure_agent` for the same address
        // finds it free.
        let mut agents = self.inner.agents.lock().await;
        match agents.remove(vm_id) {
            Some(agent) => {
                agent.stop().await;
                true
            }
            None => false,
        }
    }

    /// Where the VM's agent listens, if it runs.
    pub async fn agent_address(&self, vm_id: &str) -> Option<SocketAddr> {
        self.inner
            .agents
            .lock()
            .await
            .get(vm_id)
            .map(ImdsAgent::local_addr)
    }

    /// The VM ids whose agents run, sorted.
    pub async fn running_vm_ids(&self) -> Vec<String> {
        let mut vm_ids: Vec<String> = self.inner.agents.lock().await.keys().cloned().collect();
        vm_ids.sort();
        vm_ids
    }

    /// Stops every agent.
    pub async fn stop_all(&self) {
        let mut agents = self.inner.agents.lock().await;
        for (_, agent) in agents.drain() {
            agent.stop().await;
        }
    }
}

/// Whether a running agent listens on `address`.
fn held_by_an_agent(agents: &HashMap<String, ImdsAgent>, address: SocketAddr) -> bool {
    agents.values().any(|agent| agent.local_addr() == address)
}

/// Binds `preferred` (an agent's earlier address, so clients keep working across restarts)
/// or, if that is taken or absent, a fresh port on the configured host.
async fn bind(preferred: Option<SocketAddr>, config: &AgentConfig) -> io::Result<TcpListener> {
    if let Some(preferred) = preferred {
        match TcpListener::bind(preferred).await {
            Ok(listener) => return Ok(listener),
            Err(error) => {
                let error = &error as &dyn std::error::Error;
                tracing::debug!(address = %preferred, error, "preferred agent address unavailable");
            }
        }
    }
    TcpListener::bind(SocketAddr::new(config.bind_host, 0)).await
}
