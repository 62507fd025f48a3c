//! The measurements and their report.

use std::fmt::Write as _;
use std::time::Instant;

use anyhow::Context;
use azsim_cloud::{Cloud, CloudConfig, Endpoints};
use azsim_core::ResourceId;
use serde_json::{Value, json};

use crate::authorization;
use crate::load::{Throughput, measure};

const API_VERSION: &str = "2024-11-01";
const MANAGEMENT: &str = "https://management.azure.com/";
/// Vaults created before the start-up measurement (besides the one the vault reads use).
const STARTUP_VAULTS: usize = 50;

/// The administrator, signed in over HTTPS (trusting the cloud's CA) as a script would be.
pub(crate) struct Admin {
    pub(crate) http: reqwest::Client,
    endpoints: Endpoints,
    management_token: String,
}

impl Admin {
    async fn sign_in(cloud: &Cloud) -> anyhow::Result<Self> {
        let mut builder = reqwest::Client::builder().no_proxy();
        if let Some(pem) = cloud.ca_certificate_pem() {
            builder = builder.add_root_certificate(reqwest::Certificate::from_pem(pem.as_bytes())?);
        }
        let http = builder.build()?;
        let mut admin = Self {
            http,
            endpoints: cloud.endpoints().clone(),
            management_token: String::new(),
        };
        admin.management_token = admin.token(&format!("{MANAGEMENT}.default")).await?;
        Ok(admin)
    }

    /// A token for `scope` with the administrator's client secret.
    pub(crate) async fn token(&self, scope: &str) -> anyhow::Result<String> {
        let response = self
            .http
            .post(&self.endpoints.token_endpoint)
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", self.endpoints.admin.client_id.as_str()),
                ("client_secret", self.endpoints.admin.client_secret.as_str()),
                ("scope", scope),
            ])
            .send()
            .await?;
        Ok(check(response).await?["access_token"]
            .as_str()
            .context("access_token")?
            .to_owned())
    }

    /// `PUT` to the resource API (path with its api-version).
    pub(crate) async fn put(&self, path: &str, body: &Value) -> anyhow::Result<Value> {
        let response = self
            .http
            .put(format!("{}{path}", self.endpoints.resource_manager))
            .bearer_auth(&self.management_token)
            .json(body)
            .send()
            .await?;
        check(response).await
    }

    /// The administrator's object id (from its own token).
    pub(crate) async fn principal_id(&self) -> anyhow::Result<String> {
        let payload = self
            .management_token
            .split('.')
            .nth(1)
            .context("a JWT payload")?;
        use base64::Engine;
        let claims: Value = serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload)?,
        )?;
        Ok(claims["oid"].as_str().context("oid")?.to_owned())
    }

    /// Grants `role_id` to `principal_id` at `scope`.
    pub(crate) async fn assign(
        &self,
        scope: &str,
        role_id: &str,
        principal_id: &str,
    ) -> anyhow::Result<Value> {
        let name = uuid::Uuid::new_v4();
        self.put(
            &format!(
                "{scope}/providers/Microsoft.Authorization/roleAssignments/{name}?api-version=2022-04-01"
            ),
            &json!({"properties": {
                "roleDefinitionId": ResourceId::subscription(&self.endpoints.subscription_id)
                    .provider("Microsoft.Authorization", "roleDefinitions", role_id)
                    .to_string(),
                "principalId": principal_id}}),
        )
        .await
    }

    /// Creates a VM in `group` (a resource group id) with the given identity type.
    pub(crate) async fn create_vm(
        &self,
        group: &str,
        name: &str,
        identity: &str,
    ) -> anyhow::Result<Value> {
        self.put(
            &format!(
                "{group}/providers/Microsoft.Compute/virtualMachines/{name}?api-version={API_VERSION}"
            ),
            &json!({
                "location": "westeurope",
                "identity": {"type": identity},
                "properties": {"hardwareProfile": {"vmSize": "Standard_B1s"}}
            }),
        )
        .await
    }
}

/// Runs every measurement and returns the report text.
pub(crate) async fn run(requests: usize, concurrency: usize, vms: usize) -> anyhow::Result<String> {
    let dir = tempfile::tempdir()?;
    let cloud = Cloud::start(CloudConfig::new(dir.path()).with_any_ports()).await?;
    let admin = Admin::sign_in(&cloud).await?;
    let group = ResourceId::resource_group(&cloud.endpoints().subscription_id, "bench").to_string();
    admin
        .put(
            &format!("{group}?api-version={API_VERSION}"),
            &json!({"location": "westeurope"}),
        )
        .await?;

    // One VM with an identity, whose agent serves the token measurements.
    let vm = admin
        .create_vm(&group, "bench-agent", "SystemAssigned")
        .await?;
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
        let http = admin.http.clone();
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
        let http = admin.http.clone();
        let url = token_url.clone();
        measure(requests, concurrency, move |_| {
            let request = http.get(&url).header("Metadata", "true").send();
            async move { check(request.await?).await.map(drop) }
        })
        .await?
    };
    let bypass = {
        let http = admin.http.clone();
        let url = format!("{token_url}&bypass_cache=true");
        measure((requests / 4).max(1), concurrency, move |_| {
            let request = http.get(&url).header("Metadata", "true").send();
            async move { check(request.await?).await.map(drop) }
        })
        .await?
    };
    let admin = std::sync::Arc::new(admin);
    // Warm up the resource API and the store (first writes grow the database and its WAL),
    // so the two VM figures compare like with like.
    create_vms(
        &admin,
        &group,
        vms / 2,
        concurrency,
        "warm",
        "SystemAssigned",
    )
    .await?;
    let vm_plain = create_vms(&admin, &group, vms, concurrency, "plain", "None").await?;
    let vm_identity =
        create_vms(&admin, &group, vms, concurrency, "ident", "SystemAssigned").await?;
    let (vault_baseline, vault_reads) =
        authorization::vault_reads(&admin, &cloud, &group, requests, concurrency).await?;
    let (decisions_few, decisions_many) = authorization::decisions(&cloud, requests).await?;
    // Vaults each have a listener of their own, so they count in start-up too.
    for index in 0..STARTUP_VAULTS {
        admin
            .put(
                &format!(
                    "{group}/providers/Microsoft.KeyVault/vaults/bench-kv-{index}?api-version=2026-05-15"
                ),
                &json!({"location": "westeurope", "properties": {
                    "tenantId": cloud.endpoints().tenant_id,
                    "sku": {"family": "A", "name": "standard"}}}),
            )
            .await?;
    }

    // Start-up on an existing data directory (every listener ready, agents restored, a new
    // server certificate issued from the kept CA).
    cloud.shutdown().await;
    let restart = Instant::now();
    let cloud = Cloud::start(CloudConfig::new(dir.path()).with_any_ports()).await?;
    let restart_total = restart.elapsed();
    let startup = cloud.startup_time();
    cloud.shutdown().await;

    let mut report = String::new();
    writeln!(
        report,
        "azsim benchmark ({concurrency} concurrent clients; resource API, token service and vaults over HTTPS; release build)"
    )?;
    writeln!(
        report,
        "{:<62} {:>10} {:>8}",
        "measurement", "per second", "ratio"
    )?;
    let mut line = |name: &str, throughput: Throughput, base: Throughput| {
        writeln!(
            report,
            "{name:<62} {:>10.0} {:>7.2}x",
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
    line(
        "baseline: vault request refused (no token)",
        vault_baseline,
        vault_baseline,
    )?;
    line(
        "vault secret reads by a managed identity",
        vault_reads,
        vault_baseline,
    )?;
    line(
        "baseline: authorization decisions, 300 assignments (in-process)",
        decisions_few,
        decisions_few,
    )?;
    line(
        "authorization decisions, 10,000 assignments (in-process)",
        decisions_many,
        decisions_few,
    )?;
    writeln!(
        report,
        "start-up on an existing data dir ({} VMs, {} vaults): {} ms to every listener ready ({} ms in all)",
        2 * vms + vms / 2 + 2,
        STARTUP_VAULTS + 1,
        startup.as_millis(),
        restart_total.as_millis()
    )?;
    Ok(report)
}

async fn create_vms(
    admin: &std::sync::Arc<Admin>,
    group: &str,
    count: usize,
    concurrency: usize,
    prefix: &'static str,
    identity: &'static str,
) -> anyhow::Result<Throughput> {
    let admin = admin.clone();
    let group = group.to_owned();
    measure(count, concurrency, move |i| {
        let admin = admin.clone();
        let group = group.clone();
        async move {
            admin
                .create_vm(&group, &format!("{prefix}-{i}"), identity)
                .await?;
            Ok(())
        }
    })
    .await
}

/// The JSON body of a successful response, or an error with the service's answer.
pub(crate) async fn check(response: reqwest::Response) -> anyhow::Result<Value> {
    let status = response.status();
    let text = response.text().await?;
    anyhow::ensure!(status.is_success(), "{status}: {text}");
    Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
}
