//! Secrets at rest: the data directory and every file holding a secret are the owner's alone,
//! from their first byte and again after a start on a loosened directory; the administrator's
//! secret lives in `endpoints.json` only, the database keeps its digest.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use azsim_testkit::FakeCloud;
use azsim_testkit::fixtures::Client;

const MANAGEMENT_SCOPE: &str = "https://management.azure.com/.default";

const OWNER_ONLY_FILES: [&str; 5] = [
    "azsim.db",
    "azsim.db-wal",
    "azsim.db-shm",
    "endpoints.json",
    "ca-key.pem",
];

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|error| panic!("{}: {error}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

fn set_mode(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// A cloud whose data directory does not exist before the start (a fresh temporary directory
/// is already owner-only, which would prove nothing).
async fn cloud_in_new_directory() -> (FakeCloud, PathBuf) {
    let cloud = FakeCloud::builder()
        .configure(|config| config.data_dir = config.data_dir.join("data"))
        .start()
        .await;
    let data_dir = cloud.cloud().data_dir().to_owned();
    (cloud, data_dir)
}

fn assert_owner_only(data_dir: &Path) {
    assert_eq!(mode(data_dir), 0o700, "the data directory");
    for file in OWNER_ONLY_FILES {
        assert_eq!(mode(&data_dir.join(file)), 0o600, "{file}");
    }
}

#[tokio::test]
async fn the_data_directory_and_its_secret_files_are_the_owners_alone() {
    let (cloud, data_dir) = cloud_in_new_directory().await;
    // A write, so that the write-ahead log holds pages.
    cloud.create_resource_group("rg").await.assert_status(201);

    assert_owner_only(&data_dir);
    // What clients must read stays readable.
    assert_eq!(mode(&data_dir.join("ca.pem")) & 0o044, 0o044, "ca.pem");
    cloud.stop().await;
}

#[tokio::test]
async fn a_start_tightens_a_loosened_data_directory() {
    let (mut cloud, data_dir) = cloud_in_new_directory().await;
    cloud.create_resource_group("rg").await.assert_status(201);
    set_mode(&data_dir, 0o755);
    for file in OWNER_ONLY_FILES {
        set_mode(&data_dir.join(file), 0o644);
    }

    cloud.restart().await;
    cloud.create_resource_group("rg2").await.assert_status(201);

    assert_owner_only(&data_dir);
    cloud.stop().await;
}

/// Whether `needle` occurs anywhere in the file at `path`.
fn file_contains(path: &Path, needle: &[u8]) -> bool {
    let bytes = std::fs::read(path).unwrap();
    bytes.windows(needle.len()).any(|window| window == needle)
}

#[tokio::test]
async fn the_database_never_holds_the_administrators_secret() {
    let cloud = FakeCloud::start().await;
    cloud.create_resource_group("rg").await.assert_status(201);
    let secret = cloud.cloud().endpoints().admin.client_secret.clone();
    cloud
        .client_secret_token(MANAGEMENT_SCOPE)
        .await
        .assert_status(200);

    for file in ["azsim.db", "azsim.db-wal"] {
        assert!(
            !file_contains(&cloud.data_dir().join(file), secret.as_bytes()),
            "{file} holds the administrator's secret in the clear"
        );
    }
    cloud.stop().await;
}

#[tokio::test]
async fn a_restart_keeps_the_administrators_secret() {
    let mut cloud = FakeCloud::start().await;
    let before = cloud.cloud().endpoints().admin.clone();

    cloud.restart().await;

    assert_eq!(cloud.cloud().endpoints().admin, before);
    cloud
        .client_secret_token(MANAGEMENT_SCOPE)
        .await
        .assert_status(200);
    cloud.stop().await;
}

#[tokio::test]
async fn a_lost_endpoints_file_gets_the_administrator_a_new_secret() {
    let mut cloud = FakeCloud::start().await;
    let before = cloud.cloud().endpoints().admin.clone();
    let old_admin = Client {
        tenant_id: cloud.tenant_id(),
        client_id: before.client_id.clone(),
        object_id: String::new(),
        secret: before.client_secret.clone(),
    };
    std::fs::remove_file(cloud.data_dir().join("endpoints.json")).unwrap();

    cloud.restart().await;

    let after = cloud.cloud().endpoints().admin.clone();
    assert_eq!(after.client_id, before.client_id, "the same administrator");
    assert_ne!(after.client_secret, before.client_secret, "a new secret");
    cloud
        .client_secret_token(MANAGEMENT_SCOPE)
        .await
        .assert_status(200);
    // The new credential replaced the lost one, as a credential reset does.
    let refused = cloud
        .client_secret_token_for(&old_admin, MANAGEMENT_SCOPE)
        .await;
    assert_eq!(refused.status.as_u16(), 401, "{refused:?}");
    cloud.stop().await;
}
