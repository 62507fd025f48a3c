//! Tests of the error envelope.

use axum::body::to_bytes;

use super::*;

async fn envelope(error: ArmError) -> (StatusCode, http::HeaderMap, serde_json::Value) {
    let response = error.into_response();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = to_bytes(response.into_body(), usize::MAX).await.unwrap();
    (status, headers, serde_json::from_slice(&bytes).unwrap())
}

#[tokio::test]
async fn not_found_errors_use_arm_templates() {
    let (status, _, body) = envelope(ArmError::ResourceGroupNotFound { name: "rg1".into() }).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        body,
        json!({"error": {"code": "ResourceGroupNotFound", "message": "Resource group 'rg1' could not be found."}})
    );

    let (status, _, body) = envelope(ArmError::ResourceNotFound {
        resource_type: "Microsoft.Compute/virtualMachines",
        name: "vm1".into(),
        resource_group: "rg1".into(),
    })
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "ResourceNotFound");
    assert_eq!(
        body["error"]["message"],
        "The Resource 'Microsoft.Compute/virtualMachines/vm1' under resource group 'rg1' was not \
         found. For more details please go to https://aka.ms/ARMResourceNotFoundFix"
    );

    let (_, _, body) = envelope(ArmError::SubscriptionNotFound {
        subscription_id: "s".into(),
    })
    .await;
    assert_eq!(
        body["error"]["message"],
        "The subscription 's' could not be found."
    );
}

#[tokio::test]
async fn unauthorized_errors_carry_a_bearer_challenge() {
    let (status, headers, body) = envelope(ArmError::AuthorizationMissing).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "AuthenticationFailed");
    assert_eq!(
        body["error"]["message"],
        "Authentication failed. The 'Authorization' header is missing."
    );
    let challenge = headers
        .get(header::WWW_AUTHENTICATE)
        .unwrap()
        .to_str()
        .unwrap();
    assert!(challenge.starts_with("Bearer authorization_uri=\"https://login.windows.net/\", error=\"invalid_token\", error_description=\""), "{challenge}");
    assert!(challenge.contains("header is missing"));

    let (_, headers, _) = envelope(ArmError::ApiVersionMissing).await;
    assert!(headers.get(header::WWW_AUTHENTICATE).is_none());
}

#[tokio::test]
async fn expired_token_message_uses_arm_time_format() {
    // 2024-03-05 14:07:09 UTC and 2024-03-05 00:05:01 UTC.
    let (_, _, body) = envelope(ArmError::TokenExpired {
        expired_at: 1_709_647_629,
        now: 1_709_597_101,
    })
    .await;
    assert_eq!(body["error"]["code"], "ExpiredAuthenticationToken");
    assert_eq!(
        body["error"]["message"],
        "The access token expiry UTC time '3/5/2024 2:07:09 PM' is earlier than current UTC time '3/5/2024 12:05:01 AM'."
    );
}

#[tokio::test]
async fn wrong_audience_lists_the_management_audiences() {
    let (_, _, body) = envelope(ArmError::TokenWrongAudience {
        audience: "https://vault.azure.net".into(),
    })
    .await;
    assert_eq!(body["error"]["code"], "InvalidAuthenticationTokenAudience");
    assert_eq!(
        body["error"]["message"],
        "The access token has been obtained for wrong audience or resource 'https://vault.azure.net'. \
         It should exactly match with one of the allowed audiences \
         'https://management.core.windows.net/','https://management.core.windows.net','https://management.azure.com/','https://management.azure.com'."
    );
}

#[tokio::test]
async fn internal_errors_hide_their_cause() {
    let error = ArmError::Store(azsim_store::StoreError::Corrupt("secret detail".into()));
    let (status, _, body) = envelope(error).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(body["error"]["code"], "InternalServerError");
    assert!(!body.to_string().contains("secret detail"));
}

#[tokio::test]
async fn invalid_parameter_names_its_target() {
    let (status, _, body) = envelope(ArmError::InvalidParameter {
        target: "identity.type".into(),
        message: "bad".into(),
    })
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body,
        json!({"error": {"code": "InvalidParameter", "message": "bad", "target": "identity.type"}})
    );
}

#[tokio::test]
async fn a_missing_user_assigned_identity_fails_with_arms_wrapped_message() {
    let (status, _, body) = envelope(ArmError::FailedIdentityOperation {
        resource_id: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm".into(),
        identity_id: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/gone".into(),
    })
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "FailedIdentityOperation");
    assert_eq!(
        body["error"]["message"],
        "Identity operation for resource '/subscriptions/s/resourceGroups/rg/providers/\
         Microsoft.Compute/virtualMachines/vm' failed with error 'Failed to perform resource \
         identity operation. Status: 'BadRequest'. Response: '{\"error\":{\"code\":\"BadRequest\",\
         \"message\":\"Resource '/subscriptions/s/resourceGroups/rg/providers/\
         Microsoft.ManagedIdentity/userAssignedIdentities/gone' was not found.\"}}'.'."
    );
}

#[test]
fn rbac_refusals_map_to_arm_codes_and_statuses() {
    let g = || "g".to_owned();
    let cases = [
        (
            RbacError::RoleAssignmentExists,
            StatusCode::CONFLICT,
            "RoleAssignmentExists",
        ),
        (
            RbacError::RoleAssignmentUpdateNotPermitted,
            StatusCode::CONFLICT,
            "RoleAssignmentUpdateNotPermitted",
        ),
        (
            RbacError::PrincipalNotFound {
                principal_id: "p-1".into(),
                tenant_id: "t-1".into(),
            },
            StatusCode::BAD_REQUEST,
            "PrincipalNotFound",
        ),
        // Role definition errors share a code but not a status.
        (
            RbacError::RoleDefinitionDoesNotExist {
                role_definition_id: g(),
            },
            StatusCode::BAD_REQUEST,
            "RoleDefinitionDoesNotExist",
        ),
        (
            RbacError::RoleDefinitionNotFound {
                role_definition_id: g(),
            },
            StatusCode::NOT_FOUND,
            "RoleDefinitionDoesNotExist",
        ),
        (
            RbacError::InvalidRoleDefinitionId { value: g() },
            StatusCode::BAD_REQUEST,
            "InvalidRoleDefinitionId",
        ),
        (
            RbacError::InvalidRoleAssignmentId { name: g() },
            StatusCode::BAD_REQUEST,
            "InvalidRoleAssignmentId",
        ),
        (
            RbacError::InvalidPrincipalId,
            StatusCode::BAD_REQUEST,
            "InvalidPrincipalId",
        ),
        (
            RbacError::RoleAssignmentNotFound { name: g() },
            StatusCode::NOT_FOUND,
            "RoleAssignmentNotFound",
        ),
        (
            RbacError::InvalidScope { scope: g() },
            StatusCode::BAD_REQUEST,
            "InvalidScope",
        ),
        (
            RbacError::UnsupportedRoleAssignmentFilter { filter: g() },
            StatusCode::BAD_REQUEST,
            "UnsupportedQuery",
        ),
        (
            RbacError::UnsupportedRoleDefinitionFilter { filter: g() },
            StatusCode::BAD_REQUEST,
            "UnsupportedQuery",
        ),
        (
            RbacError::Store(azsim_store::StoreError::Corrupt("x".into())),
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalServerError",
        ),
    ];
    for (error, status, code) in cases {
        let name = format!("{error:?}");
        assert_eq!(
            ArmError::from(error).status_and_code(),
            (status, code),
            "{name}"
        );
    }
}

#[tokio::test]
async fn rbac_refusals_keep_the_services_message_and_internal_ones_hide_it() {
    let (status, _, body) = envelope(RbacError::RoleAssignmentExists.into()).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        body,
        json!({"error": {"code": "RoleAssignmentExists", "message": "The role assignment already exists."}})
    );
    let internal = RbacError::Store(azsim_store::StoreError::Corrupt("secret detail".into()));
    let (status, _, body) = envelope(internal.into()).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(!body.to_string().contains("secret detail"));
}
