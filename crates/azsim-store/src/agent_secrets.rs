//! The per-VM secrets of the metadata agents (MSRP): the App Service `IDENTITY_HEADER`.

use crate::{Connection, StoreError};

/// The VM's identity header, if one was created.
pub async fn find_identity_header(
    conn: &mut Connection,
    vm_row: i64,
) -> Result<Option<String>, StoreError> {
    sqlx::query_scalar("SELECT identity_header FROM agent_secrets WHERE vm_row = ?")
        .bind(vm_row)
        .fetch_optional(&mut *conn)
        .await
        .map_err(StoreError::query(
            "reading a metadata agent's identity header",
        ))
}

/// The VM's identity header: the stored one, or `candidate` stored now (at `now`, unix
/// seconds) if the VM has none yet. A header, once stored, never changes.
pub async fn ensure_identity_header(
    conn: &mut Connection,
    vm_row: i64,
    candidate: &str,
    now: i64,
) -> Result<String, StoreError> {
    // One statement, so two callers racing for the same VM agree on the first header.
    sqlx::query(
        "INSERT INTO agent_secrets (vm_row, identity_header, created_at) VALUES (?, ?, ?) \
         ON CONFLICT (vm_row) DO NOTHING",
    )
    .bind(vm_row)
    .bind(candidate)
    .bind(now)
    .execute(&mut *conn)
    .await
    .map_err(StoreError::query(
        "storing a metadata agent's identity header",
    ))?;
    find_identity_header(conn, vm_row).await?.ok_or_else(|| {
        StoreError::Corrupt(format!(
            "VM row {vm_row} has no identity header after insert"
        ))
    })
}

#[cfg(test)]
mod tests {
    use serde_json::{Map, json};

    use super::*;
    use crate::resources::{
        NewVirtualMachine, ResourceGroupWrite, delete_virtual_machine, insert_virtual_machine,
        upsert_resource_group,
    };
    use crate::test_fixtures::{SUBSCRIPTION, store_with_subscription};

    async fn insert_vm(conn: &mut Connection) -> i64 {
        let tags = Map::new();
        let group = upsert_resource_group(
            conn,
            ResourceGroupWrite {
                subscription_id: SUBSCRIPTION,
                name: "rg",
                location: "eastus",
                tags: &tags,
                now: 100,
            },
        )
        .await
        .unwrap();
        let properties = json!({});
        insert_virtual_machine(
            conn,
            NewVirtualMachine {
                resource_group_row: group.resource_group.resource_group_row,
                name: "vm",
                vm_id: "3a1b4c8e-0000-4000-8000-0000000000a1",
                location: "eastus",
                tags: &tags,
                properties: &properties,
                now: 100,
            },
        )
        .await
        .unwrap()
        .vm_row
    }

    #[tokio::test]
    async fn first_identity_header_is_kept_for_good() {
        let (_dir, store) = store_with_subscription().await;
        let mut conn = store.read().await.unwrap();
        let vm_row = insert_vm(&mut conn).await;
        assert_eq!(find_identity_header(&mut conn, vm_row).await.unwrap(), None);

        let first = ensure_identity_header(&mut conn, vm_row, "first", 100)
            .await
            .unwrap();
        let second = ensure_identity_header(&mut conn, vm_row, "second", 200)
            .await
            .unwrap();

        assert_eq!(first, "first");
        assert_eq!(second, "first");
        assert_eq!(
            find_identity_header(&mut conn, vm_row).await.unwrap(),
            Some("first".to_owned())
        );
    }

    #[tokio::test]
    async fn identity_header_dies_with_its_vm() {
        let (_dir, store) = store_with_subscription().await;
        let mut conn = store.read().await.unwrap();
        let vm_row = insert_vm(&mut conn).await;
        ensure_identity_header(&mut conn, vm_row, "secret", 100)
            .await
            .unwrap();

        assert!(delete_virtual_machine(&mut conn, vm_row).await.unwrap());

        let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM agent_secrets")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        assert_eq!(left, 0);
    }
}
