//! The administrator of a running `azsim up`, over HTTPS as a script would be: a resource
//! group, a VM with a system-assigned identity, a vault, and where the VM's agent listens.

use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;

use azsim_cloud::Endpoints;
use serde_json::{Value, json};

/// The administrator's HTTP access to one running cloud.
pub(crate) struct CloudAdmin {
    pub(crate) endpoints: Endpoints,
    pub(crate) http: reqwest::Client,
    data_dir: std::path::PathBuf,
}

impl CloudAdmin {
    pub(crate) fn new(data_dir: &Path) -> Self {
        let endpoints = Endpoints::read(data_dir).expect("endpoints.json");
        let pem = std::fs::read(endpoints.ca_bundle.as_ref().expect("a CA bundle"))
            .expect("the CA bundle is readable");
        let http = reqwest::Client::builder()
            .no_proxy()
            .add_root_certificate(reqwest::Certificate::from_pem(&pem).expect("a PEM CA"))
            .build()
            .expect("an HTTP client");
        Self {
            endpoints,
            http,
            data_dir: data_dir.to_path_buf(),
        }
    }

    /// An administrator token for the resource API.
    pub(crate) async fn token(&self) -> String {
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
            .expect("the token service answers")
            .json()
            .await
            .expect("a token response");
        token["access_token"]
            .as_str()
            .expect("an access token")
            .to_owned()
    }

    /// `PUT {path}` with `body` as the administrator; panics unless it succeeds.
    pub(crate) async fn put(&self, path: &str, body: Value) -> Value {
        let response = self
            .http
            .put(format!("{}{path}", self.endpoints.resource_manager))
            .bearer_auth(self.token().await)
            .json(&body)
            .send()
            .await
            .expect("the resource API answers");
        assert!(
            response.status().is_success(),
            "PUT {path}: {}",
            response.status()
        );
        response.json().await.expect("a JSON answer")
    }

    /// The path of resource group `group` (without `api-version`).
    pub(crate) fn group_path(&self, group: &str) -> String {
        format!(
            "/subscriptions/{}/resourceGroups/{group}",
            self.endpoints.subscription_id
        )
    }

    /// Creates resource group `group` and in it VM `name` with a system-assigned identity;
    /// returns the address of the VM's metadata agent.
    #[allow(dead_code)]
    pub(crate) async fn create_vm(&self, group: &str, name: &str) -> SocketAddr {
        let group_path = self.group_path(group);
        self.put(
            &format!("{group_path}?api-version=2024-11-01"),
            json!({"location": "westeurope"}),
        )
        .await;
        self.put(
            &format!(
                "{group_path}/providers/Microsoft.Compute/virtualMachines/{name}?api-version=2024-07-01"
            ),
            json!({
                "location": "westeurope",
                "identity": {"type": "SystemAssigned"},
                "properties": {
                    "hardwareProfile": {"vmSize": "Standard_B1s"},
                    "storageProfile": {"osDisk": {"osType": "Linux"}}
                }
            }),
        )
        .await;
        let output = Command::new(env!("CARGO_BIN_EXE_azsim"))
            .arg("--data-dir")
            .arg(&self.data_dir)
            .args(["vm", "env", "-g", group, "-n", name])
            .output()
            .expect("azsim vm env runs");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let host = stdout
            .lines()
            .find_map(|line| line.strip_prefix("AZURE_POD_IDENTITY_AUTHORITY_HOST=http://"))
            .unwrap_or_else(|| panic!("no agent address in {output:?}"));
        host.parse().expect("a socket address")
    }

    /// Creates vault `name` in resource group `group` (which must exist); returns its URI.
    #[allow(dead_code)]
    pub(crate) async fn create_vault(&self, group: &str, name: &str) -> String {
        let vault = self
            .put(
                &format!(
                    "{}/providers/Microsoft.KeyVault/vaults/{name}?api-version=2023-07-01",
                    self.group_path(group)
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
        vault["properties"]["vaultUri"]
            .as_str()
            .expect("a vault URI")
            .to_owned()
    }
}
