//! The directory owner's rules, checked against a migrated store.

use azsim_core::ResourceId;
use azsim_pki::{KeyPair, self_signed};
use azsim_store::Store;
use azsim_store::directory::{
    PrincipalType, Tenant, find_application, find_service_principal, insert_tenant,
    list_certificate_credentials, list_secret_credentials,
};
use azsim_store::identities::{IdentityKind, find_identity};
use azsim_store::resources::{Subscription, insert_subscription, upsert_resource_group};
use serde_json::json;

use super::*;

const TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const SUBSCRIPTION: &str = "0b1f6471-1bf0-4dda-aec3-cb9272f09590";
const NOW: i64 = 1_800_000_000;

async fn store_with_tenant() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("azsim.db")).await.unwrap();
    let mut tx = store.write().await.unwrap();
    insert_tenant(
        &mut tx,
        &Tenant {
            tenant_id: TENANT.into(),
            display_name: "Contoso".into(),
            default_domain: "contoso.onmicrosoft.com".into(),
            created_at: 0,
        },
    )
    .await
    .unwrap();
    insert_subscription(
        &mut tx,
        &Subscription {
            subscription_id: SUBSCRIPTION.into(),
            tenant_id: TENANT.into(),
            display_name: "s".into(),
            state: "Enabled".into(),
            created_at: 0,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    (dir, store)
}

fn certificate() -> Certificate {
    let key = KeyPair::generate_ec_p256().unwrap();
    let now = time::OffsetDateTime::from_unix_timestamp(NOW).unwrap();
    self_signed("identity", &key, now, now + time::Duration::days(90)).unwrap()
}

#[tokio::test]
async fn a_registered_application_has_a_principal_and_a_secret_kept_as_its_digest() {
    let (_dir, store) = store_with_tenant().await;
    let mut tx = store.write().await.unwrap();
    let registered = register_application(&mut tx, TENANT, "billing", NOW)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let mut conn = store.read().await.unwrap();
    let application = find_application(&mut conn, registered.client_id.as_str())
        .await
        .unwrap()
        .expect("the application");
    assert_eq!(application.display_name, "billing");
    let principal = find_service_principal(&mut conn, registered.object_id.as_str())
        .await
        .unwrap()
        .expect("the principal");
    assert_eq!(principal.principal_type, PrincipalType::Application);
    assert_eq!(principal.app_id, registered.client_id.as_str());
    assert_eq!(
        principal.application_id.as_deref(),
        Some(registered.client_id.as_str())
    );
    let secrets = list_secret_credentials(&mut conn, registered.object_id.as_str())
        .await
        .unwrap();
    assert_eq!(secrets.len(), 1);
    assert!(registered.client_secret.verify(&secrets[0].secret_sha256));
    assert_ne!(secrets[0].secret_sha256, registered.client_secret.expose());
    assert_eq!(secrets[0].not_before, NOW - 300);
    assert_eq!(secrets[0].not_after, NOW + 2 * 365 * 24 * 3600);
}

#[tokio::test]
async fn a_managed_identity_principal_comes_with_its_identity_row_and_certificate() {
    let (_dir, store) = store_with_tenant().await;
    let mut tx = store.write().await.unwrap();
    let tags = json!({"team": "payments"}).as_object().cloned().unwrap();
    let group = upsert_resource_group(
        &mut tx,
        azsim_store::resources::ResourceGroupWrite {
            subscription_id: SUBSCRIPTION,
            name: "Rg",
            location: "eastus",
            tags: &Map::new(),
            now: NOW,
        },
    )
    .await
    .unwrap();
    let resource_id = ResourceId::resource_group(SUBSCRIPTION, "Rg").provider(
        "Microsoft.ManagedIdentity",
        "userAssignedIdentities",
        "shared",
    );
    let object_id = ObjectId::new_random();
    let client_id = ClientId::new_random();
    let certificate = certificate();
    let identity_row = create_managed_identity_principal(
        &mut tx,
        &NewManagedIdentityPrincipal {
            object_id: &object_id,
            client_id: &client_id,
            tenant_id: TENANT,
            owner: ManagedIdentityOwner::UserAssigned {
                resource_group_row: group.resource_group.resource_group_row,
                name: "shared",
            },
            resource_id: &resource_id,
            display_name: "shared",
            location: "eastus",
            tags: &tags,
            certificate: &certificate,
            now: NOW,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let mut conn = store.read().await.unwrap();
    let mirid = format!(
        "/subscriptions/{SUBSCRIPTION}/resourcegroups/Rg/providers/\
         Microsoft.ManagedIdentity/userAssignedIdentities/shared"
    );
    let principal = find_service_principal(&mut conn, object_id.as_str())
        .await
        .unwrap()
        .expect("the principal");
    assert_eq!(principal.principal_type, PrincipalType::ManagedIdentity);
    assert_eq!(principal.app_id, client_id.as_str());
    assert_eq!(principal.application_id, None);
    assert_eq!(
        principal.managed_identity_resource_id.as_deref(),
        Some(mirid.as_str())
    );
    let identity = find_identity(&mut conn, identity_row)
        .await
        .unwrap()
        .expect("the identity row");
    assert_eq!(identity.kind, IdentityKind::UserAssigned);
    assert_eq!(identity.name.as_deref(), Some("shared"));
    assert_eq!(identity.resource_id, mirid);
    assert_eq!(identity.principal_id, object_id.as_str());
    assert_eq!(identity.tags, tags);
    let credentials = list_certificate_credentials(&mut conn, object_id.as_str())
        .await
        .unwrap();
    assert_eq!(credentials.len(), 1);
    assert_eq!(credentials[0].certificate_der, certificate.to_der());
    assert_eq!(
        credentials[0].thumbprint_sha256,
        certificate.thumbprints().sha256_hex()
    );
    assert_eq!(credentials[0].not_before, certificate.not_before_unix());
    assert_eq!(credentials[0].not_after, certificate.not_after_unix());
    assert_eq!(credentials[0].created_at, NOW);
}
