//! The resource API over real HTTP, in one test binary: status codes, bodies and error
//! envelopes as ARM has them, against the whole fake cloud (a real token service, MSRP,
//! metadata agents and vaults behind it).

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

mod authorization;
mod http;
mod names;
mod support;
mod user_assigned;
mod vaults;
