//! What a managed application's back-channel logout endpoint does, for the
//! local stack: it takes the logout tokens the control plane posts
//! (OpenID Connect Back-Channel Logout 1.0 §2.5) and keeps them, so a
//! developer (or a test) can see what an application would have been told.
//!
//! - `POST /backchannel/{app}`: a form with `logout_token`; kept, answered
//!   200. An `{app}` that starts with `refusing` answers 400 (an
//!   application that will not take the token), one that starts with
//!   `down` answers 503 (one that cannot be reached now).
//! - `GET /backchannel/{app}`: the tokens `{app}` received, oldest first.

use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

type Received = Arc<Mutex<HashMap<String, Vec<String>>>>;

#[derive(Deserialize)]
struct Posted {
    logout_token: String,
}

/// The receiver, listening nowhere yet.
pub fn router() -> Router {
    Router::new()
        .route("/backchannel/{app}", post(receive).get(received))
        .with_state(Received::default())
}

async fn receive(
    State(received): State<Received>,
    Path(app): Path<String>,
    Form(posted): Form<Posted>,
) -> StatusCode {
    if app.starts_with("refusing") {
        return StatusCode::BAD_REQUEST;
    }
    if app.starts_with("down") {
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    if let Ok(mut received) = received.lock() {
        received.entry(app).or_default().push(posted.logout_token);
    }
    StatusCode::OK
}

async fn received(State(received): State<Received>, Path(app): Path<String>) -> Json<Vec<String>> {
    let tokens = received
        .lock()
        .map(|r| r.get(&app).cloned().unwrap_or_default())
        .unwrap_or_default();
    Json(tokens)
}
