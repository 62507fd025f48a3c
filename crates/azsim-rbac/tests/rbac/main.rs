//! Tests of role-based access control against a real store in a temporary directory.

// Test helpers outside `#[test]` functions unwrap too: a failed setup should fail the test.
#![allow(clippy::unwrap_used)]

mod authorizer;
mod fixture;
mod operations;
