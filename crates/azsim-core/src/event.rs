//! Flow events: one record per hop of the managed-identity flow, for logs, demos and debugging.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// The step of the managed-identity flow a hop belongs to (numbered as in the product brief).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FlowStep {
    /// 1. The resource API receives a request that enables an identity.
    EnableIdentity = 1,
    /// 2. MSRP creates the service principal in the directory.
    CreateServicePrincipal = 2,
    /// 3. MSRP gives the VM's metadata agent the client id and certificate.
    ConfigureAgent = 3,
    /// 4. The service principal is granted access (role assignment).
    GrantAccess = 4,
    /// 5. Code on the VM asks its metadata agent for a token.
    RequestToken = 5,
    /// 6. The metadata agent gets the token from the token service with a client assertion.
    IssueToken = 6,
    /// 7. The code calls a protected resource with the token.
    UseToken = 7,
}

impl FlowStep {
    /// The step number of the brief (1 to 7).
    pub fn number(self) -> u8 {
        self as u8
    }

    /// The step with number `number`, if there is one.
    pub fn from_number(number: u8) -> Option<Self> {
        Some(match number {
            1 => Self::EnableIdentity,
            2 => Self::CreateServicePrincipal,
            3 => Self::ConfigureAgent,
            4 => Self::GrantAccess,
            5 => Self::RequestToken,
            6 => Self::IssueToken,
            7 => Self::UseToken,
            _ => return None,
        })
    }
}

/// One hop between components: who talked to whom, about what, in which flow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlowEvent {
    /// The component or actor that sent the message (`"arm"`, `"msrp"`, `"imds:<vm>"`, `"workload"`).
    pub source: String,
    /// The component that received it.
    pub target: String,
    /// The flow step, when the hop is one of the brief's seven steps.
    pub step: Option<FlowStep>,
    /// The correlation id that ties the hops of one request together.
    pub correlation_id: String,
    /// One line for a person: what happened.
    pub summary: String,
}

/// Where flow events go. Recording never blocks and never fails the request that records.
///
/// Two kinds of events come in by two doors, because a sink in bounded memory must treat
/// them differently under load: [`EventSink::record`] takes events of the life cycle
/// (provisioning, grants, tokens issued), which a sink must never drop;
/// [`EventSink::record_cache_hit`] takes the one event per request that a metadata agent
/// answers from its cache, which a sink may count and summarise instead of keeping one by
/// one when it is full.
pub trait EventSink: Send + Sync + fmt::Debug {
    /// Records `event`, stamped with the current time of the cloud's clock. Never dropped.
    fn record(&self, event: FlowEvent);

    /// Records `event`, a request answered from a cache; under load the sink may keep only a
    /// count of such events. By default it is recorded like any other.
    fn record_cache_hit(&self, event: FlowEvent) {
        self.record(event);
    }
}

/// An event sink shared by the components of one cloud.
pub type SharedEventSink = Arc<dyn EventSink>;

/// A sink that drops every event (for components used on their own).
#[derive(Debug, Default, Clone, Copy)]
pub struct NullEventSink;

impl EventSink for NullEventSink {
    fn record(&self, _event: FlowEvent) {}
}
