//! `azsim role assign`: grant a built-in role to a principal at a scope, through the resource
//! API, as the administrator.

use std::path::Path;

use anyhow::Context;
use azsim_cloud::DATABASE_FILE;
use azsim_core::ResourceId;
use azsim_store::Store;
use azsim_store::directory::{find_service_principal, find_service_principal_by_app_id};

use crate::admin::AdminClient;
use crate::args::RoleAssignArgs;

pub(crate) async fn assign(data_dir: &Path, args: RoleAssignArgs) -> anyhow::Result<()> {
    let admin = AdminClient::from_data_dir(data_dir)?;
    let role = azsim_rbac::roles::resolve_role(&args.role).with_context(|| {
        format!(
            "no built-in role '{}' (give its name, e.g. 'Key Vault Secrets User', or its id)",
            args.role
        )
    })?;
    let principal_id = resolve_assignee(data_dir, &admin, &args.assignee).await?;
    let scope = ResourceId::parse(&args.scope)?;
    let assignment = admin
        .create_role_assignment(&scope, role.id, &principal_id)
        .await?;
    println!("assigned '{}' to {principal_id} at {scope}", role.name);
    println!("{}", assignment["id"].as_str().unwrap_or_default());
    Ok(())
}

/// The object id of the principal named by its object id or its client (app) id.
async fn resolve_assignee(
    data_dir: &Path,
    admin: &AdminClient,
    assignee: &str,
) -> anyhow::Result<String> {
    let store = Store::open_existing(&data_dir.join(DATABASE_FILE)).await?;
    let mut conn = store.read().await?;
    if let Some(principal) = find_service_principal(&mut conn, assignee).await? {
        return Ok(principal.object_id);
    }
    if let Some(principal) =
        find_service_principal_by_app_id(&mut conn, &admin.endpoints.tenant_id, assignee).await?
    {
        return Ok(principal.object_id);
    }
    anyhow::bail!("no service principal with object id or client id '{assignee}'")
}
