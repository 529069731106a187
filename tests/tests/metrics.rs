//! `/metrics` after real clients: an npm install, a pip install and a Maven deploy through one
//! server count each request by plane, endpoint and status class, and time it.
//!
//! `warm_requests_send_no_statement` (both backends): once a packument and a tarball fetched
//! through a chain are cached, serving them again sends nothing to the database (read off
//! `tributary_database_statements`).

use std::path::Path;

use tributary_tests::maven_fixture::MavenFixture;
use tributary_tests::npm_fixture::{NpmFixture, PackageSpec, honest_body, npm_command, npm_pack, tgz};
use tributary_tests::pypi_fixture::{DistSpec, build_wheel, twine_fields, upload_form};
use tributary_tests::scenario::{chain, client, run, server_with_upstream};
use tributary_tests::{Backend, TestServer, fresh_venv, maven_project, maven_settings, mvn_command, python_tool};

tributary_tests::on_both_backends!(warm_requests_send_no_statement);

/// The database statements the server has sent, read off `/metrics`, and how many the reading
/// itself sends (a scrape reads the sync queue): the counter's rise between two scrapes with
/// nothing in between.
async fn statements(server: &TestServer) -> (f64, f64) {
    let read = async || {
        let text = server.metrics().await;
        let value = text.lines().find_map(|line| line.strip_prefix("tributary_database_statements_total "));
        value.and_then(|v| v.trim().parse::<f64>().ok()).unwrap_or_else(|| panic!("no statement count:\n{text}"))
    };
    let (first, second) = (read().await, read().await);
    (second, second - first)
}

async fn warm_requests_send_no_statement(backend: Backend) {
    let packs = npm_pack(&[PackageSpec::new("warm-lib", "1.0.0")]);
    let fixture = NpmFixture::with(&packs);
    let server = server_with_upstream(backend, "TRIBUTARY_EXTERNAL_PUBLIC_NPMJS_URL", &fixture.url(), &[]);
    let token = chain(&server.sdk_client(), "acme", "gateway", "public:npmjs").await;
    let http = client();
    let paths = ["/npm/acme/aa/warm-lib".to_owned(), format!("/npm/acme/aa/{}", packs[0].tarball_path())];
    let get = async |path: &str| {
        let answer = http.get(format!("{}{path}", server.url())).bearer_auth(&token).send().await;
        let answer = answer.expect("the server answers");
        assert_eq!(answer.status().as_u16(), 200, "{path}");
        answer.bytes().await.expect("a body");
    };
    for path in &paths {
        let (before, scrape) = statements(&server).await;
        get(path).await;
        let (after, _) = statements(&server).await;
        println!("{path}, cold: {} statements", after - before - scrape);
        get(path).await;
    }
    // Background work (the revoked-token reload every 2 s) sends a few now and then: far
    // fewer than one per request.
    const REQUESTS: usize = 200;
    for path in &paths {
        let (before, scrape) = statements(&server).await;
        for _ in 0..REQUESTS {
            get(path).await;
        }
        let (after, _) = statements(&server).await;
        let sent = after - before - scrape;
        println!("{path}, warm: {sent} statements in {REQUESTS} requests");
        assert!(sent < 10.0, "{path}: {sent} statements in {REQUESTS} warm requests");
    }
}

/// The value of the series `name{labels}` in the Prometheus text `text` (0 when absent).
fn series(text: &str, name: &str, labels: &str) -> f64 {
    let prefix = format!("{name}{{{labels}}} ");
    text.lines().find_map(|line| line.strip_prefix(&prefix)).map_or(0.0, |v| v.trim().parse().unwrap_or(0.0))
}

/// Requests of `endpoint` on `plane` answered 2xx, and how many were timed.
fn counted(text: &str, plane: &str, endpoint: &str) -> (f64, f64) {
    let ok =
        series(text, "tributary_requests_total", &format!("plane=\"{plane}\",endpoint=\"{endpoint}\",status=\"2xx\""));
    let timed =
        series(text, "tributary_request_duration_seconds_count", &format!("plane=\"{plane}\",endpoint=\"{endpoint}\""));
    (ok, timed)
}

fn npm_install(server: &TestServer, token: &str, home: &Path) {
    std::fs::create_dir_all(home).expect("a home");
    let registry = format!("{}/npm/acme/aa/", server.url());
    let auth = format!("//127.0.0.1:{}/npm/acme/aa/:_authToken={token}", server.port());
    std::fs::write(home.join(".npmrc"), format!("registry={registry}\n{auth}\n")).expect("write .npmrc");
    let project = home.join("project");
    std::fs::create_dir_all(&project).expect("project dir");
    std::fs::write(project.join("package.json"), r#"{"name":"consumer","version":"1.0.0"}"#).expect("package.json");
    let mut command = npm_command(home);
    command.args(["install", "counted-lib@1.0.0"]).current_dir(&project);
    run(command, "npm install counted-lib@1.0.0").ok();
    assert!(project.join("node_modules/counted-lib/package.json").is_file(), "npm installed nothing");
}

fn pip_install(server: &TestServer, token: &str, home: &Path) {
    std::fs::create_dir_all(home).expect("a home");
    let venv = fresh_venv(&home.join("venv"));
    let index = format!("http://aws:{token}@127.0.0.1:{}/pypi/acme/aa/simple/", server.port());
    let mut command = python_tool("pip", home);
    command.arg("--python").arg(venv.join("python")).args(["install", "--index-url", &index, "counted-py==1.0"]);
    run(command, "pip install counted-py==1.0").ok();
}

fn maven_deploy(server: &TestServer, token: &str, home: &Path) {
    std::fs::create_dir_all(home).expect("a home");
    let endpoint = format!("{}/maven/acme/aa/", server.url());
    let settings = home.join("settings.xml");
    maven_settings(&settings, &endpoint, "aws", token);
    let lib = maven_project("lib", &home.join("maven"), &[]);
    let mut command = mvn_command(&home.join("m2-home"), &settings, &home.join("m2"));
    command.current_dir(&lib).args(["-C", "deploy", &format!("-Dtributary.url={endpoint}")]);
    run(command, "mvn deploy").ok();
}

#[tokio::test(flavor = "multi_thread")]
async fn metrics_count_and_time_each_endpoint_after_real_clients() {
    // Maven's plugins come from the fixture registry, through `aa -> bb -> gateway`.
    let fixture = MavenFixture::start();
    let server =
        server_with_upstream(Backend::Sqlite, "TRIBUTARY_EXTERNAL_PUBLIC_MAVEN_CENTRAL_URL", &fixture.url(), &[]);
    let sdk = server.sdk_client();
    let token = chain(&sdk, "acme", "gateway", "public:maven-central").await;
    let http = client();

    // What the clients will install: an npm package and a wheel, published over HTTP.
    let tarball = tgz(&[("package/package.json", br#"{"name":"counted-lib","version":"1.0.0"}"#)]);
    let published = http
        .put(format!("{}/npm/acme/aa/counted-lib", server.url()))
        .bearer_auth(&token)
        .json(&honest_body("counted-lib", "1.0.0", &tarball))
        .send()
        .await
        .expect("the server answers");
    assert_eq!(published.status().as_u16(), 200, "npm publish");
    let wheel = build_wheel(&DistSpec::new("counted-py", "1.0"));
    let (content_type, body) = upload_form(&twine_fields(&wheel), &wheel.filename, &wheel.bytes);
    let uploaded = http
        .post(format!("{}/pypi/acme/aa/", server.url()))
        .basic_auth("aws", Some(&token))
        .header("Content-Type", content_type)
        .body(body)
        .send()
        .await
        .expect("the server answers");
    assert_eq!(uploaded.status().as_u16(), 200, "PyPI upload");

    let home = tempfile::tempdir().expect("temp home");
    let (server_ref, token_ref, home_ref) = (&server, token.as_str(), home.path());
    tokio::task::block_in_place(|| {
        npm_install(server_ref, token_ref, &home_ref.join("npm"));
        pip_install(server_ref, token_ref, &home_ref.join("pip"));
        maven_deploy(server_ref, token_ref, &home_ref.join("mvn"));
    });
    // A control-plane call.
    sdk.describe_repository().domain("acme").repository("aa").send().await.expect("DescribeRepository");

    let text = server.metrics().await;
    for (plane, endpoint) in [
        ("npm", "publish"),
        ("npm", "packument"),
        ("npm", "tarball"),
        ("pypi", "upload"),
        ("pypi", "project"),
        ("pypi", "file"),
        ("maven", "file-upload"),
        ("maven", "checksum-upload"),
        ("control", "DescribeRepository"),
    ] {
        let (ok, timed) = counted(&text, plane, endpoint);
        assert!(ok >= 1.0, "no 2xx `{endpoint}` on `{plane}` counted:\n{text}");
        assert!(timed >= ok, "`{endpoint}` on `{plane}`: {ok} answered, {timed} timed:\n{text}");
    }
    // A request no endpoint matches is counted too, apart.
    let missing = http.get(format!("{}/npm/acme/aa/-/nothing/here", server.url())).bearer_auth(&token).send().await;
    assert_eq!(missing.expect("the server answers").status().as_u16(), 404);
    let text = server.metrics().await;
    let unmatched = series(&text, "tributary_requests_total", "plane=\"npm\",endpoint=\"unknown\",status=\"4xx\"");
    assert!(unmatched >= 1.0, "the unmatched request was not counted:\n{text}");
}
