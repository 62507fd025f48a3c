//! Reading a VM request's `identity` property into the change it asks for.
//!
//! `identity.type` is one of `SystemAssigned`, `UserAssigned`, `SystemAssigned, UserAssigned`
//! and `None` (compared ignoring case and spaces, as the SDKs do). A PUT replaces: what it
//! does not name, the VM loses. A PATCH merges `identity.userAssignedIdentities`: an entry
//! with an object value adds that identity, a `null` value removes it, unnamed ones stay; a
//! type without `UserAssigned` removes them all.

use azsim_core::ResourceId;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::error::ArmError;
use crate::kinds::USER_ASSIGNED_IDENTITY;

/// The `identity` property of a VM request.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct IdentityRequest {
    /// `SystemAssigned`, `UserAssigned`, `SystemAssigned, UserAssigned` or `None`.
    #[serde(rename = "type")]
    pub(crate) kind: Option<String>,
    /// User-assigned identities by ARM id; a `null` value removes one (PATCH).
    #[serde(rename = "userAssignedIdentities", default)]
    pub(crate) user_assigned_identities: Option<Map<String, Value>>,
}

/// Whether the request replaces the VM (PUT) or merges into it (PATCH).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WriteMode {
    /// PUT: no `identity` means no identity.
    Replace,
    /// PATCH: no `identity` means no change.
    Merge,
}

/// A user-assigned identity named in a request, by the parts of its ARM id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct IdentityReference {
    /// The id exactly as the request wrote it (for error messages).
    pub(crate) given: String,
    /// The id, parsed.
    pub(crate) id: ResourceId,
    /// The identity's subscription.
    pub(crate) subscription_id: String,
    /// The identity's resource group.
    pub(crate) resource_group: String,
    /// The identity's name.
    pub(crate) name: String,
}

impl IdentityReference {
    /// Whether this reference names the identity whose ARM id is `resource_id`; ids compare
    /// ignoring case, as ARM compares them.
    pub(crate) fn names(&self, resource_id: &str) -> bool {
        ResourceId::parse(resource_id).is_ok_and(|id| id == self.id)
    }
}

/// What happens to the VM's user-assigned identities.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum UserAssignedChange {
    /// They stay as they are.
    Keep,
    /// They become exactly these.
    Replace(Vec<IdentityReference>),
    /// These are added and those removed; the others stay. At least one must remain.
    Merge {
        /// Identities to attach.
        add: Vec<IdentityReference>,
        /// Identities to detach.
        remove: Vec<IdentityReference>,
    },
}

/// The identity change a VM request asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct IdentityChange {
    /// `Some(true)` on, `Some(false)` off, `None` unchanged.
    pub(crate) system: Option<bool>,
    /// The user-assigned identities.
    pub(crate) user_assigned: UserAssignedChange,
}

/// Reads the request's `identity` into the change it asks for, refusing what ARM refuses.
pub(crate) fn identity_change(
    identity: Option<&IdentityRequest>,
    mode: WriteMode,
) -> Result<IdentityChange, ArmError> {
    let Some(identity) = identity else {
        return Ok(match mode {
            WriteMode::Replace => IdentityChange {
                system: Some(false),
                user_assigned: UserAssignedChange::Replace(Vec::new()),
            },
            WriteMode::Merge => IdentityChange {
                system: None,
                user_assigned: UserAssignedChange::Keep,
            },
        });
    };
    let Some(kind) = identity.kind.as_deref() else {
        return Err(ArmError::InvalidParameter {
            target: "identity.type".to_owned(),
            message: "Required parameter 'identity.type' is missing (null).".to_owned(),
        });
    };
    let (system, user_assigned) = identity_type(kind)?;
    let (add, remove) = entries(identity.user_assigned_identities.as_ref())?;
    if !user_assigned {
        if !add.is_empty() {
            return Err(ArmError::InvalidParameter {
                target: "identity.userAssignedIdentities".to_owned(),
                message: format!(
                    "The identity type '{kind}' cannot be combined with user-assigned identities."
                ),
            });
        }
        return Ok(IdentityChange {
            system: Some(system),
            user_assigned: UserAssignedChange::Replace(Vec::new()),
        });
    }
    let user_assigned = match mode {
        WriteMode::Replace => {
            if add.is_empty() {
                return Err(no_user_assigned_identity(kind));
            }
            UserAssignedChange::Replace(add)
        }
        WriteMode::Merge => UserAssignedChange::Merge { add, remove },
    };
    Ok(IdentityChange {
        system: Some(system),
        user_assigned,
    })
}

/// The error for a type naming `UserAssigned` that leaves the VM without one.
pub(crate) fn no_user_assigned_identity(kind: &str) -> ArmError {
    ArmError::InvalidParameter {
        target: "identity.userAssignedIdentities".to_owned(),
        message: format!(
            "The identity type '{kind}' requires at least one user-assigned identity in \
             'identity.userAssignedIdentities'."
        ),
    }
}

/// `(system-assigned wanted, user-assigned wanted)` of an `identity.type`.
fn identity_type(kind: &str) -> Result<(bool, bool), ArmError> {
    let normalized: String = kind
        .chars()
        .filter(|character| !character.is_whitespace())
        .collect();
    let wanted = [
        ("SystemAssigned", (true, false)),
        ("UserAssigned", (false, true)),
        ("SystemAssigned,UserAssigned", (true, true)),
        ("None", (false, false)),
    ]
    .into_iter()
    .find(|(name, _)| normalized.eq_ignore_ascii_case(name))
    .map(|(_, wanted)| wanted);
    wanted.ok_or_else(|| ArmError::InvalidParameter {
        target: "identity.type".to_owned(),
        message: format!(
            "The value '{kind}' of parameter 'identity.type' is not valid. The allowed values \
             are 'SystemAssigned', 'UserAssigned', 'SystemAssigned, UserAssigned', 'None'."
        ),
    })
}

/// The identities a request adds (object values) and removes (`null` values).
fn entries(
    identities: Option<&Map<String, Value>>,
) -> Result<(Vec<IdentityReference>, Vec<IdentityReference>), ArmError> {
    let mut add = Vec::new();
    let mut remove = Vec::new();
    for (key, value) in identities.into_iter().flatten() {
        let reference = parse_reference(key)?;
        match value {
            Value::Null => remove.push(reference),
            // `principalId` and `clientId` are read-only: whatever an echoed body says is
            // ignored, as ARM ignores it.
            Value::Object(_) => add.push(reference),
            _ => {
                return Err(ArmError::InvalidParameter {
                    target: "identity.userAssignedIdentities".to_owned(),
                    message: format!(
                        "The value of user-assigned identity '{key}' must be an object or null."
                    ),
                });
            }
        }
    }
    Ok((add, remove))
}

fn parse_reference(key: &str) -> Result<IdentityReference, ArmError> {
    let parsed = ResourceId::parse(key).ok().and_then(|id| {
        let (subscription_id, resource_group, name) =
            (id.subscription_id()?, id.resource_group_name()?, id.name()?);
        // An identity in a resource group, not some other resource or an extension of one.
        if id != USER_ASSIGNED_IDENTITY.in_group(subscription_id, resource_group, name) {
            return None;
        }
        Some(IdentityReference {
            given: key.to_owned(),
            subscription_id: subscription_id.to_owned(),
            resource_group: resource_group.to_owned(),
            name: name.to_owned(),
            id: id.clone(),
        })
    });
    match parsed {
        Some(reference) => Ok(reference),
        None => Err(ArmError::InvalidParameter {
            target: "identity.userAssignedIdentities".to_owned(),
            message: format!(
                "The user-assigned identity id '{key}' is not a valid resource id. It must look \
                 like '/subscriptions/{{subscriptionId}}/resourceGroups/{{resourceGroupName}}/\
                 providers/Microsoft.ManagedIdentity/userAssignedIdentities/{{identityName}}'."
            ),
        }),
    }
}
