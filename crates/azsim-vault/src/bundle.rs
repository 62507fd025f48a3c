//! The JSON shapes of the secrets data plane: `SecretBundle`, `SecretItem` and
//! `DeletedSecretBundle`, with the field names and optional fields of Key Vault.
//!
//! Soft delete is not simulated: a delete removes every version at once. So `recoveryLevel`
//! is `Purgeable` (what Key Vault reports for a vault without soft delete), there is no
//! `recoverableDays`, and a deleted bundle has no `recoveryId`; the SDK's delete poller then
//! finishes at once instead of polling `/deletedsecrets/{name}`, which is not served.

use std::collections::BTreeMap;

use azsim_store::vaults::SecretVersion;
use serde::Serialize;
use serde_json::Value;

/// The recovery level of every secret: deleting is final here.
const RECOVERY_LEVEL: &str = "Purgeable";

/// `SecretAttributes`: times are unix seconds.
#[derive(Debug, Serialize)]
pub(crate) struct Attributes {
    enabled: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    nbf: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    exp: Option<i64>,
    created: i64,
    updated: i64,
    #[serde(rename = "recoveryLevel")]
    recovery_level: &'static str,
}

/// `SecretBundle`: one version, with its value.
#[derive(Debug, Serialize)]
pub(crate) struct SecretBundle {
    value: String,
    id: String,
    #[serde(rename = "contentType", skip_serializing_if = "Option::is_none")]
    content_type: Option<String>,
    attributes: Attributes,
    #[serde(skip_serializing_if = "Option::is_none")]
    tags: Option<BTreeMap<String, Value>>,
}

/// `SecretItem`: a list entry, without the value.
#[derive(Debug, Serialize)]
pub(crate) struct SecretItem {
    id: String,
    attributes: Attributes,
    #[serde(skip_serializing_if = "Option::is_none")]
    tags: Option<BTreeMap<String, Value>>,
    #[serde(rename = "contentType", skip_serializing_if = "Option::is_none")]
    content_type: Option<String>,
}

/// `DeletedSecretBundle` of a secret deleted for good: no value, no recovery id.
#[derive(Debug, Serialize)]
pub(crate) struct DeletedSecretBundle {
    id: String,
    #[serde(rename = "contentType", skip_serializing_if = "Option::is_none")]
    content_type: Option<String>,
    attributes: Attributes,
    #[serde(skip_serializing_if = "Option::is_none")]
    tags: Option<BTreeMap<String, Value>>,
    #[serde(rename = "deletedDate")]
    deleted_date: i64,
}

/// A page of list items: `{"value":[...],"nextLink":...}` (`null` on the last page).
#[derive(Debug, Serialize)]
pub(crate) struct ItemPage {
    value: Vec<SecretItem>,
    #[serde(rename = "nextLink")]
    next_link: Option<String>,
}

/// `{vaultUri}secrets/{name}` or, with a version, `{vaultUri}secrets/{name}/{version}`.
pub(crate) fn secret_id(vault_uri: &str, name: &str, version: Option<&str>) -> String {
    match version {
        Some(version) => format!("{vault_uri}secrets/{name}/{version}"),
        None => format!("{vault_uri}secrets/{name}"),
    }
}

impl SecretBundle {
    /// The bundle of `secret`, a version of a secret of the vault at `vault_uri`.
    pub(crate) fn new(vault_uri: &str, secret: &SecretVersion) -> Self {
        Self {
            value: secret.value.clone(),
            id: secret_id(vault_uri, &secret.name, Some(&secret.version)),
            content_type: secret.content_type.clone(),
            attributes: attributes(secret),
            tags: tags(secret),
        }
    }
}

impl SecretItem {
    /// A list entry for `secret`: the versionless id in a list of secrets, the versioned one
    /// in a list of versions.
    pub(crate) fn new(vault_uri: &str, secret: &SecretVersion, with_version: bool) -> Self {
        let version = with_version.then_some(secret.version.as_str());
        Self {
            id: secret_id(vault_uri, &secret.name, version),
            attributes: attributes(secret),
            tags: tags(secret),
            content_type: secret.content_type.clone(),
        }
    }
}

impl DeletedSecretBundle {
    /// The deleted bundle of `latest`, the current version of a secret deleted at
    /// `deleted_date`.
    pub(crate) fn new(vault_uri: &str, latest: &SecretVersion, deleted_date: i64) -> Self {
        Self {
            id: secret_id(vault_uri, &latest.name, Some(&latest.version)),
            content_type: latest.content_type.clone(),
            attributes: attributes(latest),
            tags: tags(latest),
            deleted_date,
        }
    }
}

impl ItemPage {
    /// A page of items and the link to the next page, if there is one.
    pub(crate) fn new(value: Vec<SecretItem>, next_link: Option<String>) -> Self {
        Self { value, next_link }
    }
}

fn attributes(secret: &SecretVersion) -> Attributes {
    Attributes {
        enabled: secret.enabled,
        nbf: secret.not_before,
        exp: secret.expires,
        created: secret.created_at,
        updated: secret.updated_at,
        recovery_level: RECOVERY_LEVEL,
    }
}

/// The tags, or nothing when there are none (Key Vault leaves the field out).
fn tags(secret: &SecretVersion) -> Option<BTreeMap<String, Value>> {
    (!secret.tags.is_empty()).then(|| {
        secret
            .tags
            .iter()
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use serde_json::{Map, json};

    use super::*;

    fn version() -> SecretVersion {
        SecretVersion {
            secret_row: 1,
            vault_row: 1,
            name: "db-password".to_owned(),
            version: "03bcccc7c8cf4546a0e3e21e52560441".to_owned(),
            value: "s3cret".to_owned(),
            content_type: None,
            enabled: true,
            not_before: None,
            expires: None,
            tags: Map::new(),
            created_at: 1_493_938_459,
            updated_at: 1_493_938_459,
        }
    }

    #[test]
    fn a_bundle_has_the_versioned_id_and_leaves_out_absent_fields() {
        let bundle = serde_json::to_value(SecretBundle::new("http://h/kv/", &version()))
            .expect("serializes");
        assert_eq!(
            bundle,
            json!({
                "value": "s3cret",
                "id": "http://h/kv/secrets/db-password/03bcccc7c8cf4546a0e3e21e52560441",
                "attributes": {"enabled": true, "created": 1_493_938_459,
                    "updated": 1_493_938_459, "recoveryLevel": "Purgeable"}
            })
        );
    }

    #[test]
    fn a_list_item_has_no_value_and_carries_content_type_and_tags() {
        let mut secret = version();
        secret.content_type = Some("text/plain".to_owned());
        secret.tags.insert("env".to_owned(), json!("prod"));
        secret.expires = Some(1_800_000_000);
        let item = serde_json::to_value(SecretItem::new("http://h/kv/", &secret, false))
            .expect("serializes");
        assert_eq!(
            item,
            json!({
                "id": "http://h/kv/secrets/db-password",
                "attributes": {"enabled": true, "exp": 1_800_000_000, "created": 1_493_938_459,
                    "updated": 1_493_938_459, "recoveryLevel": "Purgeable"},
                "tags": {"env": "prod"},
                "contentType": "text/plain"
            })
        );
    }
}
