//! The control plane's domain core.
//!
//! Everything here is pure: no AWS, no I/O, and no clock. Callers pass `now`
//! in, so expiry, grace periods and retention are plain functions of their
//! inputs. (The one exception is the system's randomness for new secrets;
//! its failure, which cannot be handed back as anything but ERR-SYS-500, is
//! logged.) Types are parsed once at the edge of a use case ("parse, don't
//! validate") and are valid from then on.

// The rooms: one bounded context each, named as the store's modules and
// the functions' prefixes (doc/adr/0004-one-function-per-use-case.md).
pub mod app;
pub mod audit;
pub mod billing;
pub mod export;
pub mod flag;
pub mod member;
pub mod oauth;
pub mod tenant;

// What every room shares.
pub mod authz;
pub mod error;
pub mod ids;
pub mod page;
pub mod retention;
pub mod secret;
mod text;

pub use app::{
    AppChanges, AppEnvironment, AppName, AppOwner, AppScope, AppStatus, Application, ClientSecret,
    PresentedSecret, RegisterApp,
};
pub use audit::{AuditRecord, ChainHash, ChainLink, Outcome};
pub use authz::{Actor, ActorType, Member, PlatformRole, Principal, Scope, Target};
pub use billing::{BillingEvent, Recorded, Reporter, StoredBillingEvent};
pub use error::{Error, FieldError};
pub use export::{AuditExport, AuditFilter, ExportFile, ExportStatus, Integrity};
pub use flag::{
    Catalog, Evaluation, FlagDefinition, FlagKey, FlagOverrides, FlagType, OverrideChange, Reason,
};
pub use ids::{ApplicationId, AuditExportId, EventId, InvitationId, SecretId, TenantId, UserId};
pub use member::invitation::{Invitation, InvitationStatus, InvitationTicket};
pub use member::membership::MemberChange;
pub use member::session::{Session, SessionId, SessionOrigin};
pub use member::user::{EmailAddress, Identity, Role, User, UserStatus};
pub use page::{Page, PageSize};
pub use retention::Retention;
pub use secret::{SecretToken, TokenHash};
pub use tenant::settings::{PasswordPolicy, TenantSettings};
pub use tenant::sso::{SealedSecret, SsoConfig};
pub use tenant::{DomainSlug, Plan, Tenant, TenantName, TenantStatus, Transition};
