//! Action patterns: `*` matches any run of characters (including `/`), case-insensitively.
//!
//! Role definitions write patterns like `*`, `*/read`, `Microsoft.Authorization/*/Write` or
//! `Microsoft.KeyVault/vaults/secrets/*`; Azure matches them without regard to case. A `*`
//! that is a whole segment (`a/*/b`) may also stand for no segment at all (`a/b`): that is how
//! Managed Identity Operator's `Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action`
//! grants the `Microsoft.ManagedIdentity/userAssignedIdentities/assign/action` that attaching an
//! identity needs, and how its `.../userAssignedIdentities/*/read` lets it read the identity.

/// Whether `action` matches `pattern`, where `*` stands for any run of characters and a
/// whole-segment `/*/` also for a single `/`.
pub fn action_matches(pattern: &str, action: &str) -> bool {
    matches_bytes(pattern.as_bytes(), action.as_bytes())
}

/// Wildcard matching without building a regular expression per call: on a mismatch after a
/// `*`, retry with the `*` taking one more character (keeping only the latest `*` is enough
/// for plain stars). The empty-segment alternative of a `/*/` is tried by recursion when the
/// star is reached, so its cost is paid only for patterns that have one.
fn matches_bytes(pattern: &[u8], action: &[u8]) -> bool {
    let (mut p, mut a) = (0, 0);
    // The latest `*` seen and the action position it currently stops at.
    let mut star: Option<(usize, usize)> = None;
    while a < action.len() {
        if p < pattern.len() && pattern[p] == b'*' {
            if is_segment_star(pattern, p) && matches_bytes(&pattern[p + 2..], &action[a..]) {
                return true;
            }
            star = Some((p, a));
            p += 1;
        } else if p < pattern.len() && pattern[p].eq_ignore_ascii_case(&action[a]) {
            p += 1;
            a += 1;
        } else if let Some((star_p, star_a)) = star {
            p = star_p + 1;
            a = star_a + 1;
            star = Some((star_p, star_a + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&byte| byte == b'*')
}

/// Whether the `*` at `index` is a whole segment: `/` on both sides.
fn is_segment_star(pattern: &[u8], index: usize) -> bool {
    index > 0 && pattern[index - 1] == b'/' && pattern.get(index + 1) == Some(&b'/')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn star_alone_matches_every_action() {
        assert!(action_matches(
            "*",
            "Microsoft.Compute/virtualMachines/write"
        ));
        assert!(action_matches("*", ""));
    }

    #[test]
    fn star_matches_across_slashes() {
        assert!(action_matches(
            "*/read",
            "Microsoft.Compute/virtualMachines/read"
        ));
        assert!(action_matches(
            "Microsoft.Compute/*",
            "Microsoft.Compute/virtualMachines/start/action"
        ));
        assert!(action_matches(
            "Microsoft.Authorization/*/Write",
            "Microsoft.Authorization/roleAssignments/write"
        ));
        assert!(action_matches(
            "Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action",
            "Microsoft.ManagedIdentity/userAssignedIdentities/x/y/assign/action"
        ));
    }

    #[test]
    fn a_whole_segment_star_may_stand_for_no_segment() {
        assert!(action_matches(
            "Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action",
            "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action"
        ));
        assert!(action_matches(
            "Microsoft.ManagedIdentity/userAssignedIdentities/*/read",
            "Microsoft.ManagedIdentity/userAssignedIdentities/read"
        ));
        assert!(action_matches("a/*/b/*/c", "a/b/c"));
        assert!(action_matches("a/*/b/*/c", "a/x/b/c"));
        assert!(action_matches("a/*/b/*/c", "a/b/y/c"));
        // A star inside a segment is not a segment star: it never swallows a separator.
        assert!(!action_matches("a/x*/b", "a/b"));
        assert!(!action_matches(
            "Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action",
            "Microsoft.ManagedIdentity/userAssignedIdentitiesassign/action"
        ));
    }

    #[test]
    fn matching_ignores_case() {
        assert!(action_matches(
            "microsoft.keyvault/VAULTS/secrets/*",
            "Microsoft.KeyVault/vaults/secrets/getSecret/action"
        ));
    }

    #[test]
    fn a_pattern_without_star_must_match_whole_action() {
        let read = "Microsoft.Compute/virtualMachines/read";
        assert!(action_matches(read, read));
        assert!(!action_matches(
            read,
            "Microsoft.Compute/virtualMachines/readx"
        ));
        assert!(!action_matches(
            read,
            "Microsoft.Compute/virtualMachines/rea"
        ));
        assert!(!action_matches(
            "*/read",
            "Microsoft.Compute/virtualMachines/write"
        ));
        assert!(!action_matches(
            "*/read",
            "Microsoft.Compute/virtualMachines/read/action"
        ));
    }

    #[test]
    fn several_stars_backtrack_correctly() {
        assert!(action_matches("a*b*c", "axxbyybzzc"));
        assert!(action_matches("*a*", "bab"));
        assert!(!action_matches("a*b*c", "axxbyy"));
        assert!(action_matches("**", "anything"));
    }
}
