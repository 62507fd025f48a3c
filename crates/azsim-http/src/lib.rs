//! HTTP plumbing shared by every azsim service: serving a router on a listener (plain HTTP or
//! TLS) with graceful shutdown, and the per-request span with its request id.
//!
//! Wire error formats are *not* here: each service owns its own (ARM's envelope, the token
//! service's AADSTS bodies, the metadata agent's OAuth errors).

mod request_id;
mod server;
mod tls;

pub use request_id::{CORRELATION_HEADER, REQUEST_ID_HEADER, RequestContext, with_request_context};
pub use server::{ServerHandle, serve, serve_tls};
pub use tls::{ServerTls, TlsError};
