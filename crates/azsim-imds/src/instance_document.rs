//! The instance metadata document (`/metadata/instance`) and its route filters.
//!
//! Every primitive is a JSON string and unknown values are empty strings, as the real
//! service documents.

use serde_json::{Value, json};

use crate::model::VmInstance;

/// The full instance metadata document of `instance`.
pub(crate) fn instance_document(instance: &VmInstance) -> Value {
    json!({
        "compute": compute(instance),
        "network": { "interface": [network_interface(&instance.vm_id)] },
    })
}

fn compute(instance: &VmInstance) -> Value {
    let tags = instance
        .tags
        .iter()
        .map(|(name, value)| format!("{name}:{value}"))
        .collect::<Vec<_>>()
        .join(";");
    let tags_list: Vec<Value> = instance
        .tags
        .iter()
        .map(|(name, value)| json!({ "name": name, "value": value }))
        .collect();
    json!({
        "additionalCapabilities": { "hibernationEnabled": "false" },
        "azEnvironment": "AzurePublicCloud",
        "customData": "",
        "evictionPolicy": "",
        "extendedLocation": { "name": "", "type": "" },
        "host": { "id": "" },
        "hostGroup": { "id": "" },
        "isHostCompatibilityLayerVm": "false",
        "licenseType": "",
        "location": instance.location,
        "name": instance.name,
        "offer": "",
        "osProfile": {
            "adminUsername": "",
            "computerName": instance.name,
            "disablePasswordAuthentication": "",
        },
        "osType": instance.os_type,
        "placementGroupId": "",
        "plan": { "name": "", "product": "", "publisher": "" },
        "platformFaultDomain": "0",
        "platformUpdateDomain": "0",
        "priority": "",
        "provider": "Microsoft.Compute",
        "publicKeys": [],
        "publisher": "",
        "resourceGroupName": instance.resource_group_name,
        "resourceId": instance.resource_id,
        "securityProfile": { "secureBootEnabled": "false", "virtualTpmEnabled": "false" },
        "sku": "",
        "storageProfile": {
            "dataDisks": [],
            "imageReference": { "id": "", "offer": "", "publisher": "", "sku": "", "version": "" },
            "osDisk": {
                "caching": "ReadWrite",
                "createOption": "FromImage",
                "diskSizeGB": "30",
                "name": format!("{}_OsDisk_1", instance.name),
                "osType": instance.os_type,
                "writeAcceleratorEnabled": "false",
            },
        },
        "subscriptionId": instance.subscription_id,
        "tags": tags,
        "tagsList": tags_list,
        "userData": "",
        "version": "",
        "vmId": instance.vm_id,
        "vmScaleSetName": "",
        "vmSize": instance.vm_size,
        "zone": "",
    })
}

/// One NIC whose private address and MAC derive from the VM id, so they are stable across
/// agent restarts and differ between VMs.
fn network_interface(vm_id: &str) -> Value {
    let hash = fnv1a(vm_id.as_bytes()).to_be_bytes();
    // Azure keeps .0 to .3 of a subnet for itself; 10.0.0.4 is the first address it hands out.
    let host = 4 + u16::from(hash[0]) % 250;
    json!({
        "ipv4": {
            "ipAddress": [{ "privateIpAddress": format!("10.0.0.{host}"), "publicIpAddress": "" }],
            "subnet": [{ "address": "10.0.0.0", "prefix": "24" }],
        },
        "ipv6": { "ipAddress": [] },
        // 00-0D-3A is the vendor prefix Azure NICs carry.
        "macAddress": format!("000D3A{:02X}{:02X}{:02X}", hash[1], hash[2], hash[3]),
    })
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The part of `document` a route filter such as `compute/tagsList/0/name` names: object
/// keys and array indexes, one per segment.
pub(crate) fn filter<'a>(document: &'a Value, segments: &[&str]) -> Option<&'a Value> {
    segments
        .iter()
        .try_fold(document, |node, segment| match node {
            Value::Object(map) => map.get(*segment),
            Value::Array(items) => segment
                .parse::<usize>()
                .ok()
                .and_then(|index| items.get(index)),
            _ => None,
        })
}

/// Whether `value` is a leaf (a primitive), which the service serves only as text.
pub(crate) fn is_leaf(value: &Value) -> bool {
    !matches!(value, Value::Object(_) | Value::Array(_))
}

/// `value` in the text format: a leaf's value, an object's keys (with `/` after inner
/// nodes), or an array's indexes, one per line.
pub(crate) fn render_text(value: &Value) -> String {
    let child_line = |name: String, child: &Value| {
        if is_leaf(child) {
            name
        } else {
            format!("{name}/")
        }
    };
    match value {
        Value::String(text) => text.clone(),
        Value::Object(map) => lines(
            map.iter()
                .map(|(key, child)| child_line(key.clone(), child)),
        ),
        Value::Array(items) => lines(
            items
                .iter()
                .enumerate()
                .map(|(index, child)| child_line(index.to_string(), child)),
        ),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn lines(items: impl Iterator<Item = String>) -> String {
    items.collect::<Vec<_>>().join("\n")
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn instance() -> VmInstance {
        VmInstance {
            subscription_id: "8d2f7a0e-0000-4000-8000-000000000001".into(),
            resource_group_name: "rg-web".into(),
            name: "web-1".into(),
            location: "westeurope".into(),
            vm_id: "5c08b38e-4d57-4c23-ac45-aca61037f084".into(),
            vm_size: "Standard_D2s_v3".into(),
            os_type: "Linux".into(),
            resource_id: "/subscriptions/8d2f7a0e-0000-4000-8000-000000000001/resourceGroups/rg-web/providers/Microsoft.Compute/virtualMachines/web-1".into(),
            tags: BTreeMap::from([("env".into(), "prod".into()), ("team".into(), "core".into())]),
            tenant_id: "tenant".into(),
        }
    }

    fn all_primitives_are_strings(value: &Value) -> bool {
        match value {
            Value::String(_) => true,
            Value::Array(items) => items.iter().all(all_primitives_are_strings),
            Value::Object(map) => map.values().all(all_primitives_are_strings),
            _ => false,
        }
    }

    #[test]
    fn compute_carries_the_vm_facts_as_strings() {
        let document = instance_document(&instance());
        let compute = &document["compute"];
        assert_eq!(compute["azEnvironment"], "AzurePublicCloud");
        assert_eq!(compute["name"], "web-1");
        assert_eq!(compute["location"], "westeurope");
        assert_eq!(compute["vmId"], "5c08b38e-4d57-4c23-ac45-aca61037f084");
        assert_eq!(compute["vmSize"], "Standard_D2s_v3");
        assert_eq!(compute["osType"], "Linux");
        assert_eq!(compute["resourceGroupName"], "rg-web");
        assert_eq!(
            compute["subscriptionId"],
            "8d2f7a0e-0000-4000-8000-000000000001"
        );
        assert_eq!(compute["resourceId"], instance().resource_id);
        assert_eq!(compute["tags"], "env:prod;team:core");
        assert_eq!(
            compute["tagsList"][1],
            json!({"name": "team", "value": "core"})
        );
        assert_eq!(compute["zone"], "");
        assert!(all_primitives_are_strings(&document));
    }

    #[test]
    fn network_interface_is_stable_per_vm() {
        let first = instance_document(&instance());
        let again = instance_document(&instance());
        assert_eq!(first["network"], again["network"]);
        let mut other = instance();
        other.vm_id = "0c0c0c0c-4d57-4c23-ac45-aca61037f084".into();
        assert_ne!(first["network"], instance_document(&other)["network"]);
        let mac = first["network"]["interface"][0]["macAddress"]
            .as_str()
            .unwrap();
        assert_eq!(mac.len(), 12);
        assert!(mac.starts_with("000D3A"));
    }

    #[test]
    fn filter_walks_keys_and_indexes() {
        let document = instance_document(&instance());
        assert_eq!(
            filter(&document, &["compute", "name"]),
            Some(&json!("web-1"))
        );
        assert_eq!(
            filter(&document, &["compute", "tagsList", "0", "name"]),
            Some(&json!("env"))
        );
        assert_eq!(filter(&document, &["compute", "nope"]), None);
        assert_eq!(filter(&document, &["compute", "name", "deeper"]), None);
        assert_eq!(filter(&document, &["network", "interface", "x"]), None);
        assert_eq!(filter(&document, &[]), Some(&document));
    }

    #[test]
    fn text_lists_children_and_leaves() {
        let document = instance_document(&instance());
        assert_eq!(render_text(&document), "compute/\nnetwork/");
        assert_eq!(render_text(&document["compute"]["location"]), "westeurope");
        assert_eq!(render_text(&document["compute"]["tagsList"]), "0/\n1/");
        assert!(is_leaf(&document["compute"]["vmId"]));
        assert!(!is_leaf(&document["compute"]["plan"]));
    }
}
