//! HTTP plumbing shared by every azsim service: serving a router on a listener (plain HTTP or
//! TLS) with graceful shutdown and bounded connections, bounded request bodies ([`limits`]), the per-request span with its request id, the
//! [`RequestContext`] extractor, and logging each failed request's error once ([`LoggedError`]).
//!
//! Wire error formats are *not* here: each service owns its own (ARM's envelope, the token
//! service's AADSTS bodies, the metadata agent's OAuth errors).

mod body_limit;
mod connection_limit;
mod error_log;
pub mod limits;
mod request_id;
mod server;
mod tls;

pub use body_limit::{BodyTooLarge, limit_request_bodies};
pub use error_log::LoggedError;
pub use request_id::{CORRELATION_HEADER, REQUEST_ID_HEADER, RequestContext, with_request_context};
pub use server::{ServerHandle, serve, serve_tls};
pub use tls::{ServerTls, TlsError};
