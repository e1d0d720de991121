//! Transactional email through SESv2, and the product's message templates.
//!
//! Every template has a plain-text and an HTML body. Values that come from
//! people (a tenant's name) are HTML-escaped in the HTML body. Addresses
//! never reach the logs.

use aws_sdk_sesv2::Client;
use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message as SesMessage};
use chrono::{DateTime, Utc};
use cp_domain::{EmailAddress, Role};
use html_escape::encode_text;

/// A rendered email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub subject: String,
    pub text: String,
    pub html: String,
}

#[derive(Debug, thiserror::Error)]
#[error("email could not be sent")]
pub struct MailError;

/// Sends email from one verified sender.
#[derive(Debug, Clone)]
pub struct Mailer {
    client: Client,
    from: String,
}

impl Mailer {
    pub fn new(client: Client, from: impl Into<String>) -> Self {
        Self {
            client,
            from: from.into(),
        }
    }

    pub async fn send(&self, to: &EmailAddress, message: &Message) -> Result<(), MailError> {
        let content = |text: &str| {
            Content::builder()
                .data(text)
                .charset("UTF-8")
                .build()
                .map_err(|_| MailError)
        };
        let email = EmailContent::builder()
            .simple(
                SesMessage::builder()
                    .subject(content(&message.subject)?)
                    .body(
                        Body::builder()
                            .text(content(&message.text)?)
                            .html(content(&message.html)?)
                            .build(),
                    )
                    .build(),
            )
            .build();
        self.client
            .send_email()
            .from_email_address(&self.from)
            .destination(Destination::builder().to_addresses(to.as_str()).build())
            .content(email)
            .send()
            .await
            .map_err(|e| {
                // Logged by code only: SES messages quote the addresses.
                cp_aws::failure("SendEmail", &e);
                tracing::warn!(recipient_domain = to.domain(), "invitation email not sent");
                MailError
            })?;
        Ok(())
    }
}

/// The link of an invitation email. It puts the token in the fragment,
/// which browsers never send to a server, so it stays out of access logs
/// and `Referer` headers.
pub fn invitation_link(console_url: &str, token: &str) -> String {
    format!(
        "{}/invitations/accept#token={token}",
        console_url.trim_end_matches('/')
    )
}

/// The invitation to join a tenant (UC-PROV-001 for the Owner,
/// UC-TENANT-INVITE for everyone else). `link` carries the single-use token.
pub fn invitation(tenant_name: &str, role: Role, link: &str, expires_at: DateTime<Utc>) -> Message {
    let expires = expires_at.format("%Y-%m-%d %H:%M UTC");
    let role = role.as_str();
    let subject = format!("You are invited to {tenant_name}");
    let text = format!(
        "You have been invited to join {tenant_name} as {role}.\n\n\
         Accept the invitation by signing in here:\n{link}\n\n\
         The link works once and expires on {expires}.\n\
         If you did not expect this invitation, ignore this email."
    );
    let name = encode_text(tenant_name);
    let href = html_escape::encode_double_quoted_attribute(link);
    let html = format!(
        "<!doctype html><html><body style=\"font-family:sans-serif\">\
         <p>You have been invited to join <strong>{name}</strong> as {role}.</p>\
         <p><a href=\"{href}\">Accept the invitation</a></p>\
         <p>The link works once and expires on {expires}.</p>\
         <p style=\"color:#666\">If you did not expect this invitation, ignore this email.</p>\
         </body></html>"
    );
    Message {
        subject,
        text,
        html,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn uc_prov_001_invitation_carries_the_link_and_escapes_the_tenant_name() {
        let at = Utc.with_ymd_and_hms(2026, 12, 1, 10, 0, 0).unwrap();
        let m = invitation(
            "<Acme & Co>",
            Role::Owner,
            "https://console.example/invitations/accept#token=abc",
            at,
        );
        assert!(
            m.text
                .contains("https://console.example/invitations/accept#token=abc")
        );
        assert!(m.html.contains("&lt;Acme &amp; Co&gt;"));
        assert!(!m.html.contains("<Acme"));
        assert!(m.text.contains("2026-12-01 10:00 UTC"));
        assert!(m.subject.contains("<Acme & Co>"));
    }
}
