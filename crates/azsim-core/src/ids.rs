//! Directory and subscription identifiers: GUIDs parsed once at the edge, then passed typed.
//!
//! Each newtype keeps the text it was given (ARM and Entra echo ids with the caller's
//! casing) and compares case-insensitively, as the services do.

use std::fmt;
use std::hash::{Hash, Hasher};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An identifier that is not a GUID.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{value}' is not a valid {kind}: a GUID is expected")]
pub struct InvalidId {
    /// What kind of id was expected (`subscription id`, `tenant id`, ...).
    pub kind: &'static str,
    /// The text given.
    pub value: String,
}

macro_rules! guid_newtype {
    ($(#[$doc:meta])* $name:ident, $kind:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Eq)]
        pub struct $name(String);

        impl $name {
            /// Parses a GUID in any of the forms `uuid` accepts; `InvalidId` otherwise.
            pub fn parse(value: &str) -> Result<Self, InvalidId> {
                match uuid::Uuid::try_parse(value) {
                    Ok(_) => Ok(Self(value.to_owned())),
                    Err(_) => Err(InvalidId { kind: $kind, value: value.to_owned() }),
                }
            }

            /// A new random id, in the lower-case hyphenated form the services mint.
            pub fn new_random() -> Self {
                Self(uuid::Uuid::new_v4().to_string())
            }

            /// The id as given.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str(&self.0)
            }
        }

        impl PartialEq for $name {
            fn eq(&self, other: &Self) -> bool {
                self.0.eq_ignore_ascii_case(&other.0)
            }
        }

        impl Hash for $name {
            fn hash<H: Hasher>(&self, state: &mut H) {
                for byte in self.0.bytes() {
                    state.write_u8(byte.to_ascii_lowercase());
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = InvalidId;
            fn from_str(value: &str) -> Result<Self, InvalidId> {
                Self::parse(value)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                Self::parse(&text).map_err(serde::de::Error::custom)
            }
        }
    };
}

guid_newtype!(
    /// A subscription's id (`/subscriptions/{id}`).
    SubscriptionId,
    "subscription id"
);
guid_newtype!(
    /// A directory tenant's id.
    TenantId,
    "tenant id"
);
guid_newtype!(
    /// A directory object's id: a service principal's `oid`, a managed identity's principal id.
    ObjectId,
    "object id"
);
guid_newtype!(
    /// An application's (client) id: `appid` in tokens, a managed identity's client id.
    ClientId,
    "client id"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_parse_guids_only() {
        assert!(SubscriptionId::parse("00000000-0000-0000-0000-000000000001").is_ok());
        let error = SubscriptionId::parse("sub-1").unwrap_err();
        assert_eq!(error.kind, "subscription id");
        assert_eq!(
            error.to_string(),
            "'sub-1' is not a valid subscription id: a GUID is expected"
        );
        assert!(TenantId::parse("").is_err());
    }

    #[test]
    fn ids_keep_their_text_and_compare_without_case() {
        let upper = ObjectId::parse("AAAAAAAA-0000-0000-0000-000000000001").unwrap();
        let lower = ObjectId::parse("aaaaaaaa-0000-0000-0000-000000000001").unwrap();
        assert_eq!(upper, lower);
        assert_eq!(upper.to_string(), "AAAAAAAA-0000-0000-0000-000000000001");
        let mut set = std::collections::HashSet::new();
        set.insert(upper);
        assert!(set.contains(&lower));
    }

    #[test]
    fn ids_round_trip_through_serde() {
        let id = ClientId::new_random();
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(serde_json::from_str::<ClientId>(&json).unwrap(), id);
        assert!(serde_json::from_str::<ClientId>("\"nope\"").is_err());
    }
}
