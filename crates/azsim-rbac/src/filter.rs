//! `$filter` expressions of the role assignment and role definition lists.
//!
//! Role assignments: `atScope()`, `principalId eq '{id}'`, `assignedTo('{id}')`, and
//! `atScope() and assignedTo('{id}')`; the service refuses `atScope()` together with
//! `principalId eq`. Role definitions: `roleName eq '{name}'` and `type eq 'BuiltInRole'` /
//! `type eq 'CustomRole'`. String literals use OData quoting (`''` is one `'`).

use crate::RbacError;

/// A parsed role assignment filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoleAssignmentFilter {
    /// `atScope()`: only assignments at the scope or above it (none below).
    pub at_scope: bool,
    /// `principalId eq` / `assignedTo`: only this principal's assignments, at, above or below
    /// the scope (at or above with `atScope()`). Principals have no groups here, so
    /// `assignedTo` means the same as `principalId eq`.
    pub principal_id: Option<String>,
}

impl RoleAssignmentFilter {
    /// Parses `$filter`; `None` or blank means no filter (at, above and below the scope).
    pub fn parse(filter: Option<&str>) -> Result<Self, RbacError> {
        let Some(text) = filter.map(str::trim).filter(|text| !text.is_empty()) else {
            return Ok(Self::default());
        };
        let unsupported = || RbacError::UnsupportedRoleAssignmentFilter {
            filter: text.to_owned(),
        };
        let mut parsed = Self::default();
        let mut principal_eq = false;
        for term in split_and(text) {
            if term.eq_ignore_ascii_case("atScope()") && !parsed.at_scope {
                parsed.at_scope = true;
            } else if let Some(id) = call_argument(term, "assignedTo").filter(|id| !id.is_empty())
                && parsed.principal_id.is_none()
            {
                parsed.principal_id = Some(id);
            } else if let Some(id) = equals_literal(term, "principalId").filter(|id| !id.is_empty())
                && parsed.principal_id.is_none()
            {
                parsed.principal_id = Some(id);
                principal_eq = true;
            } else {
                return Err(unsupported());
            }
        }
        if parsed.at_scope && principal_eq {
            return Err(unsupported());
        }
        Ok(parsed)
    }
}

/// A parsed role definition filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoleDefinitionFilter {
    /// `roleName eq '...'` (compared ignoring case).
    pub role_name: Option<String>,
    /// `type eq '...'`: `BuiltInRole` or `CustomRole`.
    pub role_type: Option<String>,
}

impl RoleDefinitionFilter {
    /// Parses `$filter`; `None` or blank means every role definition.
    pub fn parse(filter: Option<&str>) -> Result<Self, RbacError> {
        let Some(text) = filter.map(str::trim).filter(|text| !text.is_empty()) else {
            return Ok(Self::default());
        };
        let unsupported = || RbacError::UnsupportedRoleDefinitionFilter {
            filter: text.to_owned(),
        };
        let mut parsed = Self::default();
        for term in split_and(text) {
            if let Some(name) = equals_literal(term, "roleName")
                && parsed.role_name.is_none()
            {
                parsed.role_name = Some(name);
            } else if let Some(kind) = equals_literal(term, "type")
                && parsed.role_type.is_none()
                && ["BuiltInRole", "CustomRole"]
                    .iter()
                    .any(|known| known.eq_ignore_ascii_case(&kind))
            {
                parsed.role_type = Some(kind);
            } else {
                return Err(unsupported());
            }
        }
        Ok(parsed)
    }
}

/// Splits on the OData `and` operator (any casing) outside string literals.
fn split_and(text: &str) -> Vec<&str> {
    let mut terms = Vec::new();
    let mut start = 0;
    let mut in_literal = false;
    let bytes = text.as_bytes();
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'\'' {
            in_literal = !in_literal;
        } else if !in_literal
            && bytes[index].is_ascii_whitespace()
            && text
                .get(index + 1..index + 4)
                .is_some_and(|word| word.eq_ignore_ascii_case("and"))
            && bytes.get(index + 4).is_some_and(u8::is_ascii_whitespace)
        {
            terms.push(text[start..index].trim());
            index += 4;
            start = index;
            continue;
        }
        index += 1;
    }
    terms.push(text[start..].trim());
    terms
}

/// `{property} eq '{literal}'` → the literal (unquoted); spaces around `eq` may vary.
fn equals_literal(term: &str, property: &str) -> Option<String> {
    let rest = strip_prefix_ignore_case(term, property)?;
    let rest = rest.strip_prefix(char::is_whitespace)?.trim_start();
    let rest = strip_prefix_ignore_case(rest, "eq")?;
    let rest = rest.strip_prefix(char::is_whitespace)?.trim_start();
    let (literal, tail) = string_literal(rest)?;
    tail.trim().is_empty().then_some(literal)
}

/// `{function}('{literal}')` → the literal (unquoted).
fn call_argument(term: &str, function: &str) -> Option<String> {
    let rest = strip_prefix_ignore_case(term, function)?.trim_start();
    let rest = rest.strip_prefix('(')?.trim_start();
    let (literal, tail) = string_literal(rest)?;
    let tail = tail.trim_start().strip_prefix(')')?;
    tail.trim().is_empty().then_some(literal)
}

/// A leading OData string literal: its value and the text after it.
fn string_literal(text: &str) -> Option<(String, &str)> {
    let body = text.strip_prefix('\'')?;
    let mut value = String::new();
    let mut chars = body.char_indices().peekable();
    while let Some((index, character)) = chars.next() {
        if character == '\'' {
            if chars.peek().is_some_and(|&(_, next)| next == '\'') {
                value.push('\'');
                chars.next();
            } else {
                return Some((value, &body[index + 1..]));
            }
        } else {
            value.push(character);
        }
    }
    None
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "3f2a6c1e-0000-4000-8000-000000000001";

    #[test]
    fn no_filter_means_everything_around_the_scope() {
        assert_eq!(
            RoleAssignmentFilter::parse(None).unwrap(),
            RoleAssignmentFilter::default()
        );
        assert_eq!(
            RoleAssignmentFilter::parse(Some("  ")).unwrap(),
            RoleAssignmentFilter::default()
        );
    }

    #[test]
    fn at_scope_principal_and_assigned_to_parse() {
        assert_eq!(
            RoleAssignmentFilter::parse(Some("atScope()")).unwrap(),
            RoleAssignmentFilter {
                at_scope: true,
                principal_id: None
            }
        );
        assert_eq!(
            RoleAssignmentFilter::parse(Some(&format!("principalId eq '{ID}'"))).unwrap(),
            RoleAssignmentFilter {
                at_scope: false,
                principal_id: Some(ID.to_owned())
            }
        );
        assert_eq!(
            RoleAssignmentFilter::parse(Some(&format!("assignedTo('{ID}')"))).unwrap(),
            RoleAssignmentFilter {
                at_scope: false,
                principal_id: Some(ID.to_owned())
            }
        );
        assert_eq!(
            RoleAssignmentFilter::parse(Some(&format!("atScope() and assignedTo('{ID}')")))
                .unwrap(),
            RoleAssignmentFilter {
                at_scope: true,
                principal_id: Some(ID.to_owned())
            }
        );
        assert_eq!(
            RoleAssignmentFilter::parse(Some(&format!("PRINCIPALID  EQ  '{ID}'"))).unwrap(),
            RoleAssignmentFilter {
                at_scope: false,
                principal_id: Some(ID.to_owned())
            }
        );
    }

    #[test]
    fn unsupported_assignment_filters_are_refused_with_the_service_message() {
        for bad in [
            &format!("principalId eq {ID}") as &str,
            "principalId eq ''",
            "roleName eq 'Reader'",
            &format!("atScope() and principalId eq '{ID}'"),
            "atScope() and atScope()",
            "atScope",
            &format!("assignedTo('{ID}'"),
            &format!("principalId eq '{ID}' or atScope()"),
        ] {
            let error = RoleAssignmentFilter::parse(Some(bad)).unwrap_err();
            assert!(
                matches!(error, RbacError::UnsupportedRoleAssignmentFilter { .. }),
                "{bad}"
            );
            assert!(
                error
                    .to_string()
                    .starts_with(&format!("The filter '{bad}' is not supported.")),
                "{error}"
            );
        }
    }

    #[test]
    fn role_definition_filters_parse_names_with_quotes_and_spaces() {
        assert_eq!(
            RoleDefinitionFilter::parse(Some("roleName eq 'Key Vault Secrets User'")).unwrap(),
            RoleDefinitionFilter {
                role_name: Some("Key Vault Secrets User".to_owned()),
                role_type: None
            }
        );
        assert_eq!(
            RoleDefinitionFilter::parse(Some(
                "roleName eq 'O''Brien and co' and type eq 'BuiltInRole'"
            ))
            .unwrap(),
            RoleDefinitionFilter {
                role_name: Some("O'Brien and co".to_owned()),
                role_type: Some("BuiltInRole".to_owned())
            }
        );
        for bad in [
            "roleName eq Reader",
            "type eq 'Weird'",
            "atScope()",
            "roleName eq 'a' and roleName eq 'b'",
        ] {
            let error = RoleDefinitionFilter::parse(Some(bad)).unwrap_err();
            assert!(
                matches!(error, RbacError::UnsupportedRoleDefinitionFilter { .. }),
                "{bad}"
            );
        }
    }
}
