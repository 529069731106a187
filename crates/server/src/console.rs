//! The web console at `/ui/` (docs/ARCHITECTURE.md, "The web console"): thin handlers that read
//! the session cookie, check each action with the control plane's own permissions, call the
//! engine, and render with `tributary-console`. Forms post back and redirect (so a reload does
//! not post twice); a refused form is shown again with what was typed and why.
//!
//! The session is a token in an `HttpOnly`, `SameSite=Strict` cookie scoped to `/ui`; a form
//! posted from another site (by its `Origin`, else its `Sec-Fetch-Site`) is refused.

use std::collections::HashMap;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use maud::Markup;
use tributary_console::pages::{self, Viewer};
use tributary_console::{graph, urls};
use tributary_engine::{
    Caller, NewRepository, PackageAddress, PackageFilter, RepoRef, RepositoryUpdate, VersionFilter, VersionSelection,
};
use tributary_model::records::StatusOutcome;
use tributary_model::view::Upstream;
use tributary_model::{
    DomainName, ErrorKind, KNOWN_EXTERNAL_CONNECTIONS, OriginType, PackageCoordinates, PackageFormat, RepositoryName,
    ServiceError, VersionStatus,
};

use crate::AppState;
use crate::control::Endpoint;

/// The session cookie's name.
const COOKIE: &str = "tributary_console";

/// Mounts the console's routes.
pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/ui")
            .route("", web::get().to(|| async { see_other(urls::HOME) }))
            .route("/", web::get().to(home))
            .route("/assets/console.css", web::get().to(stylesheet))
            .route("/sign-in", web::get().to(sign_in_page))
            .route("/sign-in", web::post().to(sign_in))
            .route("/sign-out", web::post().to(sign_out))
            .route("/domains", web::post().to(create_domain))
            .route("/d/{domain}", web::get().to(domain_page))
            .route("/d/{domain}/repositories", web::post().to(create_repository))
            .route("/d/{domain}/r/{repository}", web::get().to(repository_page))
            .route("/d/{domain}/r/{repository}/upstreams", web::post().to(set_upstreams))
            .route("/d/{domain}/r/{repository}/connection", web::post().to(set_connection))
            .route("/d/{domain}/r/{repository}/packages", web::get().to(packages_page))
            .route("/d/{domain}/r/{repository}/package", web::get().to(package_page))
            .route("/d/{domain}/r/{repository}/version", web::get().to(version_page))
            .route("/d/{domain}/r/{repository}/version/status", web::post().to(set_status))
            .default_service(web::route().to(not_found)),
    );
}

/// Who is signed in: the caller the engine checks, and the name the page shows.
struct Session {
    caller: Caller,
    viewer: Viewer,
}

fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther().insert_header((header::LOCATION, location)).finish()
}

fn html(status: StatusCode, markup: Markup) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header(("X-Frame-Options", "DENY"))
        .insert_header(("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"))
        .insert_header(("Referrer-Policy", "same-origin"))
        .body(markup.into_string())
}

fn ok(markup: Markup) -> HttpResponse {
    html(StatusCode::OK, markup)
}

/// A page as made, or the error page of why it could not be.
fn shown(s: &Session, page: Result<Markup, ServiceError>) -> HttpResponse {
    match page {
        Ok(markup) => ok(markup),
        Err(err) => failure(Some(&s.viewer), &err),
    }
}

/// An error page for `err`, with its HTTP status.
fn failure(viewer: Option<&Viewer>, err: &ServiceError) -> HttpResponse {
    let status = crate::error::status_of(err);
    let message = if err.kind == ErrorKind::Internal {
        tracing::error!(error.message = %err.message, "internal error in the console");
        "an internal error occurred; the server's log says more".to_owned()
    } else {
        err.message.clone()
    };
    let title = match err.kind {
        ErrorKind::NotFound => "Not found",
        ErrorKind::AccessDenied => "Not allowed",
        ErrorKind::Validation => "Not valid",
        _ => "Something went wrong",
    };
    html(status, pages::error(viewer, title, &message))
}

async fn not_found(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let session = session(&req, &state).await.ok();
    let err = ServiceError::new(ErrorKind::NotFound, format!("the console has no page `{}`", req.path()));
    failure(session.as_ref().map(|s| &s.viewer), &err)
}

async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(tributary_console::STYLESHEET)
}

/// The session cookie's value, if the request carries one.
fn session_cookie(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get_all(header::COOKIE)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_owned())
}

/// Why a console request goes no further: nobody is signed in (it is sent to sign in), or a form
/// came from another site (refused).
#[derive(Debug)]
enum Turned {
    SignIn,
    CrossSite(ServiceError),
}

impl std::fmt::Display for Turned {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::SignIn => f.write_str("sign in to the console"),
            Self::CrossSite(err) => f.write_str(&err.message),
        }
    }
}

impl actix_web::ResponseError for Turned {
    fn error_response(&self) -> HttpResponse {
        match self {
            Self::SignIn => see_other(urls::SIGN_IN),
            Self::CrossSite(err) => failure(None, err),
        }
    }
}

/// A handler that takes a [`Session`] runs for a signed-in person only; for a `POST`, only when
/// the form came from the console's own pages ([`same_origin`]).
impl actix_web::FromRequest for Session {
    type Error = Turned;
    type Future = futures::future::LocalBoxFuture<'static, Result<Self, Turned>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = req.app_data::<web::Data<AppState>>().ok_or(Turned::SignIn)?;
            let s = session(&req, state).await?;
            if req.method() == actix_web::http::Method::POST {
                same_origin(&req, state).map_err(Turned::CrossSite)?;
            }
            Ok(s)
        })
    }
}

/// The signed-in person, if the request's cookie holds a live session.
async fn session(req: &HttpRequest, state: &AppState) -> Result<Session, Turned> {
    let token = session_cookie(req).ok_or(Turned::SignIn)?;
    let caller = state.service.console_caller(&token, Utc::now()).await.map_err(|_| Turned::SignIn)?;
    let viewer = Viewer { name: caller.display_name().to_owned(), is_admin: caller.is_admin };
    Ok(Session { caller, viewer })
}

/// The answer to a refused form: the page again, made by `again` with the server's reason, under
/// the error's status. An internal error, or a page that cannot be made again, shows the error
/// page instead.
async fn refused(
    s: &Session,
    err: ServiceError,
    again: impl AsyncFnOnce(String) -> Result<Markup, ServiceError>,
) -> HttpResponse {
    if err.kind == ErrorKind::Internal {
        return failure(Some(&s.viewer), &err);
    }
    let status = crate::error::status_of(&err);
    match again(err.message.clone()).await {
        Ok(markup) => html(status, markup),
        Err(_) => failure(Some(&s.viewer), &err),
    }
}

/// A form posted from another site is refused (the cookie is `SameSite=Strict` too): its
/// `Origin` must be the server's (as configured, or as this request reached it); without an
/// `Origin`, `Sec-Fetch-Site` must not say another site. A request with neither (not a browser's)
/// passes: it carries the cookie only if its sender holds it.
fn same_origin(req: &HttpRequest, state: &AppState) -> Result<(), ServiceError> {
    let refused = || ServiceError::new(ErrorKind::AccessDenied, "this form was posted from another site");
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    let Some(origin) = header("origin") else {
        return match header("sec-fetch-site") {
            Some("cross-site" | "same-site") => Err(refused()),
            _ => Ok(()),
        };
    };
    let origin_of = |url: &str| url::Url::parse(url).ok().map(|u| u.origin().ascii_serialization());
    let info = req.connection_info();
    let ours = [
        origin_of(&crate::control::public_url(req, state)),
        origin_of(&format!("{}://{}", info.scheme(), info.host())),
    ];
    match origin_of(origin) {
        Some(origin) if ours.iter().flatten().any(|o| *o == origin) => Ok(()),
        _ => Err(refused()),
    }
}

/// How many pages a console page reads of a list at most (of 1,000 items each).
const MAX_PAGES: usize = 10;

/// Checks `endpoint` as the control plane would: the same permissions, the same policies.
async fn allowed(state: &AppState, caller: &Caller, endpoint: &Endpoint) -> Result<(), ServiceError> {
    for permission in endpoint.permissions() {
        state.service.authorize(caller, permission).await?;
    }
    Ok(())
}

fn repo_ref(domain: &str, repository: &str) -> Result<RepoRef, ServiceError> {
    Ok(RepoRef { domain: DomainName::parse(domain)?, owner: None, repository: RepositoryName::parse(repository)? })
}

/// A form field or query parameter, trimmed; empty when absent.
fn field<'a>(fields: &'a HashMap<String, String>, name: &str) -> &'a str {
    fields.get(name).map_or("", |v| v.trim())
}

/// The notice a redirect asked for (`?notice=`): only the console's own words are shown.
fn notice(query: &HashMap<String, String>) -> Option<&'static str> {
    match field(query, "notice") {
        "domain" => Some("The domain was created."),
        "created" => Some("The repository was created."),
        "upstreams" => Some("The upstreams were saved."),
        "connection" => Some("The external connection was saved."),
        "status" => Some("The status was changed."),
        _ => None,
    }
}

/// Upstream entries as typed: one per line or comma-separated.
fn upstream_list(text: &str) -> Result<Vec<Upstream>, ServiceError> {
    text.split([',', '\n', '\r'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|entry| Upstream::parse(entry).map_err(|e| ServiceError::validation(format!("upstream `{entry}`: {e}"))))
        .collect()
}

async fn home(state: web::Data<AppState>, s: Session) -> HttpResponse {
    shown(&s, render_home(&state, &s, "", None).await)
}

async fn create_domain(
    state: web::Data<AppState>,
    s: Session,
    form: web::Form<HashMap<String, String>>,
) -> HttpResponse {
    let typed = field(&form, "name");
    let created = async {
        let domain = DomainName::parse(typed)?;
        let endpoint =
            Endpoint::CreateDomain { domain: domain.clone(), owner: None, encryption_key: None, tags: Vec::new() };
        allowed(&state, &s.caller, &endpoint).await?;
        state.service.create_domain(&s.caller, &domain, None, None, &[]).await
    };
    match created.await {
        Ok(domain) => see_other(&format!("{}?notice=domain", urls::domain(&domain.name))),
        Err(err) => refused(&s, err, async |reason| render_home(&state, &s, typed, Some(&reason)).await).await,
    }
}

/// The domains page, with `typed` and `error` in its "create a domain" form.
async fn render_home(state: &AppState, s: &Session, typed: &str, error: Option<&str>) -> Result<Markup, ServiceError> {
    // A principal refused ListDomains still lands here after signing in: the page says so.
    if let Err(err) = allowed(state, &s.caller, &Endpoint::ListDomains { max_results: None, next_token: None }).await {
        return match err.kind {
            ErrorKind::AccessDenied => Ok(pages::domains(&s.viewer, None, typed, error)),
            _ => Err(err),
        };
    }
    let listed = async {
        let mut domains = Vec::new();
        let mut next = None;
        for _ in 0..MAX_PAGES {
            let page = state.service.list_domains(&s.caller, Some(1000), next.as_deref()).await?;
            domains.extend(page.items);
            next = page.next_token;
            if next.is_none() {
                break;
            }
        }
        Ok::<_, ServiceError>(domains)
    };
    Ok(pages::domains(&s.viewer, Some(&listed.await?), typed, error))
}

async fn sign_in_page(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    if session(&req, &state).await.is_ok() {
        return see_other(urls::HOME);
    }
    ok(pages::sign_in(None, ""))
}

async fn sign_in(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<HashMap<String, String>>,
) -> HttpResponse {
    if let Err(err) = same_origin(&req, &state) {
        return failure(None, &err);
    }
    let key = field(&form, "access_key_id");
    let secret = field(&form, "secret_access_key");
    match state.service.console_sign_in(key, secret, Utc::now()).await {
        Ok((token, expires)) => {
            let max_age = (expires - Utc::now()).num_seconds().max(0);
            let https = req.connection_info().scheme() == "https"
                || crate::control::public_url(&req, &state).starts_with("https:");
            let secure = if https { "; Secure" } else { "" };
            let cookie = format!("{COOKIE}={token}; Path=/ui; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}");
            HttpResponse::SeeOther()
                .insert_header((header::LOCATION, urls::HOME))
                .insert_header((header::SET_COOKIE, cookie))
                .finish()
        }
        Err(err) if err.kind == ErrorKind::Internal => failure(None, &err),
        Err(err) => {
            let status = crate::error::status_of(&err);
            html(status, pages::sign_in(Some(&err.message), key))
        }
    }
}

async fn sign_out(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    if let Err(err) = same_origin(&req, &state) {
        return failure(None, &err);
    }
    if let Some(token) = session_cookie(&req)
        && let Err(err) = state.service.console_sign_out(&token, Utc::now()).await
    {
        return failure(None, &err);
    }
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, urls::SIGN_IN))
        .insert_header((header::SET_COOKIE, format!("{COOKIE}=; Path=/ui; HttpOnly; SameSite=Strict; Max-Age=0")))
        .finish()
}

/// The connections a repository of `domain` may be associated with: the public ones and the
/// domain's own (those only when the caller may list them).
async fn connection_choices(state: &AppState, caller: &Caller, domain: &DomainName) -> Vec<pages::ConnectionChoice> {
    connection_list(state, caller, domain).await.0
}

/// [`connection_choices`], and whether they are all the domain's (the caller may list its own).
async fn connection_list(
    state: &AppState,
    caller: &Caller,
    domain: &DomainName,
) -> (Vec<pages::ConnectionChoice>, bool) {
    let mut choices: Vec<pages::ConnectionChoice> = KNOWN_EXTERNAL_CONNECTIONS
        .iter()
        .map(|c| pages::ConnectionChoice { name: c.name.to_owned(), format: c.format })
        .collect();
    let custom = state.service.external_connections(caller, domain).await;
    let complete = custom.is_ok();
    if let Ok(custom) = custom {
        choices.extend(custom.into_iter().map(|c| pages::ConnectionChoice { name: c.name, format: c.format }));
    }
    (choices, complete)
}

/// The domain page, with `form` in its "create a repository" form.
async fn render_domain(
    state: &AppState,
    s: &Session,
    domain: &str,
    form: &pages::RepositoryForm,
    notice: Option<&str>,
) -> Result<Markup, ServiceError> {
    let name = DomainName::parse(domain)?;
    allowed(state, &s.caller, &Endpoint::DescribeDomain { domain: name.clone(), owner: None }).await?;
    let found = state.service.describe_domain(&s.caller, &name, None).await?;
    let listing = Endpoint::ListRepositoriesInDomain {
        domain: name.clone(),
        owner: None,
        administrator_account: None,
        prefix: None,
        max_results: None,
        next_token: None,
    };
    allowed(state, &s.caller, &listing).await?;
    let mut repositories = Vec::new();
    let mut next = None;
    for _ in 0..MAX_PAGES {
        let page = state
            .service
            .list_repositories(&s.caller, Some(&name), None, None, None, Some(1000), next.as_deref())
            .await?;
        repositories.extend(page.items);
        next = page.next_token;
        if next.is_none() {
            break;
        }
    }
    // A listing leaves the upstreams out; the domain's graph has them, shown where the caller may
    // describe the repository.
    let links = state.service.domain_links(&s.caller, &name).await?;
    for repository in &mut repositories {
        let Some((upstreams, _)) = links.get(&repository.name) else { continue };
        let Ok(repo) = repo_ref(&found.name, &repository.name) else { continue };
        if allowed(state, &s.caller, &Endpoint::DescribeRepository { repo }).await.is_ok() {
            repository.upstreams.clone_from(upstreams);
        }
    }
    let choices = connection_choices(state, &s.caller, &name).await;
    Ok(pages::domain(&s.viewer, &found, &repositories, &choices, form, notice))
}

async fn domain_page(
    state: web::Data<AppState>,
    s: Session,
    path: web::Path<String>,
    query: web::Query<HashMap<String, String>>,
) -> HttpResponse {
    shown(&s, render_domain(&state, &s, &path, &pages::RepositoryForm::default(), notice(&query)).await)
}

async fn create_repository(
    state: web::Data<AppState>,
    s: Session,
    path: web::Path<String>,
    form: web::Form<HashMap<String, String>>,
) -> HttpResponse {
    let domain = path.into_inner();
    let typed = pages::RepositoryForm {
        name: field(&form, "name").to_owned(),
        description: field(&form, "description").to_owned(),
        upstreams: field(&form, "upstreams").to_owned(),
        connection: field(&form, "connection").to_owned(),
        error: None,
    };
    let created = async {
        let repo = repo_ref(&domain, &typed.name)?;
        let upstreams = upstream_list(&typed.upstreams)?;
        let description = Some(typed.description.clone()).filter(|d| !d.is_empty());
        let endpoint = Endpoint::CreateRepository {
            repo: repo.clone(),
            description: description.clone(),
            upstreams: upstreams.clone(),
            tags: Vec::new(),
        };
        allowed(&state, &s.caller, &endpoint).await?;
        if !typed.connection.is_empty() {
            // Checked before anything is made, so that a refused connection leaves no repository.
            let connect =
                Endpoint::AssociateExternalConnection { repo: repo.clone(), connection: typed.connection.clone() };
            allowed(&state, &s.caller, &connect).await?;
            let (known, complete) = connection_list(&state, &s.caller, &repo.domain).await;
            if complete && !known.iter().any(|c| c.name == typed.connection) {
                return Err(ServiceError::validation(format!(
                    "there is no external connection `{}`",
                    typed.connection
                )));
            }
            if !upstreams.is_empty() {
                return Err(ServiceError::new(
                    ErrorKind::Conflict,
                    "a repository has upstream repositories or an external connection, not both: make a gateway with the connection, then name it as an upstream",
                ));
            }
        }
        let new = NewRepository { description, upstreams, tags: Vec::new() };
        state.service.create_repository(&s.caller, &repo, new).await?;
        if !typed.connection.is_empty()
            && let Err(err) = state.service.associate_external_connection(&s.caller, &repo, &typed.connection).await
        {
            // One form, one change: the repository just made goes again.
            if let Err(undo) = state.service.delete_repository(&s.caller, &repo).await {
                tracing::warn!(error = %undo.message, "cannot delete the repository whose connection was refused");
            }
            return Err(err);
        }
        Ok::<_, ServiceError>(repo)
    };
    match created.await {
        Ok(repo) => {
            see_other(&format!("{}?notice=created", urls::repository(repo.domain.as_str(), repo.repository.as_str())))
        }
        Err(err) => {
            refused(&s, err, async |reason| {
                let form = pages::RepositoryForm { error: Some(reason), ..typed };
                render_domain(&state, &s, &domain, &form, None).await
            })
            .await
        }
    }
}

/// A repository page's form the server refused: what was typed, and why.
#[derive(Default)]
struct Refused {
    /// The upstream list as typed, and the reason.
    upstreams: Option<(String, String)>,
    /// Why the connection was not changed.
    connection: Option<String>,
}

/// A repository's page, with a refused form shown again.
async fn render_repository(
    req: &HttpRequest,
    state: &AppState,
    s: &Session,
    domain: &str,
    repository: &str,
    refused: Refused,
    notice: Option<&str>,
) -> Result<Markup, ServiceError> {
    let repo = repo_ref(domain, repository)?;
    allowed(state, &s.caller, &Endpoint::DescribeRepository { repo: repo.clone() }).await?;
    let found = state.service.describe_repository(&s.caller, &repo).await?;
    allowed(state, &s.caller, &Endpoint::SearchOrder { repo: repo.clone() }).await?;
    let order = state.service.search_order(&s.caller, &repo).await?;
    let links = state.service.domain_links(&s.caller, &repo.domain).await?;
    let health = state.service.connection_health();
    let sees_messages = s.caller.is_admin;
    let search: Vec<graph::Node> = order
        .iter()
        .map(|step| {
            let (upstreams, _) = links.get(&step.repository).cloned().unwrap_or_default();
            graph::Node {
                name: step.repository.clone(),
                view: step.view.clone(),
                // A view step reads what the repository stores in the view, not its upstreams.
                upstreams: if step.view.is_some() { Vec::new() } else { upstreams },
                connection: step.external_connection.as_ref().map(|name| graph::Connection {
                    name: name.clone(),
                    health: match health.get(name) {
                        Some(h) => match (&h.last_success, &h.last_error) {
                            (_, Some((at, message))) if h.last_success.is_none_or(|ok| ok < *at) => {
                                graph::Health::Failing(*at, Some(message.clone()).filter(|_| sees_messages))
                            }
                            (Some(at), _) => graph::Health::Healthy(*at),
                            _ => graph::Health::Unused,
                        },
                        None => graph::Health::Unused,
                    },
                }),
                href: urls::repository(domain, &step.repository),
            }
        })
        .collect();
    let choices = connection_choices(state, &s.caller, &repo.domain).await;
    let connection_error = refused.connection;
    let (upstreams_text, upstreams_error) = match refused.upstreams {
        Some((text, error)) => (text, Some(error)),
        None => (found.upstreams.join("\n"), None),
    };
    let base_url = crate::control::public_url(req, state);
    let page = pages::RepositoryPage {
        repository: &found,
        search: &search,
        base_url: &base_url,
        upstreams_text,
        upstreams_error,
        choices: &choices,
        connection_error,
        notice,
    };
    Ok(pages::repository(&s.viewer, &page))
}

async fn repository_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    s: Session,
    path: web::Path<(String, String)>,
    query: web::Query<HashMap<String, String>>,
) -> HttpResponse {
    let (domain, repository) = path.into_inner();
    shown(&s, render_repository(&req, &state, &s, &domain, &repository, Refused::default(), notice(&query)).await)
}

async fn set_upstreams(
    req: HttpRequest,
    state: web::Data<AppState>,
    s: Session,
    path: web::Path<(String, String)>,
    form: web::Form<HashMap<String, String>>,
) -> HttpResponse {
    let (domain, repository) = path.into_inner();
    let typed = field(&form, "upstreams").to_owned();
    let saved = async {
        let repo = repo_ref(&domain, &repository)?;
        let upstreams = upstream_list(&typed)?;
        let endpoint =
            Endpoint::UpdateRepository { repo: repo.clone(), description: None, upstreams: Some(upstreams.clone()) };
        allowed(&state, &s.caller, &endpoint).await?;
        let update = RepositoryUpdate { description: None, upstreams: Some(upstreams) };
        state.service.update_repository(&s.caller, &repo, update).await
    };
    match saved.await {
        Ok(_) => see_other(&format!("{}?notice=upstreams", urls::repository(&domain, &repository))),
        Err(err) => {
            refused(&s, err, async |reason| {
                let refused = Refused { upstreams: Some((typed, reason)), connection: None };
                render_repository(&req, &state, &s, &domain, &repository, refused, None).await
            })
            .await
        }
    }
}

async fn set_connection(
    req: HttpRequest,
    state: web::Data<AppState>,
    s: Session,
    path: web::Path<(String, String)>,
    form: web::Form<HashMap<String, String>>,
) -> HttpResponse {
    let (domain, repository) = path.into_inner();
    let chosen = field(&form, "connection").to_owned();
    let saved = async {
        let repo = repo_ref(&domain, &repository)?;
        allowed(&state, &s.caller, &Endpoint::DescribeRepository { repo: repo.clone() }).await?;
        let found = state.service.describe_repository(&s.caller, &repo).await?;
        let current = found.external_connection.unwrap_or_default();
        if current == chosen {
            return Ok(());
        }
        if !current.is_empty() {
            let endpoint = Endpoint::DisassociateExternalConnection { repo: repo.clone(), connection: current.clone() };
            allowed(&state, &s.caller, &endpoint).await?;
        }
        if !chosen.is_empty() {
            let endpoint = Endpoint::AssociateExternalConnection { repo: repo.clone(), connection: chosen.clone() };
            allowed(&state, &s.caller, &endpoint).await?;
        }
        if !current.is_empty() {
            state.service.disassociate_external_connection(&s.caller, &repo, &current).await?;
        }
        if !chosen.is_empty()
            && let Err(err) = state.service.associate_external_connection(&s.caller, &repo, &chosen).await
        {
            // One form, one change: the connection removed a moment ago comes back.
            if !current.is_empty()
                && let Err(undo) = state.service.associate_external_connection(&s.caller, &repo, &current).await
            {
                tracing::warn!(error = %undo.message, "cannot associate the previous connection again");
            }
            return Err(err);
        }
        Ok::<_, ServiceError>(())
    };
    match saved.await {
        Ok(()) => see_other(&format!("{}?notice=connection", urls::repository(&domain, &repository))),
        Err(err) => {
            refused(&s, err, async |reason| {
                let refused = Refused { upstreams: None, connection: Some(reason) };
                render_repository(&req, &state, &s, &domain, &repository, refused, None).await
            })
            .await
        }
    }
}

/// How many packages one page of the list shows.
const PACKAGES_PER_PAGE: u32 = 50;

async fn packages_page(
    state: web::Data<AppState>,
    s: Session,
    path: web::Path<(String, String)>,
    query: web::Query<HashMap<String, String>>,
) -> HttpResponse {
    let (domain, repository) = path.into_inner();
    let search = pages::PackageQuery {
        prefix: field(&query, "prefix").to_owned(),
        format: PackageFormat::parse(field(&query, "format")),
        status: VersionStatus::parse(field(&query, "status")),
        origin: OriginType::parse(field(&query, "origin")),
    };
    let listed = async {
        let repo = repo_ref(&domain, &repository)?;
        let filter = PackageFilter {
            format: search.format,
            prefix: Some(search.prefix.clone()).filter(|p| !p.is_empty()),
            ..PackageFilter::default()
        };
        let next = Some(field(&query, "next").to_owned()).filter(|n| !n.is_empty());
        let endpoint = Endpoint::ListPackages {
            repo: repo.clone(),
            filter: filter.clone(),
            max_results: Some(PACKAGES_PER_PAGE),
            next_token: next.clone(),
        };
        allowed(&state, &s.caller, &endpoint).await?;
        let page =
            state.service.list_packages(&s.caller, &repo, &filter, Some(PACKAGES_PER_PAGE), next.as_deref()).await?;
        // Status and origin are the versions': a package is listed when one of its versions
        // has them (one query per package of the page).
        let version_filter = VersionFilter { status: search.status, origin_type: search.origin };
        let mut rows = Vec::new();
        for package in page.items {
            let address = PackageAddress { repo: repo.clone(), coordinates: package.coordinates.clone() };
            let versions = Endpoint::ListPackageVersions {
                address: address.clone(),
                filter: version_filter.clone(),
                max_results: Some(1),
                next_token: None,
            };
            let filtered = search.status.is_some() || search.origin.is_some();
            if allowed(&state, &s.caller, &versions).await.is_err() {
                // Listed without its versions, unless a filter needs them.
                if !filtered {
                    rows.push(pages::PackageRow { package, latest: None });
                }
                continue;
            }
            let list = state.service.list_package_versions(&s.caller, &address, &version_filter, Some(1), None).await?;
            if filtered && list.page.items.is_empty() {
                continue;
            }
            rows.push(pages::PackageRow { package, latest: list.default_display_version });
        }
        Ok::<_, ServiceError>((rows, page.next_token))
    };
    match listed.await {
        Ok((rows, next)) => ok(pages::packages(&s.viewer, &domain, &repository, &search, &rows, next.as_deref())),
        Err(err) => failure(Some(&s.viewer), &err),
    }
}

/// The package a page's query names.
fn address_of(
    domain: &str,
    repository: &str,
    fields: &HashMap<String, String>,
) -> Result<PackageAddress, ServiceError> {
    let format = PackageFormat::parse(field(fields, "format"))
        .ok_or_else(|| ServiceError::validation("`format` must be a package format, e.g. `npm`"))?;
    let name = field(fields, "name");
    if name.is_empty() {
        return Err(ServiceError::validation("`name` is required"));
    }
    Ok(PackageAddress {
        repo: repo_ref(domain, repository)?,
        coordinates: PackageCoordinates {
            format,
            namespace: field(fields, "namespace").to_owned(),
            name: name.to_owned(),
        },
    })
}

async fn package_page(
    state: web::Data<AppState>,
    s: Session,
    path: web::Path<(String, String)>,
    query: web::Query<HashMap<String, String>>,
) -> HttpResponse {
    let (domain, repository) = path.into_inner();
    let page = async {
        let address = address_of(&domain, &repository, &query)?;
        let endpoint = Endpoint::ListPackageVersions {
            address: address.clone(),
            filter: VersionFilter::default(),
            max_results: None,
            next_token: None,
        };
        allowed(&state, &s.caller, &endpoint).await?;
        let all = VersionFilter::default();
        let first = state.service.list_package_versions(&s.caller, &address, &all, Some(1000), None).await?;
        let (package, latest) = (first.package, first.default_display_version);
        let mut versions = first.page.items;
        let mut next = first.page.next_token;
        for _ in 1..MAX_PAGES {
            let Some(token) = next.take() else { break };
            let list = state.service.list_package_versions(&s.caller, &address, &all, Some(1000), Some(&token)).await?;
            versions.extend(list.page.items);
            next = list.page.next_token;
        }
        Ok::<_, ServiceError>(pages::package(&s.viewer, &domain, &repository, &package, &versions, latest.as_deref()))
    };
    shown(&s, page.await)
}

async fn render_version(
    state: &AppState,
    s: &Session,
    domain: &str,
    repository: &str,
    fields: &HashMap<String, String>,
    error: Option<String>,
    notice: Option<&str>,
) -> Result<Markup, ServiceError> {
    let address = address_of(domain, repository, fields)?;
    let version = field(fields, "version").to_owned();
    // The page shows what these four read on the control plane.
    let reads = [
        Endpoint::DescribePackageVersion { address: address.clone(), version: version.clone() },
        Endpoint::ListPackageVersionAssets {
            address: address.clone(),
            version: version.clone(),
            max_results: None,
            next_token: None,
        },
        Endpoint::GetPackageVersionReadme { address: address.clone(), version: version.clone() },
        Endpoint::ListPackageVersionDependencies { address: address.clone(), version: version.clone() },
    ];
    for endpoint in &reads {
        allowed(state, &s.caller, endpoint).await?;
    }
    let (package, record) = state.service.describe_package_version(&s.caller, &address, &version).await?;
    let page = pages::VersionPage { domain, repository, package: &package, version: &record, notice, error };
    Ok(pages::version(&s.viewer, &page))
}

async fn version_page(
    state: web::Data<AppState>,
    s: Session,
    path: web::Path<(String, String)>,
    query: web::Query<HashMap<String, String>>,
) -> HttpResponse {
    let (domain, repository) = path.into_inner();
    shown(&s, render_version(&state, &s, &domain, &repository, &query, None, notice(&query)).await)
}

async fn set_status(
    state: web::Data<AppState>,
    s: Session,
    path: web::Path<(String, String)>,
    form: web::Form<HashMap<String, String>>,
) -> HttpResponse {
    let (domain, repository) = path.into_inner();
    let changed = async {
        let address = address_of(&domain, &repository, &form)?;
        let version = field(&form, "version").to_owned();
        let target = VersionStatus::parse(field(&form, "status"))
            .ok_or_else(|| ServiceError::validation("choose a status: Published, Unlisted or Archived"))?;
        let expected = VersionStatus::parse(field(&form, "expected"));
        let versions = VersionSelection { versions: vec![version.clone()], revisions: None };
        let endpoint = Endpoint::UpdatePackageVersionsStatus {
            address: address.clone(),
            versions: versions.clone(),
            expected,
            target,
        };
        allowed(&state, &s.caller, &endpoint).await?;
        let outcomes = state.service.update_versions_status(&s.caller, &address, &versions, expected, target).await?;
        match outcomes.get(&version) {
            Some(StatusOutcome::Failed { message, .. }) => Err(ServiceError::new(ErrorKind::Conflict, message.clone())),
            _ => Ok(address),
        }
    };
    match changed.await {
        Ok(address) => {
            let c = &address.coordinates;
            let url = urls::version(&domain, &repository, c.format, &c.namespace, &c.name, field(&form, "version"));
            see_other(&format!("{url}&notice=status"))
        }
        Err(err) => {
            let again =
                async |reason| render_version(&state, &s, &domain, &repository, &form, Some(reason), None).await;
            refused(&s, err, again).await
        }
    }
}
