//! Release-age quarantine (issue 16, item 8), on SQLite and PostgreSQL: the chain `aa -> bb ->
//! gateway(public:npmjs)` on a fixture registry where `lib` 1.0.0 is two days old and 2.0.0
//! comes of age (one hour) a few seconds into the test, and `@corp/tool` 1.0.0 is brand new.
//! `aa` holds back versions younger than an hour, except `@corp/*`:
//!
//! - the policy reads back; a bad one is refused and changes nothing;
//! - `aa`'s packument lists `lib` 1.0.0 only (its `latest`, 2.0.0, is dropped), the abbreviated one
//!   too, with `time`; 2.0.0's tarball answers 404 saying when it becomes available; `bb`, without
//!   a policy, serves both; `@corp/tool` is served at once (the exception);
//! - the real npm, pointed at `aa`, installs `lib` as 1.0.0;
//! - once 2.0.0 is an hour old, `aa` lists it and serves it, with no change to the policy.
//! - `pnpm_minimum_release_age` (SQLite): no policy on the server; pnpm with `minimumReleaseAge`
//!   (60 minutes) adds `lib` through `bb` as 1.0.0, not the 10-minute-old 2.0.0, from the
//!   documents the server serves (the abbreviated one carries `time`).

use std::time::{Duration, Instant, SystemTime};

use chrono::{SecondsFormat, Utc};
use serde_json::{Value, json};
use tributary_tests::npm_fixture::{NpmFixture, PackageSpec, consumer_project, npm_command, npm_pack, write_npmrc};
use tributary_tests::scenario::{chain, server_with_upstream};
use tributary_tests::{Backend, TestServer, on_both_backends, workspace_root};

on_both_backends!(young_versions_wait);

/// How long after the test starts 2.0.0 comes of age.
const MATURES_IN: Duration = Duration::from_secs(6);

async fn get(server: &TestServer, token: &str, path: &str, abbreviated: bool) -> (u16, String) {
    let mut request = server.http().get(format!("{}{path}", server.url())).bearer_auth(token);
    if abbreviated {
        request = request.header("accept", "application/vnd.npm.install-v1+json");
    }
    let answer = request.send().await.expect("an answer");
    (answer.status().as_u16(), answer.text().await.unwrap_or_default())
}

fn versions(packument: &str) -> Vec<String> {
    let doc: Value = serde_json::from_str(packument).unwrap_or(Value::Null);
    let mut found: Vec<String> = doc["versions"].as_object().map(|v| v.keys().cloned().collect()).unwrap_or_default();
    found.sort();
    found
}

async fn put_policy(server: &TestServer, body: Value) -> (u16, Value) {
    let body = body.to_string();
    let path = "/v1/repository/release-age?domain=acme&repository=aa";
    let answer = server.signed("PUT", path, body.as_bytes(), SystemTime::now(), false).send().await.expect("an answer");
    (answer.status().as_u16(), answer.json().await.unwrap_or(Value::Null))
}

async fn young_versions_wait(backend: Backend) {
    let started = Instant::now();
    let at = |age: chrono::TimeDelta| (Utc::now() - age).to_rfc3339_opts(SecondsFormat::Millis, true);
    let packs = npm_pack(&[
        PackageSpec::new("lib", "1.0.0"),
        PackageSpec::new("lib", "2.0.0"),
        PackageSpec::new("@corp/tool", "1.0.0"),
    ]);
    let fixture = NpmFixture::with(&[]);
    fixture.publish_at(&packs[0], &at(chrono::TimeDelta::days(2)));
    let matures = chrono::TimeDelta::from_std(MATURES_IN).expect("a duration");
    fixture.publish_at(&packs[1], &at(chrono::TimeDelta::hours(1) - matures));
    fixture.publish_at(&packs[2], &at(chrono::TimeDelta::zero()));
    let server = server_with_upstream(backend, "TRIBUTARY_EXTERNAL_PUBLIC_NPMJS_URL", &fixture.url(), &[]);
    let token = chain(&server.sdk_client(), "acme", "gateway", "public:npmjs").await;

    let (status, refused) = put_policy(
        &server,
        json!({ "minimumAgeSeconds": 3600, "exceptions": [{ "package": "a*b", "minimumAgeSeconds": 0 }] }),
    )
    .await;
    assert_eq!(status, 400, "{refused}");
    let policy = json!({ "minimumAgeSeconds": 3600, "exceptions": [{ "package": "@corp/*", "minimumAgeSeconds": 0 }] });
    let (status, set) = put_policy(&server, policy.clone()).await;
    assert_eq!(status, 200, "{set}");
    let read = server
        .signed("GET", "/v1/repository/release-age?domain=acme&repository=aa", b"", SystemTime::now(), false)
        .send()
        .await
        .expect("an answer");
    assert_eq!(read.json::<Value>().await.expect("json")["releaseAgePolicy"], policy);

    let (status, held) = get(&server, &token, "/npm/acme/aa/lib", false).await;
    assert_eq!(status, 200, "{held}");
    assert_eq!(versions(&held), ["1.0.0"]);
    let doc: Value = serde_json::from_str(&held).expect("json");
    assert_ne!(doc["dist-tags"]["latest"], "2.0.0", "{held}");
    let (_, corgi) = get(&server, &token, "/npm/acme/aa/lib", true).await;
    assert_eq!(versions(&corgi), ["1.0.0"]);
    let corgi: Value = serde_json::from_str(&corgi).expect("json");
    assert!(corgi["time"]["1.0.0"].is_string(), "the abbreviated document carries `time`: {corgi}");
    let (status, said) = get(&server, &token, &format!("/npm/acme/aa/{}", packs[1].tarball_path()), false).await;
    assert_eq!(status, 404, "{said}");
    assert!(said.contains("available from"), "{said}");
    let (_, whole) = get(&server, &token, "/npm/acme/bb/lib", false).await;
    assert_eq!(versions(&whole), ["1.0.0", "2.0.0"], "`bb` has no policy");
    let (status, tool) = get(&server, &token, "/npm/acme/aa/@corp%2ftool", false).await;
    assert_eq!(status, 200, "{tool}");
    assert_eq!(versions(&tool), ["1.0.0"], "the exception lets `@corp/*` through at once");

    // The real npm installs the version old enough.
    let home = tempfile::tempdir().expect("a HOME");
    let registry = format!("{}/npm/acme/aa/", server.url());
    write_npmrc(home.path(), &registry, &token);
    let project = consumer_project(home.path(), "project");
    let installed = npm_command(home.path()).current_dir(&project).args(["install", "lib"]).output().expect("npm runs");
    let said = format!("{}{}", String::from_utf8_lossy(&installed.stdout), String::from_utf8_lossy(&installed.stderr));
    assert!(installed.status.success(), "{said}");
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(project.join("node_modules/lib/package.json")).expect("installed"))
            .expect("a manifest");
    assert_eq!(manifest["version"], "1.0.0", "{said}");

    // Once 2.0.0 is an hour old, it is served.
    tokio::time::sleep(MATURES_IN.saturating_sub(started.elapsed())).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (_, now) = get(&server, &token, "/npm/acme/aa/lib", false).await;
        if versions(&now) == ["1.0.0", "2.0.0"] {
            break;
        }
        assert!(Instant::now() < deadline, "2.0.0 came of age and is still held back: {now}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let (status, said) = get(&server, &token, &format!("/npm/acme/aa/{}", packs[1].tarball_path()), false).await;
    assert_eq!(status, 200, "{said}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pnpm_minimum_release_age() {
    let at = |age: chrono::TimeDelta| (Utc::now() - age).to_rfc3339_opts(SecondsFormat::Millis, true);
    let packs = npm_pack(&[PackageSpec::new("lib", "1.0.0"), PackageSpec::new("lib", "2.0.0")]);
    let fixture = NpmFixture::with(&[]);
    fixture.publish_at(&packs[0], &at(chrono::TimeDelta::days(2)));
    fixture.publish_at(&packs[1], &at(chrono::TimeDelta::minutes(10)));
    let server = server_with_upstream(Backend::Sqlite, "TRIBUTARY_EXTERNAL_PUBLIC_NPMJS_URL", &fixture.url(), &[]);
    let token = chain(&server.sdk_client(), "acme", "gateway", "public:npmjs").await;
    let pnpm = std::env::var_os("TRIBUTARY_TEST_PNPM")
        .map_or_else(|| workspace_root().join("target/tools/npm-global/bin/pnpm"), std::path::PathBuf::from);
    let home = tempfile::tempdir().expect("a HOME");
    let registry = format!("{}/npm/acme/bb/", server.url());
    write_npmrc(home.path(), &registry, &token);
    let project = consumer_project(home.path(), "project");
    std::fs::write(project.join("pnpm-workspace.yaml"), "minimumReleaseAge: 60\n").expect("pnpm-workspace.yaml");
    let store = home.path().join("pnpm-store");
    let added = std::process::Command::new(&pnpm)
        .args(["add", "lib", "--store-dir"])
        .arg(&store)
        .args(["--reporter", "append-only"])
        .current_dir(&project)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join(".config"))
        .env("XDG_CACHE_HOME", home.path().join(".cache"))
        .env("XDG_DATA_HOME", home.path().join(".local/share"))
        .env("npm_config_userconfig", home.path().join(".npmrc"))
        .stdin(std::process::Stdio::null())
        .output()
        .expect("pnpm runs");
    let said = format!("{}{}", String::from_utf8_lossy(&added.stdout), String::from_utf8_lossy(&added.stderr));
    assert!(added.status.success(), "{said}");
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(project.join("node_modules/lib/package.json")).expect("installed"))
            .expect("a manifest");
    assert_eq!(manifest["version"], "1.0.0", "pnpm took a version younger than its minimumReleaseAge: {said}");
}
