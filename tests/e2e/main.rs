//! End-to-end scenarios against a whole cloud started in-process on free ports.

// Helpers shared by the scenarios are test code too: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

mod agent_race;
mod app_service_flavour;
mod authorization_flow;
mod events;
mod https;
mod lifecycle;
mod protocol_edges;
mod restart;
mod rollover;
mod secrets_at_rest;
mod system_identity_flow;
mod user_assigned_selection;
mod user_assigned_shared;
