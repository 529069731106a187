//! The frame every page shares: the header with who is signed in, the breadcrumbs, a notice or
//! an error, and the page's content.

use maud::{DOCTYPE, Markup, html};

use crate::urls;

/// Who is signed in.
#[derive(Debug, Clone)]
pub struct Viewer {
    /// The principal's name.
    pub name: String,
    /// Whether the principal is an administrator.
    pub is_admin: bool,
}

/// A page's frame: `crumbs` are (label, link) from the console's root down to the page.
pub(crate) fn page(
    title: &str,
    viewer: Option<&Viewer>,
    crumbs: &[(&str, String)],
    notice: Option<&str>,
    body: Markup,
) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="color-scheme" content="light dark";
                title { (title) " · Tributary" }
                link rel="stylesheet" href=(urls::STYLESHEET);
            }
            body {
                a.skip href="#content" { "Skip to content" }
                header.top {
                    a.brand href=(urls::HOME) { "Tributary" }
                    @if let Some(viewer) = viewer {
                        div.who {
                            span { "Signed in as " strong { (viewer.name) } @if viewer.is_admin { " (administrator)" } }
                            form method="post" action=(urls::SIGN_OUT) {
                                button.link type="submit" { "Sign out" }
                            }
                        }
                    }
                }
                @if !crumbs.is_empty() {
                    nav.crumbs aria-label="Breadcrumb" {
                        ol {
                            @for (i, (label, href)) in crumbs.iter().enumerate() {
                                li {
                                    @if i + 1 == crumbs.len() {
                                        a href=(href) aria-current="page" { (label) }
                                    } @else {
                                        a href=(href) { (label) }
                                    }
                                }
                            }
                        }
                    }
                }
                main #content {
                    @if let Some(notice) = notice {
                        p.notice role="status" { (notice) }
                    }
                    (body)
                }
            }
        }
    }
}

/// An error shown in a form, read out when it appears; `id` is what the field in error names in
/// its `aria-describedby`.
pub(crate) fn form_error(id: &str, error: Option<&str>) -> Markup {
    html! {
        @if let Some(error) = error {
            p.error #(id) role="alert" { (error) }
        }
    }
}

/// The `aria-describedby` of a field: its help, and the form's error when there is one.
pub(crate) fn described_by(help: &str, error_id: &str, error: Option<&str>) -> String {
    if error.is_some() { format!("{error_id} {help}") } else { help.to_owned() }
}
