//! `check_invariants` against databases broken on purpose: each test builds a sound store with
//! raw SQL, breaks one rule the way the schema lets it be broken (or shows that the schema
//! refuses), and expects exactly that rule reported.

// The fixture's helpers are test code too: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use azsim_store::Store;
use azsim_store::invariants::{InvariantViolation, check_invariants};

const VM1: &str =
    "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1";
const VM2: &str =
    "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm2";
/// As MSRP writes a user-assigned identity's `xms_mirid` (lower-case `resourcegroups`).
const UAMI: &str = "/subscriptions/s1/resourcegroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/shared";

/// A sound store: VMs `vm1` (row 10, system identity 100, carrying user-assigned identity 200)
/// and `vm2` (row 11, system identity 101), each with its own agent address.
struct Fixture {
    _dir: tempfile::TempDir,
    path: PathBuf,
    store: Store,
}

impl Fixture {
    async fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("azsim.db");
        let store = Store::open(&path).await.unwrap();
        let fixture = Self {
            _dir: dir,
            path,
            store,
        };
        fixture
            .exec(
                "INSERT INTO tenants VALUES ('t1', 'Tenant', 'tenant.onmicrosoft.com', 0);
                 INSERT INTO subscriptions VALUES ('s1', 't1', 'Sub', 'Enabled', 0);
                 INSERT INTO resource_groups (resource_group_row, subscription_id, name, location, created_at)
                     VALUES (1, 's1', 'rg', 'westeurope', 0);
                 INSERT INTO virtual_machines (vm_row, resource_group_row, name, vm_id, location,
                     imds_address, created_at, updated_at)
                     VALUES (10, 1, 'vm1', 'vmid-1', 'westeurope', '127.0.0.1:4001', 0, 0);
                 INSERT INTO virtual_machines (vm_row, resource_group_row, name, vm_id, location,
                     imds_address, created_at, updated_at)
                     VALUES (11, 1, 'vm2', 'vmid-2', 'westeurope', '127.0.0.1:4002', 0, 0);",
            )
            .await;
        fixture
            .identity(100, "SystemAssigned", Some(10), None, VM1, "p1")
            .await;
        fixture
            .identity(101, "SystemAssigned", Some(11), None, VM2, "p2")
            .await;
        fixture
            .identity(200, "UserAssigned", None, Some("shared"), UAMI, "p3")
            .await;
        fixture
            .exec("INSERT INTO identity_attachments VALUES (10, 200, 0)")
            .await;
        fixture
    }

    /// A managed identity with its principal, certificate credential and certificate, the
    /// way MSRP writes them (principal and credential through the directory).
    async fn identity(
        &self,
        identity_row: i64,
        kind: &str,
        vm_row: Option<i64>,
        name: Option<&str>,
        resource_id: &str,
        principal: &str,
    ) {
        let vm_row = vm_row.map_or("NULL".to_owned(), |row| row.to_string());
        let (group, name) = match name {
            Some(name) => ("1".to_owned(), format!("'{name}'")),
            None => ("NULL".to_owned(), "NULL".to_owned()),
        };
        self.exec(&format!(
            "INSERT INTO service_principals (object_id, tenant_id, app_id, display_name, principal_type,
                 managed_identity_resource_id, created_at)
                 VALUES ('{principal}', 't1', 'app-{principal}', 'mi', 'ManagedIdentity', '{resource_id}', 0);
             INSERT INTO credentials (credential_id, object_id, kind, certificate_der, thumbprint_sha1,
                 thumbprint_sha256, not_before, not_after, created_at)
                 VALUES ('cred-{principal}', '{principal}', 'certificate', x'00', 'AA', 'tp-{principal}', 0, 1, 0);
             INSERT INTO managed_identities (identity_row, kind, vm_row, resource_group_row, name,
                 resource_id, tenant_id, principal_id, client_id, location, created_at)
                 VALUES ({identity_row}, '{kind}', {vm_row}, {group}, {name}, '{resource_id}', 't1',
                 '{principal}', 'app-{principal}', 'westeurope', 0);
             INSERT INTO identity_certificates (identity_row, certificate_pem, private_key_pem,
                 thumbprint_sha256, not_before, not_after, renew_after, created_at)
                 VALUES ({identity_row}, 'pem', 'key', 'tp-{principal}', 0, 1, 1, 0);"
        ))
        .await;
    }

    async fn exec(&self, sql: &str) {
        self.try_exec(sql).await.unwrap();
    }

    async fn try_exec(&self, sql: &str) -> Result<(), sqlx::Error> {
        let mut conn = self.store.read().await.unwrap();
        sqlx::raw_sql(sql).execute(&mut *conn).await.map(|_| ())
    }

    /// Runs `sql` with foreign keys off (what a torn or buggy write could leave behind), then
    /// switches them on again before the connection goes back to the pool.
    async fn exec_without_foreign_keys(&self, sql: &str) {
        self.exec(&format!(
            "PRAGMA foreign_keys = OFF; {sql}; PRAGMA foreign_keys = ON;"
        ))
        .await;
    }

    async fn violations(&self) -> Vec<InvariantViolation> {
        let mut conn = self.store.read().await.unwrap();
        check_invariants(&mut conn).await.unwrap()
    }
}

#[tokio::test]
async fn a_sound_store_breaks_no_rule() {
    let fixture = Fixture::new().await;
    assert_eq!(fixture.violations().await, vec![]);
}

#[tokio::test]
async fn the_check_reads_a_file_reopened_without_migrations() {
    let fixture = Fixture::new().await;
    // A file whose schema lost the rule (the index): the check still reads what it holds.
    fixture
        .exec(
            "DROP INDEX virtual_machines_imds_address; \
             UPDATE virtual_machines SET imds_address = '127.0.0.1:4001' WHERE vm_row = 11",
        )
        .await;
    fixture.store.close().await;

    let reopened = Store::open_existing(&fixture.path).await.unwrap();
    let mut conn = reopened.read().await.unwrap();
    let violations = check_invariants(&mut conn).await.unwrap();

    assert_eq!(
        violations,
        vec![InvariantViolation::SharedAgentAddress {
            address: "127.0.0.1:4001".into(),
            vm_rows: vec![10, 11],
        }]
    );
}

#[tokio::test]
async fn a_damaged_index_fails_the_integrity_check() {
    let fixture = Fixture::new().await;
    // The documented way to make an index disagree with its table without touching bytes:
    // rewrite the index's definition behind SQLite's back.
    fixture
        .exec(
            "CREATE TABLE damaged (a INTEGER, b INTEGER);
             CREATE INDEX damaged_by_a ON damaged (a);
             INSERT INTO damaged VALUES (1, 2), (3, 4);
             PRAGMA writable_schema = ON;
             UPDATE sqlite_master SET sql = 'CREATE INDEX damaged_by_a ON damaged (b)'
                 WHERE name = 'damaged_by_a';
             PRAGMA writable_schema = OFF;",
        )
        .await;
    fixture.store.close().await;

    // A new connection reads the rewritten schema.
    let reopened = Store::open_existing(&fixture.path).await.unwrap();
    let mut conn = reopened.read().await.unwrap();
    let violations = check_invariants(&mut conn).await.unwrap();

    assert!(!violations.is_empty());
    assert!(
        violations.iter().all(|violation| matches!(violation,
            InvariantViolation::Integrity(line) if line.contains("damaged_by_a"))),
        "{violations:?}"
    );
}

#[tokio::test]
async fn rows_naming_a_missing_vm_are_foreign_key_violations() {
    let fixture = Fixture::new().await;
    fixture
        .exec_without_foreign_keys("DELETE FROM virtual_machines WHERE vm_row = 10")
        .await;

    let violations = fixture.violations().await;

    // Without the cascade, vm1's identity and its attachment stay behind, naming row 10.
    let dangling: Vec<&str> = violations
        .iter()
        .filter_map(|violation| match violation {
            InvariantViolation::ForeignKey { table, parent, .. }
                if parent == "virtual_machines" =>
            {
                Some(table.as_str())
            }
            _ => None,
        })
        .collect();
    assert!(dangling.contains(&"managed_identities"), "{violations:?}");
    assert!(dangling.contains(&"identity_attachments"), "{violations:?}");
}

#[tokio::test]
async fn a_managed_identity_principal_without_its_identity_is_an_orphan() {
    let fixture = Fixture::new().await;
    // The trigger deletes the principal with its identity; a principal written alone is not
    // refused by the schema, only found here.
    fixture
        .exec(
            "INSERT INTO service_principals (object_id, tenant_id, app_id, display_name,
                 principal_type, managed_identity_resource_id, created_at)
                 VALUES ('p9', 't1', 'app-p9', 'mi', 'ManagedIdentity', '/vm9', 0)",
        )
        .await;

    assert_eq!(
        fixture.violations().await,
        vec![InvariantViolation::PrincipalWithoutIdentity {
            object_id: "p9".into(),
            resource_id: "/vm9".into(),
        }]
    );
}

#[tokio::test]
async fn an_identity_whose_principal_is_gone_is_reported() {
    let fixture = Fixture::new().await;
    // With foreign keys on, deleting the principal deletes the identity (cascade).
    fixture
        .exec_without_foreign_keys("DELETE FROM service_principals WHERE object_id = 'p2'")
        .await;

    let violations = fixture.violations().await;

    assert!(
        violations.contains(
            &InvariantViolation::IdentityWithoutManagedIdentityPrincipal {
                identity_row: 101,
                principal_id: "p2".into(),
            }
        ),
        "{violations:?}"
    );
    assert!(
        violations.iter().any(|violation| matches!(violation,
            InvariantViolation::ForeignKey { table, parent, .. }
                if table == "managed_identities" && parent == "service_principals")),
        "{violations:?}"
    );
}

#[tokio::test]
async fn a_principal_naming_another_resource_disagrees_with_its_identity() {
    let fixture = Fixture::new().await;
    fixture
        .exec(&format!(
            "UPDATE service_principals SET managed_identity_resource_id = '{VM2}'
             WHERE object_id = 'p1'"
        ))
        .await;

    assert_eq!(
        fixture.violations().await,
        vec![InvariantViolation::PrincipalDisagreesWithIdentity {
            identity_row: 100,
            identity_resource_id: VM1.into(),
            principal_resource_id: VM2.into(),
        }]
    );
}

#[tokio::test]
async fn an_identity_without_certificate_credential_cannot_get_tokens() {
    let fixture = Fixture::new().await;
    fixture
        .exec("DELETE FROM credentials WHERE object_id = 'p3'")
        .await;

    assert_eq!(
        fixture.violations().await,
        vec![
            InvariantViolation::IdentityWithoutCertificateCredential {
                identity_row: 200,
                resource_id: UAMI.into(),
            },
            InvariantViolation::CertificateNotRegistered {
                identity_row: 200,
                thumbprint_sha256: "tp-p3".into(),
            },
        ]
    );
}

#[tokio::test]
async fn an_identity_without_certificate_leaves_its_agents_nothing_to_sign_with() {
    let fixture = Fixture::new().await;
    fixture
        .exec("DELETE FROM identity_certificates WHERE identity_row = 100")
        .await;

    assert_eq!(
        fixture.violations().await,
        vec![InvariantViolation::IdentityWithoutCertificate {
            identity_row: 100,
            resource_id: VM1.into(),
        }]
    );
}

#[tokio::test]
async fn a_certificate_the_directory_does_not_know_is_reported() {
    let fixture = Fixture::new().await;
    fixture
        .exec(
            "UPDATE identity_certificates SET thumbprint_sha256 = 'other' WHERE identity_row = 101",
        )
        .await;

    assert_eq!(
        fixture.violations().await,
        vec![InvariantViolation::CertificateNotRegistered {
            identity_row: 101,
            thumbprint_sha256: "other".into(),
        }]
    );
}

#[tokio::test]
async fn a_system_identity_must_be_its_own_vms_identity() {
    let fixture = Fixture::new().await;
    // Identity and principal agree with each other, but both name vm2 while belonging to vm1.
    fixture
        .exec(&format!(
            "UPDATE managed_identities SET resource_id = '{VM2}' WHERE identity_row = 100;
             UPDATE service_principals SET managed_identity_resource_id = '{VM2}'
                 WHERE object_id = 'p1';"
        ))
        .await;

    assert_eq!(
        fixture.violations().await,
        vec![InvariantViolation::SystemIdentityNamesAnotherResource {
            identity_row: 100,
            resource_id: VM2.into(),
            vm_resource_id: VM1.into(),
        }]
    );
}

#[tokio::test]
async fn a_renamed_user_assigned_identity_no_longer_matches_its_id() {
    let fixture = Fixture::new().await;
    fixture
        .exec("UPDATE managed_identities SET name = 'renamed' WHERE identity_row = 200")
        .await;

    assert_eq!(
        fixture.violations().await,
        vec![
            InvariantViolation::UserAssignedIdentityNamesAnotherResource {
                identity_row: 200,
                resource_id: UAMI.into(),
                expected_resource_id: "/subscriptions/s1/resourceGroups/rg/providers/\
                     Microsoft.ManagedIdentity/userAssignedIdentities/renamed"
                    .into(),
            }
        ]
    );
}

#[tokio::test]
async fn a_system_identity_cannot_be_attached_and_an_update_that_does_it_is_reported() {
    let fixture = Fixture::new().await;
    let refused = fixture
        .try_exec("INSERT INTO identity_attachments VALUES (11, 100, 0)")
        .await;
    assert!(refused.is_err(), "the trigger refuses a system identity");

    // The trigger guards inserts only; an update can still point an attachment at one.
    fixture
        .exec("UPDATE identity_attachments SET identity_row = 101 WHERE vm_row = 10")
        .await;

    assert_eq!(
        fixture.violations().await,
        vec![InvariantViolation::AttachmentOfSystemIdentity {
            vm_row: 10,
            identity_row: 101,
        }]
    );
}

#[tokio::test]
async fn two_vms_never_share_an_agent_address() {
    let fixture = Fixture::new().await;
    let share = "UPDATE virtual_machines SET imds_address = '127.0.0.1:4002' WHERE vm_row = 10";
    // The schema refuses it (a unique index); the check catches a file that lost that rule.
    assert!(fixture.try_exec(share).await.is_err());
    fixture
        .exec(&format!(
            "DROP INDEX virtual_machines_imds_address; {share}"
        ))
        .await;

    let violations = fixture.violations().await;

    assert_eq!(
        violations,
        vec![InvariantViolation::SharedAgentAddress {
            address: "127.0.0.1:4002".into(),
            vm_rows: vec![10, 11],
        }]
    );
    assert_eq!(
        violations[0].to_string(),
        "VMs [10, 11] share the agent address 127.0.0.1:4002"
    );
}

#[tokio::test]
async fn orphaned_role_assignments_are_not_violations() {
    let fixture = Fixture::new().await;
    // Assignments outlive their principals by design (as in Azure).
    fixture
        .exec(
            "INSERT INTO role_assignments (name, assignment_id, scope, scope_key,
                 role_definition_id, principal_id, principal_type, created_at, updated_at)
                 VALUES ('a1', '/subscriptions/s1/providers/Microsoft.Authorization/roleAssignments/a1',
                 '/subscriptions/s1', '/subscriptions/s1', 'r1', 'gone', 'ServicePrincipal', 0, 0);
             DELETE FROM virtual_machines WHERE vm_row = 11;",
        )
        .await;

    assert_eq!(fixture.violations().await, vec![]);
}
