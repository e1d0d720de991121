//! People and tenants as tenant administration makes them: a person who
//! signs in through the control plane at the customers' directory, a
//! tenant onboarded by an operator whose Owner accepted the emailed
//! invitation by signing in with it, members invited and joined, and the
//! calls that change them.

use cp_api::{InvitationDetailView, SessionView};
use cp_domain::{InvitationId, TenantId, UserId};
use cp_local::LocalIdp;
use cp_local::tokens::{self, Directory};
use cp_tests::{get, get_json, http, operator, send_json, sent_emails, stack, unique, url};
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

/// Somebody who signs in at the local provider with a verified email.
#[derive(Debug, Clone)]
pub(crate) struct Person {
    pub(crate) subject: String,
    pub(crate) email: String,
}

/// An address nobody else uses, at example.com.
pub(crate) fn fresh_email(name: &str) -> String {
    format!("{}@example.com", unique(name))
}

impl Person {
    /// Somebody with an address nobody else uses, at example.com.
    pub(crate) fn fresh(name: &str) -> Self {
        Self::new(&fresh_email(name))
    }

    pub(crate) fn new(email: &str) -> Self {
        Self {
            subject: unique("person"),
            email: email.to_owned(),
        }
    }

    /// A token of a new sign-in session at the customers' directory,
    /// through the control plane (a member only).
    pub(crate) async fn sign_in(&self) -> String {
        self.try_sign_in()
            .await
            .unwrap_or_else(|e| panic!("{} signs in: {e}", self.email))
    }

    /// The same; `Err` says why the control plane refused.
    pub(crate) async fn try_sign_in(&self) -> Result<String, String> {
        self.try_sign_in_with(&[]).await
    }

    /// Accepts the invitation `token` by signing in with it: the new
    /// member's access token.
    pub(crate) async fn accept(&self, token: &str) -> String {
        self.try_accept(token)
            .await
            .unwrap_or_else(|e| panic!("{} accepts: {e}", self.email))
    }

    /// The same; `Err` says why the control plane refused (its `error` and
    /// `error_description` at the client's redirect).
    pub(crate) async fn try_accept(&self, token: &str) -> Result<String, String> {
        self.try_sign_in_with(&[("invitation", token)]).await
    }

    /// An ID token of the customers' directory for this person, issued to
    /// the control plane's client there (what a service may exchange).
    pub(crate) async fn directory_token(&self) -> String {
        let info = stack();
        LocalIdp::new(info.customer_issuer.clone(), info.client_id.clone())
            .token(&self.subject, &tokens::verified(&self.email, "Jane Member"))
            .await
            .unwrap()
    }

    /// A sign-in (a member's, or one that accepts an invitation with
    /// `extra`); `Err` says why the control plane refused.
    pub(crate) async fn try_sign_in_with(&self, extra: &[(&str, &str)]) -> Result<String, String> {
        let claims = tokens::verified(&self.email, "Jane Member");
        let signed_in = tokens::sign_in(
            &stack().gateway_url,
            Directory::Customer,
            &self.subject,
            &claims,
            extra,
        )
        .await
        .map_err(|e| e.to_string())?;
        Ok(tokens::access_token(&signed_in).unwrap())
    }
}

/// The token of the newest invitation link emailed to `email`.
pub(crate) async fn emailed_token(email: &str) -> String {
    let emails = sent_emails(email).await;
    let text = emails.last().expect("an invitation email").to_string();
    text.rsplit("#token=")
        .next()
        .map(|rest| {
            rest.chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect()
        })
        .unwrap()
}

/// A tenant provisioned by an operator, whose Owner accepted the emailed
/// invitation: the product's own onboarding (UC-PROV-001).
pub(crate) struct Org {
    pub(crate) tenant_id: TenantId,
    pub(crate) owner: Person,
    pub(crate) owner_token: String,
}

pub(crate) async fn onboarded() -> Org {
    let domain = unique("org");
    let owner = Person::new(&format!("owner@{domain}.example"));
    let created: Value = send_json(
        Method::POST,
        &operator().await,
        "/v1/tenants",
        &json!({ "name": "Org Ltd", "domain": domain, "plan": "Pro", "owner_email": owner.email }),
    )
    .await
    .json()
    .await
    .unwrap();
    let tenant_id: TenantId = created["id"].as_str().unwrap().parse().unwrap();
    let owner_token = owner.accept(&emailed_token(&owner.email).await).await;
    Org {
        tenant_id,
        owner,
        owner_token,
    }
}

pub(crate) async fn invite(token: &str, email: &str, role: &str) -> Response {
    send_json(
        Method::POST,
        token,
        "/v1/invitations",
        &json!({ "email": email, "role": role }),
    )
    .await
}

/// Invites `email` with `role`: the open invitation as the API answers it.
pub(crate) async fn open_invitation(token: &str, email: &str, role: &str) -> InvitationDetailView {
    invite(token, email, role).await.json().await.unwrap()
}

/// `POST /v1/invitations/{id}/resend`: a new link, the old one gone.
pub(crate) async fn resend(token: &str, invitation: InvitationId) -> Response {
    send_json(
        Method::POST,
        token,
        &format!("/v1/invitations/{invitation}/resend"),
        &json!(null),
    )
    .await
}

/// Invites somebody with `role` into the org and has them accept; returns
/// them with a signed-in token and their user id.
pub(crate) async fn join(org: &Org, role: &str) -> (Person, String, UserId) {
    let person = Person::new(&format!("{}@members.example", unique("m")));
    let invited = invite(&org.owner_token, &person.email, role).await;
    assert_eq!(invited.status(), StatusCode::CREATED);
    let token = person.accept(&emailed_token(&person.email).await).await;
    let user_id = user_id(&token).await;
    (person, token, user_id)
}

pub(crate) async fn me(token: &str) -> Response {
    get(token, "/v1/me").await
}

/// The signed-in person's user id (`GET /v1/me`).
pub(crate) async fn user_id(token: &str) -> UserId {
    me(token).await.json::<Value>().await.unwrap()["user_id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap()
}

pub(crate) async fn patch_user(
    token: &str,
    user: UserId,
    body: &Value,
    if_match: Option<&str>,
) -> Response {
    let mut request = http()
        .patch(url(&format!("/v1/users/{user}")))
        .bearer_auth(token)
        .json(body);
    if let Some(version) = if_match {
        request = request.header("If-Match", version);
    }
    request.send().await.unwrap()
}

/// Changes a member's role, whatever its version.
pub(crate) async fn set_role(token: &str, user: UserId, role: &str) -> Response {
    patch_user(token, user, &json!({ "role": role }), None).await
}

/// Changes a member's status, whatever its version.
pub(crate) async fn set_status(token: &str, user: UserId, status: &str) -> Response {
    patch_user(token, user, &json!({ "status": status }), None).await
}

/// The member's version (`ETag`) as `token` reads it, for `If-Match`.
pub(crate) async fn etag_of(token: &str, user: UserId) -> String {
    let read = get(token, &format!("/v1/users/{user}")).await;
    read.headers()["etag"].to_str().unwrap().to_owned()
}

/// The sessions listed at `path` (`/v1/me/sessions`, or a member's).
pub(crate) async fn sessions_at(token: &str, path: &str) -> Vec<SessionView> {
    let listed: Value = get_json(token, path).await;
    serde_json::from_value(listed["items"].clone()).unwrap()
}

/// `PUT /v1/tenant/plan`.
pub(crate) async fn set_plan(token: &str, plan: &str) -> Response {
    send_json(
        Method::PUT,
        token,
        "/v1/tenant/plan",
        &json!({ "plan": plan }),
    )
    .await
}
