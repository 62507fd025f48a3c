//! Protocol edges across components: what a real client sees when it gets things wrong.

use std::time::Duration;

use azsim_testkit::{ApiResponse, FakeCloud, MANAGEMENT_RESOURCE};
use reqwest::Method;

async fn cloud_with_vm() -> (FakeCloud, std::net::SocketAddr) {
    let cloud = FakeCloud::start().await;
    cloud.create_resource_group("rg").await.assert_status(201);
    let vm = cloud
        .put_virtual_machine("rg", "vm", "SystemAssigned")
        .await;
    vm.assert_status(201);
    let agent = cloud.agent_address(vm.str_at("/properties/vmId")).await;
    (cloud, agent)
}

#[tokio::test]
async fn the_documented_curl_request_works_with_only_the_host_changed() {
    let (cloud, agent) = cloud_with_vm().await;
    let url = format!(
        "http://{agent}/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https%3A%2F%2Fstorage.azure.com%2F"
    );
    let output = tokio::process::Command::new("curl")
        .args(["--silent", "--show-error", &url, "-H", "Metadata:true"])
        .output()
        .await
        .expect("curl runs (it is part of the documented request)");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let body: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    for key in [
        "access_token",
        "client_id",
        "expires_in",
        "expires_on",
        "ext_expires_in",
        "not_before",
        "resource",
        "token_type",
    ] {
        assert!(body[key].is_string(), "{key} must be a JSON string: {body}");
    }
    assert_eq!(body["resource"], "https://storage.azure.com/");
    assert_eq!(body["token_type"], "Bearer");
    let claims = cloud
        .verify_token(
            body["access_token"].as_str().unwrap(),
            "https://storage.azure.com/",
        )
        .await;
    assert_eq!(claims["aud"], "https://storage.azure.com/");
    cloud.stop().await;
}

#[tokio::test]
async fn the_agent_refuses_requests_a_workload_gets_wrong() {
    let (cloud, agent) = cloud_with_vm().await;
    let base = format!("http://{agent}/metadata/identity/oauth2/token");
    let get = |query: &'static str, metadata: Option<&'static str>, forwarded: bool| {
        let mut request = cloud.http().get(format!("{base}{query}"));
        if let Some(metadata) = metadata {
            request = request.header("Metadata", metadata);
        }
        if forwarded {
            request = request.header("X-Forwarded-For", "10.0.0.1");
        }
        async move { ApiResponse::read(request.send().await.unwrap()).await }
    };
    let good = "?api-version=2018-02-01&resource=https://management.azure.com/";

    let missing_header = get(good, None, false).await;
    missing_header.assert_status(400);
    assert_eq!(missing_header.str_at("/error"), "invalid_request");
    assert_eq!(
        missing_header.str_at("/error_description"),
        "Required metadata header not specified"
    );
    // The SDK probe: no query, no header.
    get("", None, false).await.assert_status(400);
    get(good, Some("True"), false).await.assert_status(400);
    get(good, Some("true"), true).await.assert_status(400);
    get(
        "?resource=https://management.azure.com/",
        Some("true"),
        false,
    )
    .await
    .assert_status(400);
    get("?api-version=2018-02-01", Some("true"), false)
        .await
        .assert_status(400);
    get(good, Some("true"), false).await.assert_status(200);
    cloud.stop().await;
}

#[tokio::test]
async fn the_agent_serves_cached_tokens_until_bypassed_and_renews_expired_ones() {
    let (cloud, agent) = cloud_with_vm().await;
    let principal_id = {
        let admin = cloud.admin_token().await;
        let vm = cloud.get_virtual_machine("rg", "vm", &admin).await;
        vm.str_at("/identity/principalId").to_owned()
    };
    cloud
        .grant_reader(&cloud.resource_group_id("rg"), &principal_id)
        .await;
    let first = cloud.get_imds_token(agent, MANAGEMENT_RESOURCE, &[]).await;
    first.assert_status(200);
    cloud.clock().advance(Duration::from_secs(60));
    let cached = cloud.get_imds_token(agent, MANAGEMENT_RESOURCE, &[]).await;
    assert_eq!(
        cached.str_at("/access_token"),
        first.str_at("/access_token")
    );
    let remaining: i64 = cached.str_at("/expires_in").parse().unwrap();
    let fresh_remaining: i64 = first.str_at("/expires_in").parse().unwrap();
    assert_eq!(
        fresh_remaining - remaining,
        60,
        "expires_in counts down on a cached token"
    );

    let bypassed = cloud
        .get_imds_token(agent, MANAGEMENT_RESOURCE, &[("bypass_cache", "true")])
        .await;
    assert_ne!(
        bypassed.str_at("/access_token"),
        first.str_at("/access_token")
    );

    // A day later the cached token has expired: the resource API refuses it, and the agent
    // hands out a new one with a later expiry.
    cloud.clock().advance(Duration::from_secs(25 * 3600));
    let old = bypassed.str_at("/access_token");
    let refused = cloud.get_virtual_machine("rg", "vm", old).await;
    refused.assert_status(401);
    assert_eq!(refused.error_code(), "ExpiredAuthenticationToken");
    let renewed = cloud.get_imds_token(agent, MANAGEMENT_RESOURCE, &[]).await;
    renewed.assert_status(200);
    let renewed_expiry: i64 = renewed.str_at("/expires_on").parse().unwrap();
    let old_expiry: i64 = bypassed.str_at("/expires_on").parse().unwrap();
    assert!(renewed_expiry > old_expiry);
    cloud
        .get_virtual_machine("rg", "vm", renewed.str_at("/access_token"))
        .await
        .assert_status(200);
    cloud.stop().await;
}

#[tokio::test]
async fn the_resource_api_refuses_tokens_for_another_audience_and_bad_headers() {
    let (cloud, agent) = cloud_with_vm().await;
    let vault_token = cloud
        .get_imds_token(agent, "https://vault.azure.net", &[])
        .await;
    vault_token.assert_status(200);
    let path = cloud.virtual_machine_id("rg", "vm");

    let wrong_audience = cloud
        .arm_request(
            Method::GET,
            &path,
            Some(vault_token.str_at("/access_token")),
            None,
        )
        .await;
    wrong_audience.assert_status(401);
    assert_eq!(
        wrong_audience.error_code(),
        "InvalidAuthenticationTokenAudience"
    );
    assert!(wrong_audience.headers.contains_key("www-authenticate"));

    let missing = cloud.arm_request(Method::GET, &path, None, None).await;
    missing.assert_status(401);
    assert_eq!(missing.error_code(), "AuthenticationFailed");

    let garbage = cloud
        .arm_request(Method::GET, &path, Some("not-a-jwt"), None)
        .await;
    garbage.assert_status(401);
    assert_eq!(garbage.error_code(), "InvalidAuthenticationToken");
    cloud.stop().await;
}

#[tokio::test]
async fn the_agent_forwards_the_token_service_error_for_an_unknown_resource() {
    let (cloud, agent) = cloud_with_vm().await;
    let response = cloud
        .get_imds_token(agent, "https://nothing.example.com/", &[])
        .await;
    response.assert_status(400);
    assert_eq!(response.str_at("/error"), "invalid_resource");
    assert!(
        response
            .str_at("/error_description")
            .starts_with("AADSTS500011")
    );
    cloud.stop().await;
}
