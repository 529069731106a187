//! Sync tasks (issue 16, item 3; cnpmcore's `PUT /-/package/{name}/syncs`), on SQLite and
//! PostgreSQL: the chain `aa -> bb -> gateway(public:npmjs)` on a fixture registry serving `lib`
//! 1.0.0, 1.1.0 and 2.0.0.
//!
//! - `sync_ingests_every_version`: a sync queued through `aa` answers cnpmcore's
//!   `{"ok":true,"id":…,"type":"sync_package","state":"waiting"}`, then reaches `success`; its log
//!   names each version; with the registry down, the real npm, pointed at `bb`, lists all three
//!   versions (`npm view lib versions`) and installs 1.1.0: they are in the gateway. A second sync
//!   of one version finds it there. A sync of a package no registry has ends `fail`, saying so;
//!   an anonymous reader of the (public) repository cannot queue one; a sync of a `range`
//!   (`^1.0.0`), of a dist-`tag` and of cnpmcore's string-encoded `specificVersions` looks at the
//!   versions they name only; an unknown tag fails, an unreadable range is refused (400);
//!   another package's task id is not found under this one.
//! - `a_killed_sync_resumes` (SQLite): the server is killed while a sync waits on a slow
//!   registry; after the restart the task is taken up again and succeeds.
//! - `bulk_sync_from_a_file` (SQLite): `tributary npm sync --from FILE --state STATE` queues a task
//!   per name (a comment and a blank line skipped), follows them to the end and says how many
//!   synced; the gateway then holds every package (the registry down, npm views them through
//!   `bb`); run again, it finds every task done in its state file and queues nothing new.
//! - `follower_picks_up_new_versions` (both backends): the gateway follows the registry's
//!   `_changes` feed for the packages it holds: a version of `lib` published to the registry is in
//!   the gateway within seconds, with nobody asking; `other`, which the gateway does not hold, is
//!   not; paused, the follower takes nothing (a version published meanwhile stays out), and
//!   resumed, it catches up; the follower's state (its sequence) reads back; `/metrics` shows
//!   the sync queue and the follower's lag.
//! - `replicas_share_sync_tasks` (PostgreSQL): two servers on one database work through 100
//!   tasks queued through both: every task succeeds, was claimed once, and the registry served
//!   each tarball once.

use std::time::{Duration, Instant, SystemTime};

use serde_json::{Value, json};
use tributary_tests::fixture_server::Mode;
use tributary_tests::npm_fixture::{NpmFixture, PackageSpec, consumer_project, npm_command, npm_pack, write_npmrc};
use tributary_tests::scenario::{chain, server_with_upstream};
use tributary_tests::{Backend, TestServer, on_both_backends, tributary_bin};

on_both_backends!(sync_ingests_every_version, follower_picks_up_new_versions);

async fn call(
    server: &TestServer,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, String) {
    let mut request = server.http().request(method, format!("{}{path}", server.url())).bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let answer = request.send().await.expect("an answer");
    (answer.status().as_u16(), answer.text().await.unwrap_or_default())
}

/// Queues a sync of `package` through `aa` and waits for it to end: its last status and log.
async fn sync(server: &TestServer, token: &str, package: &str, body: Option<Value>) -> (Value, String) {
    let base = format!("/npm/acme/aa/-/package/{package}/syncs");
    let (status, queued) = call(server, token, reqwest::Method::PUT, &base, body).await;
    assert_eq!(status, 201, "{queued}");
    let queued: Value = serde_json::from_str(&queued).expect("json");
    assert_eq!(queued["ok"], true);
    assert_eq!(queued["type"], "sync_package");
    assert_eq!(queued["state"], "waiting");
    let id = queued["id"].as_str().expect("an id").to_owned();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (status, state) = call(server, token, reqwest::Method::GET, &format!("{base}/{id}"), None).await;
        assert_eq!(status, 200, "{state}");
        let state: Value = serde_json::from_str(&state).expect("json");
        if state["state"] == "success" || state["state"] == "fail" {
            let (status, log) = call(server, token, reqwest::Method::GET, &format!("{base}/{id}/log"), None).await;
            assert_eq!(status, 200, "{log}");
            return (state, log);
        }
        assert!(Instant::now() < deadline, "the sync did not end: {state}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn sync_ingests_every_version(backend: Backend) {
    let packs = npm_pack(&[
        PackageSpec::new("lib", "1.0.0"),
        PackageSpec::new("lib", "1.1.0"),
        PackageSpec::new("lib", "2.0.0"),
    ]);
    let fixture = NpmFixture::with(&packs);
    let server = server_with_upstream(backend, "TRIBUTARY_EXTERNAL_PUBLIC_NPMJS_URL", &fixture.url(), &[]);
    let token = chain(&server.sdk_client(), "acme", "gateway", "public:npmjs").await;

    // A public repository's anonymous readers read; they do not queue syncs.
    let public = server
        .signed(
            "PUT",
            "/v1/repository/public-access?domain=acme&repository=aa",
            br#"{"public": true}"#,
            SystemTime::now(),
            false,
        )
        .send()
        .await
        .expect("an answer");
    assert_eq!(public.status().as_u16(), 200);
    let anonymous =
        server.http().put(format!("{}/npm/acme/aa/-/package/lib/syncs", server.url())).send().await.expect("an answer");
    assert_eq!(anonymous.status().as_u16(), 401, "an anonymous reader queued a sync");
    assert!(anonymous.text().await.unwrap_or_default().contains("log in to queue a sync"));
    let read = server.http().get(format!("{}/npm/acme/aa/lib", server.url())).send().await.expect("an answer");
    assert_eq!(read.status().as_u16(), 200, "the repository is public to read");

    let (state, log) = sync(&server, &token, "lib", None).await;
    assert_eq!(state["state"], "success", "{state}\n{log}");
    for version in ["1.0.0", "1.1.0", "2.0.0"] {
        assert!(log.contains(&format!("{version}: ingested")), "{log}");
    }
    let (status, elsewhere) = call(
        &server,
        &token,
        reqwest::Method::GET,
        &format!("/npm/acme/aa/-/package/other/syncs/{}", state["id"].as_str().unwrap_or("x")),
        None,
    )
    .await;
    assert_eq!(status, 404, "{elsewhere}");

    // With the registry down, `bb` (which never asked for them) sees every version, from the gateway.
    fixture.set_mode(Mode::Down);
    let home = tempfile::tempdir().expect("a HOME");
    let registry = format!("{}/npm/acme/bb/", server.url());
    write_npmrc(home.path(), &registry, &token);
    let viewed = npm_command(home.path()).args(["view", "lib", "versions", "--json"]).output().expect("npm runs");
    let said = format!("{}{}", String::from_utf8_lossy(&viewed.stdout), String::from_utf8_lossy(&viewed.stderr));
    assert!(viewed.status.success(), "{said}");
    let listed: Value = serde_json::from_slice(&viewed.stdout).expect("npm view --json");
    assert_eq!(listed, json!(["1.0.0", "1.1.0", "2.0.0"]), "{said}");
    let project = consumer_project(home.path(), "project");
    let installed =
        npm_command(home.path()).current_dir(&project).args(["install", "lib@1.1.0"]).output().expect("npm runs");
    assert!(installed.status.success(), "{}", String::from_utf8_lossy(&installed.stderr));

    // One version again: already there (the registry is still down).
    let (state, log) = sync(&server, &token, "lib", Some(json!({ "specificVersions": ["1.0.0"] }))).await;
    assert_eq!(state["state"], "success", "{log}");
    assert!(log.contains("1.0.0: already in"), "{log}");
    fixture.set_mode(Mode::Up);

    // A range and a dist-tag name versions as npm reads them, when the task runs; cnpmcore's
    // `specificVersions` may come as a JSON array in a string, as its documentation writes it.
    let (state, log) = sync(&server, &token, "lib", Some(json!({ "range": "^1.0.0" }))).await;
    assert_eq!(state["state"], "success", "{log}");
    assert!(log.contains("1.0.0: already in") && log.contains("1.1.0: already in"), "{log}");
    assert!(!log.contains("2.0.0"), "2.0.0 is not in ^1.0.0: {log}");
    let (state, log) = sync(&server, &token, "lib", Some(json!({ "tag": "latest" }))).await;
    assert_eq!(state["state"], "success", "{log}");
    assert!(log.contains("2.0.0: already in") && !log.contains("1.1.0"), "{log}");
    let (state, log) = sync(&server, &token, "lib", Some(json!({ "specificVersions": "[\"1.1.0\"]" }))).await;
    assert_eq!(state["state"], "success", "{log}");
    assert!(log.contains("1.1.0: already in") && !log.contains("2.0.0"), "{log}");
    let (state, log) = sync(&server, &token, "lib", Some(json!({ "tag": "nightly" }))).await;
    assert_eq!(state["state"], "fail", "{log}");
    assert!(log.contains("tag:nightly"), "{log}");
    let (status, refused) = call(
        &server,
        &token,
        reqwest::Method::PUT,
        "/npm/acme/aa/-/package/lib/syncs",
        Some(json!({ "range": "^^1" })),
    )
    .await;
    assert_eq!(status, 400, "{refused}");
    assert!(refused.contains("^^1"), "{refused}");

    let (state, log) = sync(&server, &token, "nothing-here", None).await;
    assert_eq!(state["state"], "fail", "{log}");
    assert!(log.contains("nothing-here") && log.contains("no version"), "{log}");
}

/// Queues a sync of `package` through `server`'s `aa`: its id.
async fn queue(server: &TestServer, token: &str, package: &str) -> String {
    let path = format!("/npm/acme/aa/-/package/{package}/syncs");
    let (status, queued) = call(server, token, reqwest::Method::PUT, &path, None).await;
    assert_eq!(status, 201, "{queued}");
    serde_json::from_str::<Value>(&queued).expect("json")["id"].as_str().expect("an id").to_owned()
}

/// The state of the sync `id` of `package`.
async fn state(server: &TestServer, token: &str, package: &str, id: &str) -> Value {
    let path = format!("/npm/acme/aa/-/package/{package}/syncs/{id}");
    let (status, state) = call(server, token, reqwest::Method::GET, &path, None).await;
    assert_eq!(status, 200, "{state}");
    serde_json::from_str(&state).expect("json")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_sync_resumes() {
    let packs = npm_pack(&[PackageSpec::new("lib", "1.0.0"), PackageSpec::new("lib", "1.1.0")]);
    let fixture = NpmFixture::with(&packs);
    let mut server = server_with_upstream(Backend::Sqlite, "TRIBUTARY_EXTERNAL_PUBLIC_NPMJS_URL", &fixture.url(), &[]);
    let token = chain(&server.sdk_client(), "acme", "gateway", "public:npmjs").await;
    fixture.set_mode(Mode::Slow(Duration::from_secs(30)));
    let id = queue(&server, &token, "lib").await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while state(&server, &token, "lib", &id).await["state"] != "processing" {
        assert!(Instant::now() < deadline, "the task was not taken");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The registry answers again (the killed server's request still hangs), then the kill.
    fixture.set_mode(Mode::Up);
    server.restart();
    let deadline = Instant::now() + Duration::from_secs(30);
    let ended = loop {
        let now = state(&server, &token, "lib", &id).await;
        if now["state"] == "success" || now["state"] == "fail" {
            break now;
        }
        assert!(Instant::now() < deadline, "the task did not end after the restart: {now}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(ended["state"], "success", "{ended}");
    assert_eq!(ended["attempts"], 2, "taken once before the kill, once after: {ended}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_share_sync_tasks() {
    const TASKS: usize = 100;
    let specs: Vec<PackageSpec> = (0..TASKS).map(|i| PackageSpec::new(&format!("pkg{i:03}"), "1.0.0")).collect();
    let packs = npm_pack(&specs);
    let fixture = NpmFixture::with(&packs);
    let first = server_with_upstream(Backend::Postgres, "TRIBUTARY_EXTERNAL_PUBLIC_NPMJS_URL", &fixture.url(), &[]);
    let second = first.replica();
    let token = chain(&first.sdk_client(), "acme", "gateway", "public:npmjs").await;
    let mut ids = Vec::new();
    for (i, packed) in packs.iter().enumerate() {
        let server = if i % 2 == 0 { &first } else { &second };
        ids.push(queue(server, &token, &packed.name).await);
    }
    let deadline = Instant::now() + Duration::from_secs(120);
    for (packed, id) in packs.iter().zip(&ids) {
        let ended = loop {
            let now = state(&first, &token, &packed.name, id).await;
            if now["state"] == "success" || now["state"] == "fail" {
                break now;
            }
            assert!(Instant::now() < deadline, "the tasks did not all end: {now}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        };
        assert_eq!(ended["state"], "success", "{}: {ended}", packed.name);
        assert_eq!(ended["attempts"], 1, "{} was claimed more than once: {ended}", packed.name);
        assert_eq!(fixture.requests(&packed.tarball_path()), 1, "{}'s tarball was fetched more than once", packed.name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_sync_from_a_file() {
    let specs: Vec<PackageSpec> = (0..5).map(|i| PackageSpec::new(&format!("bulk{i}"), "1.0.0")).collect();
    let packs = npm_pack(&specs);
    let fixture = NpmFixture::with(&packs);
    let server = server_with_upstream(Backend::Sqlite, "TRIBUTARY_EXTERNAL_PUBLIC_NPMJS_URL", &fixture.url(), &[]);
    let token = chain(&server.sdk_client(), "acme", "gateway", "public:npmjs").await;
    let work = tempfile::tempdir().expect("a folder");
    let names = work.path().join("names.txt");
    let listed: Vec<String> = packs.iter().map(|p| p.name.clone()).collect();
    std::fs::write(&names, format!("# the packages\n{}\n\n", listed.join("\n"))).expect("names");
    let state = work.path().join("state.json");
    let run = || {
        std::process::Command::new(tributary_bin())
            .args(["npm", "sync", "--registry", &format!("{}/npm/acme/aa/", server.url()), "--from"])
            .arg(&names)
            .arg("--state")
            .arg(&state)
            .env("CODEARTIFACT_AUTH_TOKEN", &token)
            .output()
            .expect("tributary runs")
    };
    let first = run();
    let said = format!("{}{}", String::from_utf8_lossy(&first.stdout), String::from_utf8_lossy(&first.stderr));
    assert!(first.status.success(), "{said}");
    assert!(said.contains("5 synced, 0 failed"), "{said}");
    let recorded: Value = serde_json::from_slice(&std::fs::read(&state).expect("a state file")).expect("json");
    assert_eq!(recorded.as_object().expect("an object").len(), 5, "{recorded}");

    fixture.set_mode(Mode::Down);
    let home = tempfile::tempdir().expect("a HOME");
    let registry = format!("{}/npm/acme/bb/", server.url());
    write_npmrc(home.path(), &registry, &token);
    for name in &listed {
        let viewed = npm_command(home.path()).args(["view", name, "version"]).output().expect("npm runs");
        assert!(viewed.status.success(), "{name}: {}", String::from_utf8_lossy(&viewed.stderr));
    }

    // Again: every task already succeeded; nothing new is queued (the registry is down).
    let again = run();
    let said = format!("{}{}", String::from_utf8_lossy(&again.stdout), String::from_utf8_lossy(&again.stderr));
    assert!(again.status.success(), "{said}");
    let recorded_again: Value = serde_json::from_slice(&std::fs::read(&state).expect("a state file")).expect("json");
    assert_eq!(recorded_again, recorded, "no task was queued again");
}

/// The versions of `package` the repository `repository` holds.
fn held(server: &TestServer, repository: &str, package: &str) -> Vec<String> {
    let listed = server
        .aws(&[
            "list-package-versions",
            "--domain",
            "acme",
            "--repository",
            repository,
            "--format",
            "npm",
            "--package",
            package,
        ])
        .ok();
    let mut versions: Vec<String> = listed["versions"]
        .as_array()
        .expect("versions")
        .iter()
        .filter_map(|v| v["version"].as_str().map(str::to_owned))
        .collect();
    versions.sort();
    versions
}

async fn follower(server: &TestServer, method: &str, body: Value) -> Value {
    let body = if body.is_null() { Vec::new() } else { body.to_string().into_bytes() };
    let path = "/v1/repository/changes-follower?domain=acme&repository=gateway";
    let answer = server.signed(method, path, &body, SystemTime::now(), false).send().await.expect("an answer");
    assert_eq!(answer.status().as_u16(), 200);
    answer.json().await.expect("json")
}

async fn follower_picks_up_new_versions(backend: Backend) {
    let packs = npm_pack(&[
        PackageSpec::new("lib", "1.0.0"),
        PackageSpec::new("other", "1.0.0"),
        PackageSpec::new("lib", "1.1.0"),
        PackageSpec::new("other", "2.0.0"),
        PackageSpec::new("lib", "1.2.0"),
    ]);
    let fixture = NpmFixture::with(&packs[..2]);
    let server = server_with_upstream(backend, "TRIBUTARY_EXTERNAL_PUBLIC_NPMJS_URL", &fixture.url(), &[]);
    let token = chain(&server.sdk_client(), "acme", "gateway", "public:npmjs").await;
    // The gateway holds `lib` (downloaded once through `aa`), not `other`.
    let (status, _) =
        call(&server, &token, reqwest::Method::GET, &format!("/npm/acme/aa/{}", packs[0].tarball_path()), None).await;
    assert_eq!(status, 200);
    let set = follower(&server, "PUT", json!({ "mode": "exist" })).await;
    assert_eq!(set["changesFollower"]["mode"], "exist", "{set}");

    fixture.publish(&packs[2]);
    fixture.publish(&packs[3]);
    let deadline = Instant::now() + Duration::from_secs(20);
    while held(&server, "gateway", "lib") != ["1.0.0", "1.1.0"] {
        assert!(
            Instant::now() < deadline,
            "the follower did not bring lib 1.1.0: {:?}",
            held(&server, "gateway", "lib")
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let other = server.aws(&["list-packages", "--domain", "acme", "--repository", "gateway"]).ok();
    assert!(!other.to_string().contains("\"other\""), "`other` is not held, so not followed: {other}");
    let state = follower(&server, "GET", Value::Null).await;
    assert_ne!(state["changesFollower"]["since"], "0", "{state}");

    // Paused, it takes nothing; resumed, it catches up.
    follower(&server, "PUT", json!({ "mode": "exist", "paused": true })).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    fixture.publish(&packs[4]);
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(held(&server, "gateway", "lib"), ["1.0.0", "1.1.0"], "a paused follower synced");
    follower(&server, "PUT", json!({ "mode": "exist", "paused": false })).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    while held(&server, "gateway", "lib") != ["1.0.0", "1.1.0", "1.2.0"] {
        assert!(Instant::now() < deadline, "the resumed follower did not catch up");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    // `/metrics` shows the queue and how far behind the follower is.
    let metrics = server.metrics().await;
    assert!(metrics.contains("tributary_sync_tasks_pending "), "{metrics}");
    assert!(metrics.contains("tributary_changes_follower_lag_seconds{repository_id="), "{metrics}");
}
