//! The state an attack must leave alone, read straight from the cloud's store, and the
//! comparison of two readings.

use azsim_store::{identities, resources, role_assignments, vaults};
use azsim_testkit::FakeCloud;

/// Everything an attacker could want to change, one line per row: subscriptions, resource
/// groups, VMs with their identities and attachments, user-assigned identities, role
/// assignments, vaults with every version of every secret, and how many tokens the token
/// service has issued (each issue is a flow event).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Snapshot {
    rows: Vec<String>,
    tokens_issued: usize,
}

/// Reads the state of `cloud`.
pub(crate) async fn snapshot(cloud: &FakeCloud) -> Snapshot {
    let tokens_issued = cloud
        .flow_events()
        .await
        .iter()
        .filter(|event| event.target == "entra" && event.summary.starts_with("issued a token"))
        .count();
    let mut rows = Vec::new();
    let mut conn = cloud
        .cloud()
        .store()
        .read()
        .await
        .expect("a store connection");
    for subscription in resources::list_subscriptions(&mut conn).await.unwrap() {
        let id = subscription.subscription_id.clone();
        rows.push(format!("{subscription:?}"));
        for group in resources::list_resource_groups(&mut conn, &id)
            .await
            .unwrap()
        {
            rows.push(format!("{group:?}"));
        }
        for identity in identities::list_user_assigned_identities_in_subscription(&mut conn, &id)
            .await
            .unwrap()
        {
            rows.push(format!("{identity:?}"));
        }
    }
    for vm in resources::list_all_virtual_machines(&mut conn)
        .await
        .unwrap()
    {
        let row = vm.vm_row;
        rows.push(format!("{vm:?}"));
        for identity in identities::list_vm_identities(&mut conn, row)
            .await
            .unwrap()
        {
            rows.push(format!("vm {row} carries {identity:?}"));
        }
        for identity in identities::list_attached_identities(&mut conn, row)
            .await
            .unwrap()
        {
            rows.push(format!("vm {row} attached {identity:?}"));
        }
    }
    // Every scope key starts with '/': the range below "" is every assignment.
    for assignment in role_assignments::list_role_assignments_below(&mut conn, "")
        .await
        .unwrap()
    {
        rows.push(format!("{assignment:?}"));
    }
    rows.push(format!(
        "{} role assignments",
        role_assignments::count_role_assignments(&mut conn)
            .await
            .unwrap()
    ));
    for vault in vaults::list_all_vaults(&mut conn).await.unwrap() {
        let row = vault.vault_row;
        rows.push(format!("{vault:?}"));
        for secret in vaults::list_secrets(&mut conn, row).await.unwrap() {
            for version in vaults::list_secret_versions(&mut conn, row, &secret.name)
                .await
                .unwrap()
            {
                rows.push(format!("vault {row} holds {version:?}"));
            }
        }
    }
    Snapshot {
        rows,
        tokens_issued,
    }
}

/// Panics, naming every row that appeared or disappeared, unless `cloud` is in the state
/// `before` recorded.
#[track_caller]
pub(crate) fn assert_same(before: &Snapshot, after: &Snapshot) {
    let appeared: Vec<&String> = after
        .rows
        .iter()
        .filter(|row| !before.rows.contains(row))
        .collect();
    let vanished: Vec<&String> = before
        .rows
        .iter()
        .filter(|row| !after.rows.contains(row))
        .collect();
    assert!(
        appeared.is_empty() && vanished.is_empty(),
        "the attack changed the cloud:\n  appeared: {appeared:#?}\n  vanished: {vanished:#?}"
    );
    assert_eq!(
        before.tokens_issued, after.tokens_issued,
        "the attack got a token issued"
    );
}

/// Panics unless `cloud` is still in the state `before` recorded.
pub(crate) async fn assert_unchanged(cloud: &FakeCloud, before: &Snapshot) {
    let after = snapshot(cloud).await;
    assert_same(before, &after);
}
