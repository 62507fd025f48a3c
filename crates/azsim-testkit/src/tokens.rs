//! Getting tokens from the token service and verifying them against its published keys.

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;

use crate::fixtures::Client;
use crate::{ApiResponse, FakeCloud, MANAGEMENT_RESOURCE};

impl FakeCloud {
    /// Asks the v2 token endpoint for a token with the administrator's client secret.
    pub async fn client_secret_token(&self, scope: &str) -> ApiResponse {
        let endpoints = self.cloud().endpoints();
        let response = self
            .http()
            .post(&endpoints.token_endpoint)
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", endpoints.admin.client_id.as_str()),
                ("client_secret", endpoints.admin.client_secret.as_str()),
                ("scope", scope),
            ])
            .send()
            .await
            .expect("token request");
        ApiResponse::read(response).await
    }

    /// Asks `client`'s tenant's v2 token endpoint for a token for `scope` with the client's
    /// secret.
    pub async fn client_secret_token_for(&self, client: &Client, scope: &str) -> ApiResponse {
        let url = format!(
            "{}/{}/oauth2/v2.0/token",
            self.cloud().endpoints().authority_host,
            client.tenant_id
        );
        let response = self
            .http()
            .post(url)
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", client.client_id.as_str()),
                ("client_secret", client.secret.as_str()),
                ("scope", scope),
            ])
            .send()
            .await
            .expect("token request");
        ApiResponse::read(response).await
    }

    /// An access token of `client` for `scope`; panics unless the token service issues one.
    pub async fn access_token(&self, client: &Client, scope: &str) -> String {
        let response = self.client_secret_token_for(client, scope).await;
        response.assert_status(200);
        response.str_at("/access_token").to_owned()
    }

    /// An administrator access token for the resource API.
    pub async fn admin_token(&self) -> String {
        let response = self
            .client_secret_token(&format!("{MANAGEMENT_RESOURCE}.default"))
            .await;
        response.assert_status(200);
        response.str_at("/access_token").to_owned()
    }

    /// The tenant's v2 discovery document.
    pub async fn openid_configuration(&self) -> Value {
        let url = &self.cloud().endpoints().openid_configuration;
        let response = self.http().get(url).send().await.expect("discovery");
        ApiResponse::read(response)
            .await
            .assert_status(200)
            .body
            .clone()
    }

    /// Verifies `token`'s RS256 signature with the key named by its `kid`, fetched from the
    /// `jwks_uri` of the discovery document, checks `aud`, `exp` (against the cloud's clock)
    /// and `nbf`, and returns the claims. Panics on any failure.
    pub async fn verify_token(&self, token: &str, audience: &str) -> Value {
        let discovery = self.openid_configuration().await;
        let jwks_uri = discovery["jwks_uri"].as_str().expect("jwks_uri");
        let jwks = self.http().get(jwks_uri).send().await.expect("jwks");
        let jwks = ApiResponse::read(jwks).await.body;
        let header = jsonwebtoken::decode_header(token).expect("a JWT header");
        let kid = header.kid.expect("the token names its key");
        let key = jwks["keys"]
            .as_array()
            .expect("keys")
            .iter()
            .find(|key| key["kid"] == kid.as_str())
            .unwrap_or_else(|| panic!("no published key {kid}"));
        let decoding_key = DecodingKey::from_rsa_components(
            key["n"].as_str().expect("n"),
            key["e"].as_str().expect("e"),
        )
        .expect("an RSA key");
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_audience(&[audience]);
        // Expiry is judged by the cloud's clock, which tests move; check it by hand below.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        let data = jsonwebtoken::decode::<Value>(token, &decoding_key, &validation)
            .expect("the token verifies against the published key");
        let claims = data.claims;
        let now = self.clock_now();
        assert!(claims["exp"].as_i64().expect("exp") > now, "token expired");
        assert!(
            claims["nbf"].as_i64().expect("nbf") <= now,
            "token not yet valid"
        );
        claims
    }

    /// The cloud clock's reading in unix seconds.
    pub fn clock_now(&self) -> i64 {
        use azsim_core::Clock;
        self.clock().unix_seconds()
    }
}
