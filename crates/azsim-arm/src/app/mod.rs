//! What the resource API does, apart from HTTP: one function per operation, called by the
//! thin handlers in `routes`.
//!
//! # Layout
//! - [`subscription`]: reading subscriptions.
//! - [`resource_group`]: resource group create, read, update, delete.
//! - [`virtual_machine`]: VM create, read, update, delete, and their identities.
//! - `vm_identity`: reading a VM request's `identity` property into the change it asks for.
//! - [`user_assigned_identity`]: user-assigned identity create, read, update, list, delete.
//! - [`vault`]: vault create, read, list, delete.
//! - [`authorization`]: role assignments and role definitions at any scope.

pub mod authorization;
pub mod resource_group;
pub mod subscription;
pub mod user_assigned_identity;
pub mod vault;
pub mod virtual_machine;
mod vm_identity;

use azsim_store::resources::{self, ResourceGroup, Subscription};
use azsim_store::{Connection, ReadConnection};
use serde_json::{Map, Value};

use crate::error::ArmError;
use crate::state::ArmState;

/// A connection from the store's pool, for reads.
pub(crate) async fn acquire(state: &ArmState) -> Result<ReadConnection, ArmError> {
    Ok(state.store().read().await?)
}

/// The subscription of a path: `InvalidSubscriptionId` if the id is not a GUID, as ARM
/// checks the form before looking, then `SubscriptionNotFound`.
pub(crate) async fn require_subscription(
    conn: &mut Connection,
    subscription_id: &str,
) -> Result<Subscription, ArmError> {
    if uuid::Uuid::try_parse(subscription_id).is_err() {
        return Err(ArmError::InvalidSubscriptionId {
            subscription_id: subscription_id.to_owned(),
        });
    }
    resources::find_subscription(conn, subscription_id)
        .await?
        .ok_or_else(|| ArmError::SubscriptionNotFound {
            subscription_id: subscription_id.to_owned(),
        })
}

/// The resource group of a path, after its subscription.
pub(crate) async fn require_resource_group(
    conn: &mut Connection,
    subscription_id: &str,
    resource_group: &str,
) -> Result<(Subscription, ResourceGroup), ArmError> {
    let subscription = require_subscription(conn, subscription_id).await?;
    let group = resources::find_resource_group(conn, &subscription.subscription_id, resource_group)
        .await?
        .ok_or_else(|| ArmError::ResourceGroupNotFound {
            name: resource_group.to_owned(),
        })?;
    Ok((subscription, group))
}

/// ARM's canonical form of a location: `East US` and `eastus` are the same place.
pub(crate) fn normalize_location(location: Option<&str>) -> Result<String, ArmError> {
    let normalized: String = location
        .unwrap_or_default()
        .chars()
        .filter(|character| !character.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect();
    if normalized.is_empty() {
        Err(ArmError::LocationRequired)
    } else {
        Ok(normalized)
    }
}

/// Applies a JSON merge patch (RFC 7396): objects merge key by key, `null` removes a key,
/// anything else replaces.
pub(crate) fn merge_patch(target: &mut Map<String, Value>, patch: &Map<String, Value>) {
    for (key, patch_value) in patch {
        match patch_value {
            Value::Null => {
                target.remove(key);
            }
            Value::Object(patch_object) => {
                let entry = target
                    .entry(key.clone())
                    .or_insert_with(|| Value::Object(Map::new()));
                if !entry.is_object() {
                    *entry = Value::Object(Map::new());
                }
                if let Value::Object(target_object) = entry {
                    merge_patch(target_object, patch_object);
                }
            }
            other => {
                target.insert(key.clone(), other.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests;
