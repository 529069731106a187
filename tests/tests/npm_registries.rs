//! Per-scope registries for npm: an external connection of the domain's own (`npm:corp`, a
//! private registry asked with its token) and a scope bound to it (`@corp` → `npm:corp`), so that
//! a gateway reads `@corp/*` from that registry and everything else from its own connection. The
//! fixture registry A serves as `public:npmjs`; fixture B is the other registry. Each repository
//! chain is `aa -> bb -> gateway(public:npmjs)`.
//!
//! - `a_bound_scope_resolves_from_its_registry` (both backends): through the control plane
//!   (`/v1/domain/external-connection`, `/v1/domain/scope-binding`), `npm:corp` points at B with
//!   B's token (a second connection with a user name and password also says `hasCredentials`);
//!   no answer ever shows a token or a password. Refused, each with a ValidationException (or a
//!   ResourceNotFoundException) naming what is wrong, and changing nothing: a name without a
//!   format, of an unknown format, with a space, a `public:` name, an `ftp:` URL, a binding to a
//!   connection that is not there, a scope without its `@`. With `@corp` bound, the real `npm
//!   install @corp/widget lib` through `aa` installs widget 1.0.0 from B (not A's decoy 9.9.9),
//!   and lib from A: A is never asked for `@corp/widget`, B is asked with its token each time,
//!   and the version is kept in `aa` and in the gateway, from `npm:corp`. With B down, a fresh
//!   install through `bb` still gets it (from the gateway). Unbound, a new `@corp` package comes
//!   from A, and B is not asked. A connection a repository uses (associated with the real `aws
//!   codeartifact associate-external-connection`) cannot be deleted (ConflictException, naming
//!   the repository); once disassociated, it can.
//! - `cnpmcore_workflow_as_documented` (SQLite): cnpmcore's `docs/sync-setup.md`, step by step,
//!   against `aa`'s npm endpoint: `npm ping`; `GET /-/whoami` with the token names its user; `PUT
//!   /-/package/lib/syncs` queues a task (`waiting`) and `npm view lib` shows lib. Then "a scope's
//!   own registry": `POST /-/registry` makes `custom-registry` on B (anonymous: 401), `GET
//!   /-/registry` lists it (and `public:npmjs`) with its `registryId`, which `GET
//!   /-/registry/{id}` reads back (an unknown id: 404); `POST /-/scope` binds `@custom` to it (an
//!   unknown registry: 400; a read-only token: 403), `GET /-/registry/{id}/scopes` lists it and
//!   the control plane shows the same binding; `POST /-/registry/{id}/sync` from `since: "1"`
//!   makes the gateway follow B's `_changes`: `@custom/pkg` 1.1.0 published to B is in the
//!   gateway within 30 s, nobody asking (with every version of the package: then, with B down,
//!   `npm view @custom/pkg versions` lists 1.0.0 and 1.1.0), while `stray`, published to B just
//!   before, is of no bound scope and is not synced (neither registry is asked for it). The scope
//!   and the registry are then deleted (`{"ok":true}`), and the registry is no longer found.
//! - `a_domain_connection_reaches_no_local_address` (SQLite): without the operator's
//!   `allow_local_connections`, a connection to 127.0.0.1, `localhost`, `[::1]` or the
//!   link-local metadata address is refused (a ValidationException saying why), and none is made.
//! - `a_private_registry_is_not_read_by_another_domain` (SQLite): a second domain's connection to
//!   the same private registry URL, without the token, is refused by the registry and not
//!   served what the first domain's token fetched (documents are cached per URL and credentials).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use aws_sdk_codeartifact::types::PackageFormat;
use serde_json::{Value, json};
use tributary_tests::fixture_server::Mode;
use tributary_tests::npm_fixture::{NpmFixture, PackageSpec, consumer_project, npm_command, npm_pack, write_npmrc};
use tributary_tests::scenario::{Packages, Run, assert_external, chain, run, server_with_upstream};
use tributary_tests::{ADMIN_SECRET_ACCESS_KEY, Backend, TestServer, assert_mentions, on_both_backends, token_for};

/// The fixture registries listen on 127.0.0.1, which a connection made in a domain may reach
/// only when the operator allows it.
const LOCAL: &[(&str, &str)] = &[("TRIBUTARY_ALLOW_LOCAL_CONNECTIONS", "true")];

on_both_backends!(a_bound_scope_resolves_from_its_registry);

/// The token the corp registry (fixture B) requires.
const CORP_TOKEN: &str = "secret-token";
const CONNECTION: &str = "/v1/domain/external-connection?domain=acme";
const CONNECTIONS: &str = "/v1/domain/external-connections?domain=acme";
const BINDING: &str = "/v1/domain/scope-binding?domain=acme";
const BINDINGS: &str = "/v1/domain/scope-bindings?domain=acme";
/// `aa`'s npm endpoint, below the server's URL.
const AA: &str = "/npm/acme/aa";

/// What a call answered: its status, its error type (`x-amzn-ErrorType`, from the control plane)
/// and its body (JSON, else the text as a JSON string).
#[derive(Debug)]
struct Answer {
    status: u16,
    error: Option<String>,
    body: Value,
}

impl Answer {
    async fn of(response: reqwest::Response) -> Self {
        let status = response.status().as_u16();
        let error = response
            .headers()
            .get("x-amzn-errortype")
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(':').next().unwrap_or_default().to_owned());
        let text = response.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Self { status, error, body }
    }

    /// Asserts the answer was `status`; its body.
    #[track_caller]
    fn status(self, status: u16) -> Value {
        assert_eq!(self.status, status, "{self:?}");
        self.body
    }

    /// Asserts a `200`; its body.
    #[track_caller]
    fn ok(self) -> Value {
        self.status(200)
    }

    /// Asserts a control-plane refusal: `status`, the error type `error`, and a message that
    /// mentions each of `parts`.
    #[track_caller]
    fn refused(self, status: u16, error: &str, parts: &[&str]) {
        assert_eq!((self.status, self.error.as_deref()), (status, Some(error)), "{self:?}");
        let message = self.body["message"].as_str().unwrap_or_else(|| panic!("a refusal without a message: {self:?}"));
        assert_mentions(message, parts);
    }
}

/// A Tributary control-plane call (`/v1/...`), signed with the admin's keys.
async fn control(server: &TestServer, method: &str, path: &str, body: Option<&Value>) -> Answer {
    let body = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
    let sent = server.signed(method, path, &body, SystemTime::now(), false).send().await;
    Answer::of(sent.unwrap_or_else(|e| panic!("`{method} {path}` was not answered: {e}\n{}", server.diagnose()))).await
}

/// `METHOD path` (below the server's URL) as the bearer `token` (anonymous when `None`), with a
/// JSON `body`.
async fn npm_api(server: &TestServer, token: Option<&str>, method: &str, path: &str, body: Option<&Value>) -> Answer {
    let verb = reqwest::Method::from_bytes(method.as_bytes()).expect("an HTTP method");
    let mut request = server.http().request(verb, format!("{}{path}", server.url()));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(body);
    }
    let sent = request.send().await;
    Answer::of(sent.unwrap_or_else(|e| panic!("`{method} {path}` was not answered: {e}\n{}", server.diagnose()))).await
}

/// The domain's external connections (`ListExternalConnections`).
async fn connections(server: &TestServer) -> Value {
    control(server, "GET", CONNECTIONS, None).await.ok()["externalConnections"].clone()
}

/// The domain's scope bindings (`ListScopeBindings`).
async fn bindings(server: &TestServer) -> Value {
    control(server, "GET", BINDINGS, None).await.ok()["scopeBindings"].clone()
}

/// The `name`s of a listing.
fn names(listed: &Value) -> Vec<String> {
    let entries = listed.as_array().unwrap_or_else(|| panic!("not a list: {listed}"));
    entries.iter().filter_map(|e| e["name"].as_str().map(str::to_owned)).collect()
}

/// The real `npm ARGS` in `dir`, with HOME `home`.
fn npm(home: &Path, dir: &Path, args: &[&str]) -> Run {
    let mut command = npm_command(home);
    command.current_dir(dir).args(args);
    run(command, &format!("npm {}", args.join(" ")))
}

/// `npm install PACKAGES` through `registry` as `token`, from a fresh HOME (no npm cache) into a
/// new project: the HOME (keep it while the project is read) and the project's folder.
fn install(registry: &str, token: &str, packages: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let home = tempfile::tempdir().expect("a HOME");
    write_npmrc(home.path(), registry, token);
    let project = consumer_project(home.path(), "project");
    npm(home.path(), &project, &[&["install"], packages].concat()).ok();
    (home, project)
}

/// The version of `name` npm installed in `project`.
fn installed(project: &Path, name: &str) -> String {
    let path = project.join("node_modules").join(name).join("package.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("`{}`: {e}", path.display()));
    let manifest: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("`{}`: {e}", path.display()));
    manifest["version"].as_str().unwrap_or_else(|| panic!("no version in {manifest}")).to_owned()
}

async fn a_bound_scope_resolves_from_its_registry(backend: Backend) {
    let packs = npm_pack(&[
        PackageSpec::new("lib", "1.0.0"),
        PackageSpec::new("@corp/widget", "9.9.9"),
        PackageSpec::new("@corp/fresh", "1.0.0"),
        PackageSpec::new("@corp/widget", "1.0.0"),
        PackageSpec::new("@corp/fresh", "2.0.0"),
    ]);
    let public = NpmFixture::with(&packs[..3]);
    let corp = NpmFixture::with(&packs[3..]);
    corp.require_token(CORP_TOKEN);
    let server = server_with_upstream(backend, "TRIBUTARY_EXTERNAL_PUBLIC_NPMJS_URL", &public.url(), LOCAL);
    let sdk = server.sdk_client();
    let token = chain(&sdk, "acme", "gateway", "public:npmjs").await;
    let corp_url = format!("{}/", corp.url());

    // The corp registry with its token, and one with a user name and password: no answer shows
    // either secret.
    let corp_connection = json!({ "name": "npm:corp", "url": corp_url, "authToken": CORP_TOKEN });
    let created = control(&server, "PUT", CONNECTION, Some(&corp_connection)).await.ok();
    let made = &created["externalConnection"];
    assert_eq!(
        (made["name"].as_str(), made["packageFormat"].as_str(), made["url"].as_str(), made["hasCredentials"].as_bool()),
        (Some("npm:corp"), Some("npm"), Some(corp_url.as_str()), Some(true)),
        "{created}"
    );
    let basic = json!({ "name": "npm:basic", "url": corp_url, "username": "ci", "password": "hunter2" });
    let basic = control(&server, "PUT", CONNECTION, Some(&basic)).await.ok();
    assert_eq!(basic["externalConnection"]["hasCredentials"], true, "{basic}");
    let listed = connections(&server).await;
    for name in ["npm:corp", "npm:basic"] {
        assert!(names(&listed).iter().any(|n| n == name), "`{name}` is not listed: {listed}");
    }
    for shown in [&created, &basic, &listed] {
        let text = shown.to_string();
        assert!(!text.contains(CORP_TOKEN) && !text.contains("hunter2"), "a secret is shown: {text}");
    }
    control(&server, "DELETE", &format!("{CONNECTION}&name=npm:basic"), None).await.ok();

    let binding = json!({ "scope": "@corp", "externalConnection": "npm:corp" });
    let bound = control(&server, "PUT", BINDING, Some(&binding)).await.ok();
    let bound = &bound["scopeBinding"];
    assert_eq!(
        (bound["scope"].as_str(), bound["externalConnection"].as_str(), bound["packageFormat"].as_str()),
        (Some("@corp"), Some("npm:corp"), Some("npm")),
        "{bound}"
    );

    // Refused, each saying what is wrong, and changing nothing.
    let before = (connections(&server).await, bindings(&server).await);
    assert_eq!(names(&before.0).iter().filter(|n| n.starts_with("npm:")).collect::<Vec<_>>(), ["npm:corp"]);
    let refusals = [
        (json!({ "name": "corp", "url": corp_url, "authToken": "x" }), "corp"),
        (json!({ "name": "rubygems:corp", "url": corp_url, "authToken": "x" }), "rubygems:corp"),
        (json!({ "name": "npm:co rp", "url": corp_url, "authToken": "x" }), "npm:co rp"),
        (json!({ "name": "public:corp", "url": corp_url, "authToken": "x" }), "public:corp"),
        (json!({ "name": "npm:other", "url": "ftp://127.0.0.1/", "authToken": "x" }), "ftp:"),
    ];
    for (body, says) in &refusals {
        control(&server, "PUT", CONNECTION, Some(body)).await.refused(400, "ValidationException", &[*says]);
    }
    let unknown = json!({ "scope": "@other", "externalConnection": "npm:nowhere" });
    control(&server, "PUT", BINDING, Some(&unknown)).await.refused(404, "ResourceNotFoundException", &["npm:nowhere"]);
    let unscoped = json!({ "scope": "corp", "externalConnection": "npm:corp" });
    control(&server, "PUT", BINDING, Some(&unscoped)).await.refused(400, "ValidationException", &["corp"]);
    assert_eq!((connections(&server).await, bindings(&server).await), before, "a refused change changed something");

    // `@corp` from B, with its token; lib from A.
    let registry = format!("{}{AA}/", server.url());
    let (_home, project) = install(&registry, &token, &["@corp/widget", "lib"]);
    assert_eq!(installed(&project, "@corp/widget"), "1.0.0", "the bound scope came from elsewhere than B");
    assert_eq!(installed(&project, "lib"), "1.0.0");
    assert_eq!(public.packument_requests("@corp/widget"), 0, "A was asked for a scope bound to B");
    assert_eq!(corp.packument_requests("lib"), 0, "B was asked for an unscoped package");
    assert!(
        corp.packument_requests("@corp/widget") > 0 && corp.tarball_requests(&packs[3]) > 0,
        "{:?}",
        corp.all_requests()
    );
    let bearer = format!("Bearer {CORP_TOKEN}");
    let without: Vec<_> =
        corp.request_log().into_iter().filter(|r| r.header("authorization") != Some(bearer.as_str())).collect();
    assert!(without.is_empty(), "B was asked without its token: {without:?}");
    let packages = Packages::new(&sdk, "acme", PackageFormat::Npm);
    for repository in ["aa", "gateway"] {
        let versions = packages.versions(repository, "@corp/widget", None).await;
        assert_eq!(versions.len(), 1, "`@corp/widget` in `{repository}`: {versions:?}");
        assert_external(&versions, repository, "@corp/widget", "1.0.0", "npm:corp");
    }

    // Kept in the gateway: with B down, a fresh install through `bb` (which holds nothing).
    corp.set_mode(Mode::Down);
    let (_home, project) = install(&format!("{}/npm/acme/bb/", server.url()), &token, &["@corp/widget"]);
    assert_eq!(installed(&project, "@corp/widget"), "1.0.0");
    corp.set_mode(Mode::Up);

    // Unbound, a `@corp` package nobody fetched yet comes from A (1.0.0, not B's 2.0.0).
    control(&server, "DELETE", &format!("{BINDING}&scope=@corp"), None).await.ok();
    assert_eq!(bindings(&server).await, json!([]));
    let (_home, project) = install(&registry, &token, &["@corp/fresh"]);
    assert_eq!(installed(&project, "@corp/fresh"), "1.0.0", "an unbound scope came from elsewhere than A");
    assert_eq!(corp.packument_requests("@corp/fresh"), 0, "B was asked for a scope no longer bound to it");

    // A connection a repository uses cannot be deleted; once disassociated, it can.
    server.aws(&["create-repository", "--domain", "acme", "--repository", "corp-direct"]).ok();
    let connect = ["--domain", "acme", "--repository", "corp-direct", "--external-connection", "npm:corp"];
    let associated = server.aws(&[&["associate-external-connection"], &connect[..]].concat()).ok();
    assert_eq!(associated["repository"]["externalConnections"][0]["externalConnectionName"], "npm:corp");
    assert_eq!(server.search_order(&token, "acme", "corp-direct").await, ["corp-direct[npm:corp]"]);
    let before = connections(&server).await;
    let corp_path = format!("{CONNECTION}&name=npm:corp");
    control(&server, "DELETE", &corp_path, None).await.refused(409, "ConflictException", &["corp-direct"]);
    assert_eq!(connections(&server).await, before, "a refused deletion changed something");
    server.aws(&[&["disassociate-external-connection"], &connect[..]].concat()).ok();
    control(&server, "DELETE", &corp_path, None).await.ok();
    let after = connections(&server).await;
    assert!(!names(&after).iter().any(|n| n == "npm:corp"), "{after}");
}

/// A read-only token of the admin, made as `npm token create --read-only` asks for one.
async fn read_only_token(server: &TestServer, token: &str) -> String {
    let asked = json!({ "password": ADMIN_SECRET_ACCESS_KEY, "readonly": true });
    let created = npm_api(server, Some(token), "POST", &format!("{AA}/-/npm/v1/tokens"), Some(&asked)).await.ok();
    created["token"].as_str().unwrap_or_else(|| panic!("no token in {created}")).to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cnpmcore_workflow_as_documented() {
    let packs = npm_pack(&[
        PackageSpec::new("lib", "1.0.0"),
        PackageSpec::new("@custom/pkg", "1.0.0"),
        PackageSpec::new("stray", "1.0.0"),
        PackageSpec::new("@custom/pkg", "1.1.0"),
    ]);
    let public = NpmFixture::with(&packs[..1]);
    // B's changes feed starts at sequence 1, `@custom/pkg` 1.0.0.
    let custom = NpmFixture::with(&packs[1..2]);
    let server = server_with_upstream(Backend::Sqlite, "TRIBUTARY_EXTERNAL_PUBLIC_NPMJS_URL", &public.url(), LOCAL);
    let sdk = server.sdk_client();
    let token = chain(&sdk, "acme", "gateway", "public:npmjs").await;
    let registry = format!("{}{AA}/", server.url());
    let registry_flag = format!("--registry={registry}");
    let home = tempfile::tempdir().expect("a HOME");
    write_npmrc(home.path(), &registry, &token);
    let admin = Some(token.as_str());
    let api = |path: &str| format!("{AA}/-/{path}");

    // "Make sure the registry is up", "check the admin account".
    let ping = npm(home.path(), home.path(), &["ping", &registry_flag]).ok();
    assert!(ping.output().contains("PONG"), "{}", ping.output());
    let whoami = npm_api(&server, admin, "GET", &api("whoami"), None).await.ok();
    assert!(whoami["username"].as_str().is_some_and(|u| !u.is_empty()), "{whoami}");

    // "Start syncing": a sync task, then `npm view`.
    let queued = npm_api(&server, admin, "PUT", &api("package/lib/syncs"), None).await.status(201);
    assert_eq!(
        (queued["ok"].as_bool(), queued["type"].as_str(), queued["state"].as_str()),
        (Some(true), Some("sync_package"), Some("waiting")),
        "{queued}"
    );
    assert!(queued["id"].as_str().is_some_and(|id| !id.is_empty()), "{queued}");
    let viewed = npm(home.path(), home.path(), &["view", "lib", &registry_flag]).ok();
    assert!(viewed.stdout.contains("lib@1.0.0"), "{}", viewed.output());

    // "A scope's own registry", 1: create the registry (not anonymously), find its id.
    let created = json!({
        "name": "custom-registry",
        "host": format!("{}/", custom.url()),
        "changeStream": format!("{}/_changes", custom.url()),
        "type": "cnpmcore",
    });
    npm_api(&server, None, "POST", &api("registry"), Some(&created)).await.status(401);
    assert_eq!(npm_api(&server, admin, "POST", &api("registry"), Some(&created)).await.ok(), json!({ "ok": true }));
    let listed = npm_api(&server, admin, "GET", &api("registry"), None).await.ok();
    let data = listed["data"].as_array().unwrap_or_else(|| panic!("no `data` in {listed}"));
    assert_eq!(listed["count"], data.len(), "{listed}");
    assert!(data.iter().any(|r| r["registryId"] == "public:npmjs"), "{listed}");
    let entry = data.iter().find(|r| r["name"] == "custom-registry").unwrap_or_else(|| panic!("not listed: {listed}"));
    assert_eq!(
        (&entry["registryId"], &entry["host"], &entry["changeStream"], &entry["type"], &entry["userPrefix"]),
        (&json!("npm:custom-registry"), &created["host"], &created["changeStream"], &json!("npm"), &json!("")),
        "{entry}"
    );
    let id = entry["registryId"].as_str().expect("a registry id").to_owned();
    assert_eq!(&npm_api(&server, admin, "GET", &api(&format!("registry/{id}")), None).await.ok(), entry);
    npm_api(&server, admin, "GET", &api("registry/npm:nowhere"), None).await.status(404);

    // 2: bind the scope to it (not to a registry that is not there, not with a read-only token).
    let nowhere = json!({ "name": "@custom", "registryId": "npm:nowhere" });
    npm_api(&server, admin, "POST", &api("scope"), Some(&nowhere)).await.status(400);
    let scope = json!({ "name": "@custom", "registryId": id });
    let read_only = read_only_token(&server, &token).await;
    npm_api(&server, Some(&read_only), "POST", &api("scope"), Some(&scope)).await.status(403);
    assert_eq!(npm_api(&server, admin, "POST", &api("scope"), Some(&scope)).await.ok(), json!({ "ok": true }));
    let scopes_path = api(&format!("registry/{id}/scopes"));
    let scopes = npm_api(&server, admin, "GET", &scopes_path, None).await.ok();
    assert_eq!(scopes["count"], 1, "{scopes}");
    assert_eq!(
        (&scopes["data"][0]["name"], scopes["data"][0]["registryId"].as_str()),
        (&json!("@custom"), Some(id.as_str()))
    );
    let bound = bindings(&server).await;
    let as_bound = bound.as_array().into_iter().flatten().find(|b| b["scope"] == "@custom");
    assert_eq!(as_bound.map(|b| &b["externalConnection"]), Some(&json!(id)), "the control plane: {bound}");

    // 3: follow its changes from sequence 1. What B publishes of `@custom` then reaches the
    // gateway with nobody asking; `stray`, published just before, is of no bound scope.
    let packages = Packages::new(&sdk, "acme", PackageFormat::Npm);
    assert!(packages.version_numbers("gateway", "@custom/pkg").await.is_empty(), "nobody asked for it yet");
    let sync = json!({ "since": "1" });
    let started = npm_api(&server, admin, "POST", &api(&format!("registry/{id}/sync")), Some(&sync)).await.ok();
    assert_eq!(started, json!({ "ok": true }));
    custom.publish(&packs[2]);
    custom.publish(&packs[3]);
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut held = loop {
        let held = packages.version_numbers("gateway", "@custom/pkg").await;
        if held.iter().any(|v| v == "1.1.0") {
            break held;
        }
        assert!(
            Instant::now() < deadline,
            "@custom/pkg 1.1.0 did not reach the gateway within 30 s (it holds {held:?}); B was asked {:?}",
            custom.all_requests()
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    held.sort();
    assert_eq!(held, ["1.0.0", "1.1.0"], "a package's sync brings every version");
    assert!(custom.requests("/_changes") > 0, "{:?}", custom.all_requests());
    custom.set_mode(Mode::Down);
    let versions = npm(home.path(), home.path(), &["view", "@custom/pkg", "versions", "--json", &registry_flag]).ok();
    assert_eq!(versions.json(), json!(["1.0.0", "1.1.0"]), "{}", versions.output());
    custom.set_mode(Mode::Up);
    let in_gateway = packages.list("gateway", None).await;
    assert!(!in_gateway.iter().any(|p| p == "stray"), "`stray` was synced: {in_gateway:?}");
    assert_eq!((custom.packument_requests("stray"), public.packument_requests("stray")), (0, 0), "`stray` was fetched");

    // Undone: the scope, then the registry.
    assert_eq!(npm_api(&server, admin, "DELETE", &api("scope/@custom"), None).await.ok(), json!({ "ok": true }));
    assert_eq!(npm_api(&server, admin, "GET", &scopes_path, None).await.ok()["count"], 0);
    let one = api(&format!("registry/{id}"));
    assert_eq!(npm_api(&server, admin, "DELETE", &one, None).await.ok(), json!({ "ok": true }));
    npm_api(&server, admin, "GET", &one, None).await.status(404);
}

/// A domain that makes a connection to another domain's private registry URL, without its
/// credentials, is not served what the other domain's credentials fetched (cached by URL).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_private_registry_is_not_read_by_another_domain() {
    let packs = npm_pack(&[PackageSpec::new("lib", "1.0.0"), PackageSpec::new("@corp/widget", "1.0.0")]);
    let public = NpmFixture::with(&packs[..1]);
    let corp = NpmFixture::with(&packs[1..]);
    corp.require_token(CORP_TOKEN);
    let server = server_with_upstream(Backend::Sqlite, "TRIBUTARY_EXTERNAL_PUBLIC_NPMJS_URL", &public.url(), LOCAL);
    let sdk = server.sdk_client();
    let corp_url = format!("{}/", corp.url());
    let token = chain(&sdk, "acme", "gateway", "public:npmjs").await;
    let with_token = json!({ "name": "npm:corp", "url": corp_url, "authToken": CORP_TOKEN });
    control(&server, "PUT", CONNECTION, Some(&with_token)).await.ok();
    let binding = json!({ "scope": "@corp", "externalConnection": "npm:corp" });
    control(&server, "PUT", BINDING, Some(&binding)).await.ok();
    let packument = "/-/package/@corp%2fwidget/dist-tags";
    let read = npm_api(&server, Some(&token), "GET", &format!("{AA}{packument}"), None).await.ok();
    assert_eq!(read["latest"], "1.0.0", "{read}");

    // Another domain, the same URL, no token: the registry refuses it, and what acme's token
    // fetched is not served in its place.
    let other_connection = json!({ "name": "npm:corp", "url": corp_url });
    control(&server, "PUT", "/v1/domain/external-connection?domain=other", Some(&other_connection)).await.status(404);
    server.aws(&["create-domain", "--domain", "other"]).ok();
    control(&server, "PUT", "/v1/domain/external-connection?domain=other", Some(&other_connection)).await.ok();
    server.aws(&["create-repository", "--domain", "other", "--repository", "gateway"]).ok();
    let connect = ["--domain", "other", "--repository", "gateway", "--external-connection", "npm:corp"];
    server.aws(&[&["associate-external-connection"], &connect[..]].concat()).ok();
    let other_token = token_for(&sdk, "other").await;
    let refused = npm_api(&server, Some(&other_token), "GET", &format!("/npm/other/gateway{packument}"), None).await;
    assert_ne!(refused.status, 200, "another domain read the private registry: {:?}", refused.body);
    assert!(!refused.body.to_string().contains("1.0.0"), "{:?}", refused.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_domain_connection_reaches_no_local_address() {
    let public = NpmFixture::start();
    let server = server_with_upstream(Backend::Sqlite, "TRIBUTARY_EXTERNAL_PUBLIC_NPMJS_URL", &public.url(), &[]);
    chain(&server.sdk_client(), "acme", "gateway", "public:npmjs").await;
    for url in [
        public.url(),
        "http://localhost:4873/".to_owned(),
        "http://[::1]:4873/".to_owned(),
        "http://169.254.169.254/latest/".to_owned(),
    ] {
        let body = json!({ "name": "npm:inside", "url": url });
        control(&server, "PUT", CONNECTION, Some(&body)).await.refused(
            400,
            "ValidationException",
            &["`url`", "local address"],
        );
        let changes = json!({ "name": "npm:inside", "url": "https://registry.example/", "changesUrl": url });
        let refused = control(&server, "PUT", CONNECTION, Some(&changes)).await;
        refused.refused(400, "ValidationException", &["`changesUrl`", "local address"]);
    }
    assert!(!names(&connections(&server).await).iter().any(|n| n == "npm:inside"));
}
