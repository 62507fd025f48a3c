//! The Rust Azure SDK (`azure_identity`'s `ManagedIdentityCredential`, unmodified, with its own
//! HTTP client) against a VM's metadata agent, found through the App Service variables
//! `IDENTITY_ENDPOINT` and `IDENTITY_HEADER` as `azsim vm env` prints them.
//!
//! # Why a child process
//! The SDK reads those variables from the process environment and offers no option to pass
//! them; setting variables in a running, multi-threaded test process is `unsafe` (and races
//! with every other test). So each scenario starts a fake cloud in this process, then runs this
//! same test binary again (`std::env::current_exe()`) with the variables set, selecting only the
//! ignored helper test `child::managed_identity_credential_in_child`. The child builds the
//! credential exactly as a user's program would, asks for one token and prints one line with
//! the outcome: the token and the expiry the SDK parsed, or the error's kind, message, HTTP
//! status and causes. The scenario reads that line and asserts on it: the token's signature
//! and claims, its expiry against `exp`, the error's kind and text.

mod app_service_env;
mod child;
mod managed_identity;
mod sdk_process;
