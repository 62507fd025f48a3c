//! Reading subscriptions (they are created by the cloud at first start, not through the API).

use azsim_store::resources::{self, Subscription};

use crate::access::visible_subscriptions;
use crate::app::{acquire, require_subscription};
use crate::auth::Caller;
use crate::error::ArmError;
use crate::path::subscription_id_path;
use crate::state::ArmState;

/// The subscriptions the caller can see: those that trust its tenant and where it has a role
/// assignment (at, above or below the subscription), as ARM lists them.
#[tracing::instrument(skip_all)]
pub async fn subscription_list(
    state: &ArmState,
    caller: &Caller,
) -> Result<Vec<Subscription>, ArmError> {
    let mut conn = acquire(state).await?;
    let subscriptions: Vec<Subscription> = resources::list_subscriptions(&mut conn)
        .await?
        .into_iter()
        .filter(|subscription| {
            subscription
                .tenant_id
                .eq_ignore_ascii_case(caller.tenant_id())
        })
        .collect();
    let scopes: Vec<String> = subscriptions
        .iter()
        .map(|subscription| subscription_id_path(&subscription.subscription_id))
        .collect();
    let visible = visible_subscriptions(
        &mut conn,
        caller.object_id(),
        scopes.iter().map(String::as_str),
    )
    .await?;
    Ok(subscriptions
        .into_iter()
        .zip(visible)
        .filter_map(|(subscription, visible)| visible.then_some(subscription))
        .collect())
}

/// One subscription.
#[tracing::instrument(skip_all, fields(subscription_id = %subscription_id))]
pub async fn subscription_view(
    state: &ArmState,
    subscription_id: &str,
) -> Result<Subscription, ArmError> {
    let mut conn = acquire(state).await?;
    require_subscription(&mut conn, subscription_id).await
}
