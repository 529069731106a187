//! npm's web login and revocable tokens (issue 16, items 1 and 2), with the real npm, on SQLite
//! and PostgreSQL:
//!
//! - `web_login_and_tokens`: `npm login` (npm 11's default, the web login) prints the login
//!   page's URL and polls; the test opens the page, submits a wrong secret (the page says so and
//!   npm keeps waiting), then the admin's access key: npm prints that it is logged in and saves
//!   the token. `npm whoami` names the admin; `npm publish` works with the saved token; `npm token
//!   list` shows it; `npm token create` (the secret as password) makes a second one, and one made
//!   read-only cannot publish (403) but installs; `npm token revoke` of the login's token makes
//!   the next `npm install` fail with a 401, while the second token still installs. A login page
//!   is for one sign-in: opened again, it says the login is done. Through the extension API
//!   (`POST /v1/tokens`, `DELETE /v1/token`) a token from GetAuthorizationToken is listed without
//!   its value and revoked by its value, after which it is refused.
//! - `revocation_reaches_replicas` (PostgreSQL): a token revoked through one server is refused
//!   by another server on the same database within seconds, with no restart.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime};

use serde_json::Value;
use tributary_tests::npm_fixture::{consumer_project, npm_command};
use tributary_tests::{
    ADMIN_ACCESS_KEY_ID, ADMIN_SECRET_ACCESS_KEY, Backend, TestServer, create_domain, create_repository,
    on_both_backends, token_for,
};

on_both_backends!(web_login_and_tokens);

/// `npm ARGS` in `dir` with HOME `home`.
fn npm(home: &Path, dir: &Path, args: &[&str]) -> Output {
    npm_command(home).current_dir(dir).args(args).output().expect("npm runs")
}

fn said(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

#[track_caller]
fn ok(output: Output) -> String {
    let text = said(&output);
    assert!(output.status.success(), "npm failed:\n{text}");
    text
}

/// A package folder `name@version` under `home`.
fn package(home: &Path, name: &str, version: &str) -> std::path::PathBuf {
    let dir = home.join(format!("{name}-{version}"));
    std::fs::create_dir_all(&dir).expect("a package folder");
    std::fs::write(dir.join("package.json"), format!(r#"{{"name": "{name}", "version": "{version}"}}"#))
        .expect("package.json");
    dir
}

/// Submits the login page's form at `url`: the page it answers with.
async fn sign_in(server: &TestServer, url: &str, key: &str, secret: &str) -> String {
    let answer = server
        .http()
        .post(url)
        .form(&[("access_key_id", key), ("secret_access_key", secret)])
        .send()
        .await
        .expect("the login page answers");
    assert_eq!(answer.status().as_u16(), 200);
    answer.text().await.expect("a page")
}

async fn web_login_and_tokens(backend: Backend) {
    let server = TestServer::start(backend);
    let sdk = server.sdk_client();
    create_domain(&sdk, "acme").await;
    create_repository(&sdk, "acme", "app", &[]).await;
    let registry = format!("{}/npm/acme/app/", server.url());
    let home = tempfile::tempdir().expect("a HOME");
    std::fs::write(home.path().join(".npmrc"), format!("registry={registry}\n")).expect(".npmrc");

    // npm login: npm prints where to sign in, and waits.
    let mut login = npm_command(home.path())
        .current_dir(home.path())
        .args(["login", "--registry", &registry])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("npm login starts");
    let (lines, read) = mpsc::channel();
    let stdout = login.stdout.take().expect("npm's stdout");
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let mut printed = Vec::new();
    let login_url = loop {
        let line = read.recv_timeout(Duration::from_secs(30)).unwrap_or_else(|_| {
            let _ = login.kill();
            panic!("npm login printed no login URL: {printed:?}")
        });
        printed.push(line.clone());
        if let Some(url) = line.trim().strip_prefix("http").map(|rest| format!("http{rest}"))
            && url.contains("/-/v1/login/")
        {
            break url;
        }
    };
    assert!(login_url.starts_with(&registry), "the login page is under the repository's endpoint: {login_url}");
    let page = server.http().get(&login_url).send().await.expect("the login page").text().await.expect("a page");
    assert!(page.contains("acme/app") && page.contains("secret_access_key"), "{page}");
    let refused = sign_in(&server, &login_url, ADMIN_ACCESS_KEY_ID, "not-the-secret").await;
    assert!(refused.contains("wrong"), "a wrong secret is refused on the page: {refused}");
    std::thread::sleep(Duration::from_millis(1500));
    assert!(login.try_wait().expect("npm login").is_none(), "npm waits while nobody signed in");
    let signed = sign_in(&server, &login_url, ADMIN_ACCESS_KEY_ID, ADMIN_SECRET_ACCESS_KEY).await;
    assert!(signed.contains("Signed in"), "{signed}");
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = login.try_wait().expect("npm login") {
            break status;
        }
        assert!(Instant::now() < deadline, "npm login did not finish after the sign-in");
        std::thread::sleep(Duration::from_millis(100));
    };
    while let Ok(line) = read.recv_timeout(Duration::from_millis(200)) {
        printed.push(line);
    }
    assert!(status.success(), "npm login failed: {printed:?}");
    assert!(printed.iter().any(|l| l.contains("Logged in")), "{printed:?}");
    let again = server.http().get(&login_url).send().await.expect("the login page").text().await.expect("a page");
    assert!(again.contains("done") || again.contains("expired"), "a login page serves one sign-in: {again}");

    let whoami = ok(npm(home.path(), home.path(), &["whoami"]));
    assert!(!whoami.trim().is_empty(), "{whoami}");
    ok(npm(home.path(), &package(home.path(), "lib", "1.0.0"), &["publish"]));

    // The login's token is listed.
    let listed: Value = serde_json::from_str(&ok(npm(home.path(), home.path(), &["token", "list", "--json"])))
        .expect("npm token list --json");
    let tokens = listed.as_array().expect("a list");
    assert_eq!(tokens.len(), 1, "{listed}");
    let login_key = tokens[0]["key"].as_str().expect("a key").to_owned();

    // npm token create: a second token, then a read-only one.
    let created = ok(npm(home.path(), home.path(), &["token", "create", "--password", ADMIN_SECRET_ACCESS_KEY]));
    let second = created.split_whitespace().skip_while(|w| *w != "token").nth(1).expect("the created token").to_owned();
    let wrong = npm(home.path(), home.path(), &["token", "create", "--password", "nope"]);
    assert!(!wrong.status.success(), "a wrong password makes no token: {}", said(&wrong));
    let read_only = ok(npm(
        home.path(),
        home.path(),
        &["token", "create", "--password", ADMIN_SECRET_ACCESS_KEY, "--packages-and-scopes-permission", "read-only"],
    ));
    let read_only = read_only.split_whitespace().skip_while(|w| *w != "token").nth(1).expect("a token").to_owned();
    let listed: Value = serde_json::from_str(&ok(npm(home.path(), home.path(), &["token", "list", "--json"])))
        .expect("npm token list --json");
    assert_eq!(listed.as_array().expect("a list").len(), 3, "{listed}");

    // Another machine with the read-only token installs, and cannot publish.
    let other = tempfile::tempdir().expect("a HOME");
    let auth_line = |token: &str| format!("{}:_authToken={token}\n", registry.trim_start_matches("http:"));
    let npmrc_for = |token: &str| format!("registry={registry}\n{}", auth_line(token));
    std::fs::write(other.path().join(".npmrc"), npmrc_for(&read_only)).expect(".npmrc");
    ok(npm(other.path(), &consumer_project(other.path(), "ro-project"), &["install", "lib"]));
    let refused = npm(other.path(), &package(other.path(), "lib", "2.0.0"), &["publish"]);
    assert!(!refused.status.success(), "a read-only token published");
    assert!(said(&refused).contains("403") && said(&refused).contains("read"), "{}", said(&refused));

    // Revoking the login's token: the next install with it is a 401; the second token works.
    let revoked = ok(npm(home.path(), home.path(), &["token", "revoke", &login_key[..8]]));
    assert!(revoked.contains("Removed 1 token"), "{revoked}");
    let failed =
        npm(home.path(), &consumer_project(home.path(), "after-revoke"), &["install", "lib", "--prefer-online"]);
    assert!(!failed.status.success(), "a revoked token installed");
    assert!(said(&failed).contains("E401") || said(&failed).contains("401"), "{}", said(&failed));
    std::fs::write(other.path().join(".npmrc"), npmrc_for(&second)).expect(".npmrc");
    ok(npm(other.path(), &consumer_project(other.path(), "second-project"), &["install", "lib", "--prefer-online"]));

    // The extension API: a token from GetAuthorizationToken is listed without its value, and
    // revoked by its value.
    let token = token_for(&sdk, "acme").await;
    let answer = server.signed("POST", "/v1/tokens", b"", SystemTime::now(), false).send().await.expect("an answer");
    assert_eq!(answer.status().as_u16(), 200);
    let listed: Value = answer.json().await.expect("json");
    let text = listed.to_string();
    assert!(!text.contains(&token) && !text.contains(&second), "a token's value is never shown: {text}");
    assert_eq!(listed["tokens"].as_array().expect("tokens").len(), 3, "{listed}");
    let path = format!("/v1/token?id={token}");
    let answer = server.signed("DELETE", &path, b"", SystemTime::now(), false).send().await.expect("an answer");
    assert_eq!(answer.status().as_u16(), 200);
    let refused = server.http().get(format!("{registry}lib")).bearer_auth(&token).send().await.expect("an answer");
    assert_eq!(refused.status().as_u16(), 401);
    assert!(refused.text().await.unwrap_or_default().contains("revoked"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revocation_reaches_replicas() {
    let first = TestServer::start(Backend::Postgres);
    let second = first.replica();
    let sdk = first.sdk_client();
    create_domain(&sdk, "acme").await;
    create_repository(&sdk, "acme", "app", &[]).await;
    let token = token_for(&sdk, "acme").await;
    let ping = |server: &TestServer| {
        let request = server.http().get(format!("{}/npm/acme/app/-/whoami", server.url())).bearer_auth(&token);
        async move { request.send().await.expect("an answer").status().as_u16() }
    };
    assert_eq!(ping(&second).await, 200);
    let path = format!("/v1/token?id={token}");
    let answer = first.signed("DELETE", &path, b"", SystemTime::now(), false).send().await.expect("an answer");
    assert_eq!(answer.status().as_u16(), 200);
    assert_eq!(ping(&first).await, 401, "refused at once where it was revoked");
    let started = Instant::now();
    while ping(&second).await != 401 {
        assert!(started.elapsed() < Duration::from_secs(10), "the other server still takes the revoked token");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(started.elapsed() < Duration::from_secs(5), "refused after {:?}", started.elapsed());
}
