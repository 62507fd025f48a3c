//! The attack suite: the whole cloud over real sockets, attacked as an outsider, a workload
//! on another VM, or a principal with too little access would attack it. Every case checks
//! the refusal (status and the service's error code) and that nothing changed: the store's
//! resources, identities, role assignments and secrets, and the count of issued tokens.
//!
//! One file per family of attacks; `support` holds the shared runtime, the snapshot, the
//! forgeries and the refusal checks.

// Test code: a failed unwrap is a failed case.
#![allow(clippy::unwrap_used)]

mod app_service;
mod assertions;
mod bodies;
mod cross_vm;
mod paths;
mod rbac;
mod support;
mod tokens;
