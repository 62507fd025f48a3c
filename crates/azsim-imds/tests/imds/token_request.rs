//! The token endpoint: every validation edge, identity selection errors, and what happens
//! when the token service cannot be reached.

use azsim_core::FlowStep;
use azsim_imds::IdentityKind;
use serde_json::json;

use crate::support::{get, identity, json, start_agent, token_path};

fn invalid_request(description: &str) -> serde_json::Value {
    json!({ "error": "invalid_request", "error_description": description })
}

#[tokio::test]
async fn imds_rejects_request_without_metadata_header() {
    let (agent, _) = start_agent(vec![identity(IdentityKind::SystemAssigned, 1)]).await;

    let (status, body) = json(get(agent.local_addr(), &token_path(""), false).await).await;

    assert_eq!(status, 400);
    assert_eq!(
        body,
        invalid_request("Required metadata header not specified")
    );
    agent.stop().await;
}

#[tokio::test]
async fn imds_rejects_metadata_header_other_than_lowercase_true() {
    let (agent, _) = start_agent(vec![identity(IdentityKind::SystemAssigned, 1)]).await;
    for value in ["True", "false", "1", ""] {
        let response = crate::support::client()
            .get(format!("http://{}{}", agent.local_addr(), token_path("")))
            .header("Metadata", value)
            .send()
            .await
            .unwrap();
        let (status, body) = json(response).await;
        assert_eq!(status, 400, "Metadata: {value:?}");
        assert_eq!(
            body,
            invalid_request("Required metadata header not specified")
        );
    }
    agent.stop().await;
}

#[tokio::test]
async fn imds_answers_the_sdk_probe_without_query_or_header_with_400() {
    let (agent, _) = start_agent(vec![]).await;

    let response = get(agent.local_addr(), "/metadata/identity/oauth2/token", false).await;

    assert!(response.headers().contains_key("x-ms-request-id"));
    let (status, body) = json(response).await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        invalid_request("Required metadata header not specified")
    );
    agent.stop().await;
}

#[tokio::test]
async fn imds_rejects_request_with_x_forwarded_for() {
    let (agent, _) = start_agent(vec![identity(IdentityKind::SystemAssigned, 1)]).await;

    let response = crate::support::client()
        .get(format!("http://{}{}", agent.local_addr(), token_path("")))
        .header("Metadata", "true")
        .header("X-Forwarded-For", "203.0.113.7")
        .send()
        .await
        .unwrap();

    let (status, body) = json(response).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_request");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("X-Forwarded-For")
    );
    agent.stop().await;
}

#[tokio::test]
async fn imds_rejects_missing_api_version() {
    let (agent, _) = start_agent(vec![identity(IdentityKind::SystemAssigned, 1)]).await;

    let path = "/metadata/identity/oauth2/token?resource=https%3A%2F%2Fvault.azure.net";
    let (status, body) = json(get(agent.local_addr(), path, true).await).await;

    assert_eq!(status, 400);
    assert_eq!(body, invalid_request("Invalid 'api-version' requested"));
    agent.stop().await;
}

#[tokio::test]
async fn imds_rejects_unknown_and_pre_identity_api_versions() {
    let (agent, _) = start_agent(vec![identity(IdentityKind::SystemAssigned, 1)]).await;
    for version in ["2099-01-01", "2017-12-01", "latest"] {
        let path = format!("/metadata/identity/oauth2/token?api-version={version}&resource=r");
        let (status, body) = json(get(agent.local_addr(), &path, true).await).await;
        assert_eq!(status, 400, "api-version {version}");
        assert_eq!(body, invalid_request("Invalid 'api-version' requested"));
    }
    agent.stop().await;
}

#[tokio::test]
async fn imds_accepts_the_api_versions_sdks_send() {
    // With no identity on the VM, a request that passes validation ends at "Identity not
    // found", which shows the api-version was accepted.
    let (agent, _) = start_agent(vec![]).await;
    for version in ["2018-02-01", "2019-08-01", "2025-04-07"] {
        let path = format!("/metadata/identity/oauth2/token?api-version={version}&resource=r");
        let (status, body) = json(get(agent.local_addr(), &path, true).await).await;
        assert_eq!(status, 400);
        assert_eq!(
            body,
            invalid_request("Identity not found"),
            "api-version {version}"
        );
    }
    agent.stop().await;
}

#[tokio::test]
async fn imds_rejects_duplicate_query_parameters() {
    let (agent, _) = start_agent(vec![identity(IdentityKind::SystemAssigned, 1)]).await;

    let path = token_path("&resource=https%3A%2F%2Fvault.azure.net");
    let (status, body) = json(get(agent.local_addr(), &path, true).await).await;

    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_request");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("'resource'")
    );
    agent.stop().await;
}

#[tokio::test]
async fn imds_rejects_missing_resource() {
    let (agent, _) = start_agent(vec![identity(IdentityKind::SystemAssigned, 1)]).await;
    for path in [
        "/metadata/identity/oauth2/token?api-version=2018-02-01",
        "/metadata/identity/oauth2/token?api-version=2018-02-01&resource=",
    ] {
        let (status, body) = json(get(agent.local_addr(), path, true).await).await;
        assert_eq!(status, 400);
        assert_eq!(
            body,
            invalid_request("Required query variable 'resource' is missing")
        );
    }
    agent.stop().await;
}

#[tokio::test]
async fn imds_rejects_two_identity_selectors() {
    let user = identity(IdentityKind::UserAssigned, 2);
    let (agent, sink) = start_agent(vec![user.clone()]).await;

    let extra = format!(
        "&client_id={}&msi_res_id={}",
        user.client_id, user.resource_id
    );
    let (status, body) = json(get(agent.local_addr(), &token_path(&extra), true).await).await;

    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_request");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("client_id")
    );
    assert!(
        sink.events().is_empty(),
        "a malformed request records no flow event"
    );
    agent.stop().await;
}

#[tokio::test]
async fn imds_reports_identity_not_found_when_vm_has_no_identity() {
    let (agent, sink) = start_agent(vec![]).await;

    let (status, body) = json(get(agent.local_addr(), &token_path(""), true).await).await;

    assert_eq!(status, 400);
    assert_eq!(body, invalid_request("Identity not found"));
    let steps: Vec<_> = sink.events().iter().map(|event| event.step).collect();
    assert_eq!(
        steps,
        vec![Some(FlowStep::RequestToken)],
        "no call to the token service"
    );
    agent.stop().await;
}

#[tokio::test]
async fn imds_reports_identity_not_found_for_unknown_client_id() {
    let (agent, _) = start_agent(vec![identity(IdentityKind::SystemAssigned, 1)]).await;

    let extra = "&client_id=99999999-aaaa-4bbb-8ccc-000000000001";
    let (status, body) = json(get(agent.local_addr(), &token_path(extra), true).await).await;

    assert_eq!(status, 400);
    assert_eq!(body, invalid_request("Identity not found"));
    agent.stop().await;
}

#[tokio::test]
async fn imds_requires_a_selector_when_several_user_assigned_identities_exist() {
    let (agent, _) = start_agent(vec![
        identity(IdentityKind::UserAssigned, 1),
        identity(IdentityKind::UserAssigned, 2),
    ])
    .await;

    let (status, body) = json(get(agent.local_addr(), &token_path(""), true).await).await;

    assert_eq!(status, 400);
    assert_eq!(
        body,
        invalid_request(
            "Multiple user assigned identities exist, please specify the clientId / resourceId of the identity in the token request"
        )
    );
    agent.stop().await;
}

#[tokio::test]
async fn imds_answers_500_unknown_when_the_token_service_is_unreachable() {
    let system = identity(IdentityKind::SystemAssigned, 1);
    let (agent, sink) = start_agent(vec![system, identity(IdentityKind::UserAssigned, 2)]).await;

    let response = crate::support::client()
        .get(format!("http://{}{}", agent.local_addr(), token_path("")))
        .header("Metadata", "true")
        .header(
            "x-ms-correlation-request-id",
            "9f0e8d7c-0000-4000-8000-00000000abcd",
        )
        .send()
        .await
        .unwrap();

    let (status, body) = json(response).await;
    assert_eq!(status, 500);
    assert_eq!(body["error"], "unknown");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .starts_with("Failed to retrieve token from the Active directory.")
    );
    let events = sink.events();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].source, "workload");
    assert_eq!(events[0].target, "imds:vm-1");
    assert_eq!(events[0].step, Some(FlowStep::RequestToken));
    assert_eq!(events[1].source, "imds:vm-1");
    assert_eq!(events[1].target, "entra");
    assert_eq!(events[1].step, Some(FlowStep::IssueToken));
    for event in &events {
        assert_eq!(event.correlation_id, "9f0e8d7c-0000-4000-8000-00000000abcd");
    }
    agent.stop().await;
}

#[tokio::test]
async fn msi_res_id_selects_a_user_assigned_identity_ignoring_case() {
    // The selected identity reaches the (unreachable) token service: 500, not 400.
    let wanted = identity(IdentityKind::UserAssigned, 2);
    let (agent, _) = start_agent(vec![
        identity(IdentityKind::UserAssigned, 1),
        wanted.clone(),
    ])
    .await;

    let extra = format!("&msi_res_id={}", wanted.resource_id.to_lowercase());
    let (status, body) = json(get(agent.local_addr(), &token_path(&extra), true).await).await;

    assert_eq!(status, 500);
    assert_eq!(body["error"], "unknown");
    agent.stop().await;
}

#[tokio::test]
async fn new_identities_take_effect_without_restart() {
    let (agent, _) = start_agent(vec![]).await;
    let (status, _) = json(get(agent.local_addr(), &token_path(""), true).await).await;
    assert_eq!(status, 400);

    agent.set_identities(vec![identity(IdentityKind::SystemAssigned, 1)]);

    let (status, body) = json(get(agent.local_addr(), &token_path(""), true).await).await;
    assert_eq!(
        status, 500,
        "the identity is now found and the token service is asked"
    );
    assert_eq!(body["error"], "unknown");
    agent.stop().await;
}

#[tokio::test]
async fn imds_refuses_methods_other_than_get() {
    let (agent, _) = start_agent(vec![identity(IdentityKind::SystemAssigned, 1)]).await;
    let client = crate::support::client();
    for (method, path) in [
        (reqwest::Method::POST, token_path("")),
        (
            reqwest::Method::PUT,
            "/metadata/instance?api-version=2021-02-01".to_owned(),
        ),
        (reqwest::Method::DELETE, "/metadata/nothing-here".to_owned()),
        (reqwest::Method::HEAD, "/metadata/versions".to_owned()),
    ] {
        let response = client
            .request(
                method.clone(),
                format!("http://{}{}", agent.local_addr(), path),
            )
            .header("Metadata", "true")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 405, "{method} {path}");
        assert_eq!(response.headers()["allow"], "GET");
    }
    agent.stop().await;
}

#[tokio::test]
async fn imds_answers_json_404_for_unknown_paths() {
    let (agent, _) = start_agent(vec![]).await;

    let (status, body) = json(get(agent.local_addr(), "/metadata/nothing-here", true).await).await;
    assert_eq!(status, 404);
    assert_eq!(body, json!({ "error": "Not found" }));

    let (status, body) = json(
        get(
            agent.local_addr(),
            "/metadata/identity/unknown?api-version=2018-02-01",
            true,
        )
        .await,
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(body["error"], "not_found");
    agent.stop().await;
}
