//! Shared vocabulary of the azsim components: the one clock, flow events and well-known names.
//!
//! # Layout
//! - [`clock`]: the [`Clock`] every component reads time from, and the [`ManualClock`] tests move.
//! - [`event`]: a [`FlowEvent`] records one hop of the managed-identity flow; [`EventSink`] takes them.
//! - [`audience`]: the resource URIs (audiences) of the services azsim simulates.
//! - [`resource_id`]: [`ResourceId`], the one parser and formatter of ARM ids and RBAC scopes.
//! - [`ids`]: GUID newtypes parsed once ([`SubscriptionId`], [`TenantId`], [`ObjectId`], [`ClientId`]).

pub mod audience;
pub mod clock;
pub mod event;
pub mod ids;
pub mod resource_id;

pub use clock::{Clock, ManualClock, SharedClock, SystemClock};
pub use event::{EventSink, FlowEvent, FlowStep, NullEventSink, SharedEventSink};
pub use ids::{ClientId, InvalidId, ObjectId, SubscriptionId, TenantId};
pub use resource_id::{InvalidResourceId, ResourceId, ResourceType};
