//! A store with a tenant, a subscription and a few service principals in its directory.

use std::sync::Arc;

use azsim_core::{ManualClock, ResourceId, SharedClock};
use azsim_store::Store;
use azsim_store::directory::{
    Application, PrincipalType, ServicePrincipal, Tenant, delete_service_principal,
    insert_application, insert_service_principal, insert_tenant,
};
use azsim_store::resources::{Subscription, insert_subscription};
use time::macros::datetime;

pub(crate) const TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
pub(crate) const OTHER_TENANT: &str = "0a0a0a0a-0000-4000-8000-00000000000f";
pub(crate) const SUBSCRIPTION: &str = "5e1a0b7c-1111-4222-8333-444455556666";
pub(crate) const SUB: &str = "/subscriptions/5e1a0b7c-1111-4222-8333-444455556666";
pub(crate) const RG: &str = "/subscriptions/5e1a0b7c-1111-4222-8333-444455556666/resourceGroups/rg";
pub(crate) const VM: &str = "/subscriptions/5e1a0b7c-1111-4222-8333-444455556666/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm";
pub(crate) const VAULT: &str = "/subscriptions/5e1a0b7c-1111-4222-8333-444455556666/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv";

/// A scope of these tests as a resource id.
pub(crate) fn at(scope: &str) -> ResourceId {
    ResourceId::parse(scope).unwrap()
}

/// The administrator's application principal.
pub(crate) const ADMIN: &str = "aaaaaaaa-0000-4000-8000-000000000001";
/// A VM's system-assigned identity.
pub(crate) const VM_IDENTITY: &str = "bbbbbbbb-0000-4000-8000-000000000002";
/// A principal of another tenant.
pub(crate) const STRANGER: &str = "cccccccc-0000-4000-8000-000000000003";

pub(crate) struct Fixture {
    // Held so the database outlives the test.
    _dir: tempfile::TempDir,
    pub(crate) store: Store,
    pub(crate) clock: SharedClock,
    pub(crate) manual: Arc<ManualClock>,
}

pub(crate) async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("azsim.db")).await.unwrap();
    let manual = Arc::new(ManualClock::new(datetime!(2026-11-27 10:00:00 UTC)));
    let clock: SharedClock = manual.clone();
    let mut conn = store.read().await.unwrap();
    for (tenant_id, domain) in [
        (TENANT, "contoso.onmicrosoft.com"),
        (OTHER_TENANT, "fabrikam.onmicrosoft.com"),
    ] {
        insert_tenant(
            &mut conn,
            &Tenant {
                tenant_id: tenant_id.to_owned(),
                display_name: domain.to_owned(),
                default_domain: domain.to_owned(),
                created_at: 0,
            },
        )
        .await
        .unwrap();
    }
    insert_subscription(
        &mut conn,
        &Subscription {
            subscription_id: SUBSCRIPTION.to_owned(),
            tenant_id: TENANT.to_owned(),
            display_name: "azsim".to_owned(),
            state: "Enabled".to_owned(),
            created_at: 0,
        },
    )
    .await
    .unwrap();
    add_application_principal(&mut conn, TENANT, ADMIN, "admin-app-id-0000").await;
    add_application_principal(&mut conn, OTHER_TENANT, STRANGER, "stranger-app-id-000").await;
    add_identity_principal(&mut conn, VM_IDENTITY, VM).await;
    Fixture {
        _dir: dir,
        store,
        clock,
        manual,
    }
}

async fn add_application_principal(
    conn: &mut azsim_store::Connection,
    tenant_id: &str,
    object_id: &str,
    app_id: &str,
) {
    insert_application(
        conn,
        &Application {
            app_id: app_id.to_owned(),
            tenant_id: tenant_id.to_owned(),
            display_name: app_id.to_owned(),
            created_at: 0,
        },
    )
    .await
    .unwrap();
    insert_service_principal(
        conn,
        &ServicePrincipal {
            object_id: object_id.to_owned(),
            tenant_id: tenant_id.to_owned(),
            app_id: app_id.to_owned(),
            application_id: Some(app_id.to_owned()),
            display_name: app_id.to_owned(),
            principal_type: PrincipalType::Application,
            managed_identity_resource_id: None,
            created_at: 0,
        },
    )
    .await
    .unwrap();
}

/// Adds a managed identity's principal (object id `object_id`) for resource `resource_id`.
pub(crate) async fn add_identity_principal(
    conn: &mut azsim_store::Connection,
    object_id: &str,
    resource_id: &str,
) {
    insert_service_principal(
        conn,
        &ServicePrincipal {
            object_id: object_id.to_owned(),
            tenant_id: TENANT.to_owned(),
            app_id: format!("app-of-{object_id}"),
            application_id: None,
            display_name: "vm".to_owned(),
            principal_type: PrincipalType::ManagedIdentity,
            managed_identity_resource_id: Some(resource_id.to_owned()),
            created_at: 0,
        },
    )
    .await
    .unwrap();
}

impl Fixture {
    /// Deletes a principal from the directory, as deleting its identity does.
    pub(crate) async fn delete_principal(&self, object_id: &str) {
        let mut conn = self.store.read().await.unwrap();
        assert!(
            delete_service_principal(&mut conn, object_id)
                .await
                .unwrap()
        );
    }

    /// Adds a managed identity's principal.
    pub(crate) async fn add_identity(&self, object_id: &str, resource_id: &str) {
        let mut conn = self.store.read().await.unwrap();
        add_identity_principal(&mut conn, object_id, resource_id).await;
    }
}
