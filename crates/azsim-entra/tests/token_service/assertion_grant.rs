//! Client credentials with certificate-signed client assertions.

use azsim_core::FlowStep;
use azsim_pki::{CertificateRequest, CertificateUsage, KeyPair};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::Algorithm;
use serde_json::{Value, json};

use crate::support::{
    APP_ID, ARM, ClientCertificate, Endpoint, MI_CLIENT_ID, MI_OBJECT_ID, MI_RESOURCE_ID,
    TENANT_ID, TokenCloud, assert_aadsts, claims_of,
};

#[tokio::test]
async fn es256_assertion_with_sha256_thumbprint_is_accepted() {
    let cloud = TokenCloud::start().await;
    let assertion = cloud.assertion(
        &cloud.app_ec,
        Algorithm::ES256,
        &cloud.assertion_claims(APP_ID),
    );
    let response = cloud
        .post_assertion(Endpoint::V2, APP_ID, &assertion, ARM)
        .await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    let claims = claims_of(body["access_token"].as_str().unwrap());
    assert_eq!(claims["appidacr"], "2");
    assert_eq!(claims["appid"], APP_ID);
}

#[tokio::test]
async fn rs256_assertion_with_sha1_thumbprint_is_accepted() {
    let cloud = TokenCloud::start().await;
    let mut claims = cloud.assertion_claims(APP_ID);
    // The v1 endpoint by domain is an accepted audience too.
    claims["aud"] = json!(format!(
        "{}/contoso.onmicrosoft.com/oauth2/token",
        cloud.base
    ));
    let assertion = cloud.assertion(&cloud.app_rsa, Algorithm::RS256, &claims);
    let response = cloud
        .post_assertion(Endpoint::V1, APP_ID, &assertion, ARM)
        .await;
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn ps256_assertion_is_accepted() {
    let cloud = TokenCloud::start().await;
    let mut claims = cloud.assertion_claims(APP_ID);
    claims["aud"] = json!(format!(
        "https://login.microsoftonline.com/{TENANT_ID}/oauth2/v2.0/token"
    ));
    let assertion = cloud.assertion(&cloud.app_rsa, Algorithm::PS256, &claims);
    let response = cloud
        .post_assertion(Endpoint::V2, APP_ID, &assertion, ARM)
        .await;
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn tampered_assertion_fails_signature_validation() {
    let cloud = TokenCloud::start().await;
    let assertion = cloud.assertion(
        &cloud.app_ec,
        Algorithm::ES256,
        &cloud.assertion_claims(APP_ID),
    );
    let parts: Vec<&str> = assertion.split('.').collect();
    let mut claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    claims["exp"] = json!(cloud.now() + 86_400);
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        parts[2]
    );
    let response = cloud
        .post_assertion(Endpoint::V2, APP_ID, &tampered, ARM)
        .await;
    let body = assert_aadsts(response, 401, "invalid_client", 700_027).await;
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .starts_with("AADSTS700027: Client assertion failed signature validation."),
        "{body}"
    );
}

#[tokio::test]
async fn assertion_signed_with_an_unregistered_certificate_names_its_thumbprint() {
    let cloud = TokenCloud::start().await;
    let key = KeyPair::generate_ec_p256().unwrap();
    let now = cloud.clock_now();
    let certificate = cloud
        .ca
        .issue(&CertificateRequest {
            subject_common_name: "stranger",
            public_key: &key,
            not_before: now,
            not_after: now + time::Duration::days(1),
            usage: CertificateUsage::ClientAuth,
        })
        .unwrap();
    let stranger = ClientCertificate { key, certificate };
    let assertion = cloud.assertion(&stranger, Algorithm::ES256, &cloud.assertion_claims(APP_ID));
    let response = cloud
        .post_assertion(Endpoint::V2, APP_ID, &assertion, ARM)
        .await;
    let body = assert_aadsts(response, 401, "invalid_client", 700_027).await;
    let description = body["error_description"].as_str().unwrap();
    assert!(
        description.contains("The key was not found."),
        "{description}"
    );
    assert!(
        description.contains(&format!(
            "Thumbprint of key used by client: '{}'",
            stranger.certificate.thumbprints().sha256_hex()
        )),
        "{description}"
    );
}

#[tokio::test]
async fn assertion_for_another_audience_is_refused() {
    let cloud = TokenCloud::start().await;
    let mut claims = cloud.assertion_claims(APP_ID);
    claims["aud"] = json!("https://login.microsoftonline.com/another-tenant/oauth2/v2.0/token");
    let assertion = cloud.assertion(&cloud.app_ec, Algorithm::ES256, &claims);
    let response = cloud
        .post_assertion(Endpoint::V2, APP_ID, &assertion, ARM)
        .await;
    assert_aadsts(response, 401, "invalid_client", 50_013).await;
}

#[tokio::test]
async fn assertion_issued_for_another_client_is_refused() {
    let cloud = TokenCloud::start().await;
    let assertion = cloud.assertion(
        &cloud.app_ec,
        Algorithm::ES256,
        &cloud.assertion_claims(MI_CLIENT_ID),
    );
    let response = cloud
        .post_assertion(Endpoint::V2, APP_ID, &assertion, ARM)
        .await;
    assert_aadsts(response, 401, "invalid_client", 700_021).await;
}

#[tokio::test]
async fn assertion_expires_when_the_clock_passes_its_exp() {
    let cloud = TokenCloud::start().await;
    let assertion = cloud.assertion(
        &cloud.app_ec,
        Algorithm::ES256,
        &cloud.assertion_claims(APP_ID),
    );
    cloud.advance(601);
    let response = cloud
        .post_assertion(Endpoint::V2, APP_ID, &assertion, ARM)
        .await;
    let body = assert_aadsts(response, 401, "invalid_client", 700_024).await;
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("not within its valid time range")
    );
}

#[tokio::test]
async fn assertion_from_the_future_is_refused() {
    let cloud = TokenCloud::start().await;
    let mut claims = cloud.assertion_claims(APP_ID);
    claims["nbf"] = json!(cloud.now() + 301);
    claims["exp"] = json!(cloud.now() + 900);
    let assertion = cloud.assertion(&cloud.app_ec, Algorithm::ES256, &claims);
    let response = cloud
        .post_assertion(Endpoint::V2, APP_ID, &assertion, ARM)
        .await;
    assert_aadsts(response, 401, "invalid_client", 700_024).await;
}

#[tokio::test]
async fn a_replayed_assertion_is_refused() {
    let cloud = TokenCloud::start().await;
    let assertion = cloud.assertion(
        &cloud.app_ec,
        Algorithm::ES256,
        &cloud.assertion_claims(APP_ID),
    );
    let first = cloud
        .post_assertion(Endpoint::V2, APP_ID, &assertion, ARM)
        .await;
    assert_eq!(first.status(), 200);
    let second = cloud
        .post_assertion(Endpoint::V2, APP_ID, &assertion, ARM)
        .await;
    assert_aadsts(second, 401, "invalid_client", 50_013).await;
}

#[tokio::test]
async fn assertion_without_jti_is_refused() {
    let cloud = TokenCloud::start().await;
    let mut claims = cloud.assertion_claims(APP_ID);
    claims.as_object_mut().unwrap().remove("jti");
    let assertion = cloud.assertion(&cloud.app_ec, Algorithm::ES256, &claims);
    let response = cloud
        .post_assertion(Endpoint::V2, APP_ID, &assertion, ARM)
        .await;
    assert_aadsts(response, 400, "invalid_request", 90_014).await;
}

#[tokio::test]
async fn managed_identity_token_lives_a_day_and_names_the_identity() {
    let cloud = TokenCloud::start().await;
    let assertion = cloud.assertion(
        &cloud.identity_ec,
        Algorithm::ES256,
        &cloud.assertion_claims(MI_CLIENT_ID),
    );
    let response = cloud
        .post_assertion(Endpoint::V1, MI_CLIENT_ID, &assertion, ARM)
        .await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["expires_in"], "86400");
    let claims = claims_of(body["access_token"].as_str().unwrap());
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        86_700
    );
    assert_eq!(claims["xms_mirid"], MI_RESOURCE_ID);
    assert_eq!(claims["oid"], MI_OBJECT_ID);
    assert_eq!(claims["appidacr"], "2");

    let events = cloud.events.events();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].step, Some(FlowStep::IssueToken));
    assert_eq!(events[0].source, format!("client:{MI_CLIENT_ID}"));
}
