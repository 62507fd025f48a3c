//! What every fuzz target shares: one real cloud per process (a temporary data directory, a
//! real SQLite file, real listeners on loopback, plain HTTP so a request's bytes reach the
//! server exactly as written) and a raw HTTP/1.1 client that sends those bytes unchanged.
//!
//! Targets take inputs written as requests are (see `docs/FUZZING.md`); placeholders such as
//! `{TENANT}` are replaced by the running cloud's real values ([`Harness::fill`]) so that
//! mutations reach the code behind the first "unknown client" check.

pub mod arm;
pub mod harness;
pub mod wire;

pub use harness::{Harness, harness};
pub use wire::{Response, send};
