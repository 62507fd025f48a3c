//! The resource API's tables: subscriptions, resource groups and virtual machines.
//!
//! Names are compared case-insensitively (the columns are `COLLATE NOCASE`) and kept with the
//! casing given at creation, as ARM does. Deleting a resource group deletes its VMs, and with
//! them their system-assigned identities, by the schema's cascades.

use serde_json::{Map, Value};
use sqlx::FromRow;

use crate::{Connection, StoreError};

/// A subscription: the unit of billing and access, trusting one tenant's directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    /// The subscription id (a GUID string).
    pub subscription_id: String,
    /// The tenant whose tokens may act on the subscription.
    pub tenant_id: String,
    /// The name shown to people.
    pub display_name: String,
    /// `Enabled`, `Disabled`, ... as ARM reports it.
    pub state: String,
    /// When the subscription was created (unix seconds).
    pub created_at: i64,
}

/// A resource group of a subscription.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceGroup {
    /// The row id; VMs and identities refer to it.
    pub resource_group_row: i64,
    /// The subscription that holds the group.
    pub subscription_id: String,
    /// The name, with the casing given at creation.
    pub name: String,
    /// The normalised location (`eastus`).
    pub location: String,
    /// The caller's tags.
    pub tags: Map<String, Value>,
    /// When the group was created (unix seconds).
    pub created_at: i64,
}

/// What a caller gives to create or replace a resource group.
#[derive(Debug, Clone, Copy)]
pub struct ResourceGroupWrite<'a> {
    /// The subscription that holds the group.
    pub subscription_id: &'a str,
    /// The name; if the group exists (in any casing) its stored casing is kept.
    pub name: &'a str,
    /// The normalised location.
    pub location: &'a str,
    /// The tags, replacing any stored ones.
    pub tags: &'a Map<String, Value>,
    /// The current time (unix seconds), used as `created_at` when the group is new.
    pub now: i64,
}

/// The result of [`upsert_resource_group`]: the stored group and whether it was new.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceGroupUpsert {
    /// The group as stored after the write.
    pub resource_group: ResourceGroup,
    /// `true` when the group did not exist before.
    pub created: bool,
}

/// A virtual machine, with the names of the group and subscription that hold it.
#[derive(Debug, Clone, PartialEq)]
pub struct VirtualMachine {
    /// The row id; identities and metadata agents refer to it.
    pub vm_row: i64,
    /// The resource group's row.
    pub resource_group_row: i64,
    /// The subscription that holds the VM's group.
    pub subscription_id: String,
    /// The resource group's name, with its stored casing.
    pub resource_group_name: String,
    /// The VM's name, with the casing given at creation.
    pub name: String,
    /// `properties.vmId`: a GUID that never changes for this VM.
    pub vm_id: String,
    /// The normalised location.
    pub location: String,
    /// The caller's tags.
    pub tags: Map<String, Value>,
    /// The caller's properties (hardwareProfile, osProfile, ...), without read-only ones.
    pub properties: Value,
    /// Where the VM's metadata agent listens, once one was started.
    pub imds_address: Option<String>,
    /// When the VM was created (unix seconds).
    pub created_at: i64,
    /// When the VM was last written (unix seconds).
    pub updated_at: i64,
}

/// What a caller gives to create a virtual machine.
#[derive(Debug, Clone, Copy)]
pub struct NewVirtualMachine<'a> {
    /// The resource group's row.
    pub resource_group_row: i64,
    /// The VM's name.
    pub name: &'a str,
    /// The new VM's `vmId`.
    pub vm_id: &'a str,
    /// The normalised location.
    pub location: &'a str,
    /// The tags.
    pub tags: &'a Map<String, Value>,
    /// The caller's properties.
    pub properties: &'a Value,
    /// The current time (unix seconds).
    pub now: i64,
}

/// What a caller gives to replace the writable parts of an existing virtual machine.
#[derive(Debug, Clone, Copy)]
pub struct VirtualMachineUpdate<'a> {
    /// The tags, replacing the stored ones.
    pub tags: &'a Map<String, Value>,
    /// The properties, replacing the stored ones.
    pub properties: &'a Value,
    /// The current time (unix seconds), stored as `updated_at`.
    pub now: i64,
}

// === subscriptions ===

/// Inserts a subscription; [`StoreError::Conflict`] if its id exists already.
pub async fn insert_subscription(
    conn: &mut Connection,
    subscription: &Subscription,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO subscriptions (subscription_id, tenant_id, display_name, state, created_at)
         VALUES (?, ?, ?, ?, ?)",
    )
    .bind(&subscription.subscription_id)
    .bind(&subscription.tenant_id)
    .bind(&subscription.display_name)
    .bind(&subscription.state)
    .bind(subscription.created_at)
    .execute(conn)
    .await
    .map_err(StoreError::query("inserting a subscription"))?;
    Ok(())
}

/// The subscription with id `subscription_id` (compared case-insensitively), if any.
pub async fn find_subscription(
    conn: &mut Connection,
    subscription_id: &str,
) -> Result<Option<Subscription>, StoreError> {
    let row = sqlx::query_as::<_, SubscriptionRow>(
        "SELECT subscription_id, tenant_id, display_name, state, created_at
         FROM subscriptions WHERE subscription_id = ?",
    )
    .bind(subscription_id)
    .fetch_optional(conn)
    .await
    .map_err(StoreError::query("reading a subscription"))?;
    Ok(row.map(Subscription::from))
}

/// Every subscription, oldest first.
pub async fn list_subscriptions(conn: &mut Connection) -> Result<Vec<Subscription>, StoreError> {
    let rows = sqlx::query_as::<_, SubscriptionRow>(
        "SELECT subscription_id, tenant_id, display_name, state, created_at
         FROM subscriptions ORDER BY created_at, subscription_id",
    )
    .fetch_all(conn)
    .await
    .map_err(StoreError::query("listing subscriptions"))?;
    Ok(rows.into_iter().map(Subscription::from).collect())
}

// === resource groups ===

/// Creates the resource group or replaces its location and tags, keeping its row, its name's
/// stored casing and its creation time.
pub async fn upsert_resource_group(
    conn: &mut Connection,
    write: ResourceGroupWrite<'_>,
) -> Result<ResourceGroupUpsert, StoreError> {
    let tags = encode_tags(write.tags)?;
    let existing = find_resource_group(conn, write.subscription_id, write.name).await?;
    let (resource_group_row, created) = match existing {
        Some(resource_group) => {
            sqlx::query(
                "UPDATE resource_groups SET location = ?, tags = ? WHERE resource_group_row = ?",
            )
            .bind(write.location)
            .bind(&tags)
            .bind(resource_group.resource_group_row)
            .execute(&mut *conn)
            .await
            .map_err(StoreError::query("updating a resource group"))?;
            (resource_group.resource_group_row, false)
        }
        None => {
            let inserted = sqlx::query(
                "INSERT INTO resource_groups (subscription_id, name, location, tags, created_at)
                 VALUES (?, ?, ?, ?, ?)",
            )
            .bind(write.subscription_id)
            .bind(write.name)
            .bind(write.location)
            .bind(&tags)
            .bind(write.now)
            .execute(&mut *conn)
            .await
            .map_err(StoreError::query("inserting a resource group"))?;
            (inserted.last_insert_rowid(), true)
        }
    };
    let resource_group = find_resource_group_by_row(conn, resource_group_row)
        .await?
        .ok_or_else(|| {
            StoreError::Corrupt("resource group vanished inside its write".to_owned())
        })?;
    Ok(ResourceGroupUpsert {
        resource_group,
        created,
    })
}

/// The resource group `name` of the subscription (both compared case-insensitively), if any.
pub async fn find_resource_group(
    conn: &mut Connection,
    subscription_id: &str,
    name: &str,
) -> Result<Option<ResourceGroup>, StoreError> {
    let row = sqlx::query_as::<_, ResourceGroupRow>(
        "SELECT resource_group_row, subscription_id, name, location, tags, created_at
         FROM resource_groups WHERE subscription_id = ? AND name = ?",
    )
    .bind(subscription_id)
    .bind(name)
    .fetch_optional(conn)
    .await
    .map_err(StoreError::query("reading a resource group"))?;
    row.map(ResourceGroup::try_from).transpose()
}

/// The resource group stored in row `resource_group_row`, if any.
pub async fn find_resource_group_by_row(
    conn: &mut Connection,
    resource_group_row: i64,
) -> Result<Option<ResourceGroup>, StoreError> {
    let row = sqlx::query_as::<_, ResourceGroupRow>(
        "SELECT resource_group_row, subscription_id, name, location, tags, created_at
         FROM resource_groups WHERE resource_group_row = ?",
    )
    .bind(resource_group_row)
    .fetch_optional(conn)
    .await
    .map_err(StoreError::query("reading a resource group"))?;
    row.map(ResourceGroup::try_from).transpose()
}

/// The resource groups of a subscription, in creation order.
pub async fn list_resource_groups(
    conn: &mut Connection,
    subscription_id: &str,
) -> Result<Vec<ResourceGroup>, StoreError> {
    let rows = sqlx::query_as::<_, ResourceGroupRow>(
        "SELECT resource_group_row, subscription_id, name, location, tags, created_at
         FROM resource_groups WHERE subscription_id = ? ORDER BY resource_group_row",
    )
    .bind(subscription_id)
    .fetch_all(conn)
    .await
    .map_err(StoreError::query("listing resource groups"))?;
    rows.into_iter().map(ResourceGroup::try_from).collect()
}

/// Deletes a resource group and, by cascade, everything in it; `false` if it did not exist.
pub async fn delete_resource_group(
    conn: &mut Connection,
    resource_group_row: i64,
) -> Result<bool, StoreError> {
    let deleted = sqlx::query("DELETE FROM resource_groups WHERE resource_group_row = ?")
        .bind(resource_group_row)
        .execute(conn)
        .await
        .map_err(StoreError::query("deleting a resource group"))?;
    Ok(deleted.rows_affected() > 0)
}

// === virtual machines ===

/// Inserts a VM; [`StoreError::Conflict`] if the group holds one of that name already.
pub async fn insert_virtual_machine(
    conn: &mut Connection,
    vm: NewVirtualMachine<'_>,
) -> Result<VirtualMachine, StoreError> {
    let tags = encode_tags(vm.tags)?;
    let properties = encode_properties(vm.properties)?;
    let inserted = sqlx::query(
        "INSERT INTO virtual_machines
             (resource_group_row, name, vm_id, location, tags, properties, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(vm.resource_group_row)
    .bind(vm.name)
    .bind(vm.vm_id)
    .bind(vm.location)
    .bind(&tags)
    .bind(&properties)
    .bind(vm.now)
    .bind(vm.now)
    .execute(&mut *conn)
    .await
    .map_err(StoreError::query("inserting a virtual machine"))?;
    find_virtual_machine_by_row(conn, inserted.last_insert_rowid())
        .await?
        .ok_or_else(|| StoreError::Corrupt("virtual machine vanished after insert".to_owned()))
}

/// Replaces a VM's tags and properties; `None` if the VM does not exist.
pub async fn update_virtual_machine(
    conn: &mut Connection,
    vm_row: i64,
    update: VirtualMachineUpdate<'_>,
) -> Result<Option<VirtualMachine>, StoreError> {
    let tags = encode_tags(update.tags)?;
    let properties = encode_properties(update.properties)?;
    let updated = sqlx::query(
        "UPDATE virtual_machines SET tags = ?, properties = ?, updated_at = ? WHERE vm_row = ?",
    )
    .bind(&tags)
    .bind(&properties)
    .bind(update.now)
    .bind(vm_row)
    .execute(&mut *conn)
    .await
    .map_err(StoreError::query("updating a virtual machine"))?;
    if updated.rows_affected() == 0 {
        return Ok(None);
    }
    find_virtual_machine_by_row(conn, vm_row).await
}

/// The VM `name` of a resource group (compared case-insensitively), if any.
pub async fn find_virtual_machine(
    conn: &mut Connection,
    resource_group_row: i64,
    name: &str,
) -> Result<Option<VirtualMachine>, StoreError> {
    let row = sqlx::query_as::<_, VirtualMachineRow>(&format!(
        "{VM_SELECT} WHERE vm.resource_group_row = ? AND vm.name = ?"
    ))
    .bind(resource_group_row)
    .bind(name)
    .fetch_optional(conn)
    .await
    .map_err(StoreError::query("reading a virtual machine"))?;
    row.map(VirtualMachine::try_from).transpose()
}

/// The VM stored in row `vm_row`, if any.
pub async fn find_virtual_machine_by_row(
    conn: &mut Connection,
    vm_row: i64,
) -> Result<Option<VirtualMachine>, StoreError> {
    let row = sqlx::query_as::<_, VirtualMachineRow>(&format!("{VM_SELECT} WHERE vm.vm_row = ?"))
        .bind(vm_row)
        .fetch_optional(conn)
        .await
        .map_err(StoreError::query("reading a virtual machine"))?;
    row.map(VirtualMachine::try_from).transpose()
}

/// The VMs of a resource group, in creation order.
pub async fn list_virtual_machines_in_resource_group(
    conn: &mut Connection,
    resource_group_row: i64,
) -> Result<Vec<VirtualMachine>, StoreError> {
    let rows = sqlx::query_as::<_, VirtualMachineRow>(&format!(
        "{VM_SELECT} WHERE vm.resource_group_row = ? ORDER BY vm.vm_row"
    ))
    .bind(resource_group_row)
    .fetch_all(conn)
    .await
    .map_err(StoreError::query(
        "listing virtual machines of a resource group",
    ))?;
    rows.into_iter().map(VirtualMachine::try_from).collect()
}

/// The VMs of every resource group of a subscription, in creation order.
pub async fn list_virtual_machines_in_subscription(
    conn: &mut Connection,
    subscription_id: &str,
) -> Result<Vec<VirtualMachine>, StoreError> {
    let rows = sqlx::query_as::<_, VirtualMachineRow>(&format!(
        "{VM_SELECT} WHERE rg.subscription_id = ? ORDER BY vm.vm_row"
    ))
    .bind(subscription_id)
    .fetch_all(conn)
    .await
    .map_err(StoreError::query(
        "listing virtual machines of a subscription",
    ))?;
    rows.into_iter().map(VirtualMachine::try_from).collect()
}

/// Every VM of the cloud (at start-up, to bring their metadata agents back).
pub async fn list_all_virtual_machines(
    conn: &mut Connection,
) -> Result<Vec<VirtualMachine>, StoreError> {
    let rows = sqlx::query_as::<_, VirtualMachineRow>(&format!("{VM_SELECT} ORDER BY vm.vm_row"))
        .fetch_all(conn)
        .await
        .map_err(StoreError::query("listing all virtual machines"))?;
    rows.into_iter().map(VirtualMachine::try_from).collect()
}

/// Records where the VM's metadata agent listens, so a restart can reuse the address.
pub async fn set_imds_address(
    conn: &mut Connection,
    vm_row: i64,
    address: &str,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE virtual_machines SET imds_address = ? WHERE vm_row = ?")
        .bind(address)
        .bind(vm_row)
        .execute(conn)
        .await
        .map_err(StoreError::query("recording a metadata agent address"))?;
    Ok(())
}

/// Deletes a VM and, by cascade, its system-assigned identity; `false` if it did not exist.
pub async fn delete_virtual_machine(
    conn: &mut Connection,
    vm_row: i64,
) -> Result<bool, StoreError> {
    let deleted = sqlx::query("DELETE FROM virtual_machines WHERE vm_row = ?")
        .bind(vm_row)
        .execute(conn)
        .await
        .map_err(StoreError::query("deleting a virtual machine"))?;
    Ok(deleted.rows_affected() > 0)
}

// === rows ===

/// The VM columns, joined with the group for the names a resource id needs.
const VM_SELECT: &str = "SELECT vm.vm_row, vm.resource_group_row, rg.subscription_id,
        rg.name AS resource_group_name, vm.name, vm.vm_id, vm.location, vm.tags, vm.properties,
        vm.imds_address, vm.created_at, vm.updated_at
    FROM virtual_machines vm JOIN resource_groups rg
        ON rg.resource_group_row = vm.resource_group_row";

#[derive(FromRow)]
struct SubscriptionRow {
    subscription_id: String,
    tenant_id: String,
    display_name: String,
    state: String,
    created_at: i64,
}

impl From<SubscriptionRow> for Subscription {
    fn from(row: SubscriptionRow) -> Self {
        Self {
            subscription_id: row.subscription_id,
            tenant_id: row.tenant_id,
            display_name: row.display_name,
            state: row.state,
            created_at: row.created_at,
        }
    }
}

#[derive(FromRow)]
struct ResourceGroupRow {
    resource_group_row: i64,
    subscription_id: String,
    name: String,
    location: String,
    tags: String,
    created_at: i64,
}

impl TryFrom<ResourceGroupRow> for ResourceGroup {
    type Error = StoreError;

    fn try_from(row: ResourceGroupRow) -> Result<Self, StoreError> {
        Ok(Self {
            resource_group_row: row.resource_group_row,
            subscription_id: row.subscription_id,
            name: row.name,
            location: row.location,
            tags: decode_object(&row.tags, "resource group tags")?,
            created_at: row.created_at,
        })
    }
}

#[derive(FromRow)]
struct VirtualMachineRow {
    vm_row: i64,
    resource_group_row: i64,
    subscription_id: String,
    resource_group_name: String,
    name: String,
    vm_id: String,
    location: String,
    tags: String,
    properties: String,
    imds_address: Option<String>,
    created_at: i64,
    updated_at: i64,
}

impl TryFrom<VirtualMachineRow> for VirtualMachine {
    type Error = StoreError;

    fn try_from(row: VirtualMachineRow) -> Result<Self, StoreError> {
        let properties = serde_json::from_str(&row.properties).map_err(|_| {
            StoreError::Corrupt(format!("properties of virtual machine row {}", row.vm_row))
        })?;
        Ok(Self {
            vm_row: row.vm_row,
            resource_group_row: row.resource_group_row,
            subscription_id: row.subscription_id,
            resource_group_name: row.resource_group_name,
            name: row.name,
            vm_id: row.vm_id,
            location: row.location,
            tags: decode_object(&row.tags, "virtual machine tags")?,
            properties,
            imds_address: row.imds_address,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

/// Tags as the JSON object text of a `tags` column.
pub(crate) fn encode_tags(tags: &Map<String, Value>) -> Result<String, StoreError> {
    serde_json::to_string(tags)
        .map_err(|_| StoreError::Corrupt("tags cannot be encoded".to_owned()))
}

fn encode_properties(properties: &Value) -> Result<String, StoreError> {
    serde_json::to_string(properties)
        .map_err(|_| StoreError::Corrupt("properties cannot be encoded".to_owned()))
}

/// A JSON object column read back; `what` names it in the error.
pub(crate) fn decode_object(
    text: &str,
    what: &'static str,
) -> Result<Map<String, Value>, StoreError> {
    serde_json::from_str(text)
        .map_err(|_| StoreError::Corrupt(format!("{what} are not a JSON object")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_fixtures::{SUBSCRIPTION, store_with_subscription};

    fn group_write<'a>(name: &'a str, tags: &'a Map<String, Value>) -> ResourceGroupWrite<'a> {
        ResourceGroupWrite {
            subscription_id: SUBSCRIPTION,
            name,
            location: "eastus",
            tags,
            now: 100,
        }
    }

    #[tokio::test]
    async fn resource_group_names_are_case_insensitive_and_keep_their_first_casing() {
        let (_dir, store) = store_with_subscription().await;
        let mut conn = store.read().await.unwrap();
        let tags = Map::new();
        let first = upsert_resource_group(&mut conn, group_write("My-Group", &tags))
            .await
            .unwrap();
        assert!(first.created);

        let mut new_tags = Map::new();
        new_tags.insert("env".to_owned(), Value::from("test"));
        let second = upsert_resource_group(&mut conn, group_write("MY-GROUP", &new_tags))
            .await
            .unwrap();
        assert!(!second.created);
        assert_eq!(
            second.resource_group.resource_group_row,
            first.resource_group.resource_group_row
        );
        assert_eq!(second.resource_group.name, "My-Group");
        assert_eq!(second.resource_group.tags, new_tags);

        let found = find_resource_group(&mut conn, &SUBSCRIPTION.to_uppercase(), "my-group")
            .await
            .unwrap()
            .expect("found in another casing");
        assert_eq!(found.name, "My-Group");
        assert_eq!(
            list_resource_groups(&mut conn, SUBSCRIPTION)
                .await
                .unwrap()
                .len(),
            1
        );

        // The unique constraint itself ignores case, whatever the code above it does.
        let duplicate = sqlx::query(
            "INSERT INTO resource_groups (subscription_id, name, location, created_at)
             VALUES (?, 'my-group', 'eastus', 0)",
        )
        .bind(SUBSCRIPTION)
        .execute(&mut *conn)
        .await
        .map_err(StoreError::query("inserting a resource group"));
        assert!(matches!(duplicate, Err(StoreError::Conflict { .. })));
    }

    #[tokio::test]
    async fn virtual_machine_names_are_unique_per_group_ignoring_case() {
        let (_dir, store) = store_with_subscription().await;
        let mut conn = store.read().await.unwrap();
        let tags = Map::new();
        let group = upsert_resource_group(&mut conn, group_write("rg", &tags))
            .await
            .unwrap();
        let properties = serde_json::json!({"hardwareProfile": {"vmSize": "Standard_B1s"}});
        let vm = NewVirtualMachine {
            resource_group_row: group.resource_group.resource_group_row,
            name: "Web-1",
            vm_id: "3a1b4c8e-0000-4000-8000-000000000001",
            location: "eastus",
            tags: &tags,
            properties: &properties,
            now: 100,
        };
        let inserted = insert_virtual_machine(&mut conn, vm).await.unwrap();
        assert_eq!(inserted.resource_group_name, "rg");
        assert_eq!(inserted.subscription_id, SUBSCRIPTION);
        assert_eq!(inserted.properties, properties);

        let clash = NewVirtualMachine {
            name: "WEB-1",
            vm_id: "3a1b4c8e-0000-4000-8000-000000000002",
            ..vm
        };
        assert!(matches!(
            insert_virtual_machine(&mut conn, clash).await,
            Err(StoreError::Conflict { .. })
        ));
        let found = find_virtual_machine(&mut conn, inserted.resource_group_row, "web-1")
            .await
            .unwrap()
            .expect("found in another casing");
        assert_eq!(found.vm_row, inserted.vm_row);
    }

    #[tokio::test]
    async fn updating_a_virtual_machine_keeps_its_vm_id_and_creation_time() {
        let (_dir, store) = store_with_subscription().await;
        let mut conn = store.read().await.unwrap();
        let tags = Map::new();
        let group = upsert_resource_group(&mut conn, group_write("rg", &tags))
            .await
            .unwrap();
        let empty = serde_json::json!({});
        let vm = insert_virtual_machine(
            &mut conn,
            NewVirtualMachine {
                resource_group_row: group.resource_group.resource_group_row,
                name: "vm",
                vm_id: "3a1b4c8e-0000-4000-8000-000000000003",
                location: "eastus",
                tags: &tags,
                properties: &empty,
                now: 100,
            },
        )
        .await
        .unwrap();
        let mut new_tags = Map::new();
        new_tags.insert("role".to_owned(), Value::from("web"));
        let properties = serde_json::json!({"osProfile": {"computerName": "vm"}});
        let updated = update_virtual_machine(
            &mut conn,
            vm.vm_row,
            VirtualMachineUpdate {
                tags: &new_tags,
                properties: &properties,
                now: 200,
            },
        )
        .await
        .unwrap()
        .expect("vm exists");
        assert_eq!(updated.vm_id, vm.vm_id);
        assert_eq!(updated.created_at, 100);
        assert_eq!(updated.updated_at, 200);
        assert_eq!(updated.tags, new_tags);
        assert_eq!(updated.properties, properties);

        set_imds_address(&mut conn, vm.vm_row, "127.0.0.1:4321")
            .await
            .unwrap();
        let all = list_all_virtual_machines(&mut conn).await.unwrap();
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].imds_address.as_deref(), Some("127.0.0.1:4321"));

        assert!(delete_virtual_machine(&mut conn, vm.vm_row).await.unwrap());
        assert!(!delete_virtual_machine(&mut conn, vm.vm_row).await.unwrap());
        assert!(
            update_virtual_machine(
                &mut conn,
                vm.vm_row,
                VirtualMachineUpdate {
                    tags: &new_tags,
                    properties: &properties,
                    now: 300
                },
            )
            .await
            .unwrap()
            .is_none()
        );
    }

    #[tokio::test]
    async fn deleting_a_resource_group_deletes_its_virtual_machines() {
        let (_dir, store) = store_with_subscription().await;
        let mut conn = store.read().await.unwrap();
        let tags = Map::new();
        let doomed = upsert_resource_group(&mut conn, group_write("doomed", &tags))
            .await
            .unwrap();
        let kept = upsert_resource_group(&mut conn, group_write("kept", &tags))
            .await
            .unwrap();
        let empty = serde_json::json!({});
        for (index, group) in [&doomed, &kept].into_iter().enumerate() {
            let vm_id = format!("3a1b4c8e-0000-4000-8000-00000000001{index}");
            insert_virtual_machine(
                &mut conn,
                NewVirtualMachine {
                    resource_group_row: group.resource_group.resource_group_row,
                    name: "vm",
                    vm_id: &vm_id,
                    location: "eastus",
                    tags: &tags,
                    properties: &empty,
                    now: 100,
                },
            )
            .await
            .unwrap();
        }
        assert_eq!(
            list_virtual_machines_in_subscription(&mut conn, SUBSCRIPTION)
                .await
                .unwrap()
                .len(),
            2
        );

        assert!(
            delete_resource_group(&mut conn, doomed.resource_group.resource_group_row)
                .await
                .unwrap()
        );

        let left = list_virtual_machines_in_subscription(&mut conn, SUBSCRIPTION)
            .await
            .unwrap();
        assert_eq!(left.len(), 1);
        assert_eq!(left[0].resource_group_name, "kept");
        assert!(
            list_virtual_machines_in_resource_group(
                &mut conn,
                doomed.resource_group.resource_group_row
            )
            .await
            .unwrap()
            .is_empty()
        );
        assert!(
            !delete_resource_group(&mut conn, doomed.resource_group.resource_group_row)
                .await
                .unwrap()
        );
    }
}
