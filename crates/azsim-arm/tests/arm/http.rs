//! The resource API over real HTTP: status codes, bodies and error envelopes as ARM has them,
//! with tokens from a real token service and identities from a real MSRP.

use std::time::Duration;

use crate::support::*;
use azsim_core::FlowStep;
use azsim_rbac::roles::READER;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn resource_group_crud_answers_with_arm_status_codes_and_shapes() {
    let arm = TestArm::start().await;
    let subscription = arm.subscription_id();
    let token = arm.admin_token().await;

    let (status, body) = arm
        .call(
            Method::PUT,
            &arm.group_path("Web-RG"),
            &token,
            Some(json!({"location": "East US", "tags": {"env": "test"}})),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        body,
        json!({
            "id": format!("/subscriptions/{subscription}/resourceGroups/Web-RG"),
            "name": "Web-RG",
            "type": "Microsoft.Resources/resourceGroups",
            "location": "eastus",
            "tags": {"env": "test"},
            "properties": {"provisioningState": "Succeeded"},
        })
    );

    let (status, body) = arm
        .call(
            Method::PUT,
            &arm.group_path("Web-RG"),
            &token,
            Some(json!({"location": "eastus"})),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["tags"], json!({}));

    let (status, body) = arm
        .call(Method::GET, &arm.group_path("Web-RG"), &token, None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["name"], "Web-RG");

    let head = arm
        .request(Method::HEAD, &arm.group_path("Web-RG"), Some(&token))
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), 204);

    let (status, body) = arm
        .call(
            Method::PATCH,
            &arm.group_path("Web-RG"),
            &token,
            Some(json!({"tags": {"owner": "me"}})),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["tags"], json!({"owner": "me"}));

    let list_path =
        format!("/subscriptions/{subscription}/resourcegroups?api-version={API_VERSION}");
    let (status, body) = arm.call(Method::GET, &list_path, &token, None).await;
    assert_eq!(status, 200);
    assert_eq!(body["value"].as_array().unwrap().len(), 1);
    assert!(body.get("nextLink").is_none());

    let (status, _) = arm
        .call(Method::DELETE, &arm.group_path("Web-RG"), &token, None)
        .await;
    assert_eq!(status, 200);

    let (status, body) = arm
        .call(Method::GET, &arm.group_path("Web-RG"), &token, None)
        .await;
    assert_eq!(status, 404);
    assert_eq!(
        body,
        json!({"error": {"code": "ResourceGroupNotFound", "message": "Resource group 'Web-RG' could not be found."}})
    );
    let head = arm
        .request(Method::HEAD, &arm.group_path("Web-RG"), Some(&token))
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), 404);
    let (status, body) = arm
        .call(Method::DELETE, &arm.group_path("Web-RG"), &token, None)
        .await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["code"], "ResourceGroupNotFound");
    let (status, body) = arm.call(Method::GET, &list_path, &token, None).await;
    assert_eq!((status, body), (200, json!({"value": []})));
    arm.stop().await;
}

#[tokio::test]
async fn paths_and_names_match_case_insensitively_and_keep_the_first_casing() {
    let arm = TestArm::start().await;
    let subscription = arm.subscription_id();
    let token = arm.admin_token().await;
    let (status, _) = arm
        .call(
            Method::PUT,
            &arm.group_path("MyGroup"),
            &token,
            Some(json!({"location": "westus"})),
        )
        .await;
    assert_eq!(status, 201);

    let shouting = format!(
        "/SUBSCRIPTIONS/{}/ResourceGroups/MYGROUP?api-version={API_VERSION}",
        subscription.to_uppercase()
    );
    let (status, body) = arm.call(Method::GET, &shouting, &token, None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["name"], "MyGroup");
    assert_eq!(
        body["id"],
        format!("/subscriptions/{subscription}/resourceGroups/MyGroup")
    );

    let (status, _) = arm
        .call(
            Method::PUT,
            &arm.group_path("mygroup"),
            &token,
            Some(json!({"location": "westus"})),
        )
        .await;
    assert_eq!(status, 200, "same group in another casing is a replace");
    let (status, body) = arm
        .call(
            Method::PUT,
            &arm.group_path("mygroup"),
            &token,
            Some(json!({"location": "northeurope"})),
        )
        .await;
    assert_eq!(status, 409);
    assert_eq!(body["error"]["code"], "InvalidResourceGroupLocation");
    arm.stop().await;
}

#[tokio::test]
async fn requests_without_a_valid_api_version_are_rejected() {
    let arm = TestArm::start().await;
    let subscription = arm.subscription_id();
    let token = arm.admin_token().await;
    let path = format!("/subscriptions/{subscription}/resourcegroups/rg");
    let (status, body) = arm.call(Method::GET, &path, &token, None).await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!({"error": {"code": "MissingApiVersionParameter", "message": "The api-version query parameter (?api-version=) is required for all requests."}})
    );
    let (status, body) = arm
        .call(
            Method::GET,
            &format!("{path}?api-version=latest"),
            &token,
            None,
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], "InvalidApiVersionParameter");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("The api-version 'latest' is invalid.")
    );
    arm.stop().await;
}

#[tokio::test]
async fn bad_bodies_are_rejected_with_arm_codes() {
    let arm = TestArm::start().await;
    let token = arm.admin_token().await;
    let response = arm
        .request(Method::PUT, &arm.group_path("rg"), Some(&token))
        .header("content-type", "application/json")
        .body("{\"location\": ")
        .send()
        .await
        .unwrap();
    let (status, body) = read(response).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], "InvalidRequestContent");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("The request content was invalid and could not be deserialized: '")
    );

    let (status, body) = arm
        .call(
            Method::PUT,
            &arm.group_path("rg"),
            &token,
            Some(json!({"tags": {}})),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!({"error": {"code": "LocationRequired", "message": "The location property is required for this definition."}})
    );
    let (status, body) = arm
        .call(
            Method::PUT,
            &arm.group_path("rg"),
            &token,
            Some(json!({"location": 7})),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], "InvalidRequestContent");
    let (status, body) = arm
        .call(
            Method::PUT,
            &arm.group_path("bad%20name"),
            &token,
            Some(json!({"location": "eastus"})),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], "InvalidResourceGroup");
    arm.stop().await;
}

#[tokio::test]
async fn missing_things_answer_with_their_own_not_found_codes() {
    let arm = TestArm::start().await;
    let subscription = arm.subscription_id();
    let token = arm.admin_token().await;
    let unknown = "11111111-2222-4333-8444-555555555555";
    let (status, body) = arm
        .call(
            Method::GET,
            &format!("/subscriptions/{unknown}?api-version=2022-12-01"),
            &token,
            None,
        )
        .await;
    assert_eq!(status, 404);
    assert_eq!(
        body,
        json!({"error": {"code": "SubscriptionNotFound", "message": format!("The subscription '{unknown}' could not be found.")}})
    );
    let (status, body) = arm
        .call(
            Method::GET,
            &format!("/subscriptions/not-a-guid/resourcegroups?api-version={API_VERSION}"),
            &token,
            None,
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], "InvalidSubscriptionId");

    let (status, body) = arm
        .call(Method::GET, &arm.vm_path("nogroup", "vm1"), &token, None)
        .await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["code"], "ResourceGroupNotFound");

    arm.call(
        Method::PUT,
        &arm.group_path("rg"),
        &token,
        Some(json!({"location": "eastus"})),
    )
    .await;
    let (status, body) = arm
        .call(Method::GET, &arm.vm_path("rg", "vm1"), &token, None)
        .await;
    assert_eq!(status, 404);
    assert_eq!(
        body,
        json!({"error": {"code": "ResourceNotFound", "message": "The Resource 'Microsoft.Compute/virtualMachines/vm1' under resource group 'rg' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix"}})
    );
    let (status, body) = arm
        .call(
            Method::PATCH,
            &arm.vm_path("rg", "vm1"),
            &token,
            Some(json!({"tags": {}})),
        )
        .await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["code"], "ResourceNotFound");
    let (status, body) = arm
        .call(Method::DELETE, &arm.vm_path("rg", "vm1"), &token, None)
        .await;
    assert_eq!((status, body), (204, serde_json::Value::Null));

    let other = format!(
        "/subscriptions/{subscription}/resourceGroups/rg/providers/Microsoft.Nope/things/x?api-version={API_VERSION}"
    );
    let (status, body) = arm.call(Method::GET, &other, &token, None).await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["code"], "InvalidResourceNamespace");
    let (status, body) = arm
        .call(Method::POST, &arm.group_path("rg"), &token, None)
        .await;
    assert_eq!(status, 405);
    assert_eq!(body["error"]["code"], "MethodNotAllowed");
    arm.stop().await;
}

async fn assert_unauthorized(request: reqwest::RequestBuilder, code: &str) -> String {
    let response = request.send().await.unwrap();
    let challenge = response
        .headers()
        .get("www-authenticate")
        .map(|value| value.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let (status, body) = read(response).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(
        challenge.starts_with("Bearer authorization_uri=\"https://login.windows.net/\", error=\"invalid_token\", error_description=\""),
        "{challenge}"
    );
    body["error"]["message"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn unauthenticated_requests_get_arm_401s_with_a_challenge() {
    let arm = TestArm::start().await;
    let subscription = arm.subscription_id();
    let tenant = arm.tenant_id();
    let path = arm.group_path("rg");

    let message = assert_unauthorized(
        arm.request(Method::GET, &path, None),
        "AuthenticationFailed",
    )
    .await;
    assert_eq!(
        message,
        "Authentication failed. The 'Authorization' header is missing."
    );

    let basic = arm
        .request(Method::GET, &path, None)
        .header("authorization", "Basic dXNlcjpwYXNz");
    assert_unauthorized(basic, "AuthenticationFailedInvalidHeader").await;

    assert_unauthorized(
        arm.request(Method::GET, &path, Some("not.a.jwt")),
        "InvalidAuthenticationToken",
    )
    .await;

    let vault_token = arm
        .token(arm.admin(), "https://vault.azure.net/.default")
        .await;
    let message = assert_unauthorized(
        arm.request(Method::GET, &path, Some(&vault_token)),
        "InvalidAuthenticationTokenAudience",
    )
    .await;
    assert!(message.starts_with("The access token has been obtained for wrong audience or resource 'https://vault.azure.net"), "{message}");

    let foreign_token = arm.token(arm.foreign_client(), MANAGEMENT_SCOPE).await;
    let message = assert_unauthorized(
        arm.request(Method::GET, &path, Some(&foreign_token)),
        "InvalidAuthenticationTokenTenant",
    )
    .await;
    assert!(message.contains(&tenant), "{message}");
    // The same token is fine outside any subscription, and sees none of this tenant's.
    let (status, body) = arm
        .call(
            Method::GET,
            "/subscriptions?api-version=2022-12-01",
            &foreign_token,
            None,
        )
        .await;
    assert_eq!((status, body), (200, json!({"value": []})));

    let token = arm.admin_token().await;
    let (status, _) = arm
        .call(
            Method::GET,
            &format!("/subscriptions/{subscription}?api-version=2022-12-01"),
            &token,
            None,
        )
        .await;
    assert_eq!(status, 200);
    arm.clock().advance(Duration::from_secs(2 * 3600));
    let message = assert_unauthorized(
        arm.request(Method::GET, &path, Some(&token)),
        "ExpiredAuthenticationToken",
    )
    .await;
    assert!(
        message.starts_with("The access token expiry UTC time '"),
        "{message}"
    );
    assert!(
        message.contains("' is earlier than current UTC time '"),
        "{message}"
    );
    assert!(message.ends_with("M'."), "{message}");
    arm.stop().await;
}

#[tokio::test]
async fn subscriptions_are_listed_and_read_for_their_tenant() {
    let arm = TestArm::start().await;
    let subscription = arm.subscription_id();
    let tenant = arm.tenant_id();
    let token = arm.admin_token().await;
    let (status, body) = arm
        .call(
            Method::GET,
            "/subscriptions?api-version=2022-12-01",
            &token,
            None,
        )
        .await;
    assert_eq!(status, 200);
    let listed = &body["value"][0];
    assert_eq!(listed["id"], format!("/subscriptions/{subscription}"));
    assert_eq!(listed["subscriptionId"], subscription);
    assert_eq!(listed["tenantId"], tenant);
    assert_eq!(listed["state"], "Enabled");
    assert_eq!(listed["displayName"], "azsim subscription");
    arm.stop().await;
}

#[tokio::test]
async fn vm_put_with_system_assigned_identity_returns_its_principal() {
    let arm = TestArm::start().await;
    let subscription = arm.subscription_id();
    let tenant = arm.tenant_id();
    let token = arm.admin_token().await;
    arm.call(
        Method::PUT,
        &arm.group_path("rg"),
        &token,
        Some(json!({"location": "eastus"})),
    )
    .await;
    let vm_body = json!({
        "location": "eastus",
        "identity": {"type": "SystemAssigned"},
        "properties": {"hardwareProfile": {"vmSize": "Standard_B1s"}, "vmId": "caller-cannot-set-this"},
        "somethingUnknown": true,
    });

    let (status, created) = arm
        .call(
            Method::PUT,
            &arm.vm_path("rg", "Web-1"),
            &token,
            Some(vm_body.clone()),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(
        created["id"],
        format!(
            "/subscriptions/{subscription}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/Web-1"
        )
    );
    assert_eq!(created["name"], "Web-1");
    assert_eq!(created["type"], "Microsoft.Compute/virtualMachines");
    assert_eq!(created["properties"]["provisioningState"], "Succeeded");
    assert_eq!(
        created["properties"]["hardwareProfile"]["vmSize"],
        "Standard_B1s"
    );
    let vm_id = created["properties"]["vmId"].as_str().unwrap().to_owned();
    assert!(uuid::Uuid::try_parse(&vm_id).is_ok(), "{vm_id}");
    assert_eq!(created["identity"]["type"], "SystemAssigned");
    assert_eq!(created["identity"]["tenantId"], tenant);
    let principal_id = created["identity"]["principalId"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(uuid::Uuid::try_parse(&principal_id).is_ok());

    let enable_events: Vec<_> = arm
        .flow_events()
        .await
        .into_iter()
        .filter(|event| event.step == Some(FlowStep::EnableIdentity))
        .collect();
    assert_eq!(enable_events.len(), 1);
    assert_eq!(
        enable_events[0].source,
        format!("client:{}", arm.admin().client_id)
    );
    assert_eq!(enable_events[0].target, "arm");

    // A replace keeps the VM's id and its identity.
    let (status, replaced) = arm
        .call(
            Method::PUT,
            &arm.vm_path("rg", "web-1"),
            &token,
            Some(vm_body),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(replaced["properties"]["vmId"], vm_id.as_str());
    assert_eq!(replaced["identity"]["principalId"], principal_id.as_str());
    assert_eq!(replaced["name"], "Web-1");

    let (status, read_back) = arm
        .call(Method::GET, &arm.vm_path("rg", "WEB-1"), &token, None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(read_back["identity"]["principalId"], principal_id.as_str());

    let list = format!(
        "/subscriptions/{subscription}/providers/Microsoft.Compute/virtualMachines?api-version=2026-04-01"
    );
    let (status, listed) = arm.call(Method::GET, &list, &token, None).await;
    assert_eq!(status, 200);
    assert_eq!(
        listed["value"][0]["identity"]["principalId"],
        principal_id.as_str()
    );

    // Turning the identity off removes it; turning it on again makes a new principal.
    let (status, patched) = arm
        .call(
            Method::PATCH,
            &arm.vm_path("rg", "Web-1"),
            &token,
            Some(json!({"identity": {"type": "None"}, "tags": {"a": "b"}})),
        )
        .await;
    assert_eq!(status, 200);
    assert!(patched.get("identity").is_none(), "{patched}");
    assert_eq!(patched["tags"], json!({"a": "b"}));
    assert_eq!(
        patched["properties"]["hardwareProfile"]["vmSize"],
        "Standard_B1s"
    );
    let (_, patched) = arm
        .call(
            Method::PATCH,
            &arm.vm_path("rg", "Web-1"),
            &token,
            Some(json!({"identity": {"type": "SystemAssigned"}})),
        )
        .await;
    assert_ne!(patched["identity"]["principalId"], principal_id.as_str());

    let (status, _) = arm
        .call(Method::DELETE, &arm.vm_path("rg", "Web-1"), &token, None)
        .await;
    assert_eq!(status, 200);
    let (status, _) = arm
        .call(Method::DELETE, &arm.vm_path("rg", "Web-1"), &token, None)
        .await;
    assert_eq!(status, 204);
    assert!(arm.cloud().msrp().fleet().running_vm_ids().await.is_empty());
    arm.stop().await;
}

#[tokio::test]
async fn a_vm_naming_a_user_assigned_identity_that_does_not_exist_is_refused() {
    let arm = TestArm::start().await;
    let subscription = arm.subscription_id();
    let token = arm.admin_token().await;
    arm.call(
        Method::PUT,
        &arm.group_path("rg"),
        &token,
        Some(json!({"location": "eastus"})),
    )
    .await;
    let missing = format!(
        "/subscriptions/{subscription}/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id1"
    );
    let body = json!({
        "location": "eastus",
        "identity": {"type": "UserAssigned", "userAssignedIdentities": {missing.clone(): {}}},
    });
    let (status, error) = arm
        .call(Method::PUT, &arm.vm_path("rg", "vm"), &token, Some(body))
        .await;
    assert_eq!(status, 400);
    assert_eq!(error["error"]["code"], "FailedIdentityOperation");
    let message = error["error"]["message"].as_str().unwrap();
    assert!(
        message.contains(&format!("Resource '{missing}' was not found.")),
        "{message}"
    );
    let (status, _) = arm
        .call(Method::GET, &arm.vm_path("rg", "vm"), &token, None)
        .await;
    assert_eq!(status, 404, "a refused write leaves nothing behind");
    arm.stop().await;
}

#[tokio::test]
async fn deleting_a_resource_group_deletes_its_vms_and_stops_their_agents() {
    let arm = TestArm::start().await;
    let token = arm.admin_token().await;
    arm.call(
        Method::PUT,
        &arm.group_path("rg"),
        &token,
        Some(json!({"location": "eastus"})),
    )
    .await;
    let (status, _) = arm
        .call(
            Method::PUT,
            &arm.vm_path("rg", "vm"),
            &token,
            Some(json!({"location": "eastus", "identity": {"type": "SystemAssigned"}})),
        )
        .await;
    assert_eq!(status, 201);
    assert_eq!(arm.cloud().msrp().fleet().running_vm_ids().await.len(), 1);

    let (status, _) = arm
        .call(Method::DELETE, &arm.group_path("rg"), &token, None)
        .await;
    assert_eq!(status, 200);
    assert!(arm.cloud().msrp().fleet().running_vm_ids().await.is_empty());
    arm.call(
        Method::PUT,
        &arm.group_path("rg"),
        &token,
        Some(json!({"location": "eastus"})),
    )
    .await;
    let (status, _) = arm
        .call(Method::GET, &arm.vm_path("rg", "vm"), &token, None)
        .await;
    assert_eq!(status, 404);
    arm.stop().await;
}

#[tokio::test]
async fn a_vms_managed_identity_token_is_accepted_and_recorded() {
    let arm = TestArm::start().await;
    let token = arm.admin_token().await;
    arm.call(
        Method::PUT,
        &arm.group_path("rg"),
        &token,
        Some(json!({"location": "eastus"})),
    )
    .await;
    let (_, vm) = arm
        .call(
            Method::PUT,
            &arm.vm_path("rg", "vm"),
            &token,
            Some(json!({"location": "eastus", "identity": {"type": "SystemAssigned"}})),
        )
        .await;
    let vm_id = vm["properties"]["vmId"].as_str().unwrap();
    let agent = arm
        .cloud()
        .msrp()
        .fleet()
        .agent_address(vm_id)
        .await
        .expect("agent running");
    let response = arm
        .http()
        .get(format!("http://{agent}/metadata/identity/oauth2/token"))
        .query(&[
            ("api-version", "2018-02-01"),
            ("resource", "https://management.azure.com/"),
        ])
        .header("Metadata", "true")
        .send()
        .await
        .unwrap();
    let (status, body) = read(response).await;
    assert_eq!(status, 200, "{body}");
    let identity_token = body["access_token"].as_str().unwrap();

    // Authenticated but granted nothing yet; Reader on the group lets it read itself.
    let (status, body) = arm
        .call(Method::GET, &arm.vm_path("rg", "vm"), identity_token, None)
        .await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["error"]["code"], "AuthorizationFailed");
    let principal_id = vm["identity"]["principalId"].as_str().unwrap();
    arm.grant(principal_id, READER, &arm.group_scope("rg"))
        .await;
    let (status, _) = arm
        .call(Method::GET, &arm.vm_path("rg", "vm"), identity_token, None)
        .await;
    assert_eq!(status, 200);
    let vm_resource_id = vm["id"].as_str().unwrap();
    assert!(
        arm.flow_events()
            .await
            .iter()
            .any(|event| event.step == Some(FlowStep::UseToken)
                && event.source.eq_ignore_ascii_case(vm_resource_id))
    );
    arm.stop().await;
}
