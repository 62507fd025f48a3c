//! HTTPS: the cloud is its own CA, kept across restarts, and its services speak only TLS with
//! certificates that chain to it.

use std::net::IpAddr;
use std::os::unix::fs::PermissionsExt;

use azsim_pki::Certificate;
use azsim_testkit::FakeCloud;

/// A client trusting only the cloud's CA, which reports the server's certificate.
fn inspecting_client(cloud: &FakeCloud) -> reqwest::Client {
    let pem = cloud.cloud().ca_certificate_pem().unwrap();
    reqwest::Client::builder()
        .no_proxy()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(pem.as_bytes()).unwrap())
        .tls_info(true)
        .build()
        .unwrap()
}

/// The certificate the server at `url` presents.
async fn server_certificate(client: &reqwest::Client, url: &str) -> Certificate {
    let response = client.get(url).send().await.unwrap();
    let info = response
        .extensions()
        .get::<reqwest::tls::TlsInfo>()
        .unwrap();
    Certificate::from_der(info.peer_certificate().unwrap()).unwrap()
}

#[tokio::test]
async fn the_ca_is_kept_across_restarts_with_a_private_key_only_the_owner_reads() {
    let mut cloud = FakeCloud::start().await;
    let ca_path = cloud.cloud().endpoints().ca_bundle.clone().unwrap();
    assert!(std::path::Path::new(&ca_path).is_absolute());
    assert_eq!(
        ca_path,
        cloud.data_dir().join("ca.pem").display().to_string()
    );
    let before = std::fs::read_to_string(&ca_path).unwrap();
    let key_mode = std::fs::metadata(cloud.data_dir().join("ca-key.pem"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(key_mode & 0o777, 0o600, "the CA key is readable by others");

    cloud.restart().await;

    let after = std::fs::read_to_string(&ca_path).unwrap();
    assert_eq!(before, after, "a restart made a new CA");
    assert_eq!(cloud.cloud().ca_certificate_pem(), Some(after.as_str()));
    // The client built before the restart still trusts the restarted services.
    let token = cloud
        .client_secret_token("https://management.azure.com/.default")
        .await;
    token.assert_status(200);
}

#[tokio::test]
async fn every_service_presents_a_certificate_from_the_ca_naming_loopback_and_localhost() {
    let cloud = FakeCloud::start().await;
    let ca = Certificate::from_pem(cloud.cloud().ca_certificate_pem().unwrap()).unwrap();
    let client = inspecting_client(&cloud);
    let endpoints = cloud.cloud().endpoints().clone();
    cloud.create_resource_group("rg").await.assert_status(201);
    let vault = cloud.put_key_vault("rg", "kv-tls").await;
    vault.assert_status(201);
    let vault_uri = vault.body["properties"]["vaultUri"]
        .as_str()
        .unwrap()
        .trim_end_matches('/')
        .to_owned();
    for base in [
        &endpoints.resource_manager,
        &endpoints.authority_host,
        &vault_uri,
    ] {
        assert!(base.starts_with("https://127.0.0.1:"), "{base}");
        let certificate = server_certificate(&client, &format!("{base}/")).await;
        assert!(
            certificate.is_issued_by(&ca),
            "{base} is not signed by the CA"
        );
        let names = certificate.x509().subject_alt_names().unwrap();
        let dns: Vec<&str> = names.iter().filter_map(|name| name.dnsname()).collect();
        let ips: Vec<IpAddr> = names
            .iter()
            .filter_map(|name| name.ipaddress())
            .filter_map(|bytes| match bytes.len() {
                4 => Some(IpAddr::from(<[u8; 4]>::try_from(bytes).unwrap())),
                16 => Some(IpAddr::from(<[u8; 16]>::try_from(bytes).unwrap())),
                _ => None,
            })
            .collect();
        assert!(dns.contains(&"localhost"), "{base}: {dns:?}");
        assert!(
            ips.contains(&"127.0.0.1".parse().unwrap()),
            "{base}: {ips:?}"
        );
        // And a client that verifies host names accepts it under `localhost`.
        let by_name = base.replace("127.0.0.1", "localhost");
        client.get(format!("{by_name}/")).send().await.unwrap();
    }
}

#[tokio::test]
async fn plain_http_to_the_resource_api_and_token_service_fails() {
    let cloud = FakeCloud::start().await;
    let endpoints = cloud.cloud().endpoints().clone();
    for base in [&endpoints.resource_manager, &endpoints.authority_host] {
        let plain = base.replacen("https://", "http://", 1);
        let result = cloud
            .http()
            .get(format!("{plain}/subscriptions?api-version=2022-12-01"))
            .send()
            .await;
        assert!(
            result.is_err(),
            "plain HTTP got an answer from {plain}: {result:?}"
        );
    }
}

#[tokio::test]
async fn a_client_without_the_ca_refuses_the_services() {
    let cloud = FakeCloud::start().await;
    let untrusting = reqwest::Client::builder()
        .no_proxy()
        .tls_built_in_root_certs(false)
        .build()
        .unwrap();
    let result = untrusting
        .get(&cloud.cloud().endpoints().openid_configuration)
        .send()
        .await;
    assert!(
        result.is_err(),
        "a certificate not chaining to a trusted root was accepted"
    );
}

#[tokio::test]
async fn the_discovery_document_and_endpoints_name_https_urls() {
    let cloud = FakeCloud::start().await;
    let endpoints = cloud.cloud().endpoints().clone();
    assert!(endpoints.token_endpoint.starts_with("https://"));
    assert!(endpoints.openid_configuration.starts_with("https://"));
    let discovery = cloud.openid_configuration().await;
    for field in ["token_endpoint", "jwks_uri", "authorization_endpoint"] {
        let url = discovery[field].as_str().unwrap_or_default();
        assert!(
            url.starts_with(&format!("{}/", endpoints.authority_host)),
            "{field} is {url:?}"
        );
        assert!(url.starts_with("https://"), "{field} is {url:?}");
    }
    let jwks = cloud
        .http()
        .get(discovery["jwks_uri"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(jwks.status(), 200);
}
