//! The App Service endpoint (`/msi/token`): the `X-IDENTITY-HEADER` check, `api-version`,
//! every client's spelling of the selectors, and its error dialect.
//!
//! The token service is unreachable here, so a request whose identity was chosen ends in a
//! 500 after the agent asked for a token as that identity's client (recorded as an event); a
//! request for no identity ends in a 400 before. The success path is proven end to end with a
//! real token service in the workspace's end-to-end tests.

use azsim_core::FlowStep;
use azsim_imds::{IdentityCredential, IdentityKind, ImdsAgent};
use serde_json::Value;

use crate::support::{RecordingSink, client, identity, json, start_agent};

const SECRET: &str = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";
const CORRELATION_ID: &str = "4d1f3a52-0000-4000-8000-00000000beef";

fn msi_path(extra: &str) -> String {
    format!("/msi/token?api-version=2019-08-01&resource=https%3A%2F%2Fvault.azure.net{extra}")
}

async fn agent_with_secret(
    identities: Vec<IdentityCredential>,
) -> (ImdsAgent, std::sync::Arc<RecordingSink>) {
    let (agent, sink) = start_agent(identities).await;
    agent.set_identity_header(SECRET.to_owned());
    (agent, sink)
}

/// `GET {path}` on the agent with `X-IDENTITY-HEADER: header` (when given).
async fn msi_get(agent: &ImdsAgent, path: &str, header: Option<&str>) -> (u16, Value) {
    let mut request = client()
        .get(format!("http://{}{path}", agent.local_addr()))
        .header("x-ms-correlation-request-id", CORRELATION_ID);
    if let Some(header) = header {
        request = request.header("X-IDENTITY-HEADER", header);
    }
    json(request.send().await.unwrap()).await
}

fn app_service_error(status: u16, message: &str) -> Value {
    serde_json::json!({
        "statusCode": status,
        "message": message,
        "correlationId": CORRELATION_ID,
    })
}

/// The client id the agent asked the token service for, from its events.
fn client_id_asked_for(sink: &RecordingSink) -> Option<String> {
    sink.events()
        .iter()
        .find(|event| event.step == Some(FlowStep::IssueToken))
        .and_then(|event| {
            event
                .summary
                .split("as client ")
                .nth(1)
                .and_then(|rest| rest.split_whitespace().next())
                .map(str::to_owned)
        })
}

#[tokio::test]
async fn app_service_rejects_request_without_identity_header() {
    let (agent, sink) = agent_with_secret(vec![identity(IdentityKind::SystemAssigned, 1)]).await;

    let (status, body) = msi_get(&agent, &msi_path(""), None).await;

    assert_eq!(status, 401);
    assert_eq!(
        body,
        app_service_error(
            401,
            "The X-IDENTITY-HEADER header is missing or does not match IDENTITY_HEADER"
        )
    );
    assert!(sink.events().is_empty(), "a refused request asks nothing");
    agent.stop().await;
}

#[tokio::test]
async fn app_service_rejects_wrong_identity_header() {
    let (agent, _) = agent_with_secret(vec![identity(IdentityKind::SystemAssigned, 1)]).await;
    let truncated = &SECRET[..SECRET.len() - 1];
    let upper = SECRET.to_uppercase();
    for wrong in ["", "wrong", truncated, upper.as_str()] {
        let (status, body) = msi_get(&agent, &msi_path(""), Some(wrong)).await;
        assert_eq!(status, 401, "X-IDENTITY-HEADER: {wrong:?}");
        assert_eq!(body["statusCode"], 401);
    }
    agent.stop().await;
}

#[tokio::test]
async fn app_service_refuses_everything_until_the_agent_has_a_secret() {
    let (agent, _) = start_agent(vec![identity(IdentityKind::SystemAssigned, 1)]).await;

    let (status, _) = msi_get(&agent, &msi_path(""), Some(SECRET)).await;

    assert_eq!(status, 401);
    agent.stop().await;
}

#[tokio::test]
async fn app_service_does_not_need_the_metadata_header() {
    // The secret alone authorises: the request reaches the token service (unreachable: 500).
    let (agent, sink) = agent_with_secret(vec![identity(IdentityKind::SystemAssigned, 1)]).await;

    let (status, body) = msi_get(&agent, &msi_path(""), Some(SECRET)).await;

    assert_eq!(status, 500);
    assert_eq!(
        body,
        app_service_error(
            500,
            "An unexpected error occurred while fetching the AAD Token."
        )
    );
    let events = sink.events();
    assert_eq!(events.len(), 2);
    assert!(events[0].summary.contains("App Service endpoint"));
    for event in &events {
        assert_eq!(event.correlation_id, CORRELATION_ID);
    }
    agent.stop().await;
}

#[tokio::test]
async fn app_service_requires_api_version_2019_08_01() {
    let (agent, sink) = agent_with_secret(vec![identity(IdentityKind::SystemAssigned, 1)]).await;
    for path in [
        "/msi/token?resource=https%3A%2F%2Fvault.azure.net",
        "/msi/token?api-version=2018-02-01&resource=https%3A%2F%2Fvault.azure.net",
        "/msi/token?api-version=2017-09-01&resource=https%3A%2F%2Fvault.azure.net",
    ] {
        let (status, body) = msi_get(&agent, path, Some(SECRET)).await;
        assert_eq!(status, 400, "{path}");
        assert_eq!(
            body,
            app_service_error(
                400,
                "The api-version is missing or not supported; use 2019-08-01"
            )
        );
    }
    assert!(sink.events().is_empty());
    agent.stop().await;
}

#[tokio::test]
async fn app_service_rejects_missing_resource() {
    let (agent, _) = agent_with_secret(vec![identity(IdentityKind::SystemAssigned, 1)]).await;

    let (status, body) = msi_get(&agent, "/msi/token?api-version=2019-08-01", Some(SECRET)).await;

    assert_eq!(status, 400);
    assert_eq!(
        body,
        app_service_error(400, "The resource parameter is required")
    );
    agent.stop().await;
}

#[tokio::test]
async fn app_service_selects_by_every_client_spelling() {
    let system = identity(IdentityKind::SystemAssigned, 1);
    let wanted = identity(IdentityKind::UserAssigned, 2);
    let other = identity(IdentityKind::UserAssigned, 3);
    let selectors = [
        format!("&client_id={}", wanted.client_id.to_uppercase()),
        format!("&object_id={}", wanted.object_id),
        format!("&principal_id={}", wanted.object_id),
        format!("&mi_res_id={}", wanted.resource_id),
        format!("&msi_res_id={}", wanted.resource_id.to_lowercase()),
    ];
    for selector in selectors {
        let (agent, sink) =
            agent_with_secret(vec![system.clone(), wanted.clone(), other.clone()]).await;

        let (status, _) = msi_get(&agent, &msi_path(&selector), Some(SECRET)).await;

        assert_eq!(
            status, 500,
            "{selector}: the chosen identity reached the token service"
        );
        assert_eq!(
            client_id_asked_for(&sink).as_deref(),
            Some(wanted.client_id.as_str()),
            "{selector}"
        );
        agent.stop().await;
    }
}

#[tokio::test]
async fn app_service_defaults_to_the_system_assigned_identity() {
    let system = identity(IdentityKind::SystemAssigned, 1);
    let (agent, sink) = agent_with_secret(vec![
        identity(IdentityKind::UserAssigned, 2),
        system.clone(),
    ])
    .await;

    let (status, _) = msi_get(&agent, &msi_path(""), Some(SECRET)).await;

    assert_eq!(status, 500);
    assert_eq!(
        client_id_asked_for(&sink).as_deref(),
        Some(system.client_id.as_str())
    );
    agent.stop().await;
}

#[tokio::test]
async fn app_service_cannot_load_an_identity_the_vm_does_not_have() {
    let (agent, sink) = agent_with_secret(vec![
        identity(IdentityKind::UserAssigned, 1),
        identity(IdentityKind::UserAssigned, 2),
    ])
    .await;
    for extra in [
        "",
        "&client_id=11111111-2222-4333-8444-555555555555",
        "&mi_res_id=/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/nope",
    ] {
        let (status, body) = msi_get(&agent, &msi_path(extra), Some(SECRET)).await;
        assert_eq!(status, 400, "{extra:?}");
        assert_eq!(
            body,
            app_service_error(400, "Unable to load the proper Managed Identity.")
        );
    }
    assert_eq!(client_id_asked_for(&sink), None);
    agent.stop().await;
}

#[tokio::test]
async fn app_service_rejects_two_selectors() {
    let wanted = identity(IdentityKind::UserAssigned, 2);
    let (agent, _) = agent_with_secret(vec![wanted.clone()]).await;
    for extra in [
        format!(
            "&client_id={}&object_id={}",
            wanted.client_id, wanted.object_id
        ),
        format!("&object_id={0}&principal_id={0}", wanted.object_id),
        format!("&mi_res_id={0}&msi_res_id={0}", wanted.resource_id),
    ] {
        let (status, body) = msi_get(&agent, &msi_path(&extra), Some(SECRET)).await;
        assert_eq!(status, 400, "{extra}");
        assert!(
            body["message"].as_str().unwrap().starts_with("Only one of"),
            "{body}"
        );
    }
    agent.stop().await;
}

#[tokio::test]
async fn app_service_answers_its_own_dialect_for_other_methods_and_paths() {
    let (agent, _) = agent_with_secret(vec![]).await;

    let response = client()
        .post(format!("http://{}{}", agent.local_addr(), msi_path("")))
        .header("X-IDENTITY-HEADER", SECRET)
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["allow"], "GET");
    let (status, body) = json(response).await;
    assert_eq!(status, 405);
    assert_eq!(body["statusCode"], 405);

    let (status, body) = msi_get(&agent, "/msi/other", Some(SECRET)).await;
    assert_eq!(status, 404);
    assert_eq!(body["statusCode"], 404);
    assert_eq!(body["correlationId"], CORRELATION_ID);
    agent.stop().await;
}
