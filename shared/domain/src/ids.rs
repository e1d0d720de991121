//! Identifiers. Each is a UUID, typed so that a tenant id can never be passed
//! where a user id is expected.

use serde::{Deserialize, Serialize};
use std::{fmt, str::FromStr};
use uuid::Uuid;

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A fresh random (v4) id. Ids carry no time: the clock stays
            /// outside the domain.
            pub fn random() -> Self {
                Self(Uuid::new_v4())
            }

            pub fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }

            pub fn as_uuid(&self) -> &Uuid {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.as_hyphenated().fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

uuid_id!(
    /// A tenant (customer organisation).
    TenantId
);
uuid_id!(
    /// A user: a tenant user, or a platform user (operator, auditor).
    UserId
);
uuid_id!(
    /// A user invitation.
    InvitationId
);
uuid_id!(
    /// An audit export job (FR-LOG-002).
    AuditExportId
);
uuid_id!(
    /// A domain event; consumers deduplicate on it.
    EventId
);
uuid_id!(
    /// A managed application (FR-SYS-001); its OAuth `client_id`.
    ApplicationId
);
uuid_id!(
    /// One client secret of an application (FR-SYS-002).
    SecretId
);

/// Namespace of platform users' ids (UUID v5).
const PLATFORM_USER_NAMESPACE: Uuid = Uuid::from_u128(0x5c0f_7d1e_2b7a_4c3e_9a51_6f0e_2d4b_8a17);

impl UserId {
    /// A platform person's user id, derived from their identity: the same
    /// person always has the same id, in every function, before and after
    /// their User record exists (FR-SYS-004).
    pub fn for_platform_identity(issuer: &str, subject: &str) -> Self {
        let name = format!("{issuer}#{subject}");
        Self(Uuid::new_v5(&PLATFORM_USER_NAMESPACE, name.as_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fr_sys_004_a_platform_person_always_has_the_same_user_id() {
        let a = UserId::for_platform_identity("https://login.example/t/v2.0", "abc");
        assert_eq!(
            a,
            UserId::for_platform_identity("https://login.example/t/v2.0", "abc")
        );
        assert_ne!(
            a,
            UserId::for_platform_identity("https://login.example/t/v2.0", "abd")
        );
        assert_ne!(
            a,
            UserId::for_platform_identity("https://other.example", "abc")
        );
    }
}
