//! The control plane's domain core.
//!
//! Everything here is pure: no AWS, no I/O, and no clock. Callers pass `now`
//! in, so expiry, grace periods and retention are plain functions of their
//! inputs. Types are parsed once at the edge of a use case ("parse, don't
//! validate") and are valid from then on.

pub mod application;
pub mod audit;
pub mod audit_csv;
pub mod audit_export;
pub mod audit_verify;
pub mod authz;
pub mod billing;
pub mod digest;
pub mod error;
pub mod flags;
pub mod ids;
pub mod invitation;
pub mod membership;
pub mod page;
pub mod provisioning;
pub mod retention;
pub mod secret;
pub mod session;
pub mod settings;
pub mod sso;
pub mod tenant;
mod text;
pub mod user;

pub use application::{
    AppChanges, AppEnvironment, AppName, AppOwner, AppScope, AppStatus, Application, ClientSecret,
    PresentedSecret, RegisterApp,
};
pub use audit::{AuditRecord, ChainHash, ChainLink, Outcome};
pub use audit_export::{AuditExport, AuditFilter, ExportFile, ExportStatus, Integrity};
pub use authz::{Actor, ActorType, Member, PlatformRole, Principal, Scope, Target};
pub use billing::{BillingEvent, Recorded, Reporter, StoredBillingEvent};
pub use error::{Error, FieldError};
pub use flags::{
    Catalog, Evaluation, FlagDefinition, FlagKey, FlagOverrides, FlagType, OverrideChange, Reason,
};
pub use ids::{ApplicationId, AuditExportId, EventId, InvitationId, SecretId, TenantId, UserId};
pub use invitation::{Invitation, InvitationStatus, InvitationTicket};
pub use membership::MemberChange;
pub use page::PageSize;
pub use retention::Retention;
pub use secret::{SecretToken, TokenHash};
pub use session::{Session, SessionId, SessionOrigin};
pub use settings::{PasswordPolicy, TenantSettings};
pub use sso::{SealedSecret, SsoConfig};
pub use tenant::{DomainSlug, Plan, Tenant, TenantName, TenantStatus, Transition};
pub use user::{EmailAddress, Identity, Role, User, UserStatus};
