//! The system-assigned identity flow of the brief, steps 1 to 7, over real HTTP.

use azsim_store::directory::{find_service_principal, list_certificate_credentials};
use azsim_store::identities::{current_identity_certificate, find_system_identity};
use azsim_testkit::{FakeCloud, MANAGEMENT_RESOURCE};
use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;

#[tokio::test]
async fn a_vm_gets_a_token_for_its_system_identity_and_loses_everything_when_deleted() {
    // Arrange: an administrator, a resource group, a VM with a system-assigned identity.
    let cloud = FakeCloud::start().await;
    cloud
        .create_resource_group("rg-flow")
        .await
        .assert_status(201);
    let vm = cloud
        .put_virtual_machine("rg-flow", "vm1", "SystemAssigned")
        .await;
    vm.assert_status(201);
    let principal_id = vm.str_at("/identity/principalId").to_owned();
    let vm_id = vm.str_at("/properties/vmId").to_owned();
    assert_eq!(vm.str_at("/identity/type"), "SystemAssigned");
    assert_eq!(
        vm.str_at("/identity/tenantId"),
        cloud.cloud().endpoints().tenant_id
    );
    assert!(uuid::Uuid::parse_str(&principal_id).is_ok());

    // Act: code on the VM asks its metadata agent for a management token.
    let agent = cloud.agent_address(&vm_id).await;
    let token_response = cloud.get_imds_token(agent, MANAGEMENT_RESOURCE, &[]).await;
    token_response.assert_status(200);
    let access_token = token_response.str_at("/access_token").to_owned();
    let client_id = token_response.str_at("/client_id").to_owned();

    // Assert: a real RS256 JWT, verifiable with the published keys, naming the identity.
    let claims = cloud.verify_token(&access_token, MANAGEMENT_RESOURCE).await;
    let vm_mirid = format!(
        "/subscriptions/{}/resourcegroups/rg-flow/providers/Microsoft.Compute/virtualMachines/vm1",
        cloud.subscription_id()
    );
    assert_eq!(claims["oid"], principal_id.as_str());
    assert_eq!(claims["sub"], principal_id.as_str());
    assert_eq!(claims["appid"], client_id.as_str());
    assert_eq!(claims["appidacr"], "2");
    assert_eq!(claims["idtyp"], "app");
    assert_eq!(claims["xms_mirid"], vm_mirid.as_str());
    assert_eq!(
        claims["iss"],
        format!(
            "https://sts.windows.net/{}/",
            cloud.cloud().endpoints().tenant_id
        )
    );
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        86_700,
        "managed-identity tokens live 24 h from an iat back-dated 5 minutes"
    );

    // With Reader on its resource group (flow step 4), the token works at the resource API:
    // the VM reads itself.
    cloud
        .grant_reader(&cloud.resource_group_id("rg-flow"), &principal_id)
        .await;
    cloud
        .get_virtual_machine("rg-flow", "vm1", &access_token)
        .await
        .assert_status(200);

    // Keep the identity's certificate and key, as an attacker who copied them would.
    let (old_certificate, old_key) = {
        let mut conn = cloud.cloud().store().read().await.unwrap();
        let vm_row: i64 = sqlx_vm_row(&cloud, &vm_id).await;
        let identity = find_system_identity(&mut conn, vm_row)
            .await
            .unwrap()
            .unwrap();
        let certificate = current_identity_certificate(&mut conn, identity.identity_row)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            list_certificate_credentials(&mut conn, &principal_id)
                .await
                .unwrap()
                .len(),
            1
        );
        (certificate.certificate_pem, certificate.private_key_pem)
    };

    // Act: delete the VM.
    cloud
        .delete_virtual_machine("rg-flow", "vm1")
        .await
        .assert_status(200);

    // Assert: the agent no longer answers, the principal and its credentials are gone ...
    let refused = cloud
        .http()
        .get(format!("http://{agent}/metadata/identity/oauth2/token"))
        .header("Metadata", "true")
        .send()
        .await;
    assert!(refused.is_err(), "the deleted VM's agent still answers");
    {
        let mut conn = cloud.cloud().store().read().await.unwrap();
        assert!(
            find_service_principal(&mut conn, &principal_id)
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            list_certificate_credentials(&mut conn, &principal_id)
                .await
                .unwrap()
                .is_empty()
        );
    }

    // ... and a fresh assertion signed with the old key is refused by the token service.
    let refused =
        request_token_with_assertion(&cloud, &client_id, &old_certificate, &old_key).await;
    assert!(
        refused.status == 400 || refused.status == 401,
        "assertion of a deleted principal accepted: {}",
        refused.text
    );
    assert!(
        refused
            .str_at("/error_description")
            .starts_with("AADSTS700016"),
        "{}",
        refused.text
    );
    cloud.stop().await;
}

/// The row of the VM with `vm_id`.
pub(crate) async fn sqlx_vm_row(cloud: &FakeCloud, vm_id: &str) -> i64 {
    let mut conn = cloud.cloud().store().read().await.unwrap();
    azsim_store::resources::list_all_virtual_machines(&mut conn)
        .await
        .unwrap()
        .into_iter()
        .find(|vm| vm.vm_id == vm_id)
        .map(|vm| vm.vm_row)
        .expect("the VM exists")
}

/// Asks the v1 token endpoint for a management token with an ES256 client assertion made from
/// `certificate_pem` and `private_key_pem`, as a metadata agent would.
pub(crate) async fn request_token_with_assertion(
    cloud: &FakeCloud,
    client_id: &str,
    certificate_pem: &str,
    private_key_pem: &str,
) -> azsim_testkit::ApiResponse {
    let endpoints = cloud.cloud().endpoints();
    let token_url = format!(
        "{}/{}/oauth2/token",
        endpoints.authority_host, endpoints.tenant_id
    );
    let certificate = azsim_pki::Certificate::from_pem(certificate_pem).unwrap();
    let mut header = Header::new(Algorithm::ES256);
    header.x5t_s256 = Some(
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(certificate.thumbprints().sha256),
    );
    let now = cloud.clock_now();
    let claims = json!({
        "aud": token_url, "iss": client_id, "sub": client_id,
        "jti": uuid::Uuid::new_v4().to_string(), "iat": now, "nbf": now, "exp": now + 600,
    });
    let assertion = jsonwebtoken::encode(
        &header,
        &claims,
        &EncodingKey::from_ec_pem(private_key_pem.as_bytes()).unwrap(),
    )
    .unwrap();
    let response = cloud
        .http()
        .post(&token_url)
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", client_id),
            ("resource", MANAGEMENT_RESOURCE),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", assertion.as_str()),
        ])
        .send()
        .await
        .unwrap();
    azsim_testkit::ApiResponse::read(response).await
}
