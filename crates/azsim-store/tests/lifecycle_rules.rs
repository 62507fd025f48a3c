//! The life-cycle rules, proved at the SQL level: raw statements against a migrated database,
//! with no azsim code in between, so no code path can bypass them.

// The fixture's helpers are test code too: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use azsim_store::{ReadConnection, Store};

struct Fixture {
    _dir: tempfile::TempDir,
    store: Store,
}

impl Fixture {
    async fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("azsim.db")).await.unwrap();
        let fixture = Self { _dir: dir, store };
        fixture
            .exec(
                "INSERT INTO tenants VALUES ('t1', 'Tenant', 'tenant.onmicrosoft.com', 0);
                 INSERT INTO subscriptions VALUES ('s1', 't1', 'Sub', 'Enabled', 0);
                 INSERT INTO resource_groups (resource_group_row, subscription_id, name, location, created_at)
                     VALUES (1, 's1', 'rg', 'westeurope', 0);
                 INSERT INTO virtual_machines (vm_row, resource_group_row, name, vm_id, location, created_at, updated_at)
                     VALUES (10, 1, 'vm1', 'vmid-1', 'westeurope', 0, 0);
                 INSERT INTO virtual_machines (vm_row, resource_group_row, name, vm_id, location, created_at, updated_at)
                     VALUES (11, 1, 'vm2', 'vmid-2', 'westeurope', 0, 0);",
            )
            .await;
        fixture
    }

    async fn connection(&self) -> ReadConnection {
        self.store.read().await.unwrap()
    }

    async fn exec(&self, sql: &str) {
        let mut conn = self.connection().await;
        sqlx::raw_sql(sql).execute(&mut *conn).await.unwrap();
    }

    async fn try_exec(&self, sql: &str) -> Result<(), sqlx::Error> {
        let mut conn = self.connection().await;
        sqlx::raw_sql(sql).execute(&mut *conn).await.map(|_| ())
    }

    async fn count(&self, sql: &str) -> i64 {
        let mut conn = self.connection().await;
        sqlx::query_scalar(sql).fetch_one(&mut *conn).await.unwrap()
    }

    /// A managed-identity principal with a certificate credential and an identity row.
    async fn system_identity(&self, identity_row: i64, vm_row: i64, principal: &str) {
        self.exec(&format!(
            "INSERT INTO service_principals (object_id, tenant_id, app_id, display_name, principal_type,
                 managed_identity_resource_id, created_at)
                 VALUES ('{principal}', 't1', 'app-{principal}', 'vm', 'ManagedIdentity', '/vm', 0);
             INSERT INTO credentials (credential_id, object_id, kind, certificate_der, thumbprint_sha1,
                 thumbprint_sha256, not_before, not_after, created_at)
                 VALUES ('cred-{principal}', '{principal}', 'certificate', x'00', 'AA', 'BB', 0, 1, 0);
             INSERT INTO managed_identities (identity_row, kind, vm_row, resource_id, tenant_id,
                 principal_id, client_id, location, created_at)
                 VALUES ({identity_row}, 'SystemAssigned', {vm_row}, '/vm', 't1', '{principal}',
                 'app-{principal}', 'westeurope', 0);
             INSERT INTO identity_certificates (identity_row, certificate_pem, private_key_pem,
                 thumbprint_sha256, not_before, not_after, renew_after, created_at)
                 VALUES ({identity_row}, 'pem', 'key', 'BB', 0, 1, 1, 0);"
        ))
        .await;
    }

    async fn user_identity(&self, identity_row: i64, name: &str, principal: &str) {
        self.exec(&format!(
            "INSERT INTO service_principals (object_id, tenant_id, app_id, display_name, principal_type,
                 managed_identity_resource_id, created_at)
                 VALUES ('{principal}', 't1', 'app-{principal}', '{name}', 'ManagedIdentity', '/uami/{name}', 0);
             INSERT INTO managed_identities (identity_row, kind, resource_group_row, name, resource_id,
                 tenant_id, principal_id, client_id, location, created_at)
                 VALUES ({identity_row}, 'UserAssigned', 1, '{name}', '/uami/{name}', 't1', '{principal}',
                 'app-{principal}', 'westeurope', 0);"
        ))
        .await;
    }
}

#[tokio::test]
async fn deleting_a_vm_deletes_its_system_identity_principal_and_credentials() {
    let fixture = Fixture::new().await;
    fixture.system_identity(100, 10, "p1").await;

    fixture
        .exec("DELETE FROM virtual_machines WHERE vm_row = 10")
        .await;

    assert_eq!(
        fixture
            .count("SELECT count(*) FROM managed_identities")
            .await,
        0
    );
    assert_eq!(
        fixture
            .count("SELECT count(*) FROM service_principals WHERE object_id = 'p1'")
            .await,
        0
    );
    assert_eq!(fixture.count("SELECT count(*) FROM credentials").await, 0);
    assert_eq!(
        fixture
            .count("SELECT count(*) FROM identity_certificates")
            .await,
        0
    );
}

#[tokio::test]
async fn turning_the_identity_off_deletes_its_principal_but_keeps_the_vm() {
    let fixture = Fixture::new().await;
    fixture.system_identity(100, 10, "p1").await;

    fixture
        .exec("DELETE FROM managed_identities WHERE vm_row = 10")
        .await;

    assert_eq!(
        fixture
            .count("SELECT count(*) FROM virtual_machines WHERE vm_row = 10")
            .await,
        1
    );
    assert_eq!(
        fixture
            .count("SELECT count(*) FROM service_principals")
            .await,
        0
    );
    assert_eq!(fixture.count("SELECT count(*) FROM credentials").await, 0);
}

#[tokio::test]
async fn deleting_a_resource_group_deletes_its_vms_and_their_identities() {
    let fixture = Fixture::new().await;
    fixture.system_identity(100, 10, "p1").await;
    fixture.system_identity(101, 11, "p2").await;

    fixture
        .exec("DELETE FROM resource_groups WHERE resource_group_row = 1")
        .await;

    assert_eq!(
        fixture.count("SELECT count(*) FROM virtual_machines").await,
        0
    );
    assert_eq!(
        fixture
            .count("SELECT count(*) FROM managed_identities")
            .await,
        0
    );
    assert_eq!(
        fixture
            .count("SELECT count(*) FROM service_principals")
            .await,
        0
    );
    assert_eq!(fixture.count("SELECT count(*) FROM credentials").await, 0);
}

#[tokio::test]
async fn a_vm_has_at_most_one_system_identity() {
    let fixture = Fixture::new().await;
    fixture.system_identity(100, 10, "p1").await;

    let second = fixture
        .try_exec(
            "INSERT INTO service_principals (object_id, tenant_id, app_id, display_name, principal_type,
                 managed_identity_resource_id, created_at)
                 VALUES ('p2', 't1', 'app-p2', 'vm', 'ManagedIdentity', '/vm', 0);
             INSERT INTO managed_identities (kind, vm_row, resource_id, tenant_id, principal_id, client_id,
                 location, created_at)
                 VALUES ('SystemAssigned', 10, '/vm', 't1', 'p2', 'app-p2', 'westeurope', 0);",
        )
        .await;
    assert!(
        second.is_err(),
        "a second system identity on one VM must be refused"
    );
}

#[tokio::test]
async fn a_system_identity_must_name_its_vm() {
    let fixture = Fixture::new().await;
    let orphan = fixture
        .try_exec(
            "INSERT INTO service_principals (object_id, tenant_id, app_id, display_name, principal_type,
                 managed_identity_resource_id, created_at)
                 VALUES ('p3', 't1', 'app-p3', 'vm', 'ManagedIdentity', '/vm', 0);
             INSERT INTO managed_identities (kind, resource_id, tenant_id, principal_id, client_id,
                 location, created_at)
                 VALUES ('SystemAssigned', '/vm', 't1', 'p3', 'app-p3', 'westeurope', 0);",
        )
        .await;
    assert!(orphan.is_err());
}

#[tokio::test]
async fn deleting_a_principal_directly_deletes_the_identity_that_used_it() {
    let fixture = Fixture::new().await;
    fixture.system_identity(100, 10, "p1").await;

    fixture
        .exec("DELETE FROM service_principals WHERE object_id = 'p1'")
        .await;

    assert_eq!(
        fixture
            .count("SELECT count(*) FROM managed_identities")
            .await,
        0
    );
    assert_eq!(
        fixture
            .count("SELECT count(*) FROM identity_certificates")
            .await,
        0
    );
    assert_eq!(
        fixture.count("SELECT count(*) FROM virtual_machines").await,
        2
    );
}

#[tokio::test]
async fn deleting_a_vm_detaches_but_keeps_its_user_assigned_identity() {
    let fixture = Fixture::new().await;
    fixture.user_identity(200, "shared", "pu").await;
    fixture
        .exec(
            "INSERT INTO identity_attachments VALUES (10, 200, 0);
             INSERT INTO identity_attachments VALUES (11, 200, 0);",
        )
        .await;

    fixture
        .exec("DELETE FROM virtual_machines WHERE vm_row = 10")
        .await;

    assert_eq!(
        fixture
            .count("SELECT count(*) FROM managed_identities")
            .await,
        1
    );
    assert_eq!(
        fixture
            .count("SELECT count(*) FROM service_principals")
            .await,
        1
    );
    assert_eq!(
        fixture
            .count("SELECT count(*) FROM identity_attachments")
            .await,
        1
    );
}

#[tokio::test]
async fn deleting_a_user_assigned_identity_detaches_it_everywhere() {
    let fixture = Fixture::new().await;
    fixture.user_identity(200, "shared", "pu").await;
    fixture
        .exec(
            "INSERT INTO identity_attachments VALUES (10, 200, 0);
             INSERT INTO identity_attachments VALUES (11, 200, 0);",
        )
        .await;

    fixture
        .exec("DELETE FROM managed_identities WHERE identity_row = 200")
        .await;

    assert_eq!(
        fixture
            .count("SELECT count(*) FROM identity_attachments")
            .await,
        0
    );
    assert_eq!(
        fixture
            .count("SELECT count(*) FROM service_principals")
            .await,
        0
    );
    assert_eq!(
        fixture.count("SELECT count(*) FROM virtual_machines").await,
        2
    );
}

#[tokio::test]
async fn a_system_identity_cannot_be_attached_to_another_vm() {
    let fixture = Fixture::new().await;
    fixture.system_identity(100, 10, "p1").await;
    let attached = fixture
        .try_exec("INSERT INTO identity_attachments VALUES (11, 100, 0)")
        .await;
    assert!(
        attached.is_err(),
        "only user-assigned identities may be shared"
    );
}

#[tokio::test]
async fn resource_group_names_are_unique_regardless_of_case() {
    let fixture = Fixture::new().await;
    let duplicate = fixture
        .try_exec(
            "INSERT INTO resource_groups (subscription_id, name, location, created_at)
                 VALUES ('S1', 'RG', 'westeurope', 0)",
        )
        .await;
    assert!(duplicate.is_err());
}

#[tokio::test]
async fn migrations_apply_to_an_empty_database_and_again_on_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("azsim.db");
    let store = Store::open(&path).await.unwrap();
    store.close().await;
    let reopened = Store::open(&path).await.unwrap();
    let mut conn = reopened.read().await.unwrap();
    let tables: i64 = sqlx::query_scalar("SELECT count(*) FROM sqlite_master WHERE type = 'table'")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert!(tables >= 12, "expected every table, found {tables}");
}

#[tokio::test]
async fn deleting_a_user_assigned_identity_deletes_its_credentials_and_certificates() {
    let fixture = Fixture::new().await;
    fixture.user_identity(200, "shared", "pu").await;
    fixture
        .exec(
            "INSERT INTO credentials (credential_id, object_id, kind, certificate_der, thumbprint_sha1,
                 thumbprint_sha256, not_before, not_after, created_at)
                 VALUES ('cred-pu', 'pu', 'certificate', x'00', 'AA', 'BB', 0, 1, 0);
             INSERT INTO identity_certificates (identity_row, certificate_pem, private_key_pem,
                 thumbprint_sha256, not_before, not_after, renew_after, created_at)
                 VALUES (200, 'pem', 'key', 'BB', 0, 1, 1, 0);",
        )
        .await;

    fixture
        .exec("DELETE FROM managed_identities WHERE identity_row = 200")
        .await;

    assert_eq!(fixture.count("SELECT count(*) FROM credentials").await, 0);
    assert_eq!(
        fixture
            .count("SELECT count(*) FROM identity_certificates")
            .await,
        0
    );
}

#[tokio::test]
async fn deleting_a_resource_group_deletes_its_user_assigned_identities_and_detaches_them_elsewhere()
 {
    let fixture = Fixture::new().await;
    fixture.user_identity(200, "shared", "pu").await;
    fixture
        .exec(
            "INSERT INTO resource_groups (resource_group_row, subscription_id, name, location, created_at)
                 VALUES (2, 's1', 'rg-vms', 'westeurope', 0);
             INSERT INTO virtual_machines (vm_row, resource_group_row, name, vm_id, location, created_at, updated_at)
                 VALUES (20, 2, 'vm-elsewhere', 'vmid-20', 'westeurope', 0, 0);
             INSERT INTO identity_attachments VALUES (20, 200, 0);",
        )
        .await;

    fixture
        .exec("DELETE FROM resource_groups WHERE resource_group_row = 1")
        .await;

    assert_eq!(
        fixture
            .count("SELECT count(*) FROM managed_identities")
            .await,
        0
    );
    assert_eq!(
        fixture
            .count("SELECT count(*) FROM service_principals")
            .await,
        0
    );
    assert_eq!(
        fixture
            .count("SELECT count(*) FROM identity_attachments")
            .await,
        0
    );
    assert_eq!(
        fixture
            .count("SELECT count(*) FROM virtual_machines WHERE vm_row = 20")
            .await,
        1,
        "a VM in another group only loses the attachment"
    );
}

#[tokio::test]
async fn an_attachment_needs_an_existing_vm_and_identity_and_exists_once() {
    let fixture = Fixture::new().await;
    fixture.user_identity(200, "shared", "pu").await;
    let no_vm = fixture
        .try_exec("INSERT INTO identity_attachments VALUES (99, 200, 0)")
        .await;
    assert!(no_vm.is_err(), "an attachment to a missing VM was accepted");
    let no_identity = fixture
        .try_exec("INSERT INTO identity_attachments VALUES (10, 999, 0)")
        .await;
    assert!(
        no_identity.is_err(),
        "an attachment of a missing identity was accepted"
    );
    fixture
        .exec("INSERT INTO identity_attachments VALUES (10, 200, 0)")
        .await;
    let twice = fixture
        .try_exec("INSERT INTO identity_attachments VALUES (10, 200, 5)")
        .await;
    assert!(twice.is_err(), "one identity was attached to a VM twice");
}

#[tokio::test]
async fn user_assigned_identity_names_are_unique_per_resource_group_regardless_of_case() {
    let fixture = Fixture::new().await;
    fixture.user_identity(200, "shared", "pu").await;
    let duplicate = fixture
        .try_exec(
            "INSERT INTO service_principals (object_id, tenant_id, app_id, display_name, principal_type,
                 managed_identity_resource_id, created_at)
                 VALUES ('pu2', 't1', 'app-pu2', 'SHARED', 'ManagedIdentity', '/uami/SHARED', 0);
             INSERT INTO managed_identities (kind, resource_group_row, name, resource_id, tenant_id,
                 principal_id, client_id, location, created_at)
                 VALUES ('UserAssigned', 1, 'SHARED', '/uami/SHARED', 't1', 'pu2', 'app-pu2',
                 'westeurope', 0);",
        )
        .await;
    assert!(duplicate.is_err());
}

#[tokio::test]
async fn a_user_assigned_identity_needs_a_resource_group_and_a_name_and_no_vm() {
    let fixture = Fixture::new().await;
    fixture
        .exec(
            "INSERT INTO service_principals (object_id, tenant_id, app_id, display_name, principal_type,
                 managed_identity_resource_id, created_at)
                 VALUES ('px', 't1', 'app-px', 'x', 'ManagedIdentity', '/uami/x', 0);",
        )
        .await;
    for (resource_group_row, name, vm_row) in [
        ("NULL", "'x'", "NULL"),
        ("1", "NULL", "NULL"),
        ("1", "'x'", "10"),
    ] {
        let invalid = fixture
            .try_exec(&format!(
                "INSERT INTO managed_identities (kind, vm_row, resource_group_row, name, resource_id,
                     tenant_id, principal_id, client_id, location, created_at)
                     VALUES ('UserAssigned', {vm_row}, {resource_group_row}, {name}, '/uami/x', 't1',
                     'px', 'app-px', 'westeurope', 0);"
            ))
            .await;
        assert!(
            invalid.is_err(),
            "accepted group {resource_group_row}, name {name}, vm {vm_row}"
        );
    }
}

#[tokio::test]
async fn two_vms_never_share_a_metadata_agent_address() {
    let fixture = Fixture::new().await;
    fixture
        .exec("UPDATE virtual_machines SET imds_address = '127.0.0.1:50001' WHERE vm_row = 10")
        .await;

    let shared = fixture
        .try_exec("UPDATE virtual_machines SET imds_address = '127.0.0.1:50001' WHERE vm_row = 11")
        .await;
    assert!(
        shared.is_err(),
        "a second VM must not be given the address of another VM's agent"
    );
    // VMs without an agent address yet are many; a deleted VM's address is free again.
    fixture
        .exec("UPDATE virtual_machines SET imds_address = NULL WHERE vm_row = 11")
        .await;
    fixture
        .exec("DELETE FROM virtual_machines WHERE vm_row = 10")
        .await;
    fixture
        .exec("UPDATE virtual_machines SET imds_address = '127.0.0.1:50001' WHERE vm_row = 11")
        .await;
}
