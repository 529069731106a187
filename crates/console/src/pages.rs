//! One function per page. Each takes what it shows, already asked of the engine, and returns the
//! whole HTML document.

use chrono::{DateTime, Utc};
use maud::{Markup, html};
use tributary_model::records::{Domain, PackageRecord, Repository, VersionRecord};
use tributary_model::{OriginType, PackageFormat, VersionStatus};

pub use crate::layout::Viewer;
use crate::layout::{described_by, form_error, page};
use crate::{graph, install, urls};

/// The most upstream repositories a repository may have.
pub const MAX_UPSTREAMS: usize = 10;
/// The most repositories one search visits.
pub const MAX_SEARCHED: usize = 25;

fn when(at: DateTime<Utc>) -> Markup {
    let text = at.format("%Y-%m-%d %H:%M UTC").to_string();
    html! { time datetime=(at.to_rfc3339()) { (text) } }
}

fn bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut value = n as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// A block of text to copy, with its client as a caption.
fn snippet(s: &install::Snippet) -> Markup {
    html! {
        figure.snippet {
            figcaption { (s.client) }
            pre { code { (s.text) } }
        }
    }
}

fn status_badge(status: VersionStatus) -> Markup {
    html! { span.badge.(format!("status-{}", status.as_str().to_ascii_lowercase())) { (status.as_str()) } }
}

/// The sign-in page.
pub fn sign_in(error: Option<&str>, access_key_id: &str) -> Markup {
    let body = html! {
        h1 { "Sign in" }
        p { "Sign in with an access key: its id and its secret. The server printed the administrator's on its first start; "
            code { "tributary principal create" } " makes keys for others." }
        form.stack method="post" action=(urls::SIGN_IN) {
            (form_error("sign-in-error", error))
            label for="access-key-id" { "Access key id" }
            input #access-key-id type="text" name="access_key_id" value=(access_key_id) required
                autocomplete="username" autocapitalize="off" spellcheck="false";
            label for="secret-access-key" { "Secret access key" }
            input #secret-access-key type="password" name="secret_access_key" required autocomplete="current-password"
                autofocus[error.is_some()] aria-invalid=[error.map(|_| "true")] aria-describedby=[error.map(|_| "sign-in-error")];
            button type="submit" { "Sign in" }
        }
    };
    page("Sign in", None, &[], None, body)
}

/// An error page: what went wrong and where to go.
pub fn error(viewer: Option<&Viewer>, title: &str, message: &str) -> Markup {
    let body = html! {
        h1 { (title) }
        p.error role="alert" { (message) }
        p { a href=(urls::HOME) { "Back to the domains" } }
    };
    page(title, viewer, &[("Domains", urls::HOME.to_owned())], None, body)
}

/// The domains the viewer may see (`None`: it may not list them); for an administrator, the
/// form that makes one (with what was typed and why it was refused, when it was).
pub fn domains(viewer: &Viewer, domains: Option<&[Domain]>, typed: &str, error: Option<&str>) -> Markup {
    let body = html! {
        h1 { "Domains" }
        @match domains {
            None => {
                p { "You may not list the domains. Open a domain or repository by its address, "
                    code { "/ui/d/DOMAIN" } " or " code { "/ui/d/DOMAIN/r/REPOSITORY" } ", or ask an administrator for "
                    code { "codeartifact:ListDomains" } "." }
            }
            Some([]) => {
                p { "No domain yet. An administrator makes one with " code { "tributary domain create NAME" } "." }
            }
            Some(domains) => {
                div.table-wrap {
                    table {
                        caption.visually-hidden { "Domains" }
                        thead { tr { th scope="col" { "Domain" } th scope="col" { "Repositories" } th scope="col" { "Owner" } th scope="col" { "Created" } } }
                        tbody {
                            @for d in domains {
                                tr {
                                    th scope="row" { a href=(urls::domain(&d.name)) { (d.name) } }
                                    td { (d.repository_count) }
                                    td { (d.owner) }
                                    td { (when(d.created_at)) }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if viewer.is_admin {
            section aria-labelledby="create-domain-heading" {
                h2 #create-domain-heading { "Create a domain" }
                form.stack method="post" action=(urls::CREATE_DOMAIN) {
                    (form_error("domain-error", error))
                    label for="domain-name" { "Name" }
                    input #domain-name type="text" name="name" value=(typed) required maxlength="50"
                        aria-describedby=(described_by("domain-name-help", "domain-error", error))
                        autofocus[error.is_some()] aria-invalid=[error.map(|_| "true")]
                        autocapitalize="off" spellcheck="false";
                    p.help #domain-name-help { "2 to 50 characters: lowercase letters, digits and " code { "-" } ", starting with a letter and ending with a letter or digit. A domain holds repositories and stores each package file once for all of them." }
                    button type="submit" { "Create domain" }
                }
            }
        }
    };
    page("Domains", Some(viewer), &[("Domains", urls::HOME.to_owned())], None, body)
}

/// An external connection a repository may be associated with.
#[derive(Debug, Clone)]
pub struct ConnectionChoice {
    /// Its name.
    pub name: String,
    /// The format it serves.
    pub format: PackageFormat,
}

/// The "create a repository" form, as typed (kept when the server refuses it).
#[derive(Debug, Clone, Default)]
pub struct RepositoryForm {
    /// The name.
    pub name: String,
    /// The description.
    pub description: String,
    /// The upstream repositories, one per line or comma-separated, in search order.
    pub upstreams: String,
    /// The external connection's name, or empty.
    pub connection: String,
    /// Why the server refused it.
    pub error: Option<String>,
}

fn connection_select(id: &str, choices: &[ConnectionChoice], chosen: &str) -> Markup {
    html! {
        select #(id) name="connection" {
            option value="" selected[chosen.is_empty()] { "None" }
            @for c in choices {
                option value=(c.name) selected[c.name == chosen] { (c.name) " (" (c.format) ")" }
            }
        }
    }
}

/// A domain: its repositories, and the form that makes one.
pub fn domain(
    viewer: &Viewer,
    domain: &Domain,
    repositories: &[Repository],
    choices: &[ConnectionChoice],
    form: &RepositoryForm,
    notice: Option<&str>,
) -> Markup {
    let body = html! {
        h1 { "Domain " (domain.name) }
        h2 { "Repositories" }
        @if repositories.is_empty() {
            p { "No repository yet: make one below." }
        } @else {
            div.table-wrap {
                table {
                    caption.visually-hidden { "Repositories of " (domain.name) }
                    thead { tr {
                        th scope="col" { "Repository" } th scope="col" { "Upstreams, in search order" }
                        th scope="col" { "External connection" } th scope="col" { "Description" }
                    } }
                    tbody {
                        @for r in repositories {
                            tr {
                                th scope="row" { a href=(urls::repository(&domain.name, &r.name)) { (r.name) } }
                                td {
                                    @if r.upstreams.is_empty() { span.muted { "none" } }
                                    @else {
                                        ol.inline {
                                            @for u in &r.upstreams { li { (u) } }
                                        }
                                    }
                                }
                                td { @if let Some(c) = &r.external_connection { span.badge.gateway { (c) } } @else { span.muted { "none" } } }
                                td { (r.description.as_deref().unwrap_or("")) }
                            }
                        }
                    }
                }
            }
        }
        section aria-labelledby="create-heading" {
            h2 #create-heading { "Create a repository" }
            form.stack method="post" action=(urls::create_repository(&domain.name)) {
                (form_error("repository-error", form.error.as_deref()))
                label for="repository-name" { "Name" }
                input #repository-name type="text" name="name" value=(form.name) required maxlength="100"
                    aria-describedby=(described_by("name-help", "repository-error", form.error.as_deref()))
                    autofocus[form.error.is_some()] autocapitalize="off" spellcheck="false";
                p.help #name-help { "2 to 100 characters: letters, digits, " code { "." } ", " code { "-" } " and " code { "_" } ", starting with a letter or digit." }
                label for="repository-description" { "Description (optional)" }
                input #repository-description type="text" name="description" value=(form.description) maxlength="1000";
                label for="repository-upstreams" { "Upstream repositories (optional), in search order" }
                textarea #repository-upstreams name="upstreams" rows="3" aria-describedby="upstreams-help" { (form.upstreams) }
                p.help #upstreams-help {
                    "One per line or separated by commas, each an existing repository of this domain (" code { "NAME@view" } " reads a view). "
                    "At most " (MAX_UPSTREAMS) "; a search visits at most " (MAX_SEARCHED) " repositories in all."
                }
                label for="repository-connection" { "External connection (optional)" }
                (connection_select("repository-connection", choices, &form.connection))
                p.help { "A repository with a connection is a gateway: what it fetches from the public registry is kept in it and in the repository asked. A gateway has no upstream repositories: make it first, then name it as another repository's upstream." }
                button type="submit" { "Create repository" }
            }
        }
    };
    let crumbs = [("Domains", urls::HOME.to_owned()), (domain.name.as_str(), urls::domain(&domain.name))];
    page(&format!("Domain {}", domain.name), Some(viewer), &crumbs, notice, body)
}

/// What a repository's page shows.
#[derive(Debug, Clone)]
pub struct RepositoryPage<'a> {
    /// The repository.
    pub repository: &'a Repository,
    /// What its search visits, in order (the repository first).
    pub search: &'a [graph::Node],
    /// The server's base URL, as clients reach it.
    pub base_url: &'a str,
    /// The upstream list as typed, when the server refused it; else the stored one.
    pub upstreams_text: String,
    /// Why the server refused the upstream list.
    pub upstreams_error: Option<String>,
    /// The connections it may be associated with.
    pub choices: &'a [ConnectionChoice],
    /// Why the server refused a connection change.
    pub connection_error: Option<String>,
    /// A notice after a change.
    pub notice: Option<&'a str>,
}

/// A repository: its upstream graph and search order, the forms that change them, and how each
/// client connects.
pub fn repository(viewer: &Viewer, p: &RepositoryPage<'_>) -> Markup {
    let r = p.repository;
    let (domain, name) = (r.domain_name.as_str(), r.name.as_str());
    let numbered = graph::number(p.search);
    let target = install::Repository { base: p.base_url, domain, repository: name };
    let body = html! {
        h1 { "Repository " (name) }
        @if let Some(d) = &r.description { p.lead { (d) } }
        section aria-labelledby="graph-heading" {
            h2 #graph-heading { "Upstream graph" }
            p.help { "A request for a package the repository lacks searches these in the numbered order and stops at the first that has it. Select a repository to open it." }
            div.graph-wrap { (graph::draw(p.search)) }
            h3 { "Search order" }
            ol.search-order {
                @for (i, step) in p.search.iter().enumerate() {
                    li value=(numbered.repository[i]) {
                        a href=(step.href) { (step.name) }
                        @if let Some(v) = &step.view { " — only its view " code { (v) } }
                        @if i == 0 { " (this repository)" }
                    }
                    @if let (Some(c), Some(n)) = (&step.connection, numbered.connection[i]) {
                        li value=(n) {
                            "External connection " code { (c.name) } " of " (step.name) ": "
                            span.(format!("health {}", match c.health { graph::Health::Unused => "health-unused", graph::Health::Healthy(_) => "health-ok", graph::Health::Failing(..) => "health-failing" })) { (c.health.label()) }
                            @match &c.health {
                                graph::Health::Healthy(at) => { " (last answer " (when(*at)) ")" }
                                graph::Health::Failing(at, message) => {
                                    " (since " (when(*at)) @if let Some(m) = message { ": " (m) } ")"
                                }
                                graph::Health::Unused => {}
                            }
                        }
                    }
                }
            }
        }
        p.actions { a.button href=(urls::packages(domain, name)) { "Browse packages" } }
        dl.facts {
            dt { "Domain" } dd { a href=(urls::domain(domain)) { (domain) } }
            dt { "Upstream repositories" } dd { (r.upstreams.len()) " of at most " (MAX_UPSTREAMS) }
            dt { "Repositories searched" } dd { (p.search.len()) " of at most " (MAX_SEARCHED) }
            dt { "External connection" } dd {
                @if let Some(c) = &r.external_connection { span.badge.gateway { (c) } } @else { "none" }
            }
            dt { "Created" } dd { (when(r.created_at)) }
        }
        section aria-labelledby="upstreams-heading" {
            h2 #upstreams-heading { "Edit upstreams" }
            form.stack method="post" action=(urls::upstreams(domain, name)) {
                (form_error("upstreams-error", p.upstreams_error.as_deref()))
                label for="upstreams" { "Upstream repositories, in search order" }
                textarea #upstreams name="upstreams" rows="4"
                    aria-describedby=(described_by("edit-upstreams-help", "upstreams-error", p.upstreams_error.as_deref()))
                    autofocus[p.upstreams_error.is_some()] aria-invalid=[p.upstreams_error.as_ref().map(|_| "true")] { (p.upstreams_text) }
                div.help #edit-upstreams-help {
                    p { "One per line or separated by commas. The order is the search order: put the repository you trust most first." }
                    ul {
                        li { "At most " (MAX_UPSTREAMS) " direct upstreams (this one has " (r.upstreams.len()) ")." }
                        li { "One search visits at most " (MAX_SEARCHED) " repositories, counting the upstreams' upstreams (this one visits " (p.search.len()) ")." }
                        li { "No cycles: a repository cannot be upstream of itself, directly or through others." }
                    }
                    p { "A list that breaks a rule is refused whole, and nothing changes." }
                }
                button type="submit" { "Save upstreams" }
            }
        }
        section aria-labelledby="connection-heading" {
            h2 #connection-heading { "External connection" }
            form.stack method="post" action=(urls::connection(domain, name)) {
                (form_error("connection-error", p.connection_error.as_deref()))
                label for="connection" { "Connection" }
                (connection_select("connection", p.choices, r.external_connection.as_deref().unwrap_or("")))
                p.help { "A repository has at most one. Choose None to remove it: what it already fetched stays." }
                button type="submit" { "Save connection" }
            }
        }
        section aria-labelledby="connect-heading" {
            h2 #connect-heading { "Connect a client" }
            p.help {
                "Each command asks this server for a token with the keys of your " code { "tributary" } " profile (or "
                code { "AWS_ACCESS_KEY_ID" } " and " code { "AWS_SECRET_ACCESS_KEY" } ") and writes the client's own configuration. "
                "Add " code { "--dry-run" } " to see the files first."
            }
            @for (format, snippets) in install::connect(&target) {
                details.connect open[format == PackageFormat::Npm] {
                    summary { (install::clients_of(format)) }
                    p { "Endpoint: " code { (target.endpoint(format)) } }
                    @for s in &snippets { (snippet(s)) }
                }
            }
        }
    };
    let crumbs =
        [("Domains", urls::HOME.to_owned()), (domain, urls::domain(domain)), (name, urls::repository(domain, name))];
    page(&format!("Repository {name}"), Some(viewer), &crumbs, p.notice, body)
}

/// The packages page's search, as the query string gives it.
#[derive(Debug, Clone, Default)]
pub struct PackageQuery {
    /// Names starting with this.
    pub prefix: String,
    /// Only this format.
    pub format: Option<PackageFormat>,
    /// Only packages with a version of this status.
    pub status: Option<VersionStatus>,
    /// Only packages with a version of this origin.
    pub origin: Option<OriginType>,
}

/// A package as the list shows it.
#[derive(Debug, Clone)]
pub struct PackageRow {
    /// The package.
    pub package: PackageRecord,
    /// Its newest published version, if it has one.
    pub latest: Option<String>,
}

/// The formats a repository holds packages of, in the filter.
const BROWSABLE_FORMATS: [PackageFormat; 6] = [
    PackageFormat::Npm,
    PackageFormat::Pypi,
    PackageFormat::Maven,
    PackageFormat::Nuget,
    PackageFormat::Go,
    PackageFormat::Generic,
];

/// A repository's packages, searched and filtered.
pub fn packages(
    viewer: &Viewer,
    domain: &str,
    repository: &str,
    query: &PackageQuery,
    rows: &[PackageRow],
    next: Option<&str>,
) -> Markup {
    let body = html! {
        h1 { "Packages in " (repository) }
        form.filters method="get" action=(urls::packages(domain, repository)) role="search" {
            div {
                label for="prefix" { "Name starts with" }
                input #prefix type="search" name="prefix" value=(query.prefix) autocapitalize="off" spellcheck="false";
            }
            div {
                label for="format" { "Format" }
                select #format name="format" {
                    option value="" { "Any" }
                    @for f in BROWSABLE_FORMATS { option value=(f) selected[query.format == Some(f)] { (f) } }
                }
            }
            div {
                label for="status" { "Has a version that is" }
                select #status name="status" {
                    option value="" { "Any status" }
                    @for s in VersionStatus::ALL { @if s != VersionStatus::Deleted {
                        option value=(s.as_str()) selected[query.status == Some(s)] { (s.as_str()) }
                    } }
                }
            }
            div {
                label for="origin" { "Origin" }
                select #origin name="origin" {
                    option value="" { "Any origin" }
                    option value="INTERNAL" selected[query.origin == Some(OriginType::Internal)] { "Published here (INTERNAL)" }
                    option value="EXTERNAL" selected[query.origin == Some(OriginType::External)] { "From a public registry (EXTERNAL)" }
                }
            }
            div { button type="submit" { "Search" } }
        }
        @if rows.is_empty() {
            p { "No package matches." }
        } @else {
            div.table-wrap {
                table {
                    caption.visually-hidden { "Packages" }
                    thead { tr { th scope="col" { "Package" } th scope="col" { "Format" } th scope="col" { "Latest" } th scope="col" { "Publish / upstream" } } }
                    tbody {
                        @for row in rows {
                            @let c = &row.package.coordinates;
                            tr {
                                th scope="row" {
                                    a href=(urls::package(domain, repository, c.format, &c.namespace, &c.name)) {
                                        (install::display_name(c.format, &c.namespace, &row.package.display_name))
                                    }
                                }
                                td { (c.format) }
                                td { @if let Some(v) = &row.latest {
                                    a href=(urls::version(domain, repository, c.format, &c.namespace, &c.name, v)) { (v) }
                                } @else { span.muted { "none published" } } }
                                td { (row.package.restrictions.publish.as_str()) " / " (row.package.restrictions.upstream.as_str()) }
                            }
                        }
                    }
                }
            }
        }
        @if let Some(next) = next {
            p { a.button href=(next_page(domain, repository, query, next)) rel="next" { "More packages" } }
        }
    };
    let crumbs = [
        ("Domains", urls::HOME.to_owned()),
        (domain, urls::domain(domain)),
        (repository, urls::repository(domain, repository)),
        ("Packages", urls::packages(domain, repository)),
    ];
    page(&format!("Packages in {repository}"), Some(viewer), &crumbs, None, body)
}

/// The packages page after `next`, with the same search.
fn next_page(domain: &str, repository: &str, query: &PackageQuery, next: &str) -> String {
    let mut url = format!(
        "{}?next={}&prefix={}",
        urls::packages(domain, repository),
        urls::query_value(next),
        urls::query_value(&query.prefix)
    );
    if let Some(f) = query.format {
        url.push_str(&format!("&format={f}"));
    }
    if let Some(s) = query.status {
        url.push_str(&format!("&status={}", s.as_str()));
    }
    if let Some(o) = query.origin {
        url.push_str(&format!("&origin={}", o.as_str()));
    }
    url
}

/// A package: its versions.
pub fn package(
    viewer: &Viewer,
    domain: &str,
    repository: &str,
    package: &PackageRecord,
    versions: &[VersionRecord],
    latest: Option<&str>,
) -> Markup {
    let c = &package.coordinates;
    let shown = install::display_name(c.format, &c.namespace, &package.display_name);
    let body = html! {
        h1 { (shown) }
        dl.facts {
            dt { "Format" } dd { (c.format) }
            @if !c.namespace.is_empty() { dt { "Namespace" } dd { (c.namespace) } }
            dt { "Latest" } dd { (latest.unwrap_or("none published")) }
            dt { "Publishing" } dd { (package.restrictions.publish.as_str()) }
            dt { "From upstreams" } dd { (package.restrictions.upstream.as_str()) }
        }
        h2 { "Versions" }
        div.table-wrap {
            table {
                caption.visually-hidden { "Versions of " (shown) }
                thead { tr { th scope="col" { "Version" } th scope="col" { "Status" } th scope="col" { "Origin" } th scope="col" { "Published" } } }
                tbody {
                    @for v in versions.iter().rev() {
                        tr {
                            th scope="row" { a href=(urls::version(domain, repository, c.format, &c.namespace, &c.name, &v.version)) { (v.version) } }
                            td { (status_badge(v.status)) }
                            td { (v.origin.origin_type.as_str()) }
                            td { (when(v.published_at)) }
                        }
                    }
                }
            }
        }
    };
    let crumbs = [
        ("Domains", urls::HOME.to_owned()),
        (domain, urls::domain(domain)),
        (repository, urls::repository(domain, repository)),
        ("Packages", urls::packages(domain, repository)),
        (shown.as_str(), urls::package(domain, repository, c.format, &c.namespace, &c.name)),
    ];
    page(&shown, Some(viewer), &crumbs, None, body)
}

/// What a version's page shows.
#[derive(Debug, Clone)]
pub struct VersionPage<'a> {
    /// The domain.
    pub domain: &'a str,
    /// The repository.
    pub repository: &'a str,
    /// The package.
    pub package: &'a PackageRecord,
    /// The version.
    pub version: &'a VersionRecord,
    /// A notice after a change.
    pub notice: Option<&'a str>,
    /// Why a status change was refused.
    pub error: Option<String>,
}

/// The statuses a person may set (DeletePackageVersions and DisposePackageVersions are the
/// control plane's).
const SETTABLE: [VersionStatus; 3] = [VersionStatus::Published, VersionStatus::Unlisted, VersionStatus::Archived];

/// A version: its assets with their hashes, dependencies, readme, origin and status, and the
/// command that installs it with each client.
pub fn version(viewer: &Viewer, p: &VersionPage<'_>) -> Markup {
    let (domain, repository) = (p.domain, p.repository);
    let c = &p.package.coordinates;
    let v = p.version;
    let shown = install::display_name(c.format, &c.namespace, &p.package.display_name);
    let commands =
        install::install_version(c.format, &c.namespace, &p.package.display_name, &v.version, domain, repository);
    let meta = &v.metadata;
    let body = html! {
        h1 { (shown) " " (v.version) }
        @if let Some(s) = &meta.summary { p.lead { (s) } }
        dl.facts {
            dt { "Status" } dd { (status_badge(v.status)) }
            dt { "Origin" } dd {
                (v.origin.origin_type.as_str())
                @if let Some(r) = &v.origin.repository { " · through " code { (r) } }
                @if let Some(x) = &v.origin.external_connection { " · from " code { (x) } }
            }
            dt { "Published" } dd { (when(v.published_at)) }
            dt { "Revision" } dd { code { (v.revision) } }
            @if !meta.licenses.is_empty() {
                dt { "Licenses" } dd { @for (i, l) in meta.licenses.iter().enumerate() { @if i > 0 { ", " } (l.name) } }
            }
            @if let Some(h) = &meta.home_page { dt { "Home page" } dd { (h) } }
            @if let Some(s) = &meta.source_code_repository { dt { "Source" } dd { (s) } }
        }
        section aria-labelledby="install-heading" {
            h2 #install-heading { "Install" }
            p.help { "With the client pointed at " a href=(urls::repository(domain, repository)) { (repository) } " (see “Connect a client” there):" }
            @for s in &commands { (snippet(s)) }
        }
        section aria-labelledby="status-heading" {
            h2 #status-heading { "Status" }
            @if SETTABLE.contains(&v.status) {
                form.stack method="post" action=(urls::version_status(domain, repository)) {
                    (form_error("status-error", p.error.as_deref()))
                    input type="hidden" name="format" value=(c.format);
                    input type="hidden" name="namespace" value=(c.namespace);
                    input type="hidden" name="name" value=(c.name);
                    input type="hidden" name="version" value=(v.version);
                    input type="hidden" name="expected" value=(v.status.as_str());
                    fieldset {
                        legend { "Set the status to" }
                        @for s in SETTABLE {
                            div.choice {
                                input type="radio" name="status" id=(format!("status-{}", s.as_str())) value=(s.as_str()) checked[s == v.status];
                                label for=(format!("status-{}", s.as_str())) {
                                    strong { (s.as_str()) } " — "
                                    (match s {
                                        VersionStatus::Published => "listed and installable",
                                        VersionStatus::Unlisted => "installable by exact version, hidden from listings",
                                        _ => "kept, but neither listed nor installable",
                                    })
                                }
                            }
                        }
                    }
                    button type="submit" { "Change status" }
                }
            } @else {
                p { "A version that is " (v.status.as_str()) " keeps that status." }
            }
        }
        section aria-labelledby="assets-heading" {
            h2 #assets-heading { "Assets" }
            @if v.assets.is_empty() { p { "None." } } @else {
                div.table-wrap {
                    table.assets {
                        caption.visually-hidden { "Assets" }
                        thead { tr { th scope="col" { "File" } th scope="col" { "Size" } th scope="col" { "Hashes" } } }
                        tbody {
                            @for a in &v.assets {
                                tr {
                                    th scope="row" { (a.name) }
                                    td.nowrap { (bytes(a.size)) }
                                    td {
                                        dl.hashes {
                                            dt { "SHA-256" } dd { code { (a.sha256.to_hex()) } }
                                            dt { "SHA-512" } dd { code { (a.sha512.to_hex()) } }
                                            dt { "SHA-1" } dd { code { (a.sha1.to_hex()) } }
                                            dt { "MD5" } dd { code { (a.md5.to_hex()) } }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        section aria-labelledby="dependencies-heading" {
            h2 #dependencies-heading { "Dependencies" }
            @if meta.dependencies.is_empty() { p { "None declared." } } @else {
                div.table-wrap {
                    table {
                        caption.visually-hidden { "Dependencies" }
                        thead { tr { th scope="col" { "Package" } th scope="col" { "Requirement" } th scope="col" { "Kind" } } }
                        tbody {
                            @for d in &meta.dependencies {
                                tr {
                                    th scope="row" { (install::display_name(c.format, &d.namespace, &d.package)) }
                                    td { code { (d.version_requirement) } }
                                    td { (d.dependency_type) }
                                }
                            }
                        }
                    }
                }
            }
        }
        section aria-labelledby="readme-heading" {
            h2 #readme-heading { "Readme" }
            @match &meta.readme {
                Some(text) if !text.trim().is_empty() => { pre.readme { (text) } }
                _ => { p { "None." } }
            }
        }
    };
    let crumbs = [
        ("Domains", urls::HOME.to_owned()),
        (domain, urls::domain(domain)),
        (repository, urls::repository(domain, repository)),
        ("Packages", urls::packages(domain, repository)),
        (shown.as_str(), urls::package(domain, repository, c.format, &c.namespace, &c.name)),
        (v.version.as_str(), urls::version(domain, repository, c.format, &c.namespace, &c.name, &v.version)),
    ];
    page(&format!("{shown} {}", v.version), Some(viewer), &crumbs, p.notice, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_people_read_them() {
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(2048), "2.0 KiB");
        assert_eq!(bytes(5 * 1024 * 1024 + 1), "5.0 MiB");
    }

    fn viewer() -> Viewer {
        Viewer { name: "dev".to_owned(), is_admin: false }
    }

    fn repository_record() -> Repository {
        Repository {
            id: "r1".to_owned(),
            domain_name: "acme".to_owned(),
            domain_owner: "000000000000".to_owned(),
            name: "app".to_owned(),
            description: None,
            upstreams: vec!["team".to_owned()],
            external_connection: None,
            tags: Vec::new(),
            created_at: DateTime::<Utc>::UNIX_EPOCH,
        }
    }

    #[test]
    fn a_refused_upstream_list_is_shown_again_with_the_reason_on_the_field() {
        let repository = repository_record();
        let page = RepositoryPage {
            repository: &repository,
            search: &[],
            base_url: "http://127.0.0.1:8080",
            upstreams_text: "team\napp".to_owned(),
            upstreams_error: Some("the upstreams of `team` would make a cycle".to_owned()),
            choices: &[],
            connection_error: None,
            notice: None,
        };
        let html = super::repository(&viewer(), &page).into_string();
        assert!(
            html.contains(
                r#"<p class="error" id="upstreams-error" role="alert">the upstreams of `team` would make a cycle</p>"#
            ),
            "{html}"
        );
        assert!(
            html.contains(
                r#"aria-describedby="upstreams-error edit-upstreams-help" autofocus aria-invalid="true">team"#
            ),
            "{html}"
        );
        assert!(html.contains("team\napp</textarea>"), "what was typed is kept: {html}");
        // Nothing else is in error.
        assert_eq!(html.matches("role=\"alert\"").count(), 1);
    }

    #[test]
    fn a_principal_that_may_not_list_domains_is_told_so() {
        let html = domains(&viewer(), None, "", None).into_string();
        assert!(html.contains("You may not list the domains"), "{html}");
        assert!(!html.contains("No domain yet"), "{html}");
        assert!(!html.contains("Create a domain"), "not an administrator: {html}");
        let html = domains(&viewer(), Some(&[]), "", None).into_string();
        assert!(html.contains("No domain yet"), "{html}");
    }

    #[test]
    fn what_a_person_typed_is_escaped() {
        let page = sign_in(Some("<script>alert(1)</script>"), "\"><img src=x>").into_string();
        assert!(!page.contains("<script>alert"), "{page}");
        assert!(!page.contains("<img src=x>"), "{page}");
    }
}
