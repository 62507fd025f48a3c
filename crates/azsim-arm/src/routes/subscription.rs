//! Handlers of `/subscriptions` and `/subscriptions/{sub}`.

use axum::response::Response;
use azsim_store::resources::Subscription;
use serde_json::{Value, json};

use crate::app::subscription::{subscription_list, subscription_view};
use crate::error::ArmError;
use crate::path::subscription_id_path;
use crate::routes::{Call, list as list_response, ok};

/// `GET /subscriptions`
pub(crate) async fn list(call: Call) -> Result<Response, ArmError> {
    let subscriptions = subscription_list(&call.state, &call.caller).await?;
    Ok(list_response(
        subscriptions.iter().map(subscription_json).collect(),
    ))
}

/// `GET /subscriptions/{sub}`
pub(crate) async fn view(call: Call, subscription_id: &str) -> Result<Response, ArmError> {
    let subscription = subscription_view(&call.state, subscription_id).await?;
    Ok(ok(subscription_json(&subscription)))
}

/// A subscription as ARM shows it (`Subscription` of `Microsoft.Resources/subscriptions`).
fn subscription_json(subscription: &Subscription) -> Value {
    json!({
        "id": subscription_id_path(&subscription.subscription_id),
        "subscriptionId": subscription.subscription_id,
        "tenantId": subscription.tenant_id,
        "displayName": subscription.display_name,
        "state": subscription.state,
        "subscriptionPolicies": {
            "locationPlacementId": "Public_2014-09-01",
            "quotaId": "PayAsYouGo_2014-09-01",
            "spendingLimit": "Off",
        },
        "authorizationSource": "RoleBased",
        "managedByTenants": [],
        "tags": {},
    })
}
