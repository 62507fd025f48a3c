//! OpenID Connect discovery documents and the JWKS.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::Value;

use crate::support::{DOMAIN, TENANT_ID, TokenCloud, assert_aadsts};

async fn get(cloud: &TokenCloud, path: &str) -> reqwest::Response {
    cloud
        .http
        .get(format!("{}{path}", cloud.base))
        .send()
        .await
        .expect("request is answered")
}

#[tokio::test]
async fn v2_discovery_points_every_endpoint_at_this_service_with_the_tenant_id() {
    let cloud = TokenCloud::start().await;
    let response = get(
        &cloud,
        &format!("/{DOMAIN}/v2.0/.well-known/openid-configuration"),
    )
    .await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["cache-control"],
        "max-age=86400, private"
    );
    let document: Value = response.json().await.unwrap();
    let base = &cloud.base;
    assert_eq!(
        document["token_endpoint"],
        format!("{base}/{TENANT_ID}/oauth2/v2.0/token")
    );
    assert_eq!(
        document["authorization_endpoint"],
        format!("{base}/{TENANT_ID}/oauth2/v2.0/authorize")
    );
    assert_eq!(
        document["jwks_uri"],
        format!("{base}/{TENANT_ID}/discovery/v2.0/keys")
    );
    assert_eq!(document["issuer"], format!("{base}/{TENANT_ID}/v2.0"));
    assert_eq!(
        document["id_token_signing_alg_values_supported"][0],
        "RS256"
    );
    assert!(
        document["token_endpoint_auth_methods_supported"]
            .as_array()
            .unwrap()
            .contains(&Value::from("private_key_jwt"))
    );
    for (key, value) in document.as_object().unwrap() {
        if let Some(text) = value.as_str().filter(|text| text.starts_with("http")) {
            assert!(text.starts_with(base.as_str()), "{key} = {text}");
        }
    }
}

#[tokio::test]
async fn v1_discovery_names_the_sts_issuer() {
    let cloud = TokenCloud::start().await;
    let response = get(
        &cloud,
        &format!("/{TENANT_ID}/.well-known/openid-configuration"),
    )
    .await;
    assert_eq!(response.status(), 200);
    let document: Value = response.json().await.unwrap();
    assert_eq!(
        document["issuer"],
        format!("https://sts.windows.net/{TENANT_ID}/")
    );
    assert_eq!(
        document["token_endpoint"],
        format!("{}/{TENANT_ID}/oauth2/token", cloud.base)
    );
    assert_eq!(document["microsoft_multi_refresh_token"], true);
}

#[tokio::test]
async fn common_discovery_uses_the_tenant_placeholder() {
    let cloud = TokenCloud::start().await;
    let document: Value = get(&cloud, "/common/v2.0/.well-known/openid-configuration")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        document["issuer"],
        format!("{}/{{tenantid}}/v2.0", cloud.base)
    );
    assert_eq!(
        document["token_endpoint"],
        format!("{}/common/oauth2/v2.0/token", cloud.base)
    );
    assert!(document["tenant_region_scope"].is_null());
}

#[tokio::test]
async fn discovery_of_an_unknown_tenant_is_invalid_tenant() {
    let cloud = TokenCloud::start().await;
    let response = get(
        &cloud,
        "/nowhere.onmicrosoft.com/v2.0/.well-known/openid-configuration",
    )
    .await;
    assert_aadsts(response, 400, "invalid_tenant", 90_002).await;
}

#[tokio::test]
async fn jwks_publish_the_signing_certificate_with_its_thumbprint_as_kid() {
    let cloud = TokenCloud::start().await;
    for path in [
        format!("/{TENANT_ID}/discovery/keys"),
        "/common/discovery/keys".to_owned(),
        format!("/{DOMAIN}/discovery/v2.0/keys"),
    ] {
        let response = get(&cloud, &path).await;
        assert_eq!(response.status(), 200, "{path}");
        let jwks: Value = response.json().await.unwrap();
        let keys = jwks["keys"].as_array().unwrap();
        assert_eq!(keys.len(), 1, "{path}: {jwks}");
        let key = &keys[0];
        assert_eq!(key["kty"], "RSA");
        assert_eq!(key["use"], "sig");
        assert_eq!(key["e"], "AQAB");
        assert!(key.get("alg").is_none());
        assert_eq!(key["kid"], cloud.service.signing_key_id());
        assert_eq!(key["x5t"], key["kid"]);
        let der = STANDARD.decode(key["x5c"][0].as_str().unwrap()).unwrap();
        assert_eq!(
            URL_SAFE_NO_PAD.encode(openssl::sha::sha1(&der)),
            key["kid"].as_str().unwrap()
        );
        let certificate = azsim_pki::Certificate::from_der(&der).unwrap();
        assert_eq!(
            certificate.subject_common_name().as_deref(),
            Some("accounts.accesscontrol.windows.net")
        );
        let lifetime = certificate.not_after_unix() - certificate.not_before_unix();
        assert!(lifetime >= 5 * 365 * 86_400, "{lifetime}");
        let (n, _) = certificate.rsa_public_components().unwrap();
        assert_eq!(key["n"], n);
        if path.contains("v2.0") {
            assert_eq!(key["issuer"], format!("{}/{TENANT_ID}/v2.0", cloud.base));
        } else {
            assert!(key.get("issuer").is_none());
        }
    }
}

#[tokio::test]
async fn instance_discovery_points_msal_at_this_service() {
    let cloud = TokenCloud::start().await;
    let response = cloud
        .http
        .get(format!("{}/common/discovery/instance", cloud.base))
        .query(&[
            ("api-version", "1.1"),
            (
                "authorization_endpoint",
                &format!("https://login.microsoftonline.com/{TENANT_ID}/oauth2/v2.0/authorize"),
            ),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["tenant_discovery_endpoint"],
        format!(
            "{}/{TENANT_ID}/v2.0/.well-known/openid-configuration",
            cloud.base
        )
    );
}
