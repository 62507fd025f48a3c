//! The vault data plane over real HTTP: a token service and the vault on 127.0.0.1 sockets,
//! over a SQLite file, with role assignments in the store. One test binary.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

mod access;
mod challenge;
mod lifecycle;
mod names;
mod secrets;
mod support;
