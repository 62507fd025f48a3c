//! The instance endpoints: the document's shape, route filters, versions, identity info.

use std::collections::BTreeMap;

use serde_json::json;

use crate::support::{TENANT_ID, get, instance, json, start_agent};

const NEWEST: [&str; 3] = ["2025-04-07", "2024-07-17", "2024-03-15"];

#[tokio::test]
async fn instance_document_has_compute_and_one_network_interface() {
    let (agent, _) = start_agent(vec![]).await;

    let (status, body) = json(
        get(
            agent.local_addr(),
            "/metadata/instance?api-version=2021-02-01",
            true,
        )
        .await,
    )
    .await;

    assert_eq!(status, 200);
    let vm = instance("vm-1");
    let compute = &body["compute"];
    assert_eq!(compute["azEnvironment"], "AzurePublicCloud");
    assert_eq!(compute["name"], "vm-1");
    assert_eq!(compute["location"], "westeurope");
    assert_eq!(compute["osType"], "Linux");
    assert_eq!(compute["vmSize"], "Standard_D2s_v3");
    assert_eq!(compute["vmId"], vm.vm_id.as_str());
    assert_eq!(compute["resourceId"], vm.resource_id.as_str());
    assert_eq!(compute["resourceGroupName"], "rg-app");
    assert_eq!(compute["subscriptionId"], vm.subscription_id.as_str());
    assert_eq!(compute["tags"], "env:test");
    assert_eq!(
        compute["tagsList"],
        json!([{ "name": "env", "value": "test" }])
    );
    assert_eq!(compute["platformFaultDomain"], "0");
    assert_eq!(compute["zone"], "");
    let interfaces = body["network"]["interface"].as_array().unwrap();
    assert_eq!(interfaces.len(), 1);
    let address = interfaces[0]["ipv4"]["ipAddress"][0]["privateIpAddress"]
        .as_str()
        .unwrap();
    assert!(address.starts_with("10.0.0."));
    assert_eq!(
        interfaces[0]["ipv4"]["subnet"][0],
        json!({ "address": "10.0.0.0", "prefix": "24" })
    );
    agent.stop().await;
}

#[tokio::test]
async fn instance_requires_metadata_header() {
    let (agent, _) = start_agent(vec![]).await;

    let (status, body) = json(
        get(
            agent.local_addr(),
            "/metadata/instance?api-version=2021-02-01",
            false,
        )
        .await,
    )
    .await;

    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!({ "error": "Bad request. Required metadata header not specified" })
    );
    agent.stop().await;
}

#[tokio::test]
async fn instance_rejects_missing_or_bad_api_version_listing_newest_versions() {
    let (agent, _) = start_agent(vec![]).await;
    for path in [
        "/metadata/instance",
        "/metadata/instance?api-version=2016-01-01",
        "/metadata/instance/compute?api-version=nope",
    ] {
        let (status, body) = json(get(agent.local_addr(), path, true).await).await;
        assert_eq!(status, 400, "{path}");
        assert_eq!(
            body,
            json!({
                "error": "Bad request. api-version is invalid or was not specified in the request. For more information refer to aka.ms/azureimds",
                "newest-versions": NEWEST,
            })
        );
    }
    agent.stop().await;
}

#[tokio::test]
async fn instance_rejects_duplicate_query_parameters() {
    let (agent, _) = start_agent(vec![]).await;

    let path = "/metadata/instance?api-version=2021-02-01&format=json&format=json";
    let (status, body) = json(get(agent.local_addr(), path, true).await).await;

    assert_eq!(status, 400);
    assert!(body["error"].as_str().unwrap().contains("'format'"));
    agent.stop().await;
}

#[tokio::test]
async fn compute_filter_returns_only_compute() {
    let (agent, _) = start_agent(vec![]).await;

    let (status, body) = json(
        get(
            agent.local_addr(),
            "/metadata/instance/compute?api-version=2021-02-01",
            true,
        )
        .await,
    )
    .await;

    assert_eq!(status, 200);
    assert_eq!(body["name"], "vm-1");
    assert!(body.get("network").is_none());
    assert!(body.get("compute").is_none());
    agent.stop().await;
}

#[tokio::test]
async fn leaf_is_served_as_text() {
    let (agent, _) = start_agent(vec![]).await;

    let response = get(
        agent.local_addr(),
        "/metadata/instance/compute/location?api-version=2021-02-01&format=text",
        true,
    )
    .await;

    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/plain; charset=utf-8"
    );
    assert_eq!(response.text().await.unwrap(), "westeurope");
    agent.stop().await;
}

#[tokio::test]
async fn leaf_as_json_is_refused() {
    let (agent, _) = start_agent(vec![]).await;

    let (status, body) = json(
        get(
            agent.local_addr(),
            "/metadata/instance/compute/vmId?api-version=2021-02-01",
            true,
        )
        .await,
    )
    .await;

    assert_eq!(status, 400);
    assert!(body["error"].as_str().unwrap().contains("format=text"));
    agent.stop().await;
}

#[tokio::test]
async fn array_elements_are_addressed_by_index() {
    let (agent, _) = start_agent(vec![]).await;

    let response = get(
        agent.local_addr(),
        "/metadata/instance/network/interface/0/macAddress?api-version=2021-02-01&format=text",
        true,
    )
    .await;

    assert_eq!(response.status().as_u16(), 200);
    let mac = response.text().await.unwrap();
    assert_eq!(mac.len(), 12);
    assert!(mac.starts_with("000D3A"));
    agent.stop().await;
}

#[tokio::test]
async fn unknown_element_is_not_found() {
    let (agent, _) = start_agent(vec![]).await;

    let (status, body) = json(
        get(
            agent.local_addr(),
            "/metadata/instance/compute/nothing?api-version=2021-02-01",
            true,
        )
        .await,
    )
    .await;

    assert_eq!(status, 404);
    assert_eq!(body, json!({ "error": "Not found" }));
    agent.stop().await;
}

#[tokio::test]
async fn updated_instance_is_served() {
    let (agent, _) = start_agent(vec![]).await;
    let mut vm = instance("vm-1");
    vm.tags = BTreeMap::from([
        ("a".to_owned(), "1".to_owned()),
        ("b".to_owned(), "2".to_owned()),
    ]);
    vm.vm_size = "Standard_B1s".to_owned();

    agent.set_instance(vm);

    let response = get(
        agent.local_addr(),
        "/metadata/instance/compute/tags?api-version=2021-02-01&format=text",
        true,
    )
    .await;
    assert_eq!(response.text().await.unwrap(), "a:1;b:2");
    let response = get(
        agent.local_addr(),
        "/metadata/instance/compute/vmSize?api-version=2021-02-01&format=text",
        true,
    )
    .await;
    assert_eq!(response.text().await.unwrap(), "Standard_B1s");
    agent.stop().await;
}

#[tokio::test]
async fn versions_lists_every_supported_version() {
    let (agent, _) = start_agent(vec![]).await;

    let (status, body) = json(get(agent.local_addr(), "/metadata/versions", true).await).await;

    assert_eq!(status, 200);
    let versions = body["apiVersions"].as_array().unwrap();
    assert_eq!(versions.first().unwrap(), "2017-03-01");
    assert_eq!(versions.last().unwrap(), "2025-04-07");
    assert!(versions.contains(&json!("2018-02-01")));
    assert!(versions.contains(&json!("2019-08-01")));
    agent.stop().await;
}

#[tokio::test]
async fn identity_info_names_the_tenant() {
    let (agent, _) = start_agent(vec![]).await;

    let (status, body) = json(
        get(
            agent.local_addr(),
            "/metadata/identity/info?api-version=2018-02-01",
            true,
        )
        .await,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({ "tenantId": TENANT_ID }));

    let (status, body) = json(
        get(
            agent.local_addr(),
            "/metadata/identity/info?api-version=2018-02-01",
            false,
        )
        .await,
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        body["error_description"],
        "Required metadata header not specified"
    );
    agent.stop().await;
}
