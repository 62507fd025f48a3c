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

pub(crate) mod authorization;
pub(crate) mod resource_group;
pub(crate) mod subscription;
pub(crate) mod user_assigned_identity;
pub(crate) mod vault;
pub(crate) mod virtual_machine;
mod vm_identity;

use serde_json::{Map, Value};

use crate::error::ArmError;

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
