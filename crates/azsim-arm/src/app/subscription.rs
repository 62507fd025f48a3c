//! Reading subscriptions (they are created by the cloud at first start, not through the API).

use azsim_store::resources::{self, Subscription};

use crate::app::{acquire, require_subscription};
use crate::auth::Caller;
use crate::error::ArmError;
use crate::state::ArmState;

/// The subscriptions the caller's tenant can see: those that trust it.
#[tracing::instrument(skip_all)]
pub async fn subscription_list(
    state: &ArmState,
    caller: &Caller,
) -> Result<Vec<Subscription>, ArmError> {
    let mut conn = acquire(state).await?;
    let subscriptions = resources::list_subscriptions(&mut conn).await?;
    Ok(subscriptions
        .into_iter()
        .filter(|subscription| {
            subscription
                .tenant_id
                .eq_ignore_ascii_case(caller.tenant_id())
        })
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
