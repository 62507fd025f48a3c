//! Reading subscriptions (they are created by the cloud at first start, not through the API).

use azsim_core::ResourceId;
use azsim_store::resources::{self, Subscription};

use crate::access::visible_subscriptions;
use crate::auth::Caller;
use crate::error::ArmError;
use crate::lookup::acquire;
use crate::request::ArmRequest;
use crate::state::ArmState;

/// The subscriptions the caller can see: those that trust its tenant and where it has a role
/// assignment (at, above or below the subscription), as ARM lists them.
#[tracing::instrument(skip_all)]
pub(crate) async fn subscription_list(
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
    let scopes: Vec<ResourceId> = subscriptions
        .iter()
        .map(|subscription| ResourceId::subscription(&subscription.subscription_id))
        .collect();
    let visible = visible_subscriptions(&mut conn, caller.object_id(), &scopes).await?;
    Ok(subscriptions
        .into_iter()
        .zip(visible)
        .filter_map(|(subscription, visible)| visible.then_some(subscription))
        .collect())
}

/// One subscription: the request's, read once before authorization.
pub(crate) fn subscription_view(request: &ArmRequest) -> Result<Subscription, ArmError> {
    request.require_subscription().cloned()
}
