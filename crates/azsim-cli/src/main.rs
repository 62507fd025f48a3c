//! The `azsim` command: `up` starts the fake cloud; `vm env` and `events` inspect a running one.

mod args;
mod events;
mod up;
mod vm_env;

use clap::Parser;

use crate::args::{Cli, Command, VmCommand};

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    init_tracing();
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async move {
        match cli.command {
            Command::Up(up) => up::run(&cli.data_dir, up).await,
            Command::Vm {
                command: VmCommand::Env(env),
            } => vm_env::run(&cli.data_dir, env).await,
            Command::Events(events) => events::run(&cli.data_dir, events).await,
        }
    })
}

/// Logs to stderr, filtered by `RUST_LOG` (default: lifecycle messages only).
fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}
