//! Every limit a listener enforces, in one place.
//!
//! A simulator on a developer's machine must survive a runaway client: each listener bounds
//! what one request may send, how many connections it serves at once, and how long a stop may
//! take. The body limits follow the real services where they are documented, and are generous
//! for real use everywhere else.
//!
//! The request head is bounded by hyper's own limits on every listener: the request line and
//! headers may take at most hyper's read buffer (about 400 KiB) and at most 100 headers; past
//! either, the client gets `431 Request Header Fields Too Large` and the connection closes.

use std::time::Duration;

/// The resource API's largest request body: ARM refuses bodies over 4 MB with
/// `RequestContentTooLarge` ("The request content size exceeds the maximum size of 4 MB.").
pub const RESOURCE_API_BODY_LIMIT: usize = 4 * 1024 * 1024;

/// The token service's largest request body. Token requests are small forms (a client
/// assertion is a few KB); Entra documents no number, so 1 MiB leaves room for any real one.
pub const TOKEN_SERVICE_BODY_LIMIT: usize = 1024 * 1024;

/// A vault's largest request body. Key Vault stores secret values of at most 25 KB; 256 KiB
/// holds such a value JSON-escaped in the worst case, with its tags and attributes.
pub const VAULT_BODY_LIMIT: usize = 256 * 1024;

/// A metadata agent's largest request body. IMDS serves GET only; a body means nothing to it.
pub const METADATA_BODY_LIMIT: usize = 64 * 1024;

/// How much of a refused body the server still reads (and discards) before it answers, so a
/// client that sends without waiting (no `Expect: 100-continue`) finishes writing and reads
/// the 413 instead of having its connection reset under it. Past this the connection is
/// closed after the answer.
pub const REFUSED_BODY_DRAIN_LIMIT: usize = 32 * 1024 * 1024;

/// How long the server keeps reading a refused body before it answers anyway.
pub const REFUSED_BODY_DRAIN_TIME: Duration = Duration::from_secs(5);

/// How many connections one listener serves at once. Past this the listener stops accepting
/// until one closes; waiting clients queue in the kernel's backlog.
pub const MAX_CONNECTIONS_PER_LISTENER: usize = 1024;

/// How long a stopping server waits for open requests after it stopped accepting and closed
/// its idle keep-alive connections; a request still running then is cut off, so a stop
/// finishes in bounded time at any load.
pub const STOP_GRACE: Duration = Duration::from_millis(300);
