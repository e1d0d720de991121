//! Tenant administration (the members of a tenant), with real tokens of
//! several tenants and roles: invitations and their emails (read back from
//! moto's SES), Owners and the roles they grant, members' changes and
//! listing, sessions, the tenant's plan, settings and SSO, isolation from
//! the attacker's side, and the trail of it all.

mod audited;
mod invitations;
mod isolation;
mod owners;
mod sessions;
mod settings;
mod users;
