//! The command line.

use std::net::IpAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// A simulator of a cloud's managed-identity control plane.
#[derive(Debug, Parser)]
#[command(name = "azsim", version, about)]
pub(crate) struct Cli {
    /// Where the cloud keeps its database and `endpoints.json`.
    #[arg(long, global = true, env = "AZSIM_DATA_DIR", default_value = ".azsim")]
    pub(crate) data_dir: PathBuf,
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Start the whole cloud in this process (Ctrl-C stops it).
    Up(UpArgs),
    /// Inspect a VM of the running cloud.
    Vm {
        #[command(subcommand)]
        command: VmCommand,
    },
    /// Print the recorded hops of the managed-identity flow, oldest first.
    Events(EventsArgs),
    /// Print the environment variables that point a shell's Azure clients at the running
    /// cloud, as the administrator (`KEY=value` lines).
    Env,
    /// Grant roles (as the administrator).
    Role {
        #[command(subcommand)]
        command: RoleCommand,
    },
    /// Write vault secrets (as the administrator).
    Secret {
        #[command(subcommand)]
        command: SecretCommand,
    },
    /// Manage the directory's applications.
    Ad {
        #[command(subcommand)]
        command: AdCommand,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum AdCommand {
    /// Applications and their service principals.
    App {
        #[command(subcommand)]
        command: AdAppCommand,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum AdAppCommand {
    /// Create an application and its service principal with a new client secret (printed as
    /// JSON with the client id), and a certificate credential with `--cert-file`.
    Create(AdAppCreateArgs),
}

#[derive(Debug, Args)]
pub(crate) struct AdAppCreateArgs {
    /// The application's display name.
    #[arg(long)]
    pub(crate) name: String,
    /// A PEM file holding the certificate the app may also sign in with (a private key in the
    /// same file is ignored).
    #[arg(long)]
    pub(crate) cert_file: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum RoleCommand {
    /// Assign a built-in role to a principal at a scope.
    Assign(RoleAssignArgs),
}

#[derive(Debug, Args)]
pub(crate) struct RoleAssignArgs {
    /// The principal: its object id (an identity's principalId) or its client id.
    #[arg(long)]
    pub(crate) assignee: String,
    /// The role: its name ("Key Vault Secrets User") or its id.
    #[arg(long)]
    pub(crate) role: String,
    /// The scope: an ARM id (subscription, resource group, resource, or a vault secret
    /// `.../vaults/V/secrets/N`).
    #[arg(long)]
    pub(crate) scope: String,
}

#[derive(Debug, Subcommand)]
pub(crate) enum SecretCommand {
    /// Set a secret's value (a new version).
    Set(SecretSetArgs),
}

#[derive(Debug, Args)]
pub(crate) struct SecretSetArgs {
    /// The vault's name.
    #[arg(long)]
    pub(crate) vault: String,
    /// The secret's name.
    #[arg(long)]
    pub(crate) name: String,
    /// The value.
    #[arg(long)]
    pub(crate) value: String,
}

#[derive(Debug, Args)]
pub(crate) struct UpArgs {
    /// Port of the resource API; the token service takes the next one (vaults and metadata
    /// agents each get a free port of their own).
    /// 0: every listener on a free port.
    #[arg(long, default_value_t = azsim_cloud::DEFAULT_RESOURCE_MANAGER_PORT)]
    pub(crate) port: u16,
    /// Address every listener binds.
    #[arg(long, default_value = "127.0.0.1")]
    pub(crate) host: IpAddr,
    /// Serve the resource API, the token service and the vaults in plain HTTP instead of
    /// HTTPS. For debugging only: the Azure SDKs refuse bearer tokens over plain HTTP.
    #[arg(long)]
    pub(crate) insecure_http: bool,
}

#[derive(Debug, Subcommand)]
pub(crate) enum VmCommand {
    /// Print the environment variables that point a program at this VM's metadata agent.
    Env(VmEnvArgs),
}

#[derive(Debug, Args)]
pub(crate) struct VmEnvArgs {
    /// The VM's resource group.
    #[arg(long, short = 'g')]
    pub(crate) resource_group: String,
    /// The VM's name.
    #[arg(long, short = 'n')]
    pub(crate) name: String,
}

#[derive(Debug, Args)]
pub(crate) struct EventsArgs {
    /// Only the hops of this correlation id.
    #[arg(long)]
    pub(crate) correlation_id: Option<String>,
    /// At most this many (the newest), 0 for all.
    #[arg(long, default_value_t = 0)]
    pub(crate) last: usize,
}
