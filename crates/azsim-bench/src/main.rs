//! `azsim-bench`: starts a cloud on free ports and measures, over real HTTP, how many requests a
//! second each path serves. Every figure is printed beside a baseline measured in the same run
//! on the same machine, so the ratios mean something wherever it runs.

mod authorization;
mod load;
mod scenario;

use clap::Parser;

/// Throughput of the metadata agents and the resource API.
#[derive(Debug, Parser)]
#[command(name = "azsim-bench")]
struct Args {
    /// Requests per measurement.
    #[arg(long, default_value_t = 4000)]
    requests: usize,
    /// Concurrent clients.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// VMs created per VM measurement.
    #[arg(long, default_value_t = 200)]
    vms: usize,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let report = scenario::run(args.requests, args.concurrency, args.vms).await?;
    println!("{report}");
    Ok(())
}
