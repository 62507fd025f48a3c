//! The one table of the resource kinds the API knows: where each lives, which methods its
//! items serve, where its collection is listed, its name rule and its not-found error.
//!
//! Path parsing, the method check, authorization and the scope check read this table; only
//! `routes::route` matches on [`Kind`] to reach the kind's own handlers. Adding a kind is
//! one entry here plus its `app/` and `routes/` files (`docs/adding-a-resource-type.md`).

use std::future::Future;
use std::pin::Pin;

use azsim_core::ResourceId;
use azsim_rbac::scope::{AUTHORIZATION_NAMESPACE, ROLE_ASSIGNMENTS, ROLE_DEFINITIONS};
use azsim_store::{Connection, resources, vaults};
use http::Method;

use crate::error::ArmError;
use crate::state::ArmState;

/// Which kind a path addresses: what `routes::route` dispatches on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `/subscriptions/{s}`.
    Subscription,
    /// `/subscriptions/{s}/resourceGroups/{rg}`.
    ResourceGroup,
    /// `Microsoft.Compute/virtualMachines`.
    VirtualMachine,
    /// `Microsoft.ManagedIdentity/userAssignedIdentities`.
    UserAssignedIdentity,
    /// `Microsoft.KeyVault/vaults`.
    Vault,
    /// `Microsoft.KeyVault/vaults/secrets`: a scope roles are assigned at, served by the
    /// vault's data plane, not by this API.
    VaultSecret,
    /// `Microsoft.Authorization/roleAssignments`, at any scope.
    RoleAssignment,
    /// `Microsoft.Authorization/roleDefinitions`, at any scope.
    RoleDefinition,
}

/// Where a kind's items live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Placement {
    /// Subscriptions: under the root.
    Root,
    /// Resource groups: under a subscription (`resourceGroups/{name}`).
    Subscription,
    /// Provider resources in a resource group (`providers/{namespace}/{type}/{name}`).
    ResourceGroup,
    /// A child of another kind's item (`{parent}/{type}/{name}`).
    Child(Kind),
    /// Extension resources of any scope (`{scope}/providers/{namespace}/{type}/{name}`).
    Extension,
}

/// Where a kind's collection may be listed (`GET` on the collection path).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ListScope {
    /// At the root (`/subscriptions`).
    Root,
    /// In a subscription.
    Subscription,
    /// In a resource group.
    ResourceGroup,
    /// At any scope (extension resources).
    Any,
}

/// A kind's rule for new names: the error ARM answers for a name it refuses.
pub(crate) type NameRule = fn(&str) -> Result<(), ArmError>;

/// What [`Exists`] returns: boxed, because the table holds plain function pointers.
pub(crate) type ExistsFuture<'a> =
    Pin<Box<dyn Future<Output = Result<bool, ArmError>> + Send + 'a>>;

/// Whether the item `name` of a provider kind exists in the resource group whose row is given.
pub(crate) type Exists =
    for<'a> fn(&'a ArmState, &'a mut Connection, i64, &'a str) -> ExistsFuture<'a>;

/// One kind of resource, as the API serves it.
#[derive(Debug)]
pub(crate) struct ResourceKind {
    /// What the router dispatches on.
    pub(crate) kind: Kind,
    /// The provider namespace, in canonical casing.
    pub(crate) namespace: &'static str,
    /// The type inside the namespace (`virtualMachines`), in canonical casing: the segment
    /// paths and ids use.
    pub(crate) type_name: &'static str,
    /// The type with its namespace, as RBAC actions name it and ids are typed.
    pub(crate) type_path: &'static str,
    /// Where the items live.
    pub(crate) placement: Placement,
    /// The methods an item serves; none for a kind that is only a scope.
    pub(crate) item_methods: &'static [Method],
    /// Where the collection is listed; none for a kind that has no list.
    pub(crate) list_scopes: &'static [ListScope],
    /// Whether a caller with any role assignment at, above or below an item may read it (and
    /// lists are filtered to those): ARM's rule for subscriptions.
    pub(crate) visible_by_any_assignment: bool,
    /// The kind's rule for new names (`crate::names`), checked before anything is written.
    pub(crate) name_rule: NameRule,
    /// How to find an item in its resource group (provider kinds), for the scope check of
    /// role assignments.
    pub(crate) exists: Option<Exists>,
    /// The error for an item that does not exist.
    pub(crate) not_found: fn(&ResourceId) -> ArmError,
}

impl ResourceKind {
    /// Checks a new item's name against the kind's rule.
    pub(crate) fn check_name(&self, name: &str) -> Result<(), ArmError> {
        (self.name_rule)(name)
    }

    /// The kind's error for a name that is no single path segment (it holds a separator or
    /// is a dot segment): every rule refuses one, a unit test holds them to it.
    pub(crate) fn refuse_name(&self, name: &str) -> ArmError {
        self.check_name(name)
            .err()
            .unwrap_or_else(|| ArmError::InvalidResourceName {
                name: name.to_owned(),
            })
    }

    /// Whether an item of the kind is only a scope (the API serves no method on it).
    pub(crate) fn is_scope_only(&self) -> bool {
        self.item_methods.is_empty()
    }

    /// Whether the collection is listed at `scope`.
    pub(crate) fn is_listed_at(&self, scope: ListScope) -> bool {
        self.list_scopes
            .iter()
            .any(|listed| *listed == scope || *listed == ListScope::Any)
    }

    /// The id of the provider resource `name` in a resource group, in canonical casing.
    pub(crate) fn in_group(&self, subscription_id: &str, group: &str, name: &str) -> ResourceId {
        ResourceId::resource_group(subscription_id, group).provider(
            self.namespace,
            self.type_name,
            name,
        )
    }

    /// The id of the item `name` under `parent`, in canonical casing.
    pub(crate) fn item_id(&self, parent: &ResourceId, name: &str) -> Option<ResourceId> {
        match self.placement {
            Placement::Root => Some(ResourceId::subscription(name)),
            Placement::Subscription => parent
                .subscription_id()
                .map(|subscription| ResourceId::resource_group(subscription, name)),
            Placement::ResourceGroup | Placement::Extension => {
                Some(parent.provider(self.namespace, self.type_name, name))
            }
            Placement::Child(_) => parent.child(self.type_name, name),
        }
    }
}

impl Kind {
    /// The kind's entry in the table.
    pub(crate) fn descriptor(self) -> &'static ResourceKind {
        match self {
            Self::Subscription => &SUBSCRIPTION,
            Self::ResourceGroup => &RESOURCE_GROUP,
            Self::VirtualMachine => &VIRTUAL_MACHINE,
            Self::UserAssignedIdentity => &USER_ASSIGNED_IDENTITY,
            Self::Vault => &VAULT,
            Self::VaultSecret => &VAULT_SECRET,
            Self::RoleAssignment => &ROLE_ASSIGNMENT,
            Self::RoleDefinition => &ROLE_DEFINITION,
        }
    }
}

/// Every kind, in no particular order.
pub(crate) static KINDS: [&ResourceKind; 8] = [
    &SUBSCRIPTION,
    &RESOURCE_GROUP,
    &VIRTUAL_MACHINE,
    &USER_ASSIGNED_IDENTITY,
    &VAULT,
    &VAULT_SECRET,
    &ROLE_ASSIGNMENT,
    &ROLE_DEFINITION,
];

/// The namespace of subscriptions and resource groups.
const RESOURCES_NAMESPACE: &str = "Microsoft.Resources";

/// Subscriptions: created by the cloud, read through the API.
pub(crate) static SUBSCRIPTION: ResourceKind = ResourceKind {
    kind: Kind::Subscription,
    namespace: RESOURCES_NAMESPACE,
    type_name: "subscriptions",
    type_path: "Microsoft.Resources/subscriptions",
    placement: Placement::Root,
    item_methods: &[Method::GET],
    list_scopes: &[ListScope::Root],
    visible_by_any_assignment: true,
    name_rule: crate::names::check_subscription_id,
    exists: None,
    not_found: |id| ArmError::SubscriptionNotFound {
        subscription_id: id.subscription_id().unwrap_or_default().to_owned(),
    },
};

/// Resource groups.
pub(crate) static RESOURCE_GROUP: ResourceKind = ResourceKind {
    kind: Kind::ResourceGroup,
    namespace: RESOURCES_NAMESPACE,
    type_name: "resourceGroups",
    type_path: "Microsoft.Resources/subscriptions/resourceGroups",
    placement: Placement::Subscription,
    item_methods: &[
        Method::PUT,
        Method::GET,
        Method::HEAD,
        Method::PATCH,
        Method::DELETE,
    ],
    list_scopes: &[ListScope::Subscription],
    visible_by_any_assignment: false,
    name_rule: crate::names::check_resource_group_name,
    exists: None,
    not_found: |id| ArmError::ResourceGroupNotFound {
        name: id.resource_group_name().unwrap_or_default().to_owned(),
    },
};

/// Virtual machines.
pub(crate) static VIRTUAL_MACHINE: ResourceKind = ResourceKind {
    kind: Kind::VirtualMachine,
    namespace: "Microsoft.Compute",
    type_name: "virtualMachines",
    type_path: "Microsoft.Compute/virtualMachines",
    placement: Placement::ResourceGroup,
    item_methods: &[Method::PUT, Method::GET, Method::PATCH, Method::DELETE],
    list_scopes: &[ListScope::Subscription, ListScope::ResourceGroup],
    visible_by_any_assignment: false,
    name_rule: crate::names::check_virtual_machine_name,
    exists: Some(virtual_machine_exists),
    not_found: |id| resource_not_found(&VIRTUAL_MACHINE, id),
};

/// User-assigned identities.
pub(crate) static USER_ASSIGNED_IDENTITY: ResourceKind = ResourceKind {
    kind: Kind::UserAssignedIdentity,
    namespace: "Microsoft.ManagedIdentity",
    type_name: "userAssignedIdentities",
    type_path: "Microsoft.ManagedIdentity/userAssignedIdentities",
    placement: Placement::ResourceGroup,
    item_methods: &[Method::PUT, Method::GET, Method::PATCH, Method::DELETE],
    list_scopes: &[ListScope::Subscription, ListScope::ResourceGroup],
    visible_by_any_assignment: false,
    name_rule: crate::names::check_identity_name,
    exists: Some(user_assigned_identity_exists),
    not_found: |id| resource_not_found(&USER_ASSIGNED_IDENTITY, id),
};

/// Key vaults (their management plane).
pub(crate) static VAULT: ResourceKind = ResourceKind {
    kind: Kind::Vault,
    namespace: "Microsoft.KeyVault",
    type_name: "vaults",
    type_path: "Microsoft.KeyVault/vaults",
    placement: Placement::ResourceGroup,
    item_methods: &[Method::PUT, Method::GET, Method::DELETE],
    list_scopes: &[ListScope::Subscription, ListScope::ResourceGroup],
    visible_by_any_assignment: false,
    name_rule: crate::names::check_vault_name,
    exists: Some(vault_exists),
    not_found: |id| resource_not_found(&VAULT, id),
};

/// A vault's secret: only a scope here.
pub(crate) static VAULT_SECRET: ResourceKind = ResourceKind {
    kind: Kind::VaultSecret,
    namespace: "Microsoft.KeyVault",
    type_name: "secrets",
    type_path: "Microsoft.KeyVault/vaults/secrets",
    placement: Placement::Child(Kind::Vault),
    item_methods: &[],
    list_scopes: &[],
    visible_by_any_assignment: false,
    name_rule: crate::names::check_secret_name,
    exists: None,
    not_found: |id| resource_not_found(&VAULT_SECRET, id),
};

/// Role assignments, extension resources of any scope.
pub(crate) static ROLE_ASSIGNMENT: ResourceKind = ResourceKind {
    kind: Kind::RoleAssignment,
    namespace: AUTHORIZATION_NAMESPACE,
    type_name: ROLE_ASSIGNMENTS,
    type_path: "Microsoft.Authorization/roleAssignments",
    placement: Placement::Extension,
    item_methods: &[Method::PUT, Method::GET, Method::DELETE],
    list_scopes: &[ListScope::Any],
    visible_by_any_assignment: false,
    name_rule: crate::names::check_role_assignment_name,
    exists: None,
    not_found: |id| {
        azsim_rbac::RbacError::RoleAssignmentNotFound {
            name: id.name().unwrap_or_default().to_owned(),
        }
        .into()
    },
};

/// Role definitions, readable at any scope.
pub(crate) static ROLE_DEFINITION: ResourceKind = ResourceKind {
    kind: Kind::RoleDefinition,
    namespace: AUTHORIZATION_NAMESPACE,
    type_name: ROLE_DEFINITIONS,
    type_path: "Microsoft.Authorization/roleDefinitions",
    placement: Placement::Extension,
    item_methods: &[Method::GET],
    list_scopes: &[ListScope::Any],
    visible_by_any_assignment: false,
    name_rule: crate::names::check_role_definition_name,
    exists: None,
    not_found: |id| {
        azsim_rbac::RbacError::RoleDefinitionNotFound {
            role_definition_id: id.name().unwrap_or_default().to_owned(),
        }
        .into()
    },
};

/// The kind of the items `{namespace}/{type_name}` placed `placement`-wise (names compared
/// ignoring case, as ARM compares them).
pub(crate) fn find(
    namespace: &str,
    type_name: &str,
    placement: impl Fn(Placement) -> bool,
) -> Option<&'static ResourceKind> {
    KINDS.iter().copied().find(|kind| {
        kind.namespace.eq_ignore_ascii_case(namespace)
            && kind.type_name.eq_ignore_ascii_case(type_name)
            && placement(kind.placement)
    })
}

/// The provider namespace in canonical casing, if some provider kind lives in it
/// (subscriptions and resource groups are not addressed through `providers`).
pub(crate) fn known_namespace(namespace: &str) -> Option<&'static str> {
    KINDS
        .iter()
        .filter(|kind| !matches!(kind.placement, Placement::Root | Placement::Subscription))
        .map(|kind| kind.namespace)
        .find(|known| known.eq_ignore_ascii_case(namespace))
}

fn virtual_machine_exists<'a>(
    _state: &'a ArmState,
    conn: &'a mut Connection,
    resource_group_row: i64,
    name: &'a str,
) -> ExistsFuture<'a> {
    Box::pin(async move {
        Ok(
            resources::find_virtual_machine(conn, resource_group_row, name)
                .await?
                .is_some(),
        )
    })
}

fn user_assigned_identity_exists<'a>(
    state: &'a ArmState,
    conn: &'a mut Connection,
    resource_group_row: i64,
    name: &'a str,
) -> ExistsFuture<'a> {
    Box::pin(async move {
        Ok(state
            .msrp()
            .user_assigned_identity(conn, resource_group_row, name)
            .await?
            .is_some())
    })
}

fn vault_exists<'a>(
    _state: &'a ArmState,
    conn: &'a mut Connection,
    resource_group_row: i64,
    name: &'a str,
) -> ExistsFuture<'a> {
    Box::pin(async move {
        Ok(vaults::find_vault(conn, resource_group_row, name)
            .await?
            .is_some())
    })
}

/// ARM's `ResourceNotFound` for an item of a provider kind.
fn resource_not_found(kind: &ResourceKind, id: &ResourceId) -> ArmError {
    ArmError::ResourceNotFound {
        resource_type: kind.type_path,
        name: id.name().unwrap_or_default().to_owned(),
        resource_group: id.resource_group_name().unwrap_or_default().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_its_own_descriptor_and_types_its_ids() {
        let group = ResourceId::resource_group("s", "rg");
        for kind in KINDS {
            assert_eq!(kind.kind.descriptor().type_path, kind.type_path);
            let parent = match kind.placement {
                Placement::Root => ResourceId::root(),
                Placement::Subscription => ResourceId::subscription("s"),
                Placement::ResourceGroup | Placement::Extension => group.clone(),
                Placement::Child(parent) => {
                    let parent = parent.descriptor();
                    group.provider(parent.namespace, parent.type_name, "p")
                }
            };
            let id = kind.item_id(&parent, "n").unwrap();
            assert_eq!(id.resource_type(), kind.type_path, "{id}");
            assert_eq!(id.name(), Some("n"));
        }
    }

    #[test]
    fn not_found_errors_name_the_item() {
        let vm = VIRTUAL_MACHINE
            .item_id(&ResourceId::resource_group("s", "rg"), "vm1")
            .unwrap();
        assert_eq!(
            (VIRTUAL_MACHINE.not_found)(&vm).status_and_code().1,
            "ResourceNotFound"
        );
        assert_eq!(
            (RESOURCE_GROUP.not_found)(&ResourceId::resource_group("s", "rg"))
                .status_and_code()
                .1,
            "ResourceGroupNotFound"
        );
    }
}
