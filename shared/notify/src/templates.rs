//! Every email the platform sends, in HTML and plain text, from one layout.
//!
//! Links carry their secret after `#`, so it never reaches a server's access log; the page at
//! the link reads it and calls the API.

use maud::{DOCTYPE, Markup, html};

/// A message ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letter {
    /// For logs, tags and the ledger: `verify_email`, `password_reset`, `invitation`, ...
    pub kind: &'static str,
    pub to: String,
    pub subject: String,
    pub html: String,
    pub text: String,
}

/// What an email says.
#[derive(Debug, Clone)]
pub enum Mail<'a> {
    /// Confirms that the address belongs to whoever signed up with it.
    VerifyEmail {
        name: &'a str,
        link: &'a str,
    },
    /// Someone signed up with an address that has an account: its owner is told, nobody else.
    AccountExists {
        reset_link: &'a str,
    },
    PasswordReset {
        name: &'a str,
        link: &'a str,
    },
    Invitation {
        inviter: &'a str,
        role: &'a str,
        link: &'a str,
        expires_at: &'a str,
    },
    /// An inbox notification, emailed as the recipient's preferences ask.
    Notification {
        title: &'a str,
        body: &'a str,
        link: Option<&'a str>,
        preferences_link: &'a str,
    },
    /// A proposal sent to a client: its page and the quote as PDF.
    QuoteSent {
        client_name: &'a str,
        designer: &'a str,
        project: &'a str,
        page_link: &'a str,
        /// None when the link hides prices.
        pdf_link: Option<&'a str>,
        expires_at: &'a str,
    },
}

impl Mail<'_> {
    pub fn kind(&self) -> &'static str {
        match self {
            Mail::VerifyEmail { .. } => "verify_email",
            Mail::AccountExists { .. } => "account_exists",
            Mail::PasswordReset { .. } => "password_reset",
            Mail::Invitation { .. } => "invitation",
            Mail::Notification { .. } => "notification",
            Mail::QuoteSent { .. } => "quote_sent",
        }
    }

    /// The letter to `to`.
    pub fn to(&self, to: &str) -> Letter {
        let (subject, paragraphs, action, footer) = self.parts();
        let html = layout(&subject, &paragraphs, action.as_ref(), &footer).into_string();
        let mut text = String::new();
        for paragraph in &paragraphs {
            text.push_str(paragraph);
            text.push_str("\n\n");
        }
        if let Some((label, link)) = &action {
            text.push_str(&format!("{label}: {link}\n\n"));
        }
        text.push_str("-- \n");
        text.push_str(&footer);
        text.push('\n');
        Letter {
            kind: self.kind(),
            to: to.to_string(),
            subject,
            html,
            text,
        }
    }

    /// Subject, paragraphs, the one action (label, link) and the footer.
    fn parts(&self) -> (String, Vec<String>, Option<(String, String)>, String) {
        let automatic = "Roomwright sent this because of your account. If it was not you, you can \
                         ignore it."
            .to_string();
        match self {
            Mail::VerifyEmail { name, link } => (
                "Confirm your email address".into(),
                vec![
                    format!("Hello {name},"),
                    "Confirm that this is your address to finish setting up your Roomwright \
                     account. Until then, projects cannot be shared with you. The link works \
                     for 24 hours."
                        .into(),
                ],
                Some(("Confirm my address".into(), link.to_string())),
                automatic,
            ),
            Mail::AccountExists { reset_link } => (
                "Someone tried to sign up with your address".into(),
                vec![
                    "Someone (perhaps you) tried to create a Roomwright account with this \
                     address, which already has one. Nothing was changed."
                        .into(),
                    "If you forgot your password, you can choose a new one.".into(),
                ],
                Some(("Reset my password".into(), reset_link.to_string())),
                automatic,
            ),
            Mail::PasswordReset { name, link } => (
                "Reset your password".into(),
                vec![
                    format!("Hello {name},"),
                    "Choose a new password with the link below. It works once, for one hour; \
                     when you use it, every device signed in to your account is signed out."
                        .into(),
                ],
                Some(("Choose a new password".into(), link.to_string())),
                automatic,
            ),
            Mail::Invitation {
                inviter,
                role,
                link,
                expires_at,
            } => (
                format!("{inviter} invited you to Roomwright"),
                vec![
                    format!(
                        "{inviter} invited you to join Roomwright as a {role}. Roomwright plans \
                         offices and interiors: floor plans, furniture, budgets and proposals."
                    ),
                    format!("The invitation works once, until {expires_at}."),
                ],
                Some(("Accept the invitation".into(), link.to_string())),
                "You received this because an administrator invited this address.".into(),
            ),
            Mail::Notification {
                title,
                body,
                link,
                preferences_link,
            } => (
                title.to_string(),
                vec![body.to_string()],
                link.map(|l| ("Open in Roomwright".to_string(), l.to_string())),
                format!("Choose which emails you get: {preferences_link}"),
            ),
            Mail::QuoteSent {
                client_name,
                designer,
                project,
                page_link,
                pdf_link,
                expires_at,
            } => (
                format!("Your proposal: {project}"),
                [
                    Some(format!("Hello {client_name},")),
                    Some(format!(
                        "{designer} prepared a proposal for {project}: the plan, the furniture, \
                         renders and the quote. You can approve it or ask for changes on the \
                         page. The link works until {expires_at}."
                    )),
                    pdf_link.map(|pdf| format!("The quote as PDF: {pdf}")),
                ]
                .into_iter()
                .flatten()
                .collect(),
                Some(("Open the proposal".into(), page_link.to_string())),
                format!("Sent through Roomwright on behalf of {designer}."),
            ),
        }
    }
}

fn layout(
    subject: &str,
    paragraphs: &[String],
    action: Option<&(String, String)>,
    footer: &str,
) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width";
                title { (subject) }
            }
            body style="margin:0;background:#f4f4f2;font-family:Helvetica,Arial,sans-serif;color:#1f2328" {
                table role="presentation" width="100%" cellpadding="0" cellspacing="0" {
                    tr { td align="center" style="padding:24px" {
                        table role="presentation" width="560" cellpadding="0" cellspacing="0"
                            style="background:#fff;border-radius:8px;padding:32px;max-width:560px" {
                            tr { td style="font-size:14px;letter-spacing:.08em;color:#6b6f76" { "ROOMWRIGHT" } }
                            tr { td { h1 style="font-size:22px;margin:16px 0" { (subject) } } }
                            @for paragraph in paragraphs {
                                tr { td { p style="font-size:16px;line-height:1.5;margin:0 0 16px" { (paragraph) } } }
                            }
                            @if let Some((label, link)) = action {
                                tr { td style="padding:8px 0 24px" {
                                    a href=(link) style="background:#1f4e79;color:#fff;padding:12px 20px;border-radius:6px;text-decoration:none;font-weight:bold;display:inline-block" { (label) }
                                } }
                                tr { td style="font-size:13px;color:#6b6f76;word-break:break-all" {
                                    "Or open: " (link)
                                } }
                            }
                            tr { td style="font-size:12px;color:#6b6f76;padding-top:24px;border-top:1px solid #e5e5e0" { (footer) } }
                        }
                    } }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_letter_says_the_same_in_html_and_text_and_escapes_what_users_typed() {
        let letter = Mail::Notification {
            title: "Ana <script> commented",
            body: "“Make the desks <b>wider</b>”",
            link: Some("https://api.example.com/app/projects/p1"),
            preferences_link: "https://api.example.com/app/settings",
        }
        .to("kim@example.com");
        assert_eq!(letter.kind, "notification");
        assert_eq!(letter.subject, "Ana <script> commented");
        assert!(letter.html.contains("Ana &lt;script&gt; commented"));
        assert!(!letter.html.contains("<script>"));
        assert!(letter.html.contains("&lt;b&gt;wider&lt;/b&gt;"));
        assert!(letter.text.contains("“Make the desks <b>wider</b>”"));
        assert!(
            letter
                .text
                .contains("Open in Roomwright: https://api.example.com/app/projects/p1")
        );
    }
}
