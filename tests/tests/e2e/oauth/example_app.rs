//! The example managed application (`examples/sign-in-flask`: Flask and
//! Authlib, unchanged), run as its developers would run it: a member signs
//! in to it through the control plane, and it signs them out by itself when
//! their Owner disables them (back-channel logout).

use crate::support::members::{join, onboarded, set_status};
use crate::support::sign_in::registered_client;
use cp_local::browser::{Browser, location_of};
use cp_local::tokens;
use cp_tests::{clients, eventually, example_app_port, stack};
use reqwest::{StatusCode, header};
use serde_json::json;
use std::path::PathBuf;
use std::time::Duration;
use tokio::process::{Child, Command};

/// The example, started with its client's credentials; stopped when dropped.
async fn start_example(base: &str, client_id: &str, client_secret: &str) -> Child {
    let app = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/sign-in-flask/app.py");
    let child = Command::new(clients().join("venv/bin/python"))
        .arg(app)
        .env("ISSUER", &stack().token_issuer)
        .env("CLIENT_ID", client_id)
        .env("CLIENT_SECRET", client_secret)
        .env("BASE_URL", base)
        .kill_on_drop(true)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    eventually(
        "the example application listening",
        Duration::from_secs(20),
        || async { reqwest::get(format!("{base}/")).await.ok().map(|_| ()) },
    )
    .await;
    child
}

/// A browser at the example: it keeps the example's session cookie.
struct AtTheExample {
    http: reqwest::Client,
    cookie: Option<String>,
}

impl AtTheExample {
    fn new() -> Self {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Self { http, cookie: None }
    }

    async fn get(&mut self, url: &str) -> reqwest::Response {
        let mut request = self.http.get(url);
        if let Some(cookie) = &self.cookie {
            request = request.header(header::COOKIE, cookie);
        }
        let response = request.send().await.unwrap();
        if let Some(set) = response.headers().get(header::SET_COOKIE) {
            let pair = set.to_str().unwrap().split(';').next().unwrap();
            self.cookie = Some(pair.to_owned());
        }
        response
    }

    async fn page(&mut self, url: &str) -> String {
        self.get(url).await.text().await.unwrap()
    }
}

#[tokio::test]
async fn the_example_application_signs_a_member_in_and_out_when_their_owner_disables_them() {
    let org = onboarded().await;
    let (member, _, user_id) = join(&org, "User").await;
    let base = format!("http://127.0.0.1:{}", example_app_port());
    let (_, client_id, client_secret) = registered_client(
        &json!({
            "redirect_uris": [format!("{base}/callback")],
            "post_logout_redirect_uris": [format!("{base}/")],
            "backchannel_logout_uri": format!("{base}/backchannel-logout"),
        }),
        Some(org.tenant_id),
    )
    .await;
    let _example = start_example(&base, &client_id, &client_secret).await;

    // Signing in: the example sends the browser to the control plane, the
    // member signs in at the customers' directory, and comes back.
    let mut at_example = AtTheExample::new();
    assert!(
        at_example
            .page(&format!("{base}/"))
            .await
            .contains("Signed out")
    );
    let login = at_example.get(&format!("{base}/login")).await;
    let authorize = location_of(&login).unwrap();
    assert!(authorize.starts_with(&stack().gateway_url), "{authorize}");
    let back = Browser::new(&stack().gateway_url)
        .authorize(
            &authorize,
            &member.subject,
            &tokens::verified(&member.email, "Jane Member"),
        )
        .await
        .unwrap();
    assert!(
        back.as_str().starts_with(&format!("{base}/callback?")),
        "{back}"
    );
    let callback = at_example.get(back.as_str()).await;
    assert_eq!(
        callback.status(),
        StatusCode::FOUND,
        "the example took the code"
    );
    let home = at_example.page(&format!("{base}/")).await;
    assert!(
        home.contains(&format!(
            "Signed in as {}, User of {}",
            member.email, org.tenant_id
        )),
        "{home}"
    );

    // Their Owner disables them: the control plane tells the example, which
    // signs them out at their next request.
    let disabled = set_status(&org.owner_token, user_id, "Disabled").await;
    assert_eq!(disabled.status(), StatusCode::OK);
    eventually(
        "the example signed the member out",
        Duration::from_secs(30),
        || async {
            let mut again = AtTheExample {
                http: at_example.http.clone(),
                cookie: at_example.cookie.clone(),
            };
            again
                .page(&format!("{base}/"))
                .await
                .contains("Signed out")
                .then_some(())
        },
    )
    .await;
}
