//! Handlers of `/subscriptions` and `/subscriptions/{sub}`.

use axum::response::Response;
use azsim_core::ResourceId;
use azsim_store::resources::Subscription;
use http::Method;
use serde_json::{Value, json};

use crate::app::subscription::{subscription_list, subscription_view};
use crate::error::ArmError;
use crate::routes::{Call, Target, list as list_response, ok};

/// The handlers of the kind, by target and method.
pub(crate) async fn route(call: Call, target: Target<'_>) -> Result<Response, ArmError> {
    match (target, &call.method) {
        (Target::Item(_), &Method::GET) => view(&call),
        (Target::Collection(_), &Method::GET) => list(call).await,
        _ => call.not_allowed(),
    }
}

/// `GET /subscriptions`
async fn list(call: Call) -> Result<Response, ArmError> {
    let subscriptions = subscription_list(&call.state, &call.request.caller).await?;
    Ok(list_response(
        subscriptions.iter().map(subscription_json).collect(),
    ))
}

/// `GET /subscriptions/{sub}`
fn view(call: &Call) -> Result<Response, ArmError> {
    let subscription = subscription_view(&call.request)?;
    Ok(ok(subscription_json(&subscription)))
}

/// A subscription as ARM shows it (`Subscription` of `Microsoft.Resources/subscriptions`).
fn subscription_json(subscription: &Subscription) -> Value {
    json!({
        "id": ResourceId::subscription(&subscription.subscription_id),
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
