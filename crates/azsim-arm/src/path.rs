//! Request paths as typed ARM addresses over [`ResourceId`], matched case-insensitively.
//!
//! ARM compares every fixed segment (`resourceGroups`, `providers`, namespaces, types) without
//! regard to case, and clients rely on it: `azure-mgmt-resource` sends `resourcegroups`, the
//! compute client `resourceGroups`. So the API routes by parsing the path here, against the
//! table of kinds ([`crate::kinds`]), rather than with case-sensitive route patterns. Ids are
//! built in canonical casing; names keep the caller's.

use azsim_core::ResourceId;

use crate::kinds::{self, Kind, ListScope, Placement, ResourceKind};

/// What a request path addresses. Names are percent-decoded and keep the caller's casing.
///
/// Role assignments and role definitions are extension resources: their collections hang
/// under any scope (`{scope}/providers/Microsoft.Authorization/roleAssignments`), so their
/// `parent` is that scope, and an item's id is the extension id, whose parent is the scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ArmPath {
    /// The items of `kind` under `parent` (`/subscriptions` has the root as parent).
    Collection {
        /// Where the collection hangs: the root, a subscription, a group or any scope.
        parent: ResourceId,
        /// The kind of its items.
        kind: Kind,
    },
    /// One item of `kind`.
    Item {
        /// Its id, in canonical casing.
        id: ResourceId,
        /// Its kind.
        kind: Kind,
    },
    /// A path whose name for an item of `kind` is no single segment: it decodes to something
    /// holding a separator (`%2F`, `%5C`) or to a dot segment (`.`, `..`). Refused with the
    /// kind's invalid-name error before authorization, so a name can never reach below
    /// another item's scope (`vm-a%2Fchild` is not under `vm-a`).
    InvalidName {
        /// The kind whose name it is.
        kind: Kind,
        /// The decoded name.
        name: String,
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
    pub(crate) fn parse(path: &str) -> Self {
        let Some(segments) = decode_segments(path) else {
            return Self::Other;
        };
        let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
        Self::from_segments(&segments)
    }

    /// What a resource id addresses, classified as a request path to it would be. Its
    /// segments are taken as they are: an id's names are not percent-encoded.
    pub(crate) fn of_id(id: &ResourceId) -> Self {
        let segments: Vec<&str> = id
            .as_str()
            .split('/')
            .filter(|segment| !segment.is_empty())
            .collect();
        Self::from_segments(&segments)
    }

    /// Classifies decoded path segments against the table of kinds.
    fn from_segments(segments: &[&str]) -> Self {
        if let Some(extension) = parse_extension(segments) {
            return extension;
        }
        match segments {
            [subscriptions] if is(subscriptions, "subscriptions") => Self::Collection {
                parent: ResourceId::root(),
                kind: Kind::Subscription,
            },
            [subscriptions, subscription_id, rest @ ..] if is(subscriptions, "subscriptions") => {
                parse_in_subscription(subscription_id, rest)
            }
            _ => Self::Other,
        }
    }

    /// The subscription the path is in, if any.
    pub(crate) fn subscription_id(&self) -> Option<&str> {
        match self {
            Self::Collection { parent: id, .. } | Self::Item { id, .. } => id.subscription_id(),
            Self::UnknownNamespace {
                subscription_id, ..
            }
            | Self::UnknownResourceType {
                subscription_id, ..
            }
            | Self::OtherInSubscription { subscription_id } => Some(subscription_id),
            Self::InvalidName { .. } | Self::Other => None,
        }
    }

    /// The kind addressed (item or collection), if any.
    pub(crate) fn kind(&self) -> Option<&'static ResourceKind> {
        match self {
            Self::Collection { kind, .. } | Self::Item { kind, .. } => Some(kind.descriptor()),
            _ => None,
        }
    }
}

/// A role assignment or role definition path after any scope: the innermost `providers`
/// segment decides, so a scope may itself be any resource id.
fn parse_extension(segments: &[&str]) -> Option<ArmPath> {
    let at = segments
        .iter()
        .rposition(|segment| is(segment, "providers"))?;
    let (scope_segments, rest) = segments.split_at(at);
    let (namespace, type_name, name) = match rest {
        [_, namespace, type_name] => (*namespace, *type_name, None),
        [_, namespace, type_name, name] => (*namespace, *type_name, Some(*name)),
        _ => return None,
    };
    let kind = kinds::find(namespace, type_name, |placement| {
        placement == Placement::Extension
    })?;
    // A scope that is not a resource id is no scope the API serves; one whose name is no
    // single segment is refused as that name's kind refuses it.
    let Ok(scope) = ResourceId::from_path_segments(scope_segments) else {
        return Some(match ArmPath::from_segments(scope_segments) {
            invalid @ ArmPath::InvalidName { .. } => invalid,
            _ => ArmPath::Other,
        });
    };
    Some(match name {
        None => ArmPath::Collection {
            parent: scope,
            kind: kind.kind,
        },
        Some(name) => item(kind, name, |name| {
            Some(scope.provider(kind.namespace, kind.type_name, name))
        })?,
    })
}

fn parse_in_subscription(subscription_id: &str, rest: &[&str]) -> ArmPath {
    if ResourceId::check_segment(subscription_id).is_err() {
        return invalid_name(&kinds::SUBSCRIPTION, subscription_id);
    }
    let subscription = ResourceId::subscription(subscription_id);
    match rest {
        [] => ArmPath::Item {
            id: subscription,
            kind: Kind::Subscription,
        },
        [groups] if is(groups, "resourcegroups") => ArmPath::Collection {
            parent: subscription,
            kind: Kind::ResourceGroup,
        },
        [groups, resource_group] if is(groups, "resourcegroups") => {
            item(&kinds::RESOURCE_GROUP, resource_group, |name| {
                Some(ResourceId::resource_group(subscription_id, name))
            })
            .unwrap_or(ArmPath::Other)
        }
        [groups, resource_group, providers, _namespace, ..]
            if is(groups, "resourcegroups")
                && is(providers, "providers")
                && ResourceId::check_segment(resource_group).is_err() =>
        {
            invalid_name(&kinds::RESOURCE_GROUP, resource_group)
        }
        [groups, resource_group, providers, namespace, type_path @ ..]
            if is(groups, "resourcegroups") && is(providers, "providers") =>
        {
            let group = ResourceId::resource_group(subscription_id, resource_group);
            parse_provider_path(
                subscription_id,
                group,
                ListScope::ResourceGroup,
                namespace,
                type_path,
            )
        }
        [providers, namespace, type_path @ ..] if is(providers, "providers") => {
            parse_provider_path(
                subscription_id,
                subscription,
                ListScope::Subscription,
                namespace,
                type_path,
            )
        }
        _ => ArmPath::OtherInSubscription {
            subscription_id: subscription_id.to_owned(),
        },
    }
}

/// `{parent}/providers/{namespace}/{type_path...}`, where `parent` is a subscription or a
/// resource group (`level` says which).
fn parse_provider_path(
    subscription_id: &str,
    parent: ResourceId,
    level: ListScope,
    namespace: &str,
    type_path: &[&str],
) -> ArmPath {
    let Some(canonical_namespace) = kinds::known_namespace(namespace) else {
        return ArmPath::UnknownNamespace {
            subscription_id: subscription_id.to_owned(),
            namespace: namespace.to_owned(),
        };
    };
    let in_group = level == ListScope::ResourceGroup;
    let top = |type_name: &str| {
        kinds::find(namespace, type_name, |placement| {
            placement == Placement::ResourceGroup
        })
    };
    let found = match type_path {
        [type_name] => top(type_name)
            .filter(|kind| kind.is_listed_at(level))
            .map(|kind| ArmPath::Collection {
                parent,
                kind: kind.kind,
            }),
        [type_name, name] if in_group => {
            top(type_name).and_then(|kind| item(kind, name, |name| kind.item_id(&parent, name)))
        }
        [type_name, name, child_type, child_name] if in_group => top(type_name).and_then(|kind| {
            let child = kinds::find(namespace, child_type, |placement| {
                placement == Placement::Child(kind.kind)
            })?;
            if ResourceId::check_segment(name).is_err() {
                return Some(invalid_name(kind, name));
            }
            let id = kind.item_id(&parent, name)?;
            item(child, child_name, |child_name| {
                child.item_id(&id, child_name)
            })
        }),
        _ => None,
    };
    found.unwrap_or_else(|| ArmPath::UnknownResourceType {
        subscription_id: subscription_id.to_owned(),
        namespace: canonical_namespace.to_owned(),
        resource_type: resource_type_of(type_path),
    })
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

/// The item `name` of `kind`, its id built by `build`, or [`ArmPath::InvalidName`] if the
/// name is no single segment: no id is ever built from such a name.
fn item(
    kind: &ResourceKind,
    name: &str,
    build: impl FnOnce(&str) -> Option<ResourceId>,
) -> Option<ArmPath> {
    if ResourceId::check_segment(name).is_err() {
        return Some(invalid_name(kind, name));
    }
    build(name).map(|id| ArmPath::Item {
        id,
        kind: kind.kind,
    })
}

fn invalid_name(kind: &ResourceKind, name: &str) -> ArmPath {
    ArmPath::InvalidName {
        kind: kind.kind,
        name: name.to_owned(),
    }
}

fn is(segment: &str, fixed: &str) -> bool {
    segment.eq_ignore_ascii_case(fixed)
}

/// Splits a path into percent-decoded segments, each decoded once (`%252F` is the literal
/// name `%2F`). One trailing slash is tolerated (clients add it); an empty segment inside the
/// path, or an encoding that is not UTF-8, is not a path the API serves. A segment may decode
/// to a separator or a dot segment: the parser refuses it where a name stands
/// ([`ArmPath::InvalidName`]), and it matches no fixed segment elsewhere.
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

#[cfg(test)]
mod tests;
