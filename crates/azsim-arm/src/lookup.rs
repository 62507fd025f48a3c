//! Store look-ups every operation starts with: a connection, the path's resource group, and
//! the checks ARM makes on a subscription id before it looks.

use azsim_core::{ResourceId, SubscriptionId};
use azsim_store::resources::{self, ResourceGroup, Subscription};
use azsim_store::{Connection, ReadConnection};

use crate::error::ArmError;
use crate::state::ArmState;

/// A connection from the store's pool, for reads.
pub(crate) async fn acquire(state: &ArmState) -> Result<ReadConnection, ArmError> {
    Ok(state.store().read().await?)
}

/// Whether a subscription id has the form ARM accepts (a GUID); ARM checks the form before
/// it looks the subscription up.
pub(crate) fn is_subscription_id(subscription_id: &str) -> bool {
    SubscriptionId::parse(subscription_id).is_ok()
}

/// The subscription `subscription_id`, if its id is well formed and it exists: the one read
/// of the subscription a request makes.
pub(crate) async fn find_subscription(
    state: &ArmState,
    subscription_id: &str,
) -> Result<Option<Subscription>, ArmError> {
    if !is_subscription_id(subscription_id) {
        return Ok(None);
    }
    let mut conn = acquire(state).await?;
    Ok(resources::find_subscription(&mut conn, subscription_id).await?)
}

/// The resource group `name` of `subscription`, or `ResourceGroupNotFound`.
pub(crate) async fn require_resource_group(
    conn: &mut Connection,
    subscription: &Subscription,
    name: &str,
) -> Result<ResourceGroup, ArmError> {
    resources::find_resource_group(conn, &subscription.subscription_id, name)
        .await?
        .ok_or_else(|| ArmError::ResourceGroupNotFound {
            name: name.to_owned(),
        })
}

/// The resource group and name of an item in a resource group (what the path parser builds
/// for provider kinds).
pub(crate) fn group_item(id: &ResourceId) -> Result<(&str, &str), ArmError> {
    match (id.resource_group_name(), id.name()) {
        (Some(group), Some(name)) => Ok((group, name)),
        _ => Err(ArmError::NoRoute {
            path: id.to_string(),
        }),
    }
}
