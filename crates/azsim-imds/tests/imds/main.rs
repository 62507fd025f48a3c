//! Black-box tests of the metadata agent and fleet over real HTTP on loopback sockets.

// The helpers in `support` are test code too, but not `#[test]` functions, which is all the
// lint's test exemption covers.
#![allow(clippy::unwrap_used)]

mod app_service;
mod fleet;
mod instance;
mod support;
mod token_request;
