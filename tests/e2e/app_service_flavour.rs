//! The App Service flavour of every VM's metadata agent, end to end: a workload given only
//! `IDENTITY_ENDPOINT` and `IDENTITY_HEADER` (as `azsim vm env` prints them) gets real tokens
//! for the VM's system- and user-assigned identities, and the secret survives a restart.

use std::net::SocketAddr;

use azsim_store::agent_secrets::find_identity_header;
use azsim_store::resources::list_all_virtual_machines;
use azsim_testkit::{ApiResponse, FakeCloud, KEY_VAULT_RESOURCE, MANAGEMENT_RESOURCE};

/// `IDENTITY_ENDPOINT` and `IDENTITY_HEADER` of a VM, read as `azsim vm env` reads them.
struct AppServiceEnv {
    identity_endpoint: String,
    identity_header: String,
}

async fn app_service_env(cloud: &FakeCloud, vm_id: &str) -> AppServiceEnv {
    let agent: SocketAddr = cloud.agent_address(vm_id).await;
    let mut conn = cloud.cloud().store().read().await.unwrap();
    let vm = list_all_virtual_machines(&mut conn)
        .await
        .unwrap()
        .into_iter()
        .find(|vm| vm.vm_id == vm_id)
        .expect("the VM is stored");
    let identity_header = find_identity_header(&mut conn, vm.vm_row)
        .await
        .unwrap()
        .expect("MSRP gave the VM an identity header");
    AppServiceEnv {
        identity_endpoint: format!("http://{agent}/msi/token"),
        identity_header,
    }
}

/// What an SDK's App Service source sends: `GET $IDENTITY_ENDPOINT?api-version=2019-08-01&
/// resource=...` with `X-IDENTITY-HEADER: $IDENTITY_HEADER`.
async fn app_service_token(
    cloud: &FakeCloud,
    env: &AppServiceEnv,
    resource: &str,
    extra_query: &[(&str, &str)],
) -> ApiResponse {
    let mut query = vec![("api-version", "2019-08-01"), ("resource", resource)];
    query.extend_from_slice(extra_query);
    let response = cloud
        .http()
        .get(&env.identity_endpoint)
        .query(&query)
        .header("X-IDENTITY-HEADER", &env.identity_header)
        .send()
        .await
        .expect("App Service endpoint request");
    ApiResponse::read(response).await
}

#[tokio::test]
async fn identity_endpoint_issues_tokens_for_system_and_user_assigned_identities() {
    // Arrange: a VM with its system identity and one user-assigned identity.
    let cloud = FakeCloud::start().await;
    cloud
        .create_resource_group("rg-app")
        .await
        .assert_status(201);
    let uami = cloud.put_user_assigned_identity("rg-app", "id-app").await;
    uami.assert_status(201);
    let uami_client_id = uami.str_at("/properties/clientId").to_owned();
    let uami_principal_id = uami.str_at("/properties/principalId").to_owned();
    // The id as the resource API returns it: the form tokens carry in `xms_mirid`.
    let uami_mirid = uami.str_at("/id").to_owned();
    let uami_id = cloud.user_assigned_identity_id("rg-app", "id-app");
    let vm = cloud
        .put_virtual_machine_with_identities(
            "rg-app",
            "vm-app",
            "SystemAssigned, UserAssigned",
            std::slice::from_ref(&uami_id),
        )
        .await;
    vm.assert_status(201);
    let system_principal_id = vm.str_at("/identity/principalId").to_owned();
    let vm_resource_id = cloud.virtual_machine_id("rg-app", "vm-app");
    let env = app_service_env(&cloud, vm.str_at("/properties/vmId")).await;
    assert_eq!(env.identity_header.len(), 64);

    // Act + assert: the default is the system identity, with App Service's body.
    let system = app_service_token(&cloud, &env, KEY_VAULT_RESOURCE, &[]).await;
    system.assert_status(200);
    assert_eq!(system.str_at("/token_type"), "Bearer");
    assert_eq!(system.str_at("/resource"), KEY_VAULT_RESOURCE);
    let expires_on: i64 = system
        .str_at("/expires_on")
        .parse()
        .expect("expires_on is a string of unix seconds");
    let claims = cloud
        .verify_token(system.str_at("/access_token"), KEY_VAULT_RESOURCE)
        .await;
    assert_eq!(claims["oid"], system_principal_id.as_str());
    assert_eq!(claims["appid"], system.str_at("/client_id"));
    assert_eq!(claims["exp"].as_i64(), Some(expires_on));
    assert!(
        claims["xms_mirid"]
            .as_str()
            .unwrap()
            .ends_with("/providers/Microsoft.Compute/virtualMachines/vm-app")
    );

    // Each client's way of naming the user-assigned identity gets its token.
    let selections = [
        ("client_id", uami_client_id.as_str()),
        ("object_id", uami_principal_id.as_str()),
        ("principal_id", uami_principal_id.as_str()),
        ("mi_res_id", uami_id.as_str()),
        ("msi_res_id", uami_id.as_str()),
    ];
    for (parameter, value) in selections {
        let response =
            app_service_token(&cloud, &env, MANAGEMENT_RESOURCE, &[(parameter, value)]).await;
        response.assert_status(200);
        assert_eq!(response.str_at("/client_id"), uami_client_id, "{parameter}");
        let claims = cloud
            .verify_token(response.str_at("/access_token"), MANAGEMENT_RESOURCE)
            .await;
        assert_eq!(claims["oid"], uami_principal_id.as_str(), "{parameter}");
        assert_eq!(claims["appid"], uami_client_id.as_str(), "{parameter}");
        assert_eq!(claims["xms_mirid"], uami_mirid.as_str(), "{parameter}");
        assert_eq!(claims["xms_az_rid"], vm_resource_id.as_str(), "{parameter}");
    }

    // The same identity through IMDS gets the same cached token: one token path.
    let agent = cloud.agent_address(vm.str_at("/properties/vmId")).await;
    let imds = cloud.get_imds_token(agent, KEY_VAULT_RESOURCE, &[]).await;
    imds.assert_status(200);
    assert_eq!(imds.str_at("/access_token"), system.str_at("/access_token"));

    // Without the secret, nothing.
    let refused = cloud
        .http()
        .get(&env.identity_endpoint)
        .query(&[
            ("api-version", "2019-08-01"),
            ("resource", KEY_VAULT_RESOURCE),
        ])
        .header("Metadata", "true")
        .send()
        .await
        .unwrap();
    let refused = ApiResponse::read(refused).await;
    refused.assert_status(401);
    assert_eq!(refused.body["statusCode"], 401);
    cloud.stop().await;
}

#[tokio::test]
async fn identity_header_is_per_vm_and_survives_a_restart() {
    let mut cloud = FakeCloud::start().await;
    cloud
        .create_resource_group("rg-keep")
        .await
        .assert_status(201);
    let first = cloud
        .put_virtual_machine("rg-keep", "vm-one", "SystemAssigned")
        .await;
    first.assert_status(201);
    let second = cloud
        .put_virtual_machine("rg-keep", "vm-two", "SystemAssigned")
        .await;
    second.assert_status(201);
    let first_vm_id = first.str_at("/properties/vmId").to_owned();
    let before = app_service_env(&cloud, &first_vm_id).await;
    let other = app_service_env(&cloud, second.str_at("/properties/vmId")).await;
    assert_ne!(before.identity_header, other.identity_header);

    // One VM's secret opens no other VM's agent.
    let crossed = AppServiceEnv {
        identity_endpoint: other.identity_endpoint.clone(),
        identity_header: before.identity_header.clone(),
    };
    app_service_token(&cloud, &crossed, MANAGEMENT_RESOURCE, &[])
        .await
        .assert_status(401);

    cloud.restart().await;

    let after = app_service_env(&cloud, &first_vm_id).await;
    assert_eq!(after.identity_header, before.identity_header);
    let token = app_service_token(&cloud, &after, MANAGEMENT_RESOURCE, &[]).await;
    token.assert_status(200);
    let claims = cloud
        .verify_token(token.str_at("/access_token"), MANAGEMENT_RESOURCE)
        .await;
    assert_eq!(claims["oid"], first.str_at("/identity/principalId"));
    cloud.stop().await;
}
