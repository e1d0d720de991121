//! Who is calling, and what they may do: role + scope (CC-AUTH-003).
//!
//! A role is coarse (Operator, Owner, ...); a scope is one fine-grained
//! permission (`tenants:write`). Every use case names the scope it needs and
//! the tenant it touches; [`Principal::authorize`] decides. Platform people act
//! across tenants; a tenant user only ever inside their own tenant, and another
//! tenant's resources look to them as if they did not exist (ERR-RES-404).

use crate::{Error, Role, TenantId, UserId};
use serde::{Deserialize, Serialize};

/// Platform-level roles, granted as Entra ID app roles (not stored here).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PlatformRole {
    Operator,
    Auditor,
}

impl PlatformRole {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "Operator" => Some(Self::Operator),
            "Auditor" => Some(Self::Auditor),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Operator => "Operator",
            Self::Auditor => "Auditor",
        }
    }
}

/// Fine-grained permissions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    TenantsRead,
    TenantsWrite,
    AuditRead,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::TenantsRead => "tenants:read",
            Self::TenantsWrite => "tenants:write",
            Self::AuditRead => "audit:read",
        }
    }
}

/// What an operation touches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Many tenants at once, or the platform itself (provisioning, listing).
    Platform,
    /// One tenant's resources.
    Tenant(TenantId),
}

/// The caller, as resolved behind the edge from verified token claims.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// Operators and auditors: `tenant_id` NULL (FR-SYS-004).
    Platform {
        user_id: UserId,
        roles: Vec<PlatformRole>,
    },
    /// A user of one tenant.
    TenantUser {
        user_id: UserId,
        tenant_id: TenantId,
        role: Role,
    },
}

impl Principal {
    pub fn user_id(&self) -> UserId {
        match self {
            Self::Platform { user_id, .. } | Self::TenantUser { user_id, .. } => *user_id,
        }
    }

    /// The tenant a tenant user belongs to; `None` for platform people.
    pub fn tenant_id(&self) -> Option<TenantId> {
        match self {
            Self::Platform { .. } => None,
            Self::TenantUser { tenant_id, .. } => Some(*tenant_id),
        }
    }

    /// Whether the principal's role grants `scope`.
    pub fn has_scope(&self, scope: Scope) -> bool {
        use Scope::*;
        match self {
            Self::Platform { roles, .. } => roles.iter().any(|role| match role {
                PlatformRole::Operator => matches!(scope, TenantsRead | TenantsWrite | AuditRead),
                PlatformRole::Auditor => matches!(scope, TenantsRead | AuditRead),
            }),
            Self::TenantUser { role, .. } => match role {
                Role::Owner => matches!(scope, TenantsRead | AuditRead),
                Role::Administrator | Role::User => matches!(scope, TenantsRead),
            },
        }
    }

    /// Allows the operation or says why not: ERR-AUTH-403 when the role lacks
    /// the scope or a tenant user reaches for the platform; ERR-RES-404 when a
    /// tenant user names another tenant, so existence is never confirmed.
    pub fn authorize(&self, scope: Scope, target: Target) -> Result<(), Error> {
        if !self.has_scope(scope) {
            return Err(Error::AccessDenied);
        }
        match (self, target) {
            (Self::Platform { .. }, _) => Ok(()),
            (Self::TenantUser { .. }, Target::Platform) => Err(Error::AccessDenied),
            (Self::TenantUser { tenant_id, .. }, Target::Tenant(t)) if *tenant_id == t => Ok(()),
            (Self::TenantUser { .. }, Target::Tenant(_)) => Err(Error::NotFound),
        }
    }

    /// How the principal appears in events and audit records.
    pub fn actor(&self) -> Actor {
        let actor_type = match self {
            Self::Platform { roles, .. } if roles.contains(&PlatformRole::Operator) => {
                ActorType::Operator
            }
            _ => ActorType::User,
        };
        Actor {
            id: self.user_id().to_string(),
            actor_type,
        }
    }
}

/// Audit Logs' `actor_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ActorType {
    User,
    Operator,
    System,
}

/// Who initiated an action: a user id, or the name of a system component.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub id: String,
    #[serde(rename = "type")]
    pub actor_type: ActorType,
}

impl Actor {
    pub fn system(component: &str) -> Self {
        Self {
            id: component.to_owned(),
            actor_type: ActorType::System,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn platform(role: PlatformRole) -> Principal {
        Principal::Platform {
            user_id: UserId::random(),
            roles: vec![role],
        }
    }

    fn tenant_user(tenant_id: TenantId, role: Role) -> Principal {
        Principal::TenantUser {
            user_id: UserId::random(),
            tenant_id,
            role,
        }
    }

    #[test]
    fn cc_auth_003_operators_provision_auditors_only_read() {
        let op = platform(PlatformRole::Operator);
        let auditor = platform(PlatformRole::Auditor);
        let any = Target::Tenant(TenantId::random());
        assert_eq!(op.authorize(Scope::TenantsWrite, Target::Platform), Ok(()));
        assert_eq!(op.authorize(Scope::AuditRead, any), Ok(()));
        assert_eq!(
            auditor.authorize(Scope::TenantsWrite, Target::Platform),
            Err(Error::AccessDenied)
        );
        assert_eq!(
            auditor.authorize(Scope::TenantsRead, Target::Platform),
            Ok(())
        );
        assert_eq!(auditor.authorize(Scope::AuditRead, any), Ok(()));
        assert_eq!(op.actor().actor_type, ActorType::Operator);
        assert_eq!(auditor.actor().actor_type, ActorType::User);
    }

    #[test]
    fn cc_auth_003_tenant_users_stay_inside_their_tenant() {
        let own = TenantId::random();
        let other = TenantId::random();
        for role in Role::ALL {
            let user = tenant_user(own, role);
            assert_eq!(
                user.authorize(Scope::TenantsRead, Target::Tenant(own)),
                Ok(())
            );
            // Another tenant's resources do not exist for them.
            assert_eq!(
                user.authorize(Scope::TenantsRead, Target::Tenant(other)),
                Err(Error::NotFound)
            );
            // Platform operations are refused outright.
            assert_eq!(
                user.authorize(Scope::TenantsRead, Target::Platform),
                Err(Error::AccessDenied)
            );
            assert_eq!(
                user.authorize(Scope::TenantsWrite, Target::Tenant(own)),
                Err(Error::AccessDenied)
            );
        }
        assert_eq!(
            tenant_user(own, Role::Owner).authorize(Scope::AuditRead, Target::Tenant(own)),
            Ok(())
        );
        assert_eq!(
            tenant_user(own, Role::Administrator).authorize(Scope::AuditRead, Target::Tenant(own)),
            Err(Error::AccessDenied)
        );
    }
}
