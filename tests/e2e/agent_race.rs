//! VMs created while others are deleted keep their own metadata agents: every surviving VM's
//! stored agent address is its own, distinct from every other VM's, and serves its identity.

use std::collections::HashSet;
use std::sync::Arc;

use azsim_testkit::{FakeCloud, MANAGEMENT_RESOURCE};

const ROUNDS: usize = 3;
const PER_ROUND: usize = 6;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_creates_and_deletes_leave_every_vm_its_own_agent() {
    let cloud = Arc::new(FakeCloud::start().await);
    cloud.create_resource_group("rg").await.assert_status(201);
    let mut survivors = Vec::new();
    for round in 0..ROUNDS {
        let doomed: Vec<String> = (0..PER_ROUND)
            .map(|i| format!("doomed-{round}-{i}"))
            .collect();
        for name in &doomed {
            cloud
                .put_virtual_machine("rg", name, "SystemAssigned")
                .await
                .assert_status(201);
        }
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..PER_ROUND {
            let name = format!("vm-{round}-{i}");
            survivors.push(name.clone());
            let creator = Arc::clone(&cloud);
            tasks.spawn(async move {
                creator
                    .put_virtual_machine("rg", &name, "SystemAssigned")
                    .await
                    .assert_status(201);
            });
            let deleter = Arc::clone(&cloud);
            let doomed = doomed[i].clone();
            tasks.spawn(async move {
                let deleted = deleter.delete_virtual_machine("rg", &doomed).await;
                assert!(deleted.status.is_success(), "{doomed}: {}", deleted.status);
            });
        }
        while let Some(done) = tasks.join_next().await {
            done.unwrap();
        }
    }

    let stored = {
        let mut conn = cloud.cloud().store().read().await.unwrap();
        azsim_store::resources::list_all_virtual_machines(&mut conn)
            .await
            .unwrap()
    };
    assert_eq!(stored.len(), survivors.len(), "only the survivors remain");
    let mut addresses = HashSet::new();
    for vm in &stored {
        let running = cloud
            .cloud()
            .agent_address(&vm.vm_id)
            .await
            .unwrap_or_else(|| panic!("{} lost its agent", vm.name));
        let recorded = vm
            .imds_address
            .as_deref()
            .expect("a recorded agent address");
        assert_eq!(recorded, running.to_string(), "{}", vm.name);
        assert!(addresses.insert(running), "{} shares {running}", vm.name);

        let token = cloud
            .get_imds_token(running, MANAGEMENT_RESOURCE, &[])
            .await;
        token.assert_status(200);
        let claims = cloud
            .verify_token(token.str_at("/access_token"), MANAGEMENT_RESOURCE)
            .await;
        let expected = format!(
            "/subscriptions/{}/resourcegroups/rg/providers/Microsoft.Compute/virtualMachines/{}",
            cloud.subscription_id(),
            vm.name
        );
        assert_eq!(claims["xms_mirid"], expected.as_str(), "{}", vm.name);
    }
}
