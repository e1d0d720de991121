//! The single-table store against moto server, through the real SDK and
//! the store's own code: no gateway, no functions.

mod audit_chain;
mod oauth;
mod table;
