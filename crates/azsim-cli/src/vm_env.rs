//! `azsim vm env`: the variables that point a program at one VM's metadata agent, in both
//! forms clients look for: the IMDS endpoint (`AZURE_POD_IDENTITY_AUTHORITY_HOST`) and the App
//! Service endpoint (`IDENTITY_ENDPOINT` + `IDENTITY_HEADER`).

use std::path::Path;

use azsim_cloud::{DATABASE_FILE, Endpoints};
use azsim_store::Store;
use azsim_store::agent_secrets::find_identity_header;
use azsim_store::resources::list_all_virtual_machines;

use crate::args::VmEnvArgs;

pub(crate) async fn run(data_dir: &Path, args: VmEnvArgs) -> anyhow::Result<()> {
    // The endpoints file proves a cloud was started here and names its subscription.
    let endpoints = Endpoints::read(data_dir)?;
    let store = Store::open_existing(&data_dir.join(DATABASE_FILE)).await?;
    let mut conn = store.read().await?;
    let vm = list_all_virtual_machines(&mut conn)
        .await?
        .into_iter()
        .find(|vm| {
            vm.subscription_id
                .eq_ignore_ascii_case(&endpoints.subscription_id)
                && vm
                    .resource_group_name
                    .eq_ignore_ascii_case(&args.resource_group)
                && vm.name.eq_ignore_ascii_case(&args.name)
        })
        .ok_or_else(|| {
            anyhow::anyhow!(
                "no VM '{}' in resource group '{}'",
                args.name,
                args.resource_group
            )
        })?;
    let address = vm
        .imds_address
        .ok_or_else(|| anyhow::anyhow!("VM '{}' has no metadata agent yet", args.name))?;
    let identity_header = find_identity_header(&mut conn, vm.vm_row)
        .await?
        .ok_or_else(|| anyhow::anyhow!("VM '{}' has no identity header yet", args.name))?;
    println!("AZURE_POD_IDENTITY_AUTHORITY_HOST=http://{address}");
    // Every agent serves the App Service endpoint at this path
    // (`azsim_imds::APP_SERVICE_TOKEN_PATH`).
    println!("IDENTITY_ENDPOINT=http://{address}/msi/token");
    println!("IDENTITY_HEADER={identity_header}");
    Ok(())
}
