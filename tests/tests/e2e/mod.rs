//! End to end through the local gateway, with real tokens from the local
//! OIDC provider, the functions in process and moto behind them; one
//! folder for each room, named as the room's modules and functions
//! (`tenant`, `member`, `app`, `flag`, `billing`, `audit`, `export`), and
//! `platform` for what every route shares.

mod app;
mod audit;
mod billing;
mod export;
mod flag;
mod member;
mod oauth;
mod platform;
mod tenant;
