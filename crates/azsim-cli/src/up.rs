//! `azsim up`: start the cloud, say where it is, wait for Ctrl-C.

use std::path::Path;

use azsim_cloud::{Cloud, CloudConfig, ENDPOINTS_FILE};

use crate::args::UpArgs;

pub(crate) async fn run(data_dir: &Path, args: UpArgs) -> anyhow::Result<()> {
    let mut config = CloudConfig::new(data_dir);
    config.bind_host = args.host;
    config.insecure_http = args.insecure_http;
    if args.port == 0 {
        config = config.with_any_ports();
    } else {
        let next = |offset: u16| {
            args.port.checked_add(offset).ok_or_else(|| {
                anyhow::anyhow!(
                    "--port {} leaves no room for the other listeners",
                    args.port
                )
            })
        };
        config.resource_manager_port = args.port;
        config.token_service_port = next(1)?;
    }
    let cloud = Cloud::start(config).await?;
    let endpoints = cloud.endpoints();
    println!("azsim is up ({} ms)", cloud.startup_time().as_millis());
    println!("  resource manager  {}", endpoints.resource_manager);
    println!("  authority host    {}", endpoints.authority_host);
    println!("  key vaults        each on a port of its own: the vault's properties.vaultUri");
    println!("  tenant id         {}", endpoints.tenant_id);
    println!("  subscription id   {}", endpoints.subscription_id);
    println!("  admin client id   {}", endpoints.admin.client_id);
    println!("  admin secret      {}", endpoints.admin.client_secret);
    println!("  token endpoint    {}", endpoints.token_endpoint);
    match &endpoints.ca_bundle {
        Some(ca_bundle) => println!("  CA bundle         {ca_bundle}"),
        None => {
            println!("  CA bundle         none: plain HTTP (--insecure-http), for debugging only")
        }
    }
    println!("  database          {}", endpoints.database);
    println!(
        "  endpoints file    {}",
        data_dir.join(ENDPOINTS_FILE).display()
    );
    println!("Point a shell at it with: eval \"$(azsim env)\"");
    println!("Press Ctrl-C to stop.");
    tokio::signal::ctrl_c().await?;
    println!("stopping...");
    cloud.shutdown().await;
    Ok(())
}
