//! Hostile bodies at the resource API, the token service and the vault: invalid JSON, wrong
//! types, 100,000 nested brackets, huge strings, invalid UTF-8, 10 MB, and content types the
//! service does not take. Each is refused and writes nothing, and the service answers the
//! next honest request.

use azsim_testkit::{ARM_API_VERSION, ApiResponse, FakeCloud, MANAGEMENT_RESOURCE};
use reqwest::header::CONTENT_TYPE;

use crate::support::refusal::{assert_aadsts, assert_refused};
use crate::support::shared::{Family, Scene, count_cases, run};
use crate::support::snapshot::{assert_unchanged, snapshot};
use crate::support::vault::vault_with_one_secret;

/// Ten megabytes: far beyond any honest request to these services.
const TEN_MEGABYTES: usize = 10 * 1024 * 1024;

/// A group with a vault holding one secret, and the administrator's tokens.
struct BodyScene {
    cloud: FakeCloud,
    vault_uri: String,
    admin_arm: String,
    admin_vault: String,
}

/// Where a hostile body goes.
#[derive(Debug, Clone, Copy)]
enum Target {
    /// `PUT` of a new VM.
    ResourceApi,
    /// `POST` to the tenant's v2 token endpoint.
    TokenService,
    /// `PUT` of an existing secret.
    Vault,
}

/// What the service must answer.
enum Expected {
    /// This status and this error code (ARM's and Key Vault's `error.code`).
    Refusal(u16, &'static str),
    /// The token service's refusal with this status, OAuth error and AADSTS number.
    Aadsts(u16, &'static str, u64),
}

impl BodyScene {
    async fn build() -> BodyScene {
        let cloud = FakeCloud::start().await;
        let vault = vault_with_one_secret(&cloud, "kv-bodies").await;
        BodyScene {
            admin_arm: cloud.admin_token().await,
            admin_vault: vault.admin_token,
            vault_uri: vault.uri,
            cloud,
        }
    }

    /// Sends `body` as `content_type` to `target`; `None` if the connection was closed
    /// before an answer.
    async fn send(&self, target: Target, content_type: &str, body: Vec<u8>) -> Option<ApiResponse> {
        let cloud = &self.cloud;
        let request = match target {
            Target::ResourceApi => cloud.arm_request_builder(
                reqwest::Method::PUT,
                &format!(
                    "{}?api-version={ARM_API_VERSION}",
                    cloud.virtual_machine_id("rg", "vm-planted")
                ),
                Some(&self.admin_arm),
            ),
            Target::TokenService => cloud
                .http()
                .post(cloud.token_endpoint_of(&cloud.tenant_id())),
            Target::Vault => cloud
                .http()
                .put(format!(
                    "{}secrets/db-password?api-version=7.5",
                    self.vault_uri
                ))
                .bearer_auth(&self.admin_vault),
        };
        let sent = request
            .header(CONTENT_TYPE, content_type)
            .body(body)
            .send()
            .await;
        match sent {
            Ok(response) => Some(ApiResponse::read(response).await),
            Err(_) => None,
        }
    }

    /// The honest requests of every service still succeed (after the snapshot: the token
    /// request issues a token).
    async fn assert_healthy(&self) {
        let cloud = &self.cloud;
        cloud
            .arm_request(
                reqwest::Method::GET,
                &cloud.resource_group_id("rg"),
                Some(&self.admin_arm),
                None,
            )
            .await
            .assert_status(200);
        // Status only: a case that overwrote the secret fails on its own snapshot, and must
        // not fail the cases after it.
        cloud
            .get_secret(&self.vault_uri, "db-password", &self.admin_vault)
            .await
            .assert_status(200);
        cloud
            .client_secret_token(&format!("{MANAGEMENT_RESOURCE}.default"))
            .await
            .assert_status(200);
    }
}

impl Scene for BodyScene {
    fn cloud(&self) -> &FakeCloud {
        &self.cloud
    }

    fn into_cloud(self) -> FakeCloud {
        self.cloud
    }
}

static FAMILY: Family<BodyScene> = Family::new(count_cases(include_str!("bodies.rs")));

/// Sends the hostile `body` to `target`, checks the answer, that nothing changed, and that
/// the services still serve.
fn refused(target: Target, content_type: &str, body: Vec<u8>, expected: Expected) {
    run(async {
        let scene = FAMILY.turn(BodyScene::build).await;
        let before = snapshot(&scene.cloud).await;
        let response = scene.send(target, content_type, body).await;
        match (&response, expected) {
            (Some(response), Expected::Refusal(status, code)) => {
                assert_refused(response, status, code);
            }
            (Some(response), Expected::Aadsts(status, error, aadsts)) => {
                assert_aadsts(response, status, error, aadsts);
            }
            (None, _) => panic!("the connection was closed instead of an answer"),
        }
        assert_unchanged(&scene.cloud, &before).await;
        scene.assert_healthy().await;
        scene.finish().await;
    });
}

const JSON: &str = "application/json";
const FORM: &str = "application/x-www-form-urlencoded";

fn nested_brackets(prefix: &str) -> Vec<u8> {
    let mut body = prefix.as_bytes().to_vec();
    body.extend(std::iter::repeat_n(b'[', 100_000));
    body
}

fn ten_megabytes_of_json(prefix: &str) -> Vec<u8> {
    let mut body = prefix.as_bytes().to_vec();
    body.extend(std::iter::repeat_n(b'a', TEN_MEGABYTES));
    body.extend_from_slice(b"\"}");
    body
}

#[test]
fn resource_api_refuses_invalid_json() {
    refused(
        Target::ResourceApi,
        JSON,
        br#"{"location": "westeurope", "identity": {"type": "SystemAssigned""#.to_vec(),
        Expected::Refusal(400, "InvalidRequestContent"),
    );
}

#[test]
fn resource_api_refuses_wrongly_typed_properties() {
    refused(
        Target::ResourceApi,
        JSON,
        br#"{"location": 5, "identity": {"type": ["SystemAssigned"]}}"#.to_vec(),
        Expected::Refusal(400, "InvalidRequestContent"),
    );
}

#[test]
fn resource_api_refuses_a_hundred_thousand_nested_brackets() {
    refused(
        Target::ResourceApi,
        JSON,
        nested_brackets(r#"{"location": "westeurope", "tags": "#),
        Expected::Refusal(400, "InvalidRequestContent"),
    );
}

#[test]
fn resource_api_refuses_a_megabyte_identity_type() {
    let body = format!(
        r#"{{"location": "westeurope", "identity": {{"type": "{}"}}}}"#,
        "S".repeat(1024 * 1024)
    );
    refused(
        Target::ResourceApi,
        JSON,
        body.into_bytes(),
        Expected::Refusal(400, "InvalidParameter"),
    );
}

#[test]
fn resource_api_refuses_invalid_utf8() {
    refused(
        Target::ResourceApi,
        JSON,
        b"{\"location\": \"west\xff\xfeeurope\"}".to_vec(),
        Expected::Refusal(400, "InvalidRequestContent"),
    );
}

#[test]
fn resource_api_refuses_a_ten_megabyte_body() {
    refused(
        Target::ResourceApi,
        JSON,
        ten_megabytes_of_json(r#"{"location": "westeurope", "tags": {"t": ""#),
        Expected::Refusal(413, "RequestContentTooLarge"),
    );
}

#[test]
fn resource_api_refuses_json_sent_as_plain_text() {
    // ARM takes only `application/json` (Azure/azure-resource-manager-rpc,
    // v1.0/common-api-details.md, "Client Request Headers") and answers anything else with
    // 415 `UnsupportedMediaType`.
    refused(
        Target::ResourceApi,
        "text/plain",
        br#"{"location": "westeurope", "identity": {"type": "SystemAssigned"}}"#.to_vec(),
        Expected::Refusal(415, "UnsupportedMediaType"),
    );
}

#[test]
fn resource_api_refuses_an_array_for_a_resource() {
    refused(
        Target::ResourceApi,
        JSON,
        b"[]".to_vec(),
        Expected::Refusal(400, "InvalidRequestContent"),
    );
}

#[test]
fn token_service_refuses_a_json_body() {
    refused(
        Target::TokenService,
        JSON,
        br#"{"grant_type": "client_credentials", "client_id": "x", "client_secret": "y"}"#.to_vec(),
        Expected::Aadsts(400, "invalid_request", 900_144),
    );
}

#[test]
fn token_service_refuses_a_form_with_invalid_utf8() {
    refused(
        Target::TokenService,
        FORM,
        b"grant_type=client_credentials&client_id=%FF%FE&client_secret=x&scope=https%3A%2F%2Fmanagement.azure.com%2F.default"
            .to_vec(),
        // Decoded lossily, the id names no application.
        Expected::Aadsts(400, "unauthorized_client", 700_016),
    );
}

#[test]
fn token_service_refuses_a_half_megabyte_client_id() {
    let body = format!(
        "grant_type=client_credentials&client_id={}&client_secret=x&scope=https%3A%2F%2Fmanagement.azure.com%2F.default",
        "a".repeat(512 * 1024)
    );
    refused(
        Target::TokenService,
        FORM,
        body.into_bytes(),
        Expected::Aadsts(400, "unauthorized_client", 700_016),
    );
}

#[test]
fn token_service_refuses_a_ten_megabyte_form() {
    let mut body = b"grant_type=client_credentials&client_secret=".to_vec();
    body.extend(std::iter::repeat_n(b'a', TEN_MEGABYTES));
    refused(
        Target::TokenService,
        FORM,
        body,
        Expected::Aadsts(413, "invalid_request", 9_002_313),
    );
}

#[test]
fn vault_refuses_invalid_json() {
    refused(
        Target::Vault,
        JSON,
        br#"{"value": "overwritten""#.to_vec(),
        Expected::Refusal(400, "BadParameter"),
    );
}

#[test]
fn vault_refuses_a_number_for_a_secret_value() {
    refused(
        Target::Vault,
        JSON,
        br#"{"value": 5}"#.to_vec(),
        Expected::Refusal(400, "BadParameter"),
    );
}

#[test]
fn vault_refuses_a_hundred_thousand_nested_brackets() {
    refused(
        Target::Vault,
        JSON,
        nested_brackets(r#"{"value": "overwritten", "tags": "#),
        Expected::Refusal(400, "BadParameter"),
    );
}

#[test]
fn vault_refuses_invalid_utf8() {
    refused(
        Target::Vault,
        JSON,
        b"{\"value\": \"over\xff\xfewritten\"}".to_vec(),
        Expected::Refusal(400, "BadParameter"),
    );
}

#[test]
fn vault_refuses_a_body_without_a_value() {
    refused(
        Target::Vault,
        JSON,
        br#"{"contentType": "text/plain"}"#.to_vec(),
        Expected::Refusal(400, "BadParameter"),
    );
}

#[test]
fn vault_refuses_a_ten_megabyte_body() {
    refused(
        Target::Vault,
        JSON,
        ten_megabytes_of_json(r#"{"value": ""#),
        Expected::Refusal(413, "RequestEntityTooLarge"),
    );
}

#[test]
fn vault_refuses_a_megabyte_secret_value() {
    // Over the vault's request limit: refused from its length, before it is parsed.
    let body = format!(r#"{{"value": "{}"}}"#, "v".repeat(1024 * 1024));
    refused(
        Target::Vault,
        JSON,
        body.into_bytes(),
        Expected::Refusal(413, "RequestEntityTooLarge"),
    );
}

#[test]
fn vault_refuses_a_secret_value_over_25_kib() {
    // Key Vault keeps secret values of at most 25 KiB (MicrosoftDocs/azure-security-docs,
    // articles/key-vault/secrets/about-secrets.md); the text is the one azure-cli#5639 quotes.
    let body = format!(r#"{{"value": "{}"}}"#, "v".repeat(25_601));
    refused(
        Target::Vault,
        JSON,
        body.into_bytes(),
        Expected::Refusal(400, "BadParameter"),
    );
}
