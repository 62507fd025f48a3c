//! The `azsim` command: `up` starts the fake cloud; `env` prints the variables that point a
//! shell at it; `vm env` and `events` inspect a running one;
//! `role assign` and `secret set` act on it as the administrator; `ad app create` adds an
//! application a developer's own code signs in as.

mod ad_app;
mod admin;
mod args;
mod env;
mod events;
mod role;
mod secret;
mod up;
mod vm_env;

use clap::Parser;

use crate::args::{AdAppCommand, AdCommand, Cli, Command, RoleCommand, SecretCommand, VmCommand};

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
            Command::Env => env::run(&cli.data_dir),
            Command::Role {
                command: RoleCommand::Assign(assign),
            } => role::assign(&cli.data_dir, assign).await,
            Command::Secret {
                command: SecretCommand::Set(set),
            } => secret::set(&cli.data_dir, set).await,
            Command::Ad {
                command:
                    AdCommand::App {
                        command: AdAppCommand::Create(create),
                    },
            } => ad_app::create(&cli.data_dir, create).await,
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
