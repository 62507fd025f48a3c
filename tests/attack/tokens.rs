//! Bearer tokens at every service that takes one (the resource API and the Key Vault data
//! plane): forged, altered, unsigned, HMAC-signed with the public key, out of their time,
//! for another audience or tenant, cut short, garbage, without `Bearer`, or doubled.
//!
//! Each attack is a write that would show in the store: at the resource API a `PUT` of a new
//! VM with a system-assigned identity, at the vault a `PUT` overwriting a secret.

use azsim_testkit::fixtures::Client;
use azsim_testkit::{ApiResponse, FakeCloud, KEY_VAULT_RESOURCE, MANAGEMENT_RESOURCE};
use jsonwebtoken::{Algorithm, EncodingKey};
use reqwest::Method;
use reqwest::header::AUTHORIZATION;
use serde_json::{Value, json};

use crate::support::forge::{self, Jwt};
use crate::support::refusal::assert_refused;
use crate::support::shared::{Family, Scene, count_cases, run};
use crate::support::snapshot::{assert_unchanged, snapshot};
use crate::support::vault::vault_with_one_secret;

/// The two protected services.
#[derive(Debug, Clone, Copy)]
enum Service {
    ResourceApi,
    Vault,
}

/// A cloud with a vault holding one secret, the administrator's tokens for both audiences,
/// the tokens of an application with no role, and of an application in a foreign tenant.
struct TokenScene {
    cloud: FakeCloud,
    vault_uri: String,
    admin_arm: String,
    admin_vault: String,
    nobody_arm: String,
    nobody_vault: String,
    foreign_arm: String,
    foreign_vault: String,
    admin_object_id: String,
    signing_key: EncodingKey,
    public_key_pem: String,
}

impl TokenScene {
    async fn build() -> TokenScene {
        let cloud = FakeCloud::builder().with_foreign_tenant().start().await;
        let vault = vault_with_one_secret(&cloud, "kv-attack").await;
        let nobody: Client = cloud.register_application().await;
        let foreign = cloud.foreign_client().clone();
        let management = format!("{MANAGEMENT_RESOURCE}.default");
        let vault_scope = format!("{KEY_VAULT_RESOURCE}/.default");
        TokenScene {
            admin_arm: cloud.admin_token().await,
            nobody_arm: cloud.access_token(&nobody, &management).await,
            nobody_vault: cloud.access_token(&nobody, &vault_scope).await,
            foreign_arm: cloud.access_token(&foreign, &management).await,
            foreign_vault: cloud.access_token(&foreign, &vault_scope).await,
            signing_key: forge::real_signing_key(&cloud).await,
            public_key_pem: forge::public_signing_key_pem(&cloud).await,
            admin_vault: vault.admin_token,
            admin_object_id: vault.admin_object_id,
            vault_uri: vault.uri,
            cloud,
        }
    }

    fn admin(&self, service: Service) -> &str {
        match service {
            Service::ResourceApi => &self.admin_arm,
            Service::Vault => &self.admin_vault,
        }
    }

    fn nobody(&self, service: Service) -> &str {
        match service {
            Service::ResourceApi => &self.nobody_arm,
            Service::Vault => &self.nobody_vault,
        }
    }

    /// The role-less application's token made to claim the administrator's object id.
    fn claiming_admin(&self, service: Service) -> Jwt {
        let mut jwt = Jwt::parse(self.nobody(service));
        jwt.claims["oid"] = Value::from(self.admin_object_id.clone());
        jwt
    }

    /// The administrator's token with its times moved and signed again with the real key:
    /// valid in every way but time.
    fn admin_at(&self, service: Service, not_before: i64, expiry: i64) -> String {
        let mut jwt = Jwt::parse(self.admin(service));
        jwt.claims["nbf"] = json!(not_before);
        jwt.claims["iat"] = json!(not_before);
        jwt.claims["exp"] = json!(expiry);
        jwt.signed(Algorithm::RS256, &self.signing_key)
    }

    /// Sends the write of `service` with the given `Authorization` header values, in order.
    async fn write(&self, service: Service, authorization: &[String]) -> ApiResponse {
        let cloud = &self.cloud;
        let mut request = match service {
            Service::ResourceApi => {
                let path = format!(
                    "{}?api-version={}",
                    cloud.virtual_machine_id("rg", "vm-planted"),
                    azsim_testkit::ARM_API_VERSION
                );
                cloud
                    .arm_request_builder(Method::PUT, &path, None)
                    .json(&json!({
                        "location": "westeurope",
                        "identity": {"type": "SystemAssigned"},
                        "properties": {"hardwareProfile": {"vmSize": "Standard_B1s"}}
                    }))
            }
            Service::Vault => cloud
                .http()
                .put(format!(
                    "{}secrets/db-password?api-version=7.5",
                    self.vault_uri
                ))
                .json(&json!({"value": "overwritten"})),
        };
        for value in authorization {
            request = request.header(AUTHORIZATION, value);
        }
        ApiResponse::read(request.send().await.expect("the request is answered")).await
    }
}

impl Scene for TokenScene {
    fn cloud(&self) -> &FakeCloud {
        &self.cloud
    }

    fn into_cloud(self) -> FakeCloud {
        self.cloud
    }
}

static FAMILY: Family<TokenScene> = Family::new(count_cases(include_str!("tokens.rs")));

/// What an attack sends: the `Authorization` header values, in order.
type Attack = fn(&TokenScene, Service) -> Vec<String>;

/// Sends what `attack` makes to the resource API, and checks the refusal (401 and ARM's
/// `code`) and that nothing changed.
fn refused_at_resource_api(code: &str, attack: Attack) {
    refused(Service::ResourceApi, code, attack);
}

/// Sends what `attack` makes to the vault, and checks Key Vault's refusal (401
/// `Unauthorized`, whatever the reason, as Key Vault answers) and that nothing changed.
fn refused_at_vault(attack: Attack) {
    refused(Service::Vault, "Unauthorized", attack);
}

fn refused(service: Service, code: &str, attack: Attack) {
    run(async {
        let scene = FAMILY.turn(TokenScene::build).await;
        let before = snapshot(&scene.cloud).await;
        let response = scene.write(service, &attack(&scene, service)).await;
        assert_refused(&response, 401, code);
        assert_unchanged(&scene.cloud, &before).await;
        scene.finish().await;
    });
}

fn bearer(token: &str) -> Vec<String> {
    vec![format!("Bearer {token}")]
}

fn re_signed_with_a_fresh_key(scene: &TokenScene, service: Service) -> Vec<String> {
    bearer(
        &scene
            .claiming_admin(service)
            .signed(Algorithm::RS256, &forge::fresh_rsa_key()),
    )
}

fn claim_altered_signature_kept(scene: &TokenScene, service: Service) -> Vec<String> {
    bearer(&scene.claiming_admin(service).with_kept_signature())
}

fn alg_none(scene: &TokenScene, service: Service) -> Vec<String> {
    let mut jwt = scene.claiming_admin(service);
    jwt.header["alg"] = json!("none");
    bearer(&jwt.unsigned())
}

fn hs256_keyed_with_the_public_key(scene: &TokenScene, service: Service) -> Vec<String> {
    let key = EncodingKey::from_secret(scene.public_key_pem.as_bytes());
    bearer(&scene.claiming_admin(service).signed(Algorithm::HS256, &key))
}

fn expired(scene: &TokenScene, service: Service) -> Vec<String> {
    let now = scene.cloud.clock_now();
    bearer(&scene.admin_at(service, now - 7200, now - 60))
}

fn not_yet_valid(scene: &TokenScene, service: Service) -> Vec<String> {
    let now = scene.cloud.clock_now();
    bearer(&scene.admin_at(service, now + 3600, now + 7200))
}

fn for_the_other_audience(scene: &TokenScene, service: Service) -> Vec<String> {
    match service {
        Service::ResourceApi => bearer(&scene.admin_vault),
        Service::Vault => bearer(&scene.admin_arm),
    }
}

fn from_a_foreign_tenant(scene: &TokenScene, service: Service) -> Vec<String> {
    match service {
        Service::ResourceApi => bearer(&scene.foreign_arm),
        Service::Vault => bearer(&scene.foreign_vault),
    }
}

fn claiming_a_foreign_issuer(scene: &TokenScene, service: Service) -> Vec<String> {
    // The administrator's token, re-signed with the real key, but naming the foreign tenant:
    // only the tenant is wrong.
    let mut jwt = Jwt::parse(scene.admin(service));
    let tenant = azsim_testkit::FOREIGN_TENANT_ID;
    jwt.claims["tid"] = json!(tenant);
    jwt.claims["iss"] = json!(format!("https://sts.windows.net/{tenant}/"));
    bearer(&jwt.signed(Algorithm::RS256, &scene.signing_key))
}

fn truncated(scene: &TokenScene, service: Service) -> Vec<String> {
    let token = scene.admin(service);
    bearer(&token[..token.len() - 12])
}

fn garbage(_: &TokenScene, _: Service) -> Vec<String> {
    bearer("eyJhbGciOiJSUzI1NiJ9.bm90IGpzb24.!!!")
}

fn without_the_bearer_scheme(scene: &TokenScene, service: Service) -> Vec<String> {
    vec![scene.admin(service).to_owned()]
}

fn two_authorization_headers(scene: &TokenScene, service: Service) -> Vec<String> {
    vec![
        "Bearer garbage.garbage.garbage".to_owned(),
        format!("Bearer {}", scene.admin(service)),
    ]
}

#[test]
fn resource_api_refuses_a_token_re_signed_with_a_fresh_key_under_the_real_kid() {
    refused_at_resource_api("InvalidAuthenticationToken", re_signed_with_a_fresh_key);
}

#[test]
fn vault_refuses_a_token_re_signed_with_a_fresh_key_under_the_real_kid() {
    refused_at_vault(re_signed_with_a_fresh_key);
}

#[test]
fn resource_api_refuses_a_token_whose_oid_was_changed_after_signing() {
    refused_at_resource_api("InvalidAuthenticationToken", claim_altered_signature_kept);
}

#[test]
fn vault_refuses_a_token_whose_oid_was_changed_after_signing() {
    refused_at_vault(claim_altered_signature_kept);
}

#[test]
fn resource_api_refuses_an_alg_none_token() {
    refused_at_resource_api("InvalidAuthenticationToken", alg_none);
}

#[test]
fn vault_refuses_an_alg_none_token() {
    refused_at_vault(alg_none);
}

#[test]
fn resource_api_refuses_an_hs256_token_keyed_with_the_public_signing_key() {
    refused_at_resource_api(
        "InvalidAuthenticationToken",
        hs256_keyed_with_the_public_key,
    );
}

#[test]
fn vault_refuses_an_hs256_token_keyed_with_the_public_signing_key() {
    refused_at_vault(hs256_keyed_with_the_public_key);
}

#[test]
fn resource_api_refuses_an_expired_token_signed_with_the_real_key() {
    refused_at_resource_api("ExpiredAuthenticationToken", expired);
}

#[test]
fn vault_refuses_an_expired_token_signed_with_the_real_key() {
    refused_at_vault(expired);
}

#[test]
fn resource_api_refuses_a_not_yet_valid_token_signed_with_the_real_key() {
    refused_at_resource_api("InvalidAuthenticationToken", not_yet_valid);
}

#[test]
fn vault_refuses_a_not_yet_valid_token_signed_with_the_real_key() {
    refused_at_vault(not_yet_valid);
}

#[test]
fn resource_api_refuses_a_vault_token() {
    refused_at_resource_api("InvalidAuthenticationTokenAudience", for_the_other_audience);
}

#[test]
fn vault_refuses_a_resource_api_token() {
    refused_at_vault(for_the_other_audience);
}

#[test]
fn resource_api_refuses_a_token_of_a_foreign_tenant() {
    refused_at_resource_api("InvalidAuthenticationTokenTenant", from_a_foreign_tenant);
}

#[test]
fn vault_refuses_a_token_of_a_foreign_tenant() {
    refused_at_vault(from_a_foreign_tenant);
}

#[test]
fn resource_api_refuses_a_real_signature_over_a_foreign_issuer() {
    refused_at_resource_api(
        "InvalidAuthenticationTokenTenant",
        claiming_a_foreign_issuer,
    );
}

#[test]
fn vault_refuses_a_real_signature_over_a_foreign_issuer() {
    refused_at_vault(claiming_a_foreign_issuer);
}

#[test]
fn resource_api_refuses_a_truncated_token() {
    refused_at_resource_api("InvalidAuthenticationToken", truncated);
}

#[test]
fn vault_refuses_a_truncated_token() {
    refused_at_vault(truncated);
}

#[test]
fn resource_api_refuses_a_garbage_token() {
    refused_at_resource_api("InvalidAuthenticationToken", garbage);
}

#[test]
fn vault_refuses_a_garbage_token() {
    refused_at_vault(garbage);
}

#[test]
fn resource_api_refuses_a_valid_token_without_the_bearer_scheme() {
    refused_at_resource_api(
        "AuthenticationFailedInvalidHeader",
        without_the_bearer_scheme,
    );
}

#[test]
fn vault_refuses_a_valid_token_without_the_bearer_scheme() {
    refused_at_vault(without_the_bearer_scheme);
}

#[test]
fn resource_api_refuses_a_garbage_authorization_header_before_a_valid_one() {
    refused_at_resource_api("InvalidAuthenticationToken", two_authorization_headers);
}

#[test]
fn vault_refuses_a_garbage_authorization_header_before_a_valid_one() {
    refused_at_vault(two_authorization_headers);
}
