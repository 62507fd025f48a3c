//! Role assignments and role definitions: extension resources of `Microsoft.Authorization`,
//! addressed after any scope (`/`, a subscription, a resource group, a resource, a vault's
//! secret): `{scope}/providers/Microsoft.Authorization/roleAssignments[/{name}]`.

use super::{AUTHORIZATION_NAMESPACE, ArmPath, is};

/// The extension path `segments` address, if they end in a role assignment or role
/// definition (collection or item). The innermost `providers` segment decides, so a scope
/// may itself be any resource id.
pub(super) fn parse(segments: &[&str]) -> Option<ArmPath> {
    let at = segments
        .iter()
        .rposition(|segment| is(segment, "providers"))?;
    let (scope_segments, rest) = segments.split_at(at);
    let scope = scope_of(scope_segments);
    match rest {
        [_, namespace, kind] if is(namespace, AUTHORIZATION_NAMESPACE) => {
            if is(kind, "roleAssignments") {
                Some(ArmPath::RoleAssignments { scope })
            } else if is(kind, "roleDefinitions") {
                Some(ArmPath::RoleDefinitions { scope })
            } else {
                None
            }
        }
        [_, namespace, kind, name] if is(namespace, AUTHORIZATION_NAMESPACE) => {
            let name = (*name).to_owned();
            if is(kind, "roleAssignments") {
                Some(ArmPath::RoleAssignment { scope, name })
            } else if is(kind, "roleDefinitions") {
                Some(ArmPath::RoleDefinition { scope, id: name })
            } else {
                None
            }
        }
        _ => None,
    }
}

/// The scope the segments before the extension name, with the caller's casing; `/` when
/// there are none (the root scope).
fn scope_of(segments: &[&str]) -> String {
    format!("/{}", segments.join("/"))
}
