//! `azsim secret set`: store a secret in a vault as the administrator.
//!
//! Vaults authorise with roles only, and Owner carries no data actions, so the administrator
//! first grants itself Key Vault Secrets Officer on the vault (through the resource API, and
//! saying so), as one does in Azure before writing secrets to an RBAC vault.

use std::path::Path;

use anyhow::Context;
use azsim_cloud::DATABASE_FILE;
use azsim_core::ResourceId;
use azsim_core::resource_id::key_covers;
use azsim_store::Store;
use azsim_store::directory::find_service_principal_by_app_id;
use azsim_store::role_assignments::list_role_assignments_for_principal;
use azsim_store::vaults::find_vault_by_name;
use serde_json::json;

use crate::admin::AdminClient;
use crate::args::SecretSetArgs;

/// The api-version the CLI sends to the vault.
const VAULT_API_VERSION: &str = "7.5";
const VAULT_RESOURCE: &str = "https://vault.azure.net";

pub(crate) async fn set(data_dir: &Path, args: SecretSetArgs) -> anyhow::Result<()> {
    let admin = AdminClient::from_data_dir(data_dir)?;
    let store = Store::open_existing(&data_dir.join(DATABASE_FILE)).await?;
    let mut conn = store.read().await?;
    let vault = find_vault_by_name(&mut conn, &args.vault)
        .await?
        .with_context(|| format!("no vault named '{}'", args.vault))?;
    let vault_id = ResourceId::resource_group(&vault.subscription_id, &vault.resource_group_name)
        .provider("Microsoft.KeyVault", "vaults", &vault.name);
    let admin_principal = find_service_principal_by_app_id(
        &mut conn,
        &admin.endpoints.tenant_id,
        &admin.endpoints.admin.client_id,
    )
    .await?
    .context("the administrator's service principal is missing")?;
    let officer = azsim_rbac::roles::resolve_role("Key Vault Secrets Officer")
        .context("the built-in role Key Vault Secrets Officer")?;
    let already_granted =
        list_role_assignments_for_principal(&mut conn, &admin_principal.object_id)
            .await?
            .iter()
            .any(|assignment| {
                // Segment-wise, as RBAC decides: an Officer on `kv1` is none on `kv10`.
                assignment.role_definition_id == officer.id
                    && key_covers(&assignment.scope_key, vault_id.scope_key())
            });
    drop(conn);
    if !already_granted {
        admin
            .create_role_assignment(&vault_id, officer.id, &admin_principal.object_id)
            .await?;
        println!("granted the administrator Key Vault Secrets Officer on {vault_id}");
    }
    let url = format!(
        "{}secrets/{}?api-version={VAULT_API_VERSION}",
        vault.vault_uri, args.name
    );
    let secret = admin
        .data_put(&url, VAULT_RESOURCE, &json!({"value": args.value}))
        .await?;
    println!("{}", secret["id"].as_str().unwrap_or_default());
    Ok(())
}
