//! Authorization figures: decisions per second as the tenant grows to 10,000 role assignments,
//! and a managed identity's vault secret reads per second.

use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use azsim_cloud::Cloud;
use azsim_core::{SharedClock, SystemClock};
use azsim_rbac::Authorizer;
use azsim_rbac::seed::{DecisionCase, run_decisions, seed_role_assignments};
use azsim_store::Store;
use serde_json::json;

use crate::load::{Throughput, measure};
use crate::scenario::{Admin, check};

/// Decisions per second with 300 assignments in the tenant, then with 10,000. Each size gets a
/// store of its own (the seeded assignment names are fixed), in the cloud's subscription.
pub(crate) async fn decisions(
    cloud: &Cloud,
    decisions: usize,
) -> anyhow::Result<(Throughput, Throughput)> {
    let clock: SharedClock = Arc::new(SystemClock);
    let subscription = &cloud.endpoints().subscription_id;
    let mut figures = Vec::new();
    for (assignments, principals) in [(300, 100), (10_000, 3_300)] {
        let dir = tempfile::tempdir()?;
        let store = Store::open(&dir.path().join("rbac.db")).await?;
        let seeded =
            seed_role_assignments(&store, &clock, subscription, assignments, principals).await?;
        anyhow::ensure!(
            seeded.assignments == assignments,
            "seeded {}",
            seeded.assignments
        );
        let authorizer = Authorizer::new(store.clone());
        // One untimed pass warms the connection pool and the page cache.
        time_decisions(&authorizer, &seeded.cases, 1).await?;
        figures.push(time_decisions(&authorizer, &seeded.cases, decisions).await?);
        store.close().await;
    }
    Ok((figures[0], figures[1]))
}

async fn time_decisions(
    authorizer: &Authorizer,
    cases: &[DecisionCase],
    decisions: usize,
) -> anyhow::Result<Throughput> {
    anyhow::ensure!(!cases.is_empty(), "no decision cases were seeded");
    let started = Instant::now();
    let mut made = 0;
    while made < decisions {
        let tally = run_decisions(authorizer, cases).await?;
        anyhow::ensure!(tally.wrong == 0, "{} wrong decisions", tally.wrong);
        made += tally.decisions;
    }
    Ok(Throughput {
        requests: made,
        elapsed: started.elapsed(),
    })
}

/// Secret reads per second by a VM's managed identity, against refused (unauthenticated)
/// requests to the same vault as the baseline.
pub(crate) async fn vault_reads(
    admin: &Admin,
    cloud: &Cloud,
    group: &str,
    requests: usize,
    concurrency: usize,
) -> anyhow::Result<(Throughput, Throughput)> {
    let vault_id = format!("{group}/providers/Microsoft.KeyVault/vaults/bench-kv");
    let vault = admin
        .put(
            &format!("{vault_id}?api-version=2026-05-15"),
            &json!({"location": "westeurope", "properties": {
                "tenantId": cloud.endpoints().tenant_id,
                "sku": {"family": "A", "name": "standard"},
                "enableRbacAuthorization": true}}),
        )
        .await?;
    let vault_uri = vault["properties"]["vaultUri"]
        .as_str()
        .context("vaultUri")?
        .to_owned();
    let admin_id = admin.principal_id().await?;
    admin
        .assign(&vault_id, "b86a8fe4-44ce-4948-aee5-eccb2c155cd7", &admin_id)
        .await?;
    let secret_url = format!("{vault_uri}secrets/db-password?api-version=7.5");
    check(
        admin
            .http
            .put(&secret_url)
            .bearer_auth(admin.token("https://vault.azure.net/.default").await?)
            .json(&json!({"value": "s3cr3t"}))
            .send()
            .await?,
    )
    .await?;
    let vm = admin
        .create_vm(group, "bench-reader", "SystemAssigned")
        .await?;
    let principal = vm["identity"]["principalId"]
        .as_str()
        .context("principalId")?;
    admin
        .assign(
            &format!("{vault_id}/secrets/db-password"),
            "4633458b-17de-408a-b874-0445c86b69e6",
            principal,
        )
        .await?;
    let agent = cloud
        .agent_address(vm["properties"]["vmId"].as_str().context("vmId")?)
        .await
        .context("agent")?;
    let token = check(
        admin
            .http
            .get(format!(
                "http://{agent}/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://vault.azure.net"
            ))
            .header("Metadata", "true")
            .send()
            .await?,
    )
    .await?["access_token"]
        .as_str()
        .context("access_token")?
        .to_owned();

    let baseline = {
        let http = admin.http.clone();
        let url = secret_url.clone();
        measure(requests, concurrency, move |_| {
            let request = http.get(&url).send();
            async move {
                let response = request.await?;
                anyhow::ensure!(response.status() == 401, "baseline: {}", response.status());
                Ok(())
            }
        })
        .await?
    };
    let reads = {
        let http = admin.http.clone();
        let url = secret_url.clone();
        measure(requests, concurrency, move |_| {
            let request = http.get(&url).bearer_auth(&token).send();
            async move {
                let body = check(request.await?).await?;
                anyhow::ensure!(body["value"] == "s3cr3t", "wrong secret: {body}");
                Ok(())
            }
        })
        .await?
    };
    Ok((baseline, reads))
}
