//! The administrator's HTTP client: signs in with the credentials in `endpoints.json` and calls
//! the cloud's public APIs, exactly as a script would.

use std::path::Path;

use anyhow::Context;
use azsim_cloud::Endpoints;
use azsim_core::ResourceId;
use serde_json::{Value, json};

/// The api-version `az role assignment create` sends.
const AUTHORIZATION_API_VERSION: &str = "2022-04-01";

/// A signed-in administrator of a running cloud.
pub(crate) struct AdminClient {
    pub(crate) endpoints: Endpoints,
    http: reqwest::Client,
}

impl AdminClient {
    /// Reads `endpoints.json` from the data directory.
    /// Trusts the cloud's CA (`ca_bundle`) when it serves HTTPS.
    pub(crate) fn from_data_dir(data_dir: &Path) -> anyhow::Result<Self> {
        let endpoints = Endpoints::read(data_dir)?;
        let mut http = reqwest::Client::builder().no_proxy();
        if let Some(ca_bundle) = &endpoints.ca_bundle {
            let pem = std::fs::read(ca_bundle)
                .with_context(|| format!("cannot read the CA bundle {ca_bundle}"))?;
            http = http.add_root_certificate(reqwest::Certificate::from_pem(&pem)?);
        }
        Ok(Self {
            endpoints,
            http: http.build()?,
        })
    }

    /// An access token for `resource` with the administrator's client secret.
    pub(crate) async fn token(&self, resource: &str) -> anyhow::Result<String> {
        let scope = format!("{}/.default", resource.trim_end_matches('/'));
        let response = self
            .http
            .post(&self.endpoints.token_endpoint)
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", self.endpoints.admin.client_id.as_str()),
                ("client_secret", self.endpoints.admin.client_secret.as_str()),
                ("scope", scope.as_str()),
            ])
            .send()
            .await
            .context("is the cloud running? (`azsim up`)")?;
        let body = read(response).await?;
        Ok(body["access_token"]
            .as_str()
            .context("the token service answered without an access token")?
            .to_owned())
    }

    /// `PUT` a JSON body to the resource API at `path` (an ARM id with its api-version).
    pub(crate) async fn arm_put(&self, path: &str, body: &Value) -> anyhow::Result<Value> {
        let token = self.token("https://management.azure.com/").await?;
        let url = format!("{}{path}", self.endpoints.resource_manager);
        read(
            self.http
                .put(url)
                .bearer_auth(token)
                .json(body)
                .send()
                .await?,
        )
        .await
    }

    /// Assigns the role with GUID `role_id` to `principal_id` at `scope`, under a new name, as
    /// `az role assignment create` does; answers the assignment resource.
    pub(crate) async fn create_role_assignment(
        &self,
        scope: &ResourceId,
        role_id: &str,
        principal_id: &str,
    ) -> anyhow::Result<Value> {
        let assignment = scope.provider(
            "Microsoft.Authorization",
            "roleAssignments",
            &uuid::Uuid::new_v4().to_string(),
        );
        // Clients name the definition at the subscription, as the portal and az do.
        let definition = ResourceId::subscription(&self.endpoints.subscription_id).provider(
            "Microsoft.Authorization",
            "roleDefinitions",
            role_id,
        );
        let body = json!({"properties": {
            "roleDefinitionId": definition.to_string(),
            "principalId": principal_id,
        }});
        self.arm_put(
            &format!("{assignment}?api-version={AUTHORIZATION_API_VERSION}"),
            &body,
        )
        .await
    }

    /// `PUT` a JSON body to a data-plane URL with a token for `resource`.
    pub(crate) async fn data_put(
        &self,
        url: &str,
        resource: &str,
        body: &Value,
    ) -> anyhow::Result<Value> {
        let token = self.token(resource).await?;
        read(
            self.http
                .put(url)
                .bearer_auth(token)
                .json(body)
                .send()
                .await?,
        )
        .await
    }
}

/// The JSON body of a successful response, or an error quoting the service's own.
async fn read(response: reqwest::Response) -> anyhow::Result<Value> {
    let status = response.status();
    let text = response.text().await?;
    let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    if status.is_success() {
        return Ok(body);
    }
    let code = body
        .pointer("/error/code")
        .or_else(|| body.get("error"))
        .and_then(Value::as_str)
        .unwrap_or("error");
    let message = body
        .pointer("/error/message")
        .or_else(|| body.get("error_description"))
        .and_then(Value::as_str)
        .unwrap_or(&text);
    anyhow::bail!("{status} {code}: {message}")
}
