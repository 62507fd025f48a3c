//! End-to-end scenarios against a whole cloud started in-process on free ports.

mod events;
mod lifecycle;
mod protocol_edges;
mod restart;
mod rollover;
mod system_identity_flow;
