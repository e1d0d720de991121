//! What every route shares: authentication at the edge, the request rules,
//! health, and the logs.

mod auth;
mod health;
mod logs;
mod requests;
