//! What the first start creates: a tenant, a subscription that trusts it, and an administrator
//! application with a service principal, a client secret and the Owner role on the
//! subscription. Later starts find them again.
//!
//! The administrator's secret is stored like every other client secret: the directory keeps
//! only its digest. The secret itself lives in `endpoints.json` (owner-only), what the CLI and
//! scripts sign in with; a later start takes it from the previous `endpoints.json`, and when
//! that is lost issues a new one (a credential reset).

use azsim_core::{ResourceId, SharedClock, SubscriptionId, TenantId};
use azsim_entra::directory::{
    ClientSecret, is_valid_client_secret, register_application, reset_client_secret,
};
use azsim_store::directory::{Tenant, find_service_principal_by_app_id, insert_tenant};
use azsim_store::resources::{Subscription, insert_subscription};
use azsim_store::role_assignments::{StoredRoleAssignment, insert_role_assignment};
use azsim_store::settings::{get_setting, put_setting};
use azsim_store::{Store, StoreError};

/// The facts of a cloud fixed at its first start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloudIdentity {
    /// The tenant.
    pub tenant_id: String,
    /// The subscription that trusts the tenant.
    pub subscription_id: String,
    /// The administrator application's client id.
    pub admin_client_id: String,
    /// The administrator's client secret, in the clear. Written only to `endpoints.json`
    /// (mode 0600); the directory keeps its digest.
    pub admin_client_secret: String,
}

const TENANT_ID: &str = "tenant_id";
const SUBSCRIPTION_ID: &str = "subscription_id";
const ADMIN_CLIENT_ID: &str = "admin_client_id";

/// The tenant, subscription and administrator recorded at the first start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloudFacts {
    /// The tenant.
    pub tenant_id: String,
    /// The subscription that trusts the tenant.
    pub subscription_id: String,
    /// The administrator application's client id.
    pub admin_client_id: String,
}

/// Finds the cloud's tenant, subscription and administrator, creating them on the first start
/// (in one transaction: a crash half-way leaves nothing behind).
///
/// `previous_secret` is the administrator's secret from the last `endpoints.json` of this data
/// directory, if it could be read. It is kept when the directory still knows it; otherwise
/// the administrator's client secrets are reset to a new one (logged), because the database
/// holds only digests and cannot give the old secret back.
pub async fn ensure(
    store: &Store,
    clock: &SharedClock,
    previous_secret: Option<&str>,
) -> Result<CloudIdentity, StoreError> {
    let now = clock.unix_seconds();
    let mut tx = store.write().await?;
    if let Some(facts) = read(&mut tx).await? {
        let admin =
            find_service_principal_by_app_id(&mut tx, &facts.tenant_id, &facts.admin_client_id)
                .await?
                .ok_or_else(|| {
                    StoreError::Corrupt(format!(
                        "the administrator application {} has no service principal",
                        facts.admin_client_id
                    ))
                })?;
        let kept = match previous_secret.map(ClientSecret::new) {
            Some(secret)
                if is_valid_client_secret(&mut tx, &admin.object_id, &secret, now).await? =>
            {
                secret
            }
            _ => {
                let secret = reset_client_secret(&mut tx, &admin.object_id, now).await?;
                tracing::warn!(
                    admin_client_id = facts.admin_client_id,
                    "endpoints.json held no valid administrator secret (missing, unreadable or \
                     expired): issued a new client secret, the old ones no longer sign in"
                );
                secret
            }
        };
        tx.commit().await?;
        return Ok(CloudIdentity {
            tenant_id: facts.tenant_id,
            subscription_id: facts.subscription_id,
            admin_client_id: facts.admin_client_id,
            admin_client_secret: kept.expose().to_owned(),
        });
    }
    let tenant_id = TenantId::new_random().to_string();
    let subscription_id = SubscriptionId::new_random().to_string();

    insert_tenant(
        &mut tx,
        &Tenant {
            tenant_id: tenant_id.clone(),
            display_name: "azsim".into(),
            default_domain: "azsim.onmicrosoft.com".into(),
            created_at: now,
        },
    )
    .await?;
    insert_subscription(
        &mut tx,
        &Subscription {
            subscription_id: subscription_id.clone(),
            tenant_id: tenant_id.clone(),
            display_name: "azsim subscription".into(),
            state: "Enabled".into(),
            created_at: now,
        },
    )
    .await?;
    let admin = register_application(&mut tx, &tenant_id, "azsim-admin", now).await?;
    let admin_client_id = admin.client_id.to_string();
    let admin_client_secret = admin.client_secret.expose().to_owned();
    let admin_object_id = admin.object_id.to_string();
    // The administrator is Owner of the subscription, as the account that created it would be.
    let subscription_scope = ResourceId::subscription(&subscription_id);
    let owner_assignment = uuid::Uuid::new_v4().to_string();
    insert_role_assignment(
        &mut tx,
        &StoredRoleAssignment {
            assignment_id: azsim_rbac::scope::role_assignment_id(
                &subscription_scope,
                &owner_assignment,
            )
            .to_string(),
            name: owner_assignment,
            scope_key: subscription_scope.scope_key().to_owned(),
            scope: subscription_scope.to_string(),
            role_definition_id: azsim_rbac::roles::OWNER.to_owned(),
            principal_id: admin_object_id,
            principal_type: "ServicePrincipal".into(),
            description: Some("administrator of the azsim subscription".into()),
            created_at: now,
            updated_at: now,
            created_by: None,
            updated_by: None,
        },
    )
    .await?;
    for (key, value) in [
        (TENANT_ID, &tenant_id),
        (SUBSCRIPTION_ID, &subscription_id),
        (ADMIN_CLIENT_ID, &admin_client_id),
    ] {
        put_setting(&mut tx, key, value).await?;
    }
    tx.commit().await?;
    tracing::info!(
        tenant_id,
        subscription_id,
        "created the cloud's tenant and subscription"
    );
    Ok(CloudIdentity {
        tenant_id,
        subscription_id,
        admin_client_id,
        admin_client_secret,
    })
}

/// Reads the facts written by the first start, if it happened.
pub async fn read(conn: &mut azsim_store::Connection) -> Result<Option<CloudFacts>, StoreError> {
    let (Some(tenant_id), Some(subscription_id), Some(admin_client_id)) = (
        get_setting(conn, TENANT_ID).await?,
        get_setting(conn, SUBSCRIPTION_ID).await?,
        get_setting(conn, ADMIN_CLIENT_ID).await?,
    ) else {
        return Ok(None);
    };
    Ok(Some(CloudFacts {
        tenant_id,
        subscription_id,
        admin_client_id,
    }))
}
