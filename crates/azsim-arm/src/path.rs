//! Request paths as typed ARM resource addresses, matched case-insensitively, and the
//! canonical resource ids the API answers with.
//!
//! ARM compares every fixed segment (`resourceGroups`, `providers`, namespaces, types) without
//! regard to case, and clients rely on it: `azure-mgmt-resource` sends `resourcegroups`, the
//! compute client `resourceGroups`. So the API routes by parsing the path here rather than
//! with case-sensitive route patterns.

/// The namespace of the compute provider.
pub const COMPUTE_NAMESPACE: &str = "Microsoft.Compute";

/// The type of virtual machines, as written in bodies.
pub const VIRTUAL_MACHINE_TYPE: &str = "Microsoft.Compute/virtualMachines";

/// The namespace of the managed-identity provider.
pub const MANAGED_IDENTITY_NAMESPACE: &str = "Microsoft.ManagedIdentity";

/// The type of user-assigned identities, as written in bodies.
pub const USER_ASSIGNED_IDENTITY_TYPE: &str = "Microsoft.ManagedIdentity/userAssignedIdentities";

/// The type of resource groups, as written in bodies.
pub const RESOURCE_GROUP_TYPE: &str = "Microsoft.Resources/resourceGroups";

/// The namespace of the vault provider.
pub const KEY_VAULT_NAMESPACE: &str = "Microsoft.KeyVault";

/// The type of vaults, as written in bodies.
pub const VAULT_TYPE: &str = "Microsoft.KeyVault/vaults";

/// The namespace of role-based access control, an extension of any scope.
pub const AUTHORIZATION_NAMESPACE: &str = "Microsoft.Authorization";

/// What a request path addresses. Names are percent-decoded and keep the caller's casing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArmPath {
    /// `/subscriptions`
    Subscriptions,
    /// `/subscriptions/{sub}`
    Subscription {
        /// The subscription id.
        subscription_id: String,
    },
    /// `/subscriptions/{sub}/resourcegroups`
    ResourceGroups {
        /// The subscription id.
        subscription_id: String,
    },
    /// `/subscriptions/{sub}/resourcegroups/{rg}`
    ResourceGroup {
        /// The subscription id.
        subscription_id: String,
        /// The resource group name.
        resource_group: String,
    },
    /// `/subscriptions/{sub}/providers/Microsoft.Compute/virtualMachines`
    SubscriptionVirtualMachines {
        /// The subscription id.
        subscription_id: String,
    },
    /// `/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Compute/virtualMachines`
    VirtualMachines {
        /// The subscription id.
        subscription_id: String,
        /// The resource group name.
        resource_group: String,
    },
    /// `/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Compute/virtualMachines/{vm}`
    VirtualMachine {
        /// The subscription id.
        subscription_id: String,
        /// The resource group name.
        resource_group: String,
        /// The VM name.
        name: String,
    },
    /// `/subscriptions/{sub}/providers/Microsoft.ManagedIdentity/userAssignedIdentities`
    SubscriptionUserAssignedIdentities {
        /// The subscription id.
        subscription_id: String,
    },
    /// `/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities`
    UserAssignedIdentities {
        /// The subscription id.
        subscription_id: String,
        /// The resource group name.
        resource_group: String,
    },
    /// `.../resourceGroups/{rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{name}`
    UserAssignedIdentity {
        /// The subscription id.
        subscription_id: String,
        /// The resource group name.
        resource_group: String,
        /// The identity's name.
        name: String,
    },
    /// `/subscriptions/{sub}/providers/Microsoft.KeyVault/vaults`
    SubscriptionVaults {
        /// The subscription id.
        subscription_id: String,
    },
    /// `/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.KeyVault/vaults`
    Vaults {
        /// The subscription id.
        subscription_id: String,
        /// The resource group name.
        resource_group: String,
    },
    /// `.../resourceGroups/{rg}/providers/Microsoft.KeyVault/vaults/{name}`
    Vault {
        /// The subscription id.
        subscription_id: String,
        /// The resource group name.
        resource_group: String,
        /// The vault's name.
        name: String,
    },
    /// `.../providers/Microsoft.KeyVault/vaults/{vault}/secrets/{name}`: not served by the
    /// resource API (secrets live in the vault's data plane), but a scope roles are assigned at.
    VaultSecret {
        /// The subscription id.
        subscription_id: String,
        /// The resource group name.
        resource_group: String,
        /// The vault's name.
        vault: String,
        /// The secret's name.
        name: String,
    },
    /// `{scope}/providers/Microsoft.Authorization/roleAssignments`
    RoleAssignments {
        /// The scope the assignments are listed at (`/` for the root).
        scope: String,
    },
    /// `{scope}/providers/Microsoft.Authorization/roleAssignments/{name}`
    RoleAssignment {
        /// The scope of the assignment (`/` for the root).
        scope: String,
        /// The assignment's name (a GUID).
        name: String,
    },
    /// `{scope}/providers/Microsoft.Authorization/roleDefinitions`
    RoleDefinitions {
        /// The scope the definitions are read at.
        scope: String,
    },
    /// `{scope}/providers/Microsoft.Authorization/roleDefinitions/{id}`
    RoleDefinition {
        /// The scope the definition is read at.
        scope: String,
        /// The role definition's GUID.
        id: String,
    },
    /// A provider path whose namespace the cloud does not serve.
    UnknownNamespace {
        /// The subscription id.
        subscription_id: String,
        /// The namespace given.
        namespace: String,
    },
    /// A provider path whose resource type (or child path) the namespace does not serve.
    UnknownResourceType {
        /// The subscription id.
        subscription_id: String,
        /// The namespace, in canonical casing.
        namespace: String,
        /// The type path given (`virtualMachines/vm1/extensions`).
        resource_type: String,
    },
    /// Anything else under a subscription (`/subscriptions/{sub}/locations`).
    OtherInSubscription {
        /// The subscription id.
        subscription_id: String,
    },
    /// Anything else.
    Other,
}

impl ArmPath {
    /// Parses a request path (without query). Never fails: what is not understood is
    /// [`ArmPath::Other`] or one of the `Unknown*` kinds, which the router answers with 404.
    pub fn parse(path: &str) -> Self {
        let Some(segments) = decode_segments(path) else {
            return Self::Other;
        };
        let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
        if let Some(extension) = extension::parse(&segments) {
            return extension;
        }
        match segments.as_slice() {
            [subscriptions] if is(subscriptions, "subscriptions") => Self::Subscriptions,
            [subscriptions, subscription_id, rest @ ..] if is(subscriptions, "subscriptions") => {
                parse_in_subscription(subscription_id, rest)
            }
            _ => Self::Other,
        }
    }

    /// The subscription the path is in, if any.
    pub fn subscription_id(&self) -> Option<&str> {
        match self {
            Self::Subscriptions | Self::Other => None,
            Self::RoleAssignments { scope }
            | Self::RoleAssignment { scope, .. }
            | Self::RoleDefinitions { scope }
            | Self::RoleDefinition { scope, .. } => scope_subscription(scope),
            Self::Subscription { subscription_id }
            | Self::ResourceGroups { subscription_id }
            | Self::ResourceGroup {
                subscription_id, ..
            }
            | Self::SubscriptionVirtualMachines { subscription_id }
            | Self::VirtualMachines {
                subscription_id, ..
            }
            | Self::VirtualMachine {
                subscription_id, ..
            }
            | Self::SubscriptionUserAssignedIdentities { subscription_id }
            | Self::UserAssignedIdentities {
                subscription_id, ..
            }
            | Self::UserAssignedIdentity {
                subscription_id, ..
            }
            | Self::SubscriptionVaults { subscription_id }
            | Self::Vaults {
                subscription_id, ..
            }
            | Self::Vault {
                subscription_id, ..
            }
            | Self::VaultSecret {
                subscription_id, ..
            }
            | Self::UnknownNamespace {
                subscription_id, ..
            }
            | Self::UnknownResourceType {
                subscription_id, ..
            }
            | Self::OtherInSubscription { subscription_id } => Some(subscription_id),
        }
    }
}

/// A scope as a resource id: the scopes of paths are made of decoded path segments. What is
/// not a resource id is taken as the root, which only root assignments cover.
pub(crate) fn scope_id(scope: &str) -> azsim_core::ResourceId {
    let segments: Vec<&str> = scope.split('/').filter(|s| !s.is_empty()).collect();
    azsim_core::ResourceId::from_path_segments(&segments)
        .unwrap_or_else(|_| azsim_core::ResourceId::root())
}

/// The subscription id of a scope under a subscription, with the casing of the scope.
fn scope_subscription(scope: &str) -> Option<&str> {
    let mut segments = scope.split('/').filter(|segment| !segment.is_empty());
    match (segments.next(), segments.next()) {
        (Some(first), Some(id)) if first.eq_ignore_ascii_case("subscriptions") => Some(id),
        _ => None,
    }
}

/// The id of a subscription.
pub fn subscription_id_path(subscription_id: &str) -> String {
    format!("/subscriptions/{subscription_id}")
}

/// The id of a resource group.
pub fn resource_group_id(subscription_id: &str, resource_group: &str) -> String {
    format!("/subscriptions/{subscription_id}/resourceGroups/{resource_group}")
}

/// The id of a virtual machine (also its system-assigned identity's `xms_mirid`).
pub fn virtual_machine_id(subscription_id: &str, resource_group: &str, name: &str) -> String {
    format!(
        "/subscriptions/{subscription_id}/resourceGroups/{resource_group}/providers/\
         {VIRTUAL_MACHINE_TYPE}/{name}"
    )
}

/// The id of a vault.
pub fn vault_id(subscription_id: &str, resource_group: &str, name: &str) -> String {
    format!(
        "/subscriptions/{subscription_id}/resourceGroups/{resource_group}/providers/\
         {VAULT_TYPE}/{name}"
    )
}

fn parse_in_subscription(subscription_id: &str, rest: &[&str]) -> ArmPath {
    let subscription_id = subscription_id.to_owned();
    match rest {
        [] => ArmPath::Subscription { subscription_id },
        [groups] if is(groups, "resourcegroups") => ArmPath::ResourceGroups { subscription_id },
        [groups, resource_group] if is(groups, "resourcegroups") => ArmPath::ResourceGroup {
            subscription_id,
            resource_group: (*resource_group).to_owned(),
        },
        [groups, resource_group, providers, namespace, type_path @ ..]
            if is(groups, "resourcegroups") && is(providers, "providers") =>
        {
            parse_provider_path(subscription_id, Some(resource_group), namespace, type_path)
        }
        [providers, namespace, type_path @ ..] if is(providers, "providers") => {
            parse_provider_path(subscription_id, None, namespace, type_path)
        }
        _ => ArmPath::OtherInSubscription { subscription_id },
    }
}

fn parse_provider_path(
    subscription_id: String,
    resource_group: Option<&str>,
    namespace: &str,
    type_path: &[&str],
) -> ArmPath {
    if is(namespace, COMPUTE_NAMESPACE) {
        parse_compute_path(subscription_id, resource_group, type_path)
    } else if is(namespace, MANAGED_IDENTITY_NAMESPACE) {
        parse_managed_identity_path(subscription_id, resource_group, type_path)
    } else if is(namespace, KEY_VAULT_NAMESPACE) {
        parse_key_vault_path(subscription_id, resource_group, type_path)
    } else if is(namespace, AUTHORIZATION_NAMESPACE) {
        // Role assignments and definitions were matched as extensions before; anything else
        // of the namespace is a type the cloud does not have.
        ArmPath::UnknownResourceType {
            subscription_id,
            namespace: AUTHORIZATION_NAMESPACE.to_owned(),
            resource_type: resource_type_of(type_path),
        }
    } else {
        ArmPath::UnknownNamespace {
            subscription_id,
            namespace: namespace.to_owned(),
        }
    }
}

fn parse_compute_path(
    subscription_id: String,
    resource_group: Option<&str>,
    type_path: &[&str],
) -> ArmPath {
    match (resource_group, type_path) {
        (Some(resource_group), [vms]) if is(vms, "virtualMachines") => ArmPath::VirtualMachines {
            subscription_id,
            resource_group: resource_group.to_owned(),
        },
        (Some(resource_group), [vms, name]) if is(vms, "virtualMachines") => {
            ArmPath::VirtualMachine {
                subscription_id,
                resource_group: resource_group.to_owned(),
                name: (*name).to_owned(),
            }
        }
        (None, [vms]) if is(vms, "virtualMachines") => {
            ArmPath::SubscriptionVirtualMachines { subscription_id }
        }
        _ => ArmPath::UnknownResourceType {
            subscription_id,
            namespace: COMPUTE_NAMESPACE.to_owned(),
            resource_type: resource_type_of(type_path),
        },
    }
}

fn parse_managed_identity_path(
    subscription_id: String,
    resource_group: Option<&str>,
    type_path: &[&str],
) -> ArmPath {
    const IDENTITIES: &str = "userAssignedIdentities";
    match (resource_group, type_path) {
        (Some(resource_group), [identities]) if is(identities, IDENTITIES) => {
            ArmPath::UserAssignedIdentities {
                subscription_id,
                resource_group: resource_group.to_owned(),
            }
        }
        (Some(resource_group), [identities, name]) if is(identities, IDENTITIES) => {
            ArmPath::UserAssignedIdentity {
                subscription_id,
                resource_group: resource_group.to_owned(),
                name: (*name).to_owned(),
            }
        }
        (None, [identities]) if is(identities, IDENTITIES) => {
            ArmPath::SubscriptionUserAssignedIdentities { subscription_id }
        }
        _ => ArmPath::UnknownResourceType {
            subscription_id,
            namespace: MANAGED_IDENTITY_NAMESPACE.to_owned(),
            resource_type: resource_type_of(type_path),
        },
    }
}

fn parse_key_vault_path(
    subscription_id: String,
    resource_group: Option<&str>,
    type_path: &[&str],
) -> ArmPath {
    match (resource_group, type_path) {
        (Some(resource_group), [vaults]) if is(vaults, "vaults") => ArmPath::Vaults {
            subscription_id,
            resource_group: resource_group.to_owned(),
        },
        (Some(resource_group), [vaults, name]) if is(vaults, "vaults") => ArmPath::Vault {
            subscription_id,
            resource_group: resource_group.to_owned(),
            name: (*name).to_owned(),
        },
        (Some(resource_group), [vaults, vault, secrets, name])
            if is(vaults, "vaults") && is(secrets, "secrets") =>
        {
            ArmPath::VaultSecret {
                subscription_id,
                resource_group: resource_group.to_owned(),
                vault: (*vault).to_owned(),
                name: (*name).to_owned(),
            }
        }
        (None, [vaults]) if is(vaults, "vaults") => ArmPath::SubscriptionVaults { subscription_id },
        _ => ArmPath::UnknownResourceType {
            subscription_id,
            namespace: KEY_VAULT_NAMESPACE.to_owned(),
            resource_type: resource_type_of(type_path),
        },
    }
}

/// The resource type a provider path names: the type segments, without the names between
/// them (`virtualMachines/vm1/extensions` is type `virtualMachines/extensions`).
fn resource_type_of(type_path: &[&str]) -> String {
    type_path
        .iter()
        .step_by(2)
        .copied()
        .collect::<Vec<_>>()
        .join("/")
}

fn is(segment: &str, fixed: &str) -> bool {
    segment.eq_ignore_ascii_case(fixed)
}

/// Splits a path into percent-decoded segments. One trailing slash is tolerated (clients
/// add it); an empty segment inside the path, or an encoding that is not UTF-8, is not a path
/// the API serves.
fn decode_segments(path: &str) -> Option<Vec<String>> {
    let path = path.strip_prefix('/')?;
    let path = path.strip_suffix('/').unwrap_or(path);
    if path.is_empty() {
        return Some(Vec::new());
    }
    path.split('/')
        .map(|segment| {
            let decoded = percent_decode(segment)?;
            (!decoded.is_empty()).then_some(decoded)
        })
        .collect()
}

fn percent_decode(segment: &str) -> Option<String> {
    let bytes = segment.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' {
            let hex = segment.get(index + 1..index + 3)?;
            if !hex.bytes().all(|byte| byte.is_ascii_hexdigit()) {
                return None;
            }
            decoded.push(u8::from_str_radix(hex, 16).ok()?);
            index += 3;
        } else {
            decoded.push(bytes[index]);
            index += 1;
        }
    }
    String::from_utf8(decoded).ok()
}

mod extension;
#[cfg(test)]
mod tests;
