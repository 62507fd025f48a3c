//! The administrator's access to the cloud: signing in, setting up what the storm relies on,
//! and reading back what the restarted cloud holds.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use azsim_cloud::Endpoints;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::Rng;
use rand::rngs::StdRng;
use reqwest::Method;
use serde_json::{Value, json};

use crate::storm::{
    AUTHORIZATION_API, COMPUTE_API, Fixed, IDENTITY_API, KEY_VAULT_SECRETS_OFFICER, Key, ROLES,
    SECRETS_API, State, VAULT_API,
};

/// The administrator's HTTPS access to the resource API and the vault, as a script has it.
#[derive(Clone)]
pub(crate) struct Admin {
    pub(crate) endpoints: Endpoints,
    pub(crate) http: reqwest::Client,
    pub(crate) management_token: String,
    pub(crate) vault_token: String,
}

impl Admin {
    pub(crate) async fn sign_in(data_dir: &Path) -> Self {
        let endpoints = Endpoints::read(data_dir).unwrap();
        let pem = std::fs::read(endpoints.ca_bundle.as_ref().unwrap()).unwrap();
        let http = reqwest::Client::builder()
            .no_proxy()
            .add_root_certificate(reqwest::Certificate::from_pem(&pem).unwrap())
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap();
        let token = |scope: &'static str| {
            let request = http.post(&endpoints.token_endpoint).form(&[
                ("grant_type", "client_credentials"),
                ("client_id", endpoints.admin.client_id.as_str()),
                ("client_secret", endpoints.admin.client_secret.as_str()),
                ("scope", scope),
            ]);
            async move {
                let body: Value = request.send().await.unwrap().json().await.unwrap();
                body["access_token"]
                    .as_str()
                    .unwrap_or_else(|| panic!("no token for {scope}: {body}"))
                    .to_owned()
            }
        };
        let management_token = token("https://management.azure.com/.default").await;
        let vault_token = token("https://vault.azure.net/.default").await;
        Self {
            endpoints,
            http,
            management_token,
            vault_token,
        }
    }

    pub(crate) fn arm(
        &self,
        method: Method,
        id: &str,
        api_version: &str,
    ) -> reqwest::RequestBuilder {
        self.http
            .request(
                method,
                format!(
                    "{}{id}?api-version={api_version}",
                    self.endpoints.resource_manager
                ),
            )
            .bearer_auth(&self.management_token)
    }

    pub(crate) fn secret(
        &self,
        method: Method,
        vault_uri: &str,
        index: usize,
    ) -> reqwest::RequestBuilder {
        self.http
            .request(
                method,
                format!(
                    "{}/secrets/s{index}?api-version={SECRETS_API}",
                    vault_uri.trim_end_matches('/')
                ),
            )
            .bearer_auth(&self.vault_token)
    }

    /// Sends `request`, insisting on a 2xx answer, and returns the body (`null` if empty).
    pub(crate) async fn expect_success(what: &str, request: reqwest::RequestBuilder) -> Value {
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        assert!(status.is_success(), "{what}: {status}: {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    /// The resource group, the vault and the administrator's right to write its secrets.
    pub(crate) async fn prepare(&self, rng: &mut StdRng) -> Fixed {
        let subscription_id = self.endpoints.subscription_id.clone();
        let admin_object_id = claims(&self.management_token)["oid"]
            .as_str()
            .unwrap()
            .to_owned();
        let assignment_names = ROLES
            .iter()
            .map(|_| {
                uuid::Builder::from_random_bytes(rng.r#gen())
                    .into_uuid()
                    .to_string()
            })
            .collect();
        let mut fixed = Fixed {
            subscription_id,
            admin_object_id,
            vault_uri: String::new(),
            assignment_names,
        };
        Self::expect_success(
            "creating the resource group",
            self.arm(Method::PUT, &fixed.group_id(), COMPUTE_API)
                .json(&json!({"location": "westeurope"})),
        )
        .await;
        let vault = Self::expect_success(
            "creating the vault",
            self.arm(Method::PUT, &fixed.vault_id(), VAULT_API)
                .json(&json!({
                    "location": "westeurope",
                    "properties": {
                        "tenantId": self.endpoints.tenant_id,
                        "sku": {"family": "A", "name": "standard"},
                        "enableRbacAuthorization": true
                    }
                })),
        )
        .await;
        fixed.vault_uri = vault["properties"]["vaultUri"].as_str().unwrap().to_owned();
        let officer = format!(
            "{}/providers/Microsoft.Authorization/roleAssignments/{}",
            fixed.vault_id(),
            uuid::Builder::from_random_bytes(rng.r#gen()).into_uuid()
        );
        Self::expect_success(
            "granting the administrator the vault's secrets",
            self.arm(Method::PUT, &officer, AUTHORIZATION_API)
                .json(&json!({"properties": {
                    "roleDefinitionId": format!(
                        "/subscriptions/{}/providers/Microsoft.Authorization/roleDefinitions/\
                         {KEY_VAULT_SECRETS_OFFICER}",
                        fixed.subscription_id
                    ),
                    "principalId": fixed.admin_object_id,
                }})),
        )
        .await;
        fixed
    }

    /// The vault's URI as the resource API gives it now.
    pub(crate) async fn vault_uri(&self, fixed: &Fixed) -> String {
        let vault = Self::expect_success(
            "reading the vault",
            self.arm(Method::GET, &fixed.vault_id(), VAULT_API),
        )
        .await;
        vault["properties"]["vaultUri"].as_str().unwrap().to_owned()
    }

    /// What the restarted cloud holds for every key of the storm, as its APIs answer.
    pub(crate) async fn observe(&self, fixed: &Fixed) -> BTreeMap<Key, Observed> {
        let mut observed = BTreeMap::new();
        for key in Fixed::every_key() {
            let request = match key {
                Key::Vm(index) => self.arm(Method::GET, &fixed.vm_id(index), COMPUTE_API),
                Key::Identity(index) => {
                    self.arm(Method::GET, &fixed.identity_id(index), IDENTITY_API)
                }
                Key::Secret(index) => self.secret(Method::GET, &fixed.vault_uri, index),
                Key::Assignment(index) => {
                    self.arm(Method::GET, &fixed.assignment_id(index), AUTHORIZATION_API)
                }
            };
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let body: Value = response.json().await.unwrap_or(Value::Null);
            let state = match (status, key) {
                (404, _) => State::Absent,
                (200, Key::Vm(_) | Key::Identity(_)) => {
                    State::Present(body["tags"]["w"].as_str().unwrap_or("").to_owned())
                }
                (200, Key::Secret(_)) => {
                    State::Present(body["value"].as_str().unwrap_or("").to_owned())
                }
                (200, Key::Assignment(_)) => State::Present(String::new()),
                (status, key) => panic!("GET of {key:?} after the restart: {status}: {body}"),
            };
            observed.insert(key, Observed { state, body });
        }
        observed
    }

    /// The resources set up before the storm, which nothing deleted, must all be there.
    pub(crate) async fn fixed_resources_failures(&self, fixed: &Fixed) -> Vec<String> {
        let mut failures = Vec::new();
        for (id, api_version) in [
            (fixed.group_id(), COMPUTE_API),
            (fixed.vault_id(), VAULT_API),
        ] {
            let status = self
                .arm(Method::GET, &id, api_version)
                .send()
                .await
                .unwrap()
                .status();
            if status != 200 {
                failures.push(format!("{id}, created before the storm, answers {status}"));
            }
        }
        failures
    }
}

/// A storm resource as the restarted cloud shows it.
pub(crate) struct Observed {
    pub(crate) state: State,
    pub(crate) body: Value,
}

/// The claims of a JWT (not verified: the token service's own tests do that).
pub(crate) fn claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).expect("a JWT has a payload");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}
