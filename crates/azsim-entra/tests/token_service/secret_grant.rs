//! Client credentials with a client secret, on both endpoints.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;

use crate::support::{
    APP_ID, APP_OBJECT_ID, ARM, DOMAIN, Endpoint, SECRET, TENANT_ID, TokenCloud, assert_aadsts,
    claims_of,
};

#[tokio::test]
async fn v1_secret_grant_returns_every_value_as_a_string() {
    let cloud = TokenCloud::start().await;
    let response = cloud
        .post_token(
            Endpoint::V1,
            TENANT_ID,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", APP_ID),
                ("client_secret", SECRET),
                ("resource", "https://management.core.windows.net/"),
            ],
        )
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store, no-cache");
    assert_eq!(response.headers()["pragma"], "no-cache");
    let body: Value = response.json().await.unwrap();
    let keys: Vec<_> = body.as_object().unwrap().keys().cloned().collect();
    assert_eq!(keys.len(), 7, "{body}");
    for key in [
        "token_type",
        "expires_in",
        "ext_expires_in",
        "expires_on",
        "not_before",
        "resource",
        "access_token",
    ] {
        assert!(body[key].is_string(), "{key} must be a string: {body}");
    }
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], "3599");
    assert_eq!(body["resource"], "https://management.core.windows.net/");
    let now = cloud.now();
    let expires_on: i64 = body["expires_on"].as_str().unwrap().parse().unwrap();
    let not_before: i64 = body["not_before"].as_str().unwrap().parse().unwrap();
    assert_eq!(expires_on, now + 3599);
    assert_eq!(not_before, now - 300);

    let claims = claims_of(body["access_token"].as_str().unwrap());
    assert_eq!(claims["aud"], "https://management.core.windows.net/");
    assert_eq!(claims["appid"], APP_ID);
    assert_eq!(claims["appidacr"], "1");
    assert_eq!(claims["oid"], APP_OBJECT_ID);
    assert_eq!(claims["sub"], APP_OBJECT_ID);
    assert_eq!(claims["tid"], TENANT_ID);
    assert_eq!(
        claims["iss"],
        format!("https://sts.windows.net/{TENANT_ID}/")
    );
    assert_eq!(claims["idp"], claims["iss"]);
    assert_eq!(claims["idtyp"], "app");
    assert_eq!(claims["ver"], "1.0");
    assert_eq!(claims["iat"], claims["nbf"]);
    assert_eq!(claims["uti"].as_str().unwrap().len(), 22);
    assert!(claims.get("xms_mirid").is_none());
}

#[tokio::test]
async fn v2_secret_grant_returns_numbers_and_only_four_members() {
    let cloud = TokenCloud::start().await;
    let response = cloud
        .post_token(
            Endpoint::V2,
            TENANT_ID,
            &[
                ("client_id", APP_ID),
                ("grant_type", "client_credentials"),
                ("scope", "https://vault.azure.net/.default"),
                ("client_secret", SECRET),
            ],
        )
        .await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body.as_object().unwrap().len(), 4, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"].as_i64(), Some(3599));
    assert_eq!(body["ext_expires_in"].as_i64(), Some(3599));
    let claims = claims_of(body["access_token"].as_str().unwrap());
    // The audience is the scope without `/.default`, exactly as asked.
    assert_eq!(claims["aud"], "https://vault.azure.net");
}

#[tokio::test]
async fn secret_in_http_basic_header_is_accepted() {
    let cloud = TokenCloud::start().await;
    // RFC 6749 2.3.1: the secret is form-encoded inside the Basic credentials.
    let encoded_secret = serde_urlencoded::to_string([("s", SECRET)]).unwrap();
    let basic = STANDARD.encode(format!("{APP_ID}:{}", &encoded_secret[2..]));
    let response = cloud
        .http
        .post(cloud.token_url(Endpoint::V2, TENANT_ID))
        .header("authorization", format!("Basic {basic}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "grant_type=client_credentials&scope={}",
            serde_urlencoded::to_string([("s", format!("{ARM}.default"))]).unwrap()[2..].to_owned()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        claims_of(body["access_token"].as_str().unwrap())["appid"],
        APP_ID
    );
}

#[tokio::test]
async fn tenant_may_be_named_by_domain_and_the_token_names_its_id() {
    let cloud = TokenCloud::start().await;
    let response = cloud
        .post_token(
            Endpoint::V1,
            &DOMAIN.to_uppercase(),
            &[
                ("grant_type", "client_credentials"),
                ("client_id", APP_ID),
                ("client_secret", SECRET),
                ("resource", "797f4846-ba00-4fd7-ba43-dac1f8f63013"),
            ],
        )
        .await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    let claims = claims_of(body["access_token"].as_str().unwrap());
    assert_eq!(claims["tid"], TENANT_ID);
    assert_eq!(claims["aud"], "797f4846-ba00-4fd7-ba43-dac1f8f63013");
}

#[tokio::test]
async fn wrong_secret_is_invalid_client_with_401() {
    let cloud = TokenCloud::start().await;
    let response = cloud
        .http
        .post(cloud.token_url(Endpoint::V2, TENANT_ID))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-ms-correlation-request-id", "corr-1234")
        .body(format!(
            "grant_type=client_credentials&client_id={APP_ID}&client_secret=nope&scope=https%3A%2F%2Fmanagement.azure.com%2F.default"
        ))
        .send()
        .await
        .unwrap();
    let body = assert_aadsts(response, 401, "invalid_client", 7_000_215).await;
    assert_eq!(body["correlation_id"], "corr-1234");
    assert!(body["error_description"].as_str().unwrap().contains(APP_ID));
}

#[tokio::test]
async fn app_token_event_has_no_flow_step_and_carries_the_correlation_id() {
    let cloud = TokenCloud::start().await;
    let response = cloud
        .http
        .post(cloud.token_url(Endpoint::V1, TENANT_ID))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-ms-correlation-request-id", "flow-42")
        .body(format!(
            "grant_type=client_credentials&client_id={APP_ID}&client_secret={}&resource=https%3A%2F%2Fstorage.azure.com%2F",
            &serde_urlencoded::to_string([("s", SECRET)]).unwrap()[2..]
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let events = cloud.events.events();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].source, format!("client:{APP_ID}"));
    assert_eq!(events[0].target, "entra");
    assert_eq!(events[0].step, None);
    assert_eq!(events[0].correlation_id, "flow-42");
}
