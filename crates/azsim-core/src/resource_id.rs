//! ARM resource ids: parsed once, shown in ARM's canonical form, compared without case.
//!
//! A resource id is also an RBAC scope, so the root `/` is one too. The grammar is ARM's:
//!
//! ```text
//! id       = "/" | part+
//! part     = "/subscriptions/" name            (first only)
//!          | "/resourceGroups/" name           (right after the subscription)
//!          | "/providers/" namespace ("/" type "/" name)+
//! ```
//!
//! A `providers` part after another one is an extension resource of the id before it
//! (`{scope}/providers/Microsoft.Authorization/roleAssignments/{guid}`); its type is its own.
//! Fixed segments are shown in ARM's casing (`resourceGroups`, `providers`); names, namespaces
//! and types keep the casing they were given. Equality, hashing and [`ResourceId::covers`] ignore
//! case, because ARM does.

use std::fmt;
use std::hash::{Hash, Hasher};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A text that is not a resource id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{text}' is not a valid resource id: {reason}")]
pub struct InvalidResourceId {
    /// The text given.
    pub text: String,
    /// Why it is not one.
    pub reason: &'static str,
}

/// A resource type with its namespace: `Microsoft.Compute/virtualMachines`,
/// `Microsoft.KeyVault/vaults/secrets`, `Microsoft.Resources/subscriptions/resourceGroups`.
/// This is the form RBAC actions start with.
#[derive(Debug, Clone, Eq)]
pub struct ResourceType(String);

impl ResourceType {
    /// The type of subscriptions.
    pub const SUBSCRIPTIONS: &'static str = "Microsoft.Resources/subscriptions";
    /// The type of resource groups, as RBAC actions name it.
    pub const RESOURCE_GROUPS: &'static str = "Microsoft.Resources/subscriptions/resourceGroups";
    /// The type of the root scope.
    pub const TENANTS: &'static str = "Microsoft.Resources/tenants";

    /// A type from its text (`Namespace/type[/childType...]`).
    pub fn new(text: impl Into<String>) -> Self {
        Self(text.into())
    }

    /// The type as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The namespace: the text before the first `/`.
    pub fn namespace(&self) -> &str {
        self.0.split('/').next().unwrap_or_default()
    }
}

impl PartialEq for ResourceType {
    fn eq(&self, other: &Self) -> bool {
        self.0.eq_ignore_ascii_case(&other.0)
    }
}

impl PartialEq<&str> for ResourceType {
    fn eq(&self, other: &&str) -> bool {
        self.0.eq_ignore_ascii_case(other)
    }
}

impl fmt::Display for ResourceType {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

/// One part of an id, in order.
#[derive(Debug, Clone)]
enum Part {
    Subscription(String),
    ResourceGroup(String),
    Provider {
        namespace: String,
        /// `(type, name)` pairs: a resource, then its children.
        pairs: Vec<(String, String)>,
    },
}

/// A parsed ARM resource id (or RBAC scope). See the module documentation for the grammar.
#[derive(Debug, Clone)]
pub struct ResourceId {
    parts: Vec<Part>,
    /// The canonical text: `/` for the root, never a trailing `/`.
    text: String,
    /// `text` in lower case, and empty for the root: what equality and coverage compare.
    key: String,
}

impl ResourceId {
    /// The root scope, `/`.
    pub fn root() -> Self {
        Self::from_parts(Vec::new())
    }

    /// `/subscriptions/{subscription}`.
    pub fn subscription(subscription: impl AsRef<str>) -> Self {
        Self::from_parts(vec![Part::Subscription(subscription.as_ref().to_owned())])
    }

    /// `/subscriptions/{subscription}/resourceGroups/{group}`.
    pub fn resource_group(subscription: impl AsRef<str>, group: &str) -> Self {
        Self::from_parts(vec![
            Part::Subscription(subscription.as_ref().to_owned()),
            Part::ResourceGroup(group.to_owned()),
        ])
    }

    /// The resource `{self}/providers/{namespace}/{type}/{name}`: a resource in a group or
    /// subscription, or an extension resource of `self`.
    pub fn provider(&self, namespace: &str, type_name: &str, name: &str) -> Self {
        let mut parts = self.parts.clone();
        parts.push(Part::Provider {
            namespace: namespace.to_owned(),
            pairs: vec![(type_name.to_owned(), name.to_owned())],
        });
        Self::from_parts(parts)
    }

    /// The child resource `{self}/{type}/{name}` of a provider resource
    /// (`.../vaults/{v}` → `.../vaults/{v}/secrets/{name}`); `None` if `self` is not one.
    pub fn child(&self, type_name: &str, name: &str) -> Option<Self> {
        let mut parts = self.parts.clone();
        match parts.last_mut() {
            Some(Part::Provider { pairs, .. }) => {
                pairs.push((type_name.to_owned(), name.to_owned()));
                Some(Self::from_parts(parts))
            }
            _ => None,
        }
    }

    /// Parses an id as written in a body or a header: a leading `/`, segments separated by
    /// `/`, an optional trailing `/`. Fixed segments match without case.
    pub fn parse(text: &str) -> Result<Self, InvalidResourceId> {
        let invalid = |reason| InvalidResourceId {
            text: text.to_owned(),
            reason,
        };
        let rest = text
            .strip_prefix('/')
            .ok_or(invalid("it must start with '/'"))?;
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        if rest.is_empty() {
            return Ok(Self::root());
        }
        let segments: Vec<&str> = rest.split('/').collect();
        Self::from_segments(&segments).map_err(invalid)
    }

    /// Builds an id from segments that are already split (and percent-decoded, for a request
    /// path). A segment that is empty or holds a `/` is refused: names never contain one.
    pub fn from_segments<S: AsRef<str>>(segments: &[S]) -> Result<Self, &'static str> {
        Self::from_checked_segments(segments, check_segment)
    }

    /// Builds an id from the percent-decoded segments of a request path. Unlike
    /// [`ResourceId::from_segments`], a name may hold any character but a separator (`/`,
    /// `\`), and may be neither empty nor a dot segment (see [`ResourceId::check_segment`]):
    /// what else a name may hold is its resource type's rule, which the service checks with
    /// that type's own error (`InvalidResourceGroup` for `bad name`).
    pub fn from_path_segments<S: AsRef<str>>(segments: &[S]) -> Result<Self, &'static str> {
        Self::from_checked_segments(segments, check_path_segment)
    }

    /// Whether `segment` can be one segment of an id from a request path: not empty, no
    /// separator (`/`, `\`) in it, not `.` or `..`. The path parser checks every decoded
    /// name with this before it builds an id, so a name never spans two segments.
    pub fn check_segment(segment: &str) -> Result<(), &'static str> {
        check_path_segment(segment)
    }

    fn from_checked_segments<S: AsRef<str>>(
        segments: &[S],
        check: fn(&str) -> Result<(), &'static str>,
    ) -> Result<Self, &'static str> {
        let mut parts = Vec::new();
        let mut index = 0;
        let segment = |at: usize| -> Result<&str, &'static str> {
            let value = segments
                .get(at)
                .map(AsRef::as_ref)
                .ok_or("a name is missing")?;
            check(value)?;
            Ok(value)
        };
        while index < segments.len() {
            let keyword = segment(index)?;
            if keyword.eq_ignore_ascii_case("subscriptions") {
                if !parts.is_empty() {
                    return Err("'subscriptions' may only come first");
                }
                parts.push(Part::Subscription(segment(index + 1)?.to_owned()));
                index += 2;
            } else if keyword.eq_ignore_ascii_case("resourceGroups") {
                if !matches!(parts.as_slice(), [Part::Subscription(_)]) {
                    return Err("'resourceGroups' must follow the subscription");
                }
                parts.push(Part::ResourceGroup(segment(index + 1)?.to_owned()));
                index += 2;
            } else if keyword.eq_ignore_ascii_case("providers") {
                let namespace = segment(index + 1)?.to_owned();
                index += 2;
                let mut pairs = Vec::new();
                while index < segments.len() && !segment(index)?.eq_ignore_ascii_case("providers") {
                    pairs.push((segment(index)?.to_owned(), segment(index + 1)?.to_owned()));
                    index += 2;
                }
                if pairs.is_empty() {
                    return Err("a provider namespace must be followed by a type and a name");
                }
                parts.push(Part::Provider { namespace, pairs });
            } else {
                return Err("expected 'subscriptions', 'resourceGroups' or 'providers'");
            }
        }
        Ok(Self::from_parts(parts))
    }

    /// The one constructor: every builder ends here. Each segment is written with
    /// [`push_segment`], so a name holding a separator (which the checked constructors
    /// refuse, and the builders are never meant to be given) is still one segment of the
    /// text: what coverage and the store's scope keys compare can never be forged by a name.
    fn from_parts(parts: Vec<Part>) -> Self {
        let mut text = String::new();
        for part in &parts {
            match part {
                Part::Subscription(id) => {
                    text.push_str("/subscriptions/");
                    push_segment(&mut text, id);
                }
                Part::ResourceGroup(name) => {
                    text.push_str("/resourceGroups/");
                    push_segment(&mut text, name);
                }
                Part::Provider { namespace, pairs } => {
                    text.push_str("/providers/");
                    push_segment(&mut text, namespace);
                    for (type_name, name) in pairs {
                        text.push('/');
                        push_segment(&mut text, type_name);
                        text.push('/');
                        push_segment(&mut text, name);
                    }
                }
            }
        }
        let key = text.to_ascii_lowercase();
        if text.is_empty() {
            text.push('/');
        }
        Self { parts, text, key }
    }

    /// The canonical text (also what `Display` writes).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The matching key: lower case, empty for the root. What the store indexes scopes by.
    pub fn scope_key(&self) -> &str {
        &self.key
    }

    /// Whether this scope covers `other`: the same id, or one below it, segment by segment
    /// (`/subscriptions/1` covers `/subscriptions/1/resourceGroups/x`, not `/subscriptions/12`).
    pub fn covers(&self, other: &ResourceId) -> bool {
        key_covers(&self.key, &other.key)
    }

    /// Whether this is the root scope.
    pub fn is_root(&self) -> bool {
        self.parts.is_empty()
    }

    /// The id one level up: a child's resource, a resource's group (or subscription, or the
    /// scope it extends), a group's subscription, a subscription's root. `None` at the root.
    pub fn parent(&self) -> Option<Self> {
        let mut parts = self.parts.clone();
        match parts.last_mut()? {
            Part::Provider { pairs, .. } if pairs.len() > 1 => {
                pairs.pop();
            }
            _ => {
                parts.pop();
            }
        }
        Some(Self::from_parts(parts))
    }

    /// The type of what the id names: the innermost provider's namespace and types, or a
    /// group, subscription or the tenant root.
    pub fn resource_type(&self) -> ResourceType {
        match self.parts.last() {
            None => ResourceType::new(ResourceType::TENANTS),
            Some(Part::Subscription(_)) => ResourceType::new(ResourceType::SUBSCRIPTIONS),
            Some(Part::ResourceGroup(_)) => ResourceType::new(ResourceType::RESOURCE_GROUPS),
            Some(Part::Provider { namespace, pairs }) => {
                let mut text = namespace.clone();
                for (type_name, _) in pairs {
                    text.push('/');
                    text.push_str(type_name);
                }
                ResourceType::new(text)
            }
        }
    }

    /// The last name: a resource's, a group's, a subscription's id. `None` at the root.
    pub fn name(&self) -> Option<&str> {
        match self.parts.last()? {
            Part::Subscription(id) => Some(id),
            Part::ResourceGroup(name) => Some(name),
            Part::Provider { pairs, .. } => pairs.last().map(|(_, name)| name.as_str()),
        }
    }

    /// The subscription id, as written in the id.
    pub fn subscription_id(&self) -> Option<&str> {
        match self.parts.first()? {
            Part::Subscription(id) => Some(id),
            _ => None,
        }
    }

    /// The resource group's name, as written in the id.
    pub fn resource_group_name(&self) -> Option<&str> {
        match self.parts.get(1)? {
            Part::ResourceGroup(name) => Some(name),
            _ => None,
        }
    }

    /// The `xms_mirid` form Entra puts in managed-identity tokens: the id with
    /// `resourcegroups` in lower case, as real tokens spell it.
    pub fn mirid(&self) -> String {
        self.text
            .replacen("/resourceGroups/", "/resourcegroups/", 1)
    }

    /// The keys of this scope and of every scope above it, root (`""`) first: what an
    /// assignment must be at to cover this scope.
    pub fn ancestor_keys(&self) -> Vec<String> {
        let mut keys = vec![String::new()];
        for (index, _) in self.key.match_indices('/').skip(1) {
            keys.push(self.key[..index].to_owned());
        }
        if !self.key.is_empty() {
            keys.push(self.key.clone());
        }
        keys
    }
}

/// Whether the scope key `outer` covers `inner` (both lower case, root empty), segment-wise.
pub fn key_covers(outer: &str, inner: &str) -> bool {
    match inner.strip_prefix(outer) {
        // The rest must be empty or start a new segment, so `/subscriptions/1` does not cover
        // `/subscriptions/12`. The root (empty key) covers every scope.
        Some(rest) => rest.is_empty() || rest.starts_with('/'),
        None => false,
    }
}

/// Appends one segment to an id's text. A separator inside it is written percent-encoded
/// (`%2F`, `%5C`), so it cannot end the segment.
fn push_segment(text: &mut String, segment: &str) {
    if segment.contains(['/', '\\']) {
        text.push_str(&segment.replace('/', "%2F").replace('\\', "%5C"));
    } else {
        text.push_str(segment);
    }
}

/// What every segment of an id must be: not empty, no separator in it (`/`, or `\` which
/// some clients and servers read as one), and not a dot segment (`.`, `..`), which a path
/// normalizer would fold into its neighbour.
fn check_path_segment(segment: &str) -> Result<(), &'static str> {
    if segment.is_empty() {
        return Err("a segment is empty");
    }
    if segment.contains(['/', '\\']) {
        return Err("a name contains a separator ('/' or '\\')");
    }
    if segment == "." || segment == ".." {
        return Err("a name is a dot segment ('.' or '..')");
    }
    Ok(())
}

fn check_segment(segment: &str) -> Result<(), &'static str> {
    check_path_segment(segment)?;
    if segment
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '?' | '#' | '\\'))
    {
        return Err("a segment contains white space, a control character, '?', '#' or '\\'");
    }
    Ok(())
}

impl fmt::Display for ResourceId {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.text)
    }
}

impl PartialEq for ResourceId {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}

impl Eq for ResourceId {}

impl Hash for ResourceId {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.key.hash(state);
    }
}

impl std::str::FromStr for ResourceId {
    type Err = InvalidResourceId;
    fn from_str(text: &str) -> Result<Self, InvalidResourceId> {
        Self::parse(text)
    }
}

impl Serialize for ResourceId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for ResourceId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests;
