//! The first-party resources (token audiences) the token service issues tokens for.

use azsim_core::audience::{KEY_VAULT_AUDIENCE, MANAGEMENT_AUDIENCES};

/// A resource application that tokens can be requested for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnownResource {
    /// A name for logs and events.
    pub name: &'static str,
    /// The resource's application id (a client may ask for the resource by it).
    pub app_id: &'static str,
    /// The resource URIs (application ID URIs) that name it.
    pub uris: &'static [&'static str],
}

/// The resources azsim knows, with the application ids they have in every Entra tenant.
pub const KNOWN_RESOURCES: &[KnownResource] = &[
    KnownResource {
        name: "Azure Resource Manager",
        app_id: "797f4846-ba00-4fd7-ba43-dac1f8f63013",
        uris: &MANAGEMENT_AUDIENCES,
    },
    KnownResource {
        name: "Azure Key Vault",
        app_id: "cfa8b339-82a2-471a-a3c9-0fc0be7a4093",
        uris: &[KEY_VAULT_AUDIENCE, "https://vault.azure.net/"],
    },
    KnownResource {
        name: "Azure Storage",
        app_id: "e406a681-f3d4-42a8-90b6-c2b029497af1",
        uris: &["https://storage.azure.com/", "https://storage.azure.com"],
    },
    KnownResource {
        name: "Microsoft Graph",
        app_id: "00000003-0000-0000-c000-000000000000",
        uris: &[
            "https://graph.microsoft.com",
            "https://graph.microsoft.com/",
        ],
    },
];

/// The known resource that `resource` (a resource URI or an application id) names, compared
/// without regard to case.
pub fn find_resource(resource: &str) -> Option<&'static KnownResource> {
    KNOWN_RESOURCES.iter().find(|known| {
        known.app_id.eq_ignore_ascii_case(resource)
            || known
                .uris
                .iter()
                .any(|uri| uri.eq_ignore_ascii_case(resource))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources_are_found_by_uri_with_or_without_slash_and_by_app_id() {
        for uri in [
            "https://management.azure.com/",
            "https://management.azure.com",
            "https://management.core.windows.net/",
            "https://MANAGEMENT.azure.com/",
            "797f4846-ba00-4fd7-ba43-dac1f8f63013",
        ] {
            assert_eq!(
                find_resource(uri).map(|r| r.name),
                Some("Azure Resource Manager"),
                "{uri}"
            );
        }
        assert_eq!(
            find_resource("https://vault.azure.net/").map(|r| r.name),
            Some("Azure Key Vault")
        );
        assert_eq!(
            find_resource("https://storage.azure.com").map(|r| r.name),
            Some("Azure Storage")
        );
        assert_eq!(
            find_resource("https://graph.microsoft.com").map(|r| r.name),
            Some("Microsoft Graph")
        );
        assert_eq!(find_resource("https://example.com/"), None);
    }
}
