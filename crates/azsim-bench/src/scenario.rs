//! The measurements and their report.

use std::fmt::Write as _;
use std::time::Instant;

use anyhow::Context;
use azsim_cloud::{Cloud, CloudConfig};
use serde_json::json;

use crate::load::{Throughput, measure};

const API_VERSION: &str = "2024-11-01";
const MANAGEMENT: &str = "https://management.azure.com/";

/// Runs every measurement and returns the report text.
pub(crate) async fn run(requests: usize, concurrency: usize, vms: usize) -> anyhow::Result<String> {
    let dir = tempfile::tempdir()?;
    let cloud = Cloud::start(CloudConfig::new(dir.path()).with_any_ports()).await?;
    let http = reqwest::Client::builder().no_proxy().build()?;
    let endpoints = cloud.endpoints().clone();
    let token = admin_token(&http, &cloud).await?;
    let arm = endpoints.resource_manager.clone();
    let subscription = endpoints.subscription_id.clone();
    let group = format!("{arm}/subscriptions/{subscription}/resourceGroups/bench");
    check(
        http.put(format!("{group}?api-version={API_VERSION}"))
            .bearer_auth(&token)
            .json(&json!({"location": "westeurope"}))
            .send()
            .await?,
    )
    .await?;

    // One VM with an identity, whose agent serves the token measurements.
    let vm = create_vm(&http, &group, &token, "bench-agent", "SystemAssigned").await?;
    let vm_id = vm["properties"]["vmId"]
        .as_str()
        .context("vmId")?
        .to_owned();
    let agent = cloud
        .agent_address(&vm_id)
        .await
        .context("the VM's metadata agent")?;
    let token_url = format!(
        "http://{agent}/metadata/identity/oauth2/token?api-version=2018-02-01&resource={MANAGEMENT}"
    );

    let baseline = {
        let http = http.clone();
        let url = token_url.clone();
        // Same agent, same route, refused at the first check: the cost of HTTP and routing.
        measure(requests, concurrency, move |_| {
            let request = http.get(&url).send();
            async move {
                let response = request.await?;
                anyhow::ensure!(response.status() == 400, "baseline: {}", response.status());
                Ok(())
            }
        })
        .await?
    };
    let cached = {
        let http = http.clone();
        let url = token_url.clone();
        measure(requests, concurrency, move |_| {
            let request = http.get(&url).header("Metadata", "true").send();
            async move { check(request.await?).await.map(drop) }
        })
        .await?
    };
    let bypass_requests = (requests / 4).max(1);
    let bypass = {
        let http = http.clone();
        let url = format!("{token_url}&bypass_cache=true");
        measure(bypass_requests, concurrency, move |_| {
            let request = http.get(&url).header("Metadata", "true").send();
            async move { check(request.await?).await.map(drop) }
        })
        .await?
    };
    let vm_plain = create_vms(&http, &group, &token, vms, concurrency, "plain", "None").await?;
    let vm_identity = create_vms(
        &http,
        &group,
        &token,
        vms,
        concurrency,
        "ident",
        "SystemAssigned",
    )
    .await?;

    // Start-up on an existing data directory (every listener ready, agents restored).
    cloud.shutdown().await;
    let restart = Instant::now();
    let cloud = Cloud::start(CloudConfig::new(dir.path()).with_any_ports()).await?;
    let restart_total = restart.elapsed();
    let startup = cloud.startup_time();
    cloud.shutdown().await;

    let mut report = String::new();
    writeln!(
        report,
        "azsim benchmark ({concurrency} concurrent clients, release build)"
    )?;
    writeln!(
        report,
        "{:<58} {:>10} {:>8}",
        "measurement", "per second", "ratio"
    )?;
    let mut line = |name: &str, throughput: Throughput, base: Throughput| {
        writeln!(
            report,
            "{name:<58} {:>10.0} {:>7.2}x",
            throughput.per_second(),
            throughput.per_second() / base.per_second()
        )
    };
    line(
        "baseline: agent request refused (no Metadata header)",
        baseline,
        baseline,
    )?;
    line("agent token requests served from cache", cached, baseline)?;
    line(
        "agent token requests with bypass_cache=true",
        bypass,
        baseline,
    )?;
    line("baseline: VMs created without identity", vm_plain, vm_plain)?;
    line(
        "VMs created with a system-assigned identity",
        vm_identity,
        vm_plain,
    )?;
    writeln!(
        report,
        "start-up on an existing data dir ({} VMs): {} ms to every listener ready ({} ms in all)",
        2 * vms + 1,
        startup.as_millis(),
        restart_total.as_millis()
    )?;
    Ok(report)
}

async fn create_vms(
    http: &reqwest::Client,
    group: &str,
    token: &str,
    count: usize,
    concurrency: usize,
    prefix: &'static str,
    identity: &'static str,
) -> anyhow::Result<Throughput> {
    let http = http.clone();
    let group = group.to_owned();
    let token = token.to_owned();
    measure(count, concurrency, move |i| {
        let http = http.clone();
        let group = group.clone();
        let token = token.clone();
        async move {
            create_vm(&http, &group, &token, &format!("{prefix}-{i}"), identity).await?;
            Ok(())
        }
    })
    .await
}

async fn create_vm(
    http: &reqwest::Client,
    group: &str,
    token: &str,
    name: &str,
    identity: &str,
) -> anyhow::Result<serde_json::Value> {
    let response = http
        .put(format!(
            "{group}/providers/Microsoft.Compute/virtualMachines/{name}?api-version={API_VERSION}"
        ))
        .bearer_auth(token)
        .json(&json!({
            "location": "westeurope",
            "identity": {"type": identity},
            "properties": {"hardwareProfile": {"vmSize": "Standard_B1s"}}
        }))
        .send()
        .await?;
    check(response).await
}

async fn admin_token(http: &reqwest::Client, cloud: &Cloud) -> anyhow::Result<String> {
    let endpoints = cloud.endpoints();
    let scope = format!("{MANAGEMENT}.default");
    let response = http
        .post(&endpoints.token_endpoint)
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", endpoints.admin.client_id.as_str()),
            ("client_secret", endpoints.admin.client_secret.as_str()),
            ("scope", scope.as_str()),
        ])
        .send()
        .await?;
    let body = check(response).await?;
    Ok(body["access_token"]
        .as_str()
        .context("access_token")?
        .to_owned())
}

async fn check(response: reqwest::Response) -> anyhow::Result<serde_json::Value> {
    let status = response.status();
    let text = response.text().await?;
    anyhow::ensure!(status.is_success(), "{status}: {text}");
    Ok(serde_json::from_str(&text).unwrap_or(serde_json::Value::Null))
}
