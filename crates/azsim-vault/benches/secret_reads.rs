//! Vault secret reads per second: a managed identity with Key Vault Secrets User on one secret
//! reads it over real HTTP with a valid token (validation, RBAC decision, store read), beside
//! a baseline measured in the same run on the same listener: the unauthenticated challenge,
//! which costs the HTTP round trip and the vault lookup only.
//!
//! `cargo bench -p azsim-vault -- [requests] [concurrency]` (defaults 4000 and 16).

// Bench code shares the test harness: a failed unwrap is a failed run.
#![allow(clippy::unwrap_used)]

// The harness has helpers (and re-exports) this bench does not use.
#[allow(dead_code, unused_imports)]
#[path = "../tests/http/support.rs"]
mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;
use support::{SECRETS_OFFICER, SECRETS_USER, TestVault, VAULT_SCOPE};

#[tokio::main]
async fn main() {
    // `cargo bench` passes `--bench`; only numbers are ours.
    let numbers: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|arg| arg.parse().ok())
        .collect();
    let requests = numbers.first().copied().unwrap_or(4000);
    let concurrency = numbers.get(1).copied().unwrap_or(16).max(1);

    let vault = TestVault::start().await;
    vault
        .assign(&vault.app.object_id, SECRETS_OFFICER, &vault.vault_id())
        .await;
    let officer = vault.token(&vault.app, VAULT_SCOPE).await;
    vault
        .set(&officer, "db-password", json!({"value": "hunter2"}))
        .await;
    vault
        .assign(
            &vault.identity.object_id,
            SECRETS_USER,
            &format!("{}/secrets/db-password", vault.vault_id()),
        )
        .await;
    let token = vault.identity_token().await;
    let url = vault.url("secrets/db-password/");

    let baseline = measure(vault.http(), &url, None, 401, requests, concurrency).await;
    let reads = measure(vault.http(), &url, Some(&token), 200, requests, concurrency).await;
    println!("vault secret reads ({requests} requests, {concurrency} concurrent clients)");
    println!("  baseline, 401 challenge:        {baseline:>10.0} req/s");
    println!(
        "  secret reads with valid token:  {reads:>10.0} req/s  ({:.2} of baseline)",
        reads / baseline
    );
    vault.stop().await;
}

/// Requests per second for `requests` GETs of `url` from `concurrency` clients, each answer
/// checked for `status`.
async fn measure(
    http: &reqwest::Client,
    url: &str,
    token: Option<&str>,
    status: u16,
    requests: usize,
    concurrency: usize,
) -> f64 {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let (http, url, next) = (http.clone(), url.to_owned(), next.clone());
        let token = token.map(str::to_owned);
        workers.push(tokio::spawn(async move {
            while next.fetch_add(1, Ordering::Relaxed) < requests {
                let mut request = http.get(&url);
                if let Some(token) = &token {
                    request = request.bearer_auth(token);
                }
                let response = request.send().await.unwrap();
                assert_eq!(response.status().as_u16(), status);
                response.bytes().await.unwrap();
            }
        }));
    }
    for worker in workers {
        worker.await.unwrap();
    }
    let elapsed = started.elapsed().max(Duration::from_micros(1));
    requests as f64 / elapsed.as_secs_f64()
}
