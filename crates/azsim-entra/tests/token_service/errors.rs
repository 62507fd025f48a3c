//! Refused token requests: each gets its AADSTS code, status and `error`, never a 500.
//!
//! These check status and body mapping only, so most drive the router without a socket.

use azsim_store::directory::delete_service_principal;
use jsonwebtoken::Algorithm;

use crate::support::{
    APP_ID, ARM, Answer, Endpoint, MI_CLIENT_ID, MI_OBJECT_ID, SECRET, TENANT_ID, TENANT_NAME,
    TokenCloud, assert_aadsts, check_aadsts,
};

fn secret_form(resource: &str) -> Vec<(&'static str, String)> {
    vec![
        ("grant_type", "client_credentials".to_owned()),
        ("client_id", APP_ID.to_owned()),
        ("client_secret", SECRET.to_owned()),
        ("resource", resource.to_owned()),
    ]
}

/// Posts `form` to the router of `cloud`'s token service, without a socket.
async fn post(
    cloud: &TokenCloud,
    endpoint: Endpoint,
    tenant: &str,
    form: &[(&str, String)],
) -> Answer {
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    cloud.oneshot_form(endpoint, tenant, &form).await
}

#[tokio::test]
async fn unknown_client_is_unauthorized_client() {
    let cloud = TokenCloud::start().await;
    let mut form = secret_form(ARM);
    form[1].1 = "99999999-9999-9999-9999-999999999999".to_owned();
    let response = post(&cloud, Endpoint::V1, TENANT_ID, &form).await;
    let body = check_aadsts(&response, 400, "unauthorized_client", 700_016);
    let description = body["error_description"].as_str().unwrap();
    assert!(description.contains(&format!("was not found in the directory '{TENANT_NAME}'")));
}

#[tokio::test]
async fn deleted_managed_identity_can_no_longer_get_tokens() {
    let cloud = TokenCloud::start().await;
    let mut conn = cloud.store.read().await.unwrap();
    assert!(
        delete_service_principal(&mut conn, MI_OBJECT_ID)
            .await
            .unwrap()
    );
    drop(conn);
    let assertion = cloud.assertion(
        &cloud.identity_ec,
        Algorithm::ES256,
        &cloud.assertion_claims(MI_CLIENT_ID),
    );
    let response = cloud
        .post_assertion(Endpoint::V2, MI_CLIENT_ID, &assertion, ARM)
        .await;
    assert_aadsts(response, 400, "unauthorized_client", 700_016).await;
}

#[tokio::test]
async fn unknown_resource_is_invalid_resource() {
    let cloud = TokenCloud::start().await;
    let response = post(
        &cloud,
        Endpoint::V1,
        TENANT_ID,
        &secret_form("https://example.com/"),
    )
    .await;
    let body = check_aadsts(&response, 400, "invalid_resource", 500_011);
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("https://example.com/")
    );
}

#[tokio::test]
async fn unknown_tenant_is_invalid_request() {
    let cloud = TokenCloud::start().await;
    let response = post(
        &cloud,
        Endpoint::V1,
        "fabrikam.onmicrosoft.com",
        &secret_form(ARM),
    )
    .await;
    let body = check_aadsts(&response, 400, "invalid_request", 90_002);
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("Tenant 'fabrikam.onmicrosoft.com' not found")
    );
}

#[tokio::test]
async fn a_tenant_segment_that_is_not_utf8_is_an_unknown_tenant() {
    let cloud = TokenCloud::start().await;
    for endpoint in [Endpoint::V1, Endpoint::V2] {
        let response = post(&cloud, endpoint, "%BC", &secret_form(ARM)).await;
        check_aadsts(&response, 400, "invalid_request", 90_002);
    }
}

#[tokio::test]
async fn client_credentials_on_common_is_refused() {
    let cloud = TokenCloud::start().await;
    let response = post(
        &cloud,
        Endpoint::V2,
        "common",
        &[
            ("grant_type", "client_credentials".to_owned()),
            ("client_id", APP_ID.to_owned()),
            ("client_secret", SECRET.to_owned()),
            ("scope", format!("{ARM}.default")),
        ],
    )
    .await;
    check_aadsts(&response, 400, "invalid_request", 9_001_023);
    let response = post(&cloud, Endpoint::V1, "organizations", &secret_form(ARM)).await;
    check_aadsts(&response, 400, "invalid_request", 50_059);
}

#[tokio::test]
async fn other_grant_types_are_unsupported() {
    let cloud = TokenCloud::start().await;
    let mut form = secret_form(ARM);
    form[0].1 = "password".to_owned();
    let response = post(&cloud, Endpoint::V1, TENANT_ID, &form).await;
    check_aadsts(&response, 400, "unsupported_grant_type", 70_003);
}

#[tokio::test]
async fn resource_parameter_on_v2_is_refused() {
    let cloud = TokenCloud::start().await;
    let response = post(&cloud, Endpoint::V2, TENANT_ID, &secret_form(ARM)).await;
    check_aadsts(&response, 400, "invalid_request", 901_002);
}

#[tokio::test]
async fn scope_without_default_suffix_is_invalid_scope() {
    let cloud = TokenCloud::start().await;
    let response = post(
        &cloud,
        Endpoint::V2,
        TENANT_ID,
        &[
            ("grant_type", "client_credentials".to_owned()),
            ("client_id", APP_ID.to_owned()),
            ("client_secret", SECRET.to_owned()),
            ("scope", "https://graph.microsoft.com/User.Read".to_owned()),
        ],
    )
    .await;
    check_aadsts(&response, 400, "invalid_scope", 1_002_012);
}

#[tokio::test]
async fn malformed_body_is_invalid_request_not_a_server_error() {
    let cloud = TokenCloud::start().await;
    let response = cloud
        .oneshot_token(Endpoint::V1, TENANT_ID, vec![0xff, 0xfe, b'%', b'&', b'='])
        .await;
    let body = check_aadsts(&response, 400, "invalid_request", 900_144);
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("'grant_type'")
    );
}

#[tokio::test]
async fn request_without_any_credential_is_invalid_client() {
    let cloud = TokenCloud::start().await;
    let response = post(
        &cloud,
        Endpoint::V1,
        TENANT_ID,
        &[
            ("grant_type", "client_credentials".to_owned()),
            ("client_id", APP_ID.to_owned()),
            ("resource", ARM.to_owned()),
        ],
    )
    .await;
    check_aadsts(&response, 401, "invalid_client", 7_000_218);
}

#[tokio::test]
async fn expired_secret_is_reported_as_expired() {
    let cloud = TokenCloud::start().await;
    cloud.advance(86_400 * 366);
    let response = post(&cloud, Endpoint::V1, TENANT_ID, &secret_form(ARM)).await;
    check_aadsts(&response, 401, "invalid_client", 7_000_222);
}
