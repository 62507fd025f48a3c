//! The token service over real HTTP on 127.0.0.1, with a temp-file store and a manual clock.
//!
//! One test binary; each module covers one area.

mod assertion_grant;
mod discovery;
mod errors;
mod issued_tokens;
mod secret_grant;
mod support;
