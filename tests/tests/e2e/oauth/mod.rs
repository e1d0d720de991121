//! The control plane as OpenID Provider (doc/adr/0042): people sign in
//! through it, brokered to the local directories, and clients redeem codes
//! and refresh tokens for its tokens; attacked as the OAuth and OpenID
//! Connect specifications' security considerations describe.

mod attacks;
mod audited;
mod backchannel;
mod code_flow;
mod example_app;
mod invitation;
mod logout;
mod memberships;
mod relying_parties;
mod token_exchange;
mod token_status;
