//! The `azsim` commands that act on a running cloud, run as a user runs them: the real binary
//! against a real `azsim up` process.

#![allow(clippy::unwrap_used)]

#[path = "conformance/running_cloud.rs"]
mod running_cloud;

use std::path::Path;
use std::process::{Command, Output};

use azsim_cloud::Endpoints;
use running_cloud::RunningCloud;
use serde_json::{Value, json};

fn azsim(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_azsim"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .output()
        .expect("the azsim binary runs")
}

/// The administrator's HTTP access to the resource API, as a script would have it.
struct Admin {
    endpoints: Endpoints,
    http: reqwest::Client,
}

impl Admin {
    fn new(data_dir: &Path) -> Self {
        let endpoints = Endpoints::read(data_dir).unwrap();
        let pem = std::fs::read(endpoints.ca_bundle.as_ref().unwrap()).unwrap();
        let http = reqwest::Client::builder()
            .no_proxy()
            .add_root_certificate(reqwest::Certificate::from_pem(&pem).unwrap())
            .build()
            .unwrap();
        Self { endpoints, http }
    }

    async fn put(&self, path: &str, body: Value) -> Value {
        let token: Value = self
            .http
            .post(&self.endpoints.token_endpoint)
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", &self.endpoints.admin.client_id),
                ("client_secret", &self.endpoints.admin.client_secret),
                ("scope", "https://management.azure.com/.default"),
            ])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let response = self
            .http
            .put(format!("{}{path}", self.endpoints.resource_manager))
            .bearer_auth(token["access_token"].as_str().unwrap())
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "PUT {path}: {}",
            response.status()
        );
        response.json().await.unwrap()
    }

    async fn create_vault(&self, group: &str, name: &str) {
        let subscription = &self.endpoints.subscription_id;
        self.put(
            &format!(
                "/subscriptions/{subscription}/resourceGroups/{group}/providers/Microsoft.KeyVault/vaults/{name}?api-version=2023-07-01"
            ),
            json!({
                "location": "westeurope",
                "properties": {
                    "tenantId": self.endpoints.tenant_id,
                    "sku": {"family": "A", "name": "standard"},
                    "enableRbacAuthorization": true
                }
            }),
        )
        .await;
    }
}

#[tokio::test]
async fn secret_set_grants_itself_on_a_vault_whose_name_extends_an_already_granted_one() {
    // Arrange: two vaults, `kv1` and `kv10`; the administrator is Officer on `kv1` only.
    let cloud = RunningCloud::start(Path::new(env!("CARGO_BIN_EXE_azsim")));
    let admin = Admin::new(cloud.data_dir());
    let subscription = admin.endpoints.subscription_id.clone();
    admin
        .put(
            &format!("/subscriptions/{subscription}/resourceGroups/cli?api-version=2024-11-01"),
            json!({"location": "westeurope"}),
        )
        .await;
    admin.create_vault("cli", "kv1").await;
    admin.create_vault("cli", "kv10").await;
    let first = azsim(
        cloud.data_dir(),
        &[
            "secret", "set", "--vault", "kv1", "--name", "a", "--value", "1",
        ],
    );
    assert!(first.status.success(), "{first:?}\n{}", cloud.log());
    assert!(String::from_utf8_lossy(&first.stdout).contains("granted the administrator"));

    // Act: a secret in `kv10`. The grant on `kv1` does not cover it (segment-wise scopes).
    let second = azsim(
        cloud.data_dir(),
        &[
            "secret", "set", "--vault", "kv10", "--name", "b", "--value", "2",
        ],
    );

    // Assert: the command granted itself on `kv10` and the write went through.
    let stdout = String::from_utf8_lossy(&second.stdout);
    assert!(
        second.status.success(),
        "{second:?}\nazsim's log:\n{}",
        cloud.log()
    );
    assert!(
        stdout.contains("granted the administrator Key Vault Secrets Officer on")
            && stdout.contains("/vaults/kv10"),
        "{stdout}"
    );
    assert!(stdout.contains("/secrets/b/"), "{stdout}");

    // And a second write to `kv1` finds its grant and grants nothing again.
    let third = azsim(
        cloud.data_dir(),
        &[
            "secret", "set", "--vault", "kv1", "--name", "c", "--value", "3",
        ],
    );
    assert!(third.status.success(), "{third:?}");
    assert!(!String::from_utf8_lossy(&third.stdout).contains("granted"));
}
