//! A tenant's members (the members room): its users and their roles
//! ([`user`]), the rules of who may change whom ([`membership`]),
//! invitations ([`invitation`]) and sign-in sessions ([`session`]).

pub mod invitation;
pub mod membership;
pub mod session;
pub mod user;
