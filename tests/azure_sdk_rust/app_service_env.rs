//! `IDENTITY_ENDPOINT` and `IDENTITY_HEADER` of a VM, read as `azsim vm env` reads them: the
//! agent's address from the cloud, the secret from the store.

use azsim_imds::identity_endpoint;
use azsim_store::agent_secrets::find_identity_header;
use azsim_store::resources::list_all_virtual_machines;
use azsim_testkit::FakeCloud;

/// The two variables that point a workload at a VM's App Service endpoint.
pub(crate) struct AppServiceEnv {
    /// `IDENTITY_ENDPOINT`: the agent's token URL.
    pub(crate) identity_endpoint: String,
    /// `IDENTITY_HEADER`: the VM's secret.
    pub(crate) identity_header: String,
}

/// The variables of the VM whose `properties.vmId` is `vm_id`.
pub(crate) async fn app_service_env(cloud: &FakeCloud, vm_id: &str) -> AppServiceEnv {
    let agent = cloud.agent_address(vm_id).await;
    let mut conn = cloud
        .cloud()
        .store()
        .read()
        .await
        .expect("a store connection");
    let vm = list_all_virtual_machines(&mut conn)
        .await
        .expect("the store lists VMs")
        .into_iter()
        .find(|vm| vm.vm_id == vm_id)
        .expect("the VM is stored");
    let identity_header = find_identity_header(&mut conn, vm.vm_row)
        .await
        .expect("the store reads agent secrets")
        .expect("the VM's agent has an identity header");
    AppServiceEnv {
        identity_endpoint: identity_endpoint(agent),
        identity_header,
    }
}
