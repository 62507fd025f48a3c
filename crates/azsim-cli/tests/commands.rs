//! The `azsim` commands that act on a running cloud, run as a user runs them: the real binary
//! against a real `azsim up` process.

#![allow(clippy::unwrap_used)]

#[path = "support/cloud_admin.rs"]
mod cloud_admin;
#[path = "conformance/running_cloud.rs"]
mod running_cloud;

use std::path::Path;
use std::process::{Command, Output};

use cloud_admin::CloudAdmin;
use running_cloud::RunningCloud;
use serde_json::json;

fn azsim(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_azsim"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .output()
        .expect("the azsim binary runs")
}

#[tokio::test]
async fn secret_set_grants_itself_on_a_vault_whose_name_extends_an_already_granted_one() {
    // Arrange: two vaults, `kv1` and `kv10`; the administrator is Officer on `kv1` only.
    let cloud = RunningCloud::start(Path::new(env!("CARGO_BIN_EXE_azsim")));
    let admin = CloudAdmin::new(cloud.data_dir());
    admin
        .put(
            &format!("{}?api-version=2024-11-01", admin.group_path("cli")),
            json!({"location": "westeurope"}),
        )
        .await;
    admin.create_vault("cli", "kv1").await;
    admin.create_vault("cli", "kv10").await;
    let first = azsim(
        cloud.data_dir(),
        &[
            "secret", "set", "--vault", "kv1", "--name", "a", "--value", "1",
        ],
    );
    assert!(first.status.success(), "{first:?}\n{}", cloud.log());
    assert!(String::from_utf8_lossy(&first.stdout).contains("granted the administrator"));

    // Act: a secret in `kv10`. The grant on `kv1` does not cover it (segment-wise scopes).
    let second = azsim(
        cloud.data_dir(),
        &[
            "secret", "set", "--vault", "kv10", "--name", "b", "--value", "2",
        ],
    );

    // Assert: the command granted itself on `kv10` and the write went through.
    let stdout = String::from_utf8_lossy(&second.stdout);
    assert!(
        second.status.success(),
        "{second:?}\nazsim's log:\n{}",
        cloud.log()
    );
    assert!(
        stdout.contains("granted the administrator Key Vault Secrets Officer on")
            && stdout.contains("/vaults/kv10"),
        "{stdout}"
    );
    assert!(stdout.contains("/secrets/b/"), "{stdout}");

    // And a second write to `kv1` finds its grant and grants nothing again.
    let third = azsim(
        cloud.data_dir(),
        &[
            "secret", "set", "--vault", "kv1", "--name", "c", "--value", "3",
        ],
    );
    assert!(third.status.success(), "{third:?}");
    assert!(!String::from_utf8_lossy(&third.stdout).contains("granted"));
}
