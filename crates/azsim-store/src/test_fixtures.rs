//! Fixtures for the store's unit tests: a migrated database in a temporary directory.

use crate::Store;
use crate::resources::{Subscription, insert_subscription};

/// The tenant the fixtures create.
pub(crate) const TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
/// The subscription the fixtures create.
pub(crate) const SUBSCRIPTION: &str = "0b1f6471-1bf0-4dda-aec3-cb9272f09590";

/// A store holding the tenant [`TENANT`] and the subscription [`SUBSCRIPTION`].
pub(crate) async fn store_with_subscription() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&dir.path().join("azsim.db"))
        .await
        .expect("open store");
    let mut conn = store.read().await.expect("connection");
    // The directory's own functions belong to another module; a raw row is enough here.
    sqlx::query(
        "INSERT INTO tenants (tenant_id, display_name, default_domain, created_at)
         VALUES (?, 'Test', 'test.example', 0)",
    )
    .bind(TENANT)
    .execute(&mut *conn)
    .await
    .expect("insert tenant");
    insert_subscription(
        &mut conn,
        &Subscription {
            subscription_id: SUBSCRIPTION.to_owned(),
            tenant_id: TENANT.to_owned(),
            display_name: "Test subscription".to_owned(),
            state: "Enabled".to_owned(),
            created_at: 0,
        },
    )
    .await
    .expect("insert subscription");
    drop(conn);
    (dir, store)
}
