//! The web console in a real browser: Debian's Chromium, headless, driven by playwright-core
//! (`tests/browser/console.cjs`, whose three phases this test runs), every page checked by
//! axe-core for WCAG 2.1 AA. Between the phases the test does what a person does outside the
//! browser, with the real clients, and checks through the control plane (the aws CLI) that what
//! the console showed and changed is so:
//!
//! 1. `chain`: redirected to sign in; the first Tab reaches "Skip to content"; a wrong secret is
//!    refused; signed in, the admin makes the domain `acme` (a bad name first: refused), the
//!    gateway `npm-store` (`public:npmjs`, served by a fixture), `team` reading it, then `app`
//!    reading `team`. `mixed` (upstreams and a connection) and `broken` (an upstream that does not
//!    exist) are refused and not made. The graph of `app` numbers `app`, `team`, `npm-store` and
//!    `public:npmjs` 1 to 4 and lays them out in that order; on a phone-sized screen nothing but
//!    the graph and tables scrolls sideways; `team` reading `app` (a cycle) is refused and changes
//!    nothing; so is a connection for `team`; the gateway's connection is removed and set again.
//!    Checked after: the repositories and upstreams through the aws CLI; a form posted with
//!    another site's `Origin` is refused; the session cookie is refused as a bearer token.
//! 2. Then `npm publish` of `@acme/widget@1.0.0` (depending on `left-pad`) into `app`, and
//!    `npm install` of it, which brings `left-pad` through the gateway.
//! 3. `packages`: both packages listed; filtered by origin (INTERNAL, EXTERNAL), name prefix and
//!    format; the version page shows the tarball with the SHA-256 the test computed, the
//!    dependency, the readme, the origin, the status and `npm install @acme/widget@1.0.0`; its
//!    status is set to Unlisted. Checked after: the aws CLI reads `Unlisted`.
//! 4. `sign-out`: signed out, the session saved before opens nothing.
//!
//! `sessions_and_permissions` (no browser, the console's HTTP as a browser sends it): a principal
//! without a policy signs in but is refused every page and form of a domain it may not use, and
//! changes nothing; rotating its key ends its session; a sign-in posted from another site (by
//! `Origin` or `Sec-Fetch-Site`) sets no cookie; a token is no session.
//!
//! The screenshots go to a temporary folder; with `TRIBUTARY_UPDATE_SCREENSHOTS=1` to
//! `docs/screenshots/` (those the README links to).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tributary_tests::npm_fixture::{NpmFixture, PackageSpec, consumer_project, npm_command, npm_pack, write_npmrc};
use tributary_tests::scenario::{client, run, server_with_upstream};
use tributary_tests::{
    ADMIN_ACCESS_KEY_ID, ADMIN_SECRET_ACCESS_KEY, AdminKeys, Backend, TestServer, create_domain, create_repository,
    token_for, upstreams_of, workspace_root,
};

/// What the browser script needs beside the server: `node_modules` with playwright-core and
/// axe-core, and Chromium (`cargo xtask test` installs and names both).
fn browser_tools() -> (PathBuf, PathBuf) {
    let var = |name: &str| {
        std::env::var_os(name).map(PathBuf::from).unwrap_or_else(|| {
            panic!("{name} is not set: run the tests with `cargo xtask test`, which installs the browser and names it")
        })
    };
    (var("TRIBUTARY_TEST_BROWSER_MODULES"), var("TRIBUTARY_TEST_CHROMIUM"))
}

struct Browser {
    base_url: String,
    state: PathBuf,
    screenshots: PathBuf,
    modules: PathBuf,
    chromium: PathBuf,
}

impl Browser {
    /// Runs one phase of `console.cjs`; it must pass.
    fn phase(&self, phase: &str, extra: &[(&str, &str)]) {
        let mut command = Command::new("node");
        command
            .arg(workspace_root().join("tests/browser/console.cjs"))
            .arg(phase)
            .env("BASE_URL", &self.base_url)
            .env("ACCESS_KEY_ID", ADMIN_ACCESS_KEY_ID)
            .env("SECRET_ACCESS_KEY", ADMIN_SECRET_ACCESS_KEY)
            .env("BROWSER_MODULES", &self.modules)
            .env("CHROMIUM", &self.chromium)
            .env("STATE", &self.state)
            .env("SCREENSHOTS", &self.screenshots);
        for (name, value) in extra {
            command.env(name, value);
        }
        run(command, &format!("node console.cjs {phase}")).ok();
    }

    /// The session cookie the browser kept.
    fn session_cookie(&self) -> String {
        let state: Value = serde_json::from_slice(&std::fs::read(&self.state).expect("the browser's saved state"))
            .expect("the saved state is JSON");
        state["cookies"]
            .as_array()
            .and_then(|cookies| cookies.iter().find(|c| c["name"] == "tributary_console"))
            .and_then(|c| c["value"].as_str())
            .expect("the browser keeps the console's session cookie")
            .to_owned()
    }
}

fn names(listed: &Value, key: &str, field: &str) -> Vec<String> {
    let mut names: Vec<String> = listed[key]
        .as_array()
        .unwrap_or_else(|| panic!("no `{key}` in {listed}"))
        .iter()
        .map(|item| item[field].as_str().unwrap_or_default().to_owned())
        .collect();
    names.sort();
    names
}

fn upstreams(server: &TestServer, repository: &str) -> Vec<String> {
    let described = server.aws(&["describe-repository", "--domain", "acme", "--repository", repository]).ok();
    described["repository"]["upstreams"]
        .as_array()
        .map(|list| list.iter().map(|u| u["repositoryName"].as_str().unwrap_or_default().to_owned()).collect())
        .unwrap_or_default()
}

/// Publishes `@acme/widget@1.0.0` into `registry` with the real npm, from a tarball `npm pack`
/// made; returns the tarball's SHA-256.
fn publish_widget(home: &Path) -> String {
    let dir = home.join("widget");
    std::fs::create_dir_all(&dir).expect("a package folder");
    let manifest = json!({
        "name": "@acme/widget",
        "version": "1.0.0",
        "description": "The widget of Acme",
        "license": "MIT",
        "main": "index.js",
        "dependencies": { "left-pad": "^1.0.0" },
    });
    std::fs::write(dir.join("package.json"), serde_json::to_vec_pretty(&manifest).expect("JSON"))
        .expect("package.json");
    std::fs::write(dir.join("index.js"), "module.exports = 'widget';\n").expect("index.js");
    std::fs::write(dir.join("README.md"), "# widget\n\nThe widget of Acme.\n").expect("README.md");
    let mut pack = npm_command(home);
    pack.current_dir(&dir).args(["pack", "--silent"]);
    let packed = run(pack, "npm pack").ok();
    let tarball = dir.join(packed.stdout.trim());
    let digest = Sha256::digest(std::fs::read(&tarball).expect("the packed tarball"));
    let sha256: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    let mut publish = npm_command(home);
    publish.current_dir(&dir).arg("publish").arg(&tarball);
    run(publish, "npm publish").ok();
    sha256
}

#[tokio::test(flavor = "multi_thread")]
async fn the_console_in_a_browser() {
    let (modules, chromium) = browser_tools();
    let fixture = NpmFixture::with(&npm_pack(&[PackageSpec::new("left-pad", "1.0.0")]));
    let server = server_with_upstream(Backend::Sqlite, "TRIBUTARY_EXTERNAL_PUBLIC_NPMJS_URL", &fixture.url(), &[]);
    let scratch = tempfile::Builder::new().prefix("console-").tempdir().expect("a temporary folder");
    let screenshots = if std::env::var_os("TRIBUTARY_UPDATE_SCREENSHOTS").is_some() {
        workspace_root().join("docs/screenshots")
    } else {
        scratch.path().join("screenshots")
    };
    let browser =
        Browser { base_url: server.url(), state: scratch.path().join("state.json"), screenshots, modules, chromium };

    // 1. The chain, made in the browser.
    browser.phase("chain", &[]);
    let listed = server.aws(&["list-repositories-in-domain", "--domain", "acme"]).ok();
    assert_eq!(names(&listed, "repositories", "name"), ["app", "npm-store", "team"], "`broken` was not made");
    assert_eq!(upstreams(&server, "app"), ["team"]);
    assert_eq!(upstreams(&server, "team"), ["npm-store"], "the refused cycle changed nothing");
    let gateway = server.aws(&["describe-repository", "--domain", "acme", "--repository", "npm-store"]).ok();
    assert_eq!(gateway["repository"]["externalConnections"][0]["externalConnectionName"], "public:npmjs");

    // A form posted from another site is refused, and makes nothing.
    let cookie = browser.session_cookie();
    let http = server.http();
    let forged = http
        .post(format!("{}/ui/d/acme/repositories", server.url()))
        .header("Cookie", format!("tributary_console={cookie}"))
        .header("Origin", "https://attacker.example")
        .form(&[("name", "forged"), ("upstreams", ""), ("connection", "")])
        .send()
        .await
        .expect("the forged form is answered");
    assert_eq!(forged.status(), 403);
    let listed = server.aws(&["list-repositories-in-domain", "--domain", "acme"]).ok();
    assert_eq!(names(&listed, "repositories", "name"), ["app", "npm-store", "team"]);
    // The session is no token: the control plane refuses it.
    let as_bearer = http
        .post(format!("{}/v1/domains", server.url()))
        .bearer_auth(&cookie)
        .body("{}")
        .send()
        .await
        .expect("answered");
    assert!(as_bearer.status().is_client_error(), "a console session used as a token: {}", as_bearer.status());
    assert!(as_bearer.text().await.unwrap_or_default().contains("console session"));

    // 2. npm publishes into `app`, and installs what it published (with `left-pad` from the
    // public registry, through the gateway).
    let home = scratch.path().join("home");
    std::fs::create_dir_all(&home).expect("a HOME");
    let token = token_for(&server.sdk_client(), "acme").await;
    write_npmrc(&home, &format!("{}/npm/acme/app/", server.url()), &token);
    let sha256 = publish_widget(&home);
    let project = consumer_project(&home, "consumer");
    let mut install = npm_command(&home);
    install.current_dir(&project).args(["install", "@acme/widget@1.0.0"]);
    run(install, "npm install @acme/widget@1.0.0").ok();
    assert!(project.join("node_modules/left-pad/package.json").exists(), "left-pad came through the gateway");

    // 3. Found, read and changed in the browser.
    browser.phase("packages", &[("EXPECTED_SHA256", &sha256)]);
    let described = server
        .aws(&[
            "describe-package-version",
            "--domain",
            "acme",
            "--repository",
            "app",
            "--format",
            "npm",
            "--namespace",
            "acme",
            "--package",
            "widget",
            "--package-version",
            "1.0.0",
        ])
        .ok();
    assert_eq!(described["packageVersion"]["status"], "Unlisted");

    // 4. Signed out, the old session opens nothing.
    browser.phase("sign-out", &[]);
    let stale = http
        .get(format!("{}/ui/d/acme", server.url()))
        .header("Cookie", format!("tributary_console={cookie}"))
        .send()
        .await
        .expect("answered");
    assert_eq!(stale.url().path(), "/ui/sign-in", "the revoked session is sent to sign in");
}

/// Signs in with `key` and `secret` from the console's own page; the session cookie.
async fn sign_in(server: &TestServer, key: &str, secret: &str) -> String {
    let response = client()
        .post(format!("{}/ui/sign-in", server.url()))
        .header("Origin", server.url())
        .form(&[("access_key_id", key), ("secret_access_key", secret)])
        .send()
        .await
        .expect("answered");
    assert_eq!(response.status(), 303, "signed in");
    let cookie = response.headers()["set-cookie"].to_str().expect("a cookie").to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Path=/ui"),
        "{cookie}"
    );
    cookie.split(';').next().expect("name=value").to_owned()
}

/// `method path` with `cookie` (and a same-origin `Origin` on a POST, as a browser sends), with
/// `form`: the status and where it sends.
async fn visit(server: &TestServer, cookie: &str, method: &str, path: &str, form: &[(&str, &str)]) -> (u16, String) {
    let url = format!("{}{path}", server.url());
    let request = match method {
        "POST" => client().post(url).header("Origin", server.url()).form(form),
        _ => client().get(url),
    };
    let response = request.header("Cookie", cookie).send().await.expect("answered");
    let location = response.headers().get("location").and_then(|l| l.to_str().ok()).unwrap_or_default().to_owned();
    (response.status().as_u16(), location)
}

#[tokio::test(flavor = "multi_thread")]
async fn sessions_and_permissions() {
    let server = TestServer::start_with(Backend::Sqlite, AdminKeys::Fixed);
    let sdk = server.sdk_client();
    create_domain(&sdk, "acme").await;
    create_repository(&sdk, "acme", "team", &[]).await;
    create_repository(&sdk, "acme", "app", &["team"]).await;

    // A principal without any policy.
    let created = server
        .signed("POST", "/v1/principal", br#"{"name": "reader", "admin": false}"#, std::time::SystemTime::now(), false)
        .send()
        .await
        .expect("answered");
    assert_eq!(created.status(), 200);
    let created: Value = created.json().await.expect("JSON");
    let key = created["principal"]["accessKeyId"].as_str().expect("a key id").to_owned();
    let secret = created["secretAccessKey"].as_str().expect("a secret").to_owned();
    let reader = sign_in(&server, &key, &secret).await;

    // Signed in, it may read nothing of `acme` and change nothing.
    assert_eq!(visit(&server, &reader, "GET", "/ui/", &[]).await.0, 200, "the domains page (empty for it)");
    for path in ["/ui/d/acme", "/ui/d/acme/r/app", "/ui/d/acme/r/app/packages"] {
        assert_eq!(visit(&server, &reader, "GET", path, &[]).await.0, 403, "GET {path}");
    }
    let forms: [(&str, &[(&str, &str)]); 5] = [
        ("/ui/domains", &[("name", "other")]),
        ("/ui/d/acme/repositories", &[("name", "made"), ("upstreams", ""), ("connection", "")]),
        ("/ui/d/acme/r/app/upstreams", &[("upstreams", "")]),
        ("/ui/d/acme/r/team/connection", &[("connection", "public:npmjs")]),
        (
            "/ui/d/acme/r/app/version/status",
            &[("format", "npm"), ("namespace", ""), ("name", "x"), ("version", "1.0.0"), ("status", "Archived")],
        ),
    ];
    for (path, form) in forms {
        assert_eq!(visit(&server, &reader, "POST", path, form).await.0, 403, "POST {path}");
    }
    let listed = server.aws(&["list-repositories-in-domain", "--domain", "acme"]).ok();
    assert_eq!(names(&listed, "repositories", "name"), ["app", "team"], "nothing was made");
    assert_eq!(upstreams_of(&sdk, "acme", "app").await, ["team"], "nothing was changed");
    let domains = server.aws(&["list-domains"]).ok();
    assert_eq!(names(&domains, "domains", "name"), ["acme"]);
    let team = server.aws(&["describe-repository", "--domain", "acme", "--repository", "team"]).ok();
    assert!(team["repository"]["externalConnections"].as_array().is_none_or(Vec::is_empty), "{team}");

    // Rotating its key ends its session.
    let rotated = server
        .signed("POST", "/v1/principal/access-key?name=reader", b"", std::time::SystemTime::now(), false)
        .send()
        .await
        .expect("answered");
    assert_eq!(rotated.status(), 200);
    assert_eq!(visit(&server, &reader, "GET", "/ui/", &[]).await, (303, "/ui/sign-in".to_owned()));

    // A sign-in posted from another site sets no cookie: by `Origin`, and by `Sec-Fetch-Site`
    // without one.
    let credentials = [("access_key_id", ADMIN_ACCESS_KEY_ID), ("secret_access_key", ADMIN_SECRET_ACCESS_KEY)];
    let forged = [("Origin", "https://attacker.example"), ("Sec-Fetch-Site", "cross-site")];
    for (header, value) in forged {
        let response = client()
            .post(format!("{}/ui/sign-in", server.url()))
            .header(header, value)
            .form(&credentials)
            .send()
            .await
            .expect("answered");
        assert_eq!(response.status(), 403, "{header}: {value}");
        assert!(response.headers().get("set-cookie").is_none(), "{header}: {value}");
    }

    // A token is no session.
    let token = token_for(&sdk, "acme").await;
    let as_cookie = format!("tributary_console={token}");
    assert_eq!(visit(&server, &as_cookie, "GET", "/ui/d/acme", &[]).await, (303, "/ui/sign-in".to_owned()));
    // The admin's own session opens the same page.
    let admin = sign_in(&server, ADMIN_ACCESS_KEY_ID, ADMIN_SECRET_ACCESS_KEY).await;
    assert_eq!(visit(&server, &admin, "GET", "/ui/d/acme", &[]).await.0, 200);
}
