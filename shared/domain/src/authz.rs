//! Who is calling, and what they may do: role + scope (CC-AUTH-003).
//!
//! A role is coarse (Operator, Owner, ...); a scope is one fine-grained
//! permission (`tenants:write`). Every use case names the scope it needs and
//! the tenant it touches; [`Principal::authorize`] decides. Platform people act
//! across tenants; a tenant user only ever inside their own tenant, and another
//! tenant's resources look to them as if they did not exist (ERR-RES-404).

use crate::{AppScope, ApplicationId, Error, Role, TenantId, UserId};
use serde::{Deserialize, Serialize};

/// Platform-level roles, granted as Entra ID app roles (not stored here).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PlatformRole {
    Operator,
    Auditor,
    /// Registers managed applications and manages their credentials
    /// (ACT-DEV).
    Developer,
}

impl PlatformRole {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "Operator" => Some(Self::Operator),
            "Auditor" => Some(Self::Auditor),
            "Developer" => Some(Self::Developer),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Operator => "Operator",
            Self::Auditor => "Auditor",
            Self::Developer => "Developer",
        }
    }
}

/// Fine-grained permissions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    TenantsRead,
    TenantsWrite,
    AuditRead,
    /// See managed applications and their secrets' metadata.
    AppsRead,
    /// Register and change applications, issue and revoke secrets.
    AppsWrite,
    /// The platform's health: dependencies, error rates, latency.
    HealthRead,
    /// Designate which applications read the billing feed (operators).
    BillingAdminister,
    /// A tenant's members, invitations and their sessions; its settings
    /// (Owners and Administrators).
    MembersManage,
    /// A tenant's contract and sign-in: plan, SSO (Owners only).
    TenantConfigure,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::TenantsRead => "tenants:read",
            Self::TenantsWrite => "tenants:write",
            Self::AuditRead => "audit:read",
            Self::AppsRead => "apps:read",
            Self::AppsWrite => "apps:write",
            Self::HealthRead => "health:read",
            Self::BillingAdminister => "billing:administer",
            Self::MembersManage => "members:manage",
            Self::TenantConfigure => "tenant:configure",
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
    /// A managed application, with the scopes of its access token. It acts
    /// only for tenants that enabled it ([`crate::Tenant::admit_application`]).
    Application {
        app_id: ApplicationId,
        scopes: Vec<AppScope>,
    },
    /// Nobody in particular: public endpoints (the token endpoint, key
    /// sets). Holds no scope, so every authorization fails.
    Anonymous,
}

impl Principal {
    /// A stable id of the caller: a user id, an application id, or
    /// `anonymous`.
    pub fn id(&self) -> String {
        match self {
            Self::Platform { user_id, .. } | Self::TenantUser { user_id, .. } => {
                user_id.to_string()
            }
            Self::Application { app_id, .. } => app_id.to_string(),
            Self::Anonymous => "anonymous".to_owned(),
        }
    }

    /// The tenant a tenant user belongs to; `None` for everyone else.
    pub fn tenant_id(&self) -> Option<TenantId> {
        match self {
            Self::TenantUser { tenant_id, .. } => Some(*tenant_id),
            _ => None,
        }
    }

    /// Allows an application's call if its token carries `scope`;
    /// ERR-AUTH-403 for anyone else.
    pub fn authorize_app(&self, scope: AppScope) -> Result<ApplicationId, Error> {
        match self {
            Self::Application { app_id, scopes } if scopes.contains(&scope) => Ok(*app_id),
            _ => Err(Error::AccessDenied),
        }
    }

    /// A tenant user whose role grants `scope`, acting on their own tenant:
    /// the tenant of every tenant-administration call comes from here,
    /// never from the request. ERR-AUTH-403 for anybody else.
    pub fn member(&self, scope: Scope) -> Result<Member, Error> {
        match self {
            Self::TenantUser {
                user_id,
                tenant_id,
                role,
            } if self.has_scope(scope) => Ok(Member {
                user_id: *user_id,
                tenant_id: *tenant_id,
                role: *role,
            }),
            _ => Err(Error::AccessDenied),
        }
    }

    /// Whether the principal's role grants `scope`.
    pub fn has_scope(&self, scope: Scope) -> bool {
        use Scope::*;
        match self {
            Self::Platform { roles, .. } => roles.iter().any(|role| match role {
                // Operators have full access to the control plane (Roles);
                // a tenant's own administration is its members' business.
                PlatformRole::Operator => !matches!(scope, MembersManage | TenantConfigure),
                PlatformRole::Auditor => matches!(scope, TenantsRead | AuditRead | AppsRead),
                PlatformRole::Developer => matches!(scope, AppsRead | AppsWrite),
            }),
            Self::TenantUser { role, .. } => match role {
                Role::Owner => matches!(
                    scope,
                    TenantsRead | AuditRead | MembersManage | TenantConfigure
                ),
                Role::Administrator => matches!(scope, TenantsRead | MembersManage),
                Role::User => matches!(scope, TenantsRead),
            },
            // Applications hold application scopes ([`Self::authorize_app`]).
            Self::Application { .. } | Self::Anonymous => false,
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
            (Self::TenantUser { tenant_id, .. }, Target::Tenant(t)) if *tenant_id == t => Ok(()),
            (Self::TenantUser { .. }, Target::Tenant(_)) => Err(Error::NotFound),
            _ => Err(Error::AccessDenied),
        }
    }

    /// How the principal appears in events and audit records.
    pub fn actor(&self) -> Actor {
        let actor_type = match self {
            Self::Platform { roles, .. } if roles.contains(&PlatformRole::Operator) => {
                ActorType::Operator
            }
            Self::Platform { .. } | Self::TenantUser { .. } => ActorType::User,
            Self::Application { .. } | Self::Anonymous => ActorType::System,
        };
        Actor {
            id: self.id(),
            actor_type,
        }
    }
}

/// A tenant user, as the tenant-administration use cases see them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Member {
    pub user_id: UserId,
    pub tenant_id: TenantId,
    pub role: Role,
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
    fn fr_tenant_001_members_are_managed_by_owners_and_administrators_of_their_own_tenant() {
        let tenant = TenantId::random();
        let owner = tenant_user(tenant, Role::Owner);
        let admin = tenant_user(tenant, Role::Administrator);
        let user = tenant_user(tenant, Role::User);
        assert_eq!(
            owner.member(Scope::TenantConfigure).unwrap().tenant_id,
            tenant
        );
        assert_eq!(
            admin.member(Scope::MembersManage).unwrap().role,
            Role::Administrator
        );
        assert_eq!(
            admin.member(Scope::TenantConfigure),
            Err(Error::AccessDenied)
        );
        assert_eq!(user.member(Scope::MembersManage), Err(Error::AccessDenied));
        assert_eq!(user.member(Scope::TenantsRead).unwrap().tenant_id, tenant);
        // Operators act on tenants from outside, not as their members.
        let op = platform(PlatformRole::Operator);
        assert_eq!(op.member(Scope::MembersManage), Err(Error::AccessDenied));
        assert!(!op.has_scope(Scope::TenantConfigure));
    }

    #[test]
    fn fr_sys_001_developers_manage_applications_and_nothing_else() {
        let dev = platform(PlatformRole::Developer);
        assert_eq!(dev.authorize(Scope::AppsWrite, Target::Platform), Ok(()));
        assert_eq!(dev.authorize(Scope::AppsRead, Target::Platform), Ok(()));
        for scope in [Scope::TenantsRead, Scope::TenantsWrite, Scope::AuditRead] {
            assert_eq!(
                dev.authorize(scope, Target::Platform),
                Err(Error::AccessDenied)
            );
        }
        let auditor = platform(PlatformRole::Auditor);
        assert_eq!(
            auditor.authorize(Scope::AppsWrite, Target::Platform),
            Err(Error::AccessDenied)
        );
        let op = platform(PlatformRole::Operator);
        assert_eq!(op.authorize(Scope::AppsWrite, Target::Platform), Ok(()));
    }

    #[test]
    fn fr_sys_002_applications_and_anonymous_callers_hold_no_people_scopes() {
        let app = Principal::Application {
            app_id: ApplicationId::random(),
            scopes: vec![AppScope::FlagsRead],
        };
        let any = Target::Tenant(TenantId::random());
        assert_eq!(
            app.authorize(Scope::TenantsRead, any),
            Err(Error::AccessDenied)
        );
        assert!(app.authorize_app(AppScope::FlagsRead).is_ok());
        assert_eq!(
            app.authorize_app(AppScope::BillingWrite),
            Err(Error::AccessDenied)
        );
        assert_eq!(app.actor().actor_type, ActorType::System);
        let anonymous = Principal::Anonymous;
        assert_eq!(
            anonymous.authorize(Scope::TenantsRead, Target::Platform),
            Err(Error::AccessDenied)
        );
        assert_eq!(
            anonymous.authorize_app(AppScope::FlagsRead),
            Err(Error::AccessDenied)
        );
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
