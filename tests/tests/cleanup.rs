//! Cleanup policies (issue 15, item 4), on SQLite and PostgreSQL: the chain `aa -> bb ->
//! gateway(public:npmjs)` on a fixture registry serving `lib` 1.0.0, 2.0.0 and 3.0.0, all three
//! downloaded through `aa` (so kept there, EXTERNAL), and a generic package published to `aa`
//! (INTERNAL). With `{"keepNewest": 1, "unusedDays": 0}` on `aa`, a dry run lists `lib` 1.0.0
//! and 2.0.0 and changes nothing; the cleanup disposes exactly those (the control plane shows
//! them Disposed, 3.0.0 and the published package untouched, the gateway's copies too); with
//! `unusedDays: 30` nothing recently downloaded qualifies; the policy reads back, and once
//! removed a cleanup disposes nothing. A policy with neither rule is refused.
//!
//! `download_stamps`, on both backends: the same chain, `lib` 1.0.0, 2.0.0 and 3.0.0 downloaded
//! through `aa` in that order; a cleanup dry run (`keepNewest: 1`, `unusedDays: 0`) shows 1.0.0
//! last used no later than 2.0.0. A second later 1.0.0's tarball is downloaded through `aa`
//! again (now from `aa` itself), and the dry run comes to show 1.0.0 last used after that
//! download began, later than 2.0.0 by over a second (the stamp is written off the response,
//! so the dry run is polled, for 10 s at most): the download stamp is written and cleanup reads it.

use std::time::{Duration, Instant, SystemTime};

use serde_json::{Value, json};
use tributary_tests::npm_fixture::{NpmFixture, PackageSpec, npm_pack};
use tributary_tests::pypi_fixture::sha256_hex;
use tributary_tests::scenario::{chain, server_with_upstream};
use tributary_tests::{Backend, TestServer, on_both_backends};

on_both_backends!(cleanup_by_policy, download_stamps);

async fn call(server: &TestServer, method: &str, path: &str, body: Value) -> (u16, Value) {
    let body = if body.is_null() { Vec::new() } else { body.to_string().into_bytes() };
    let answer = server.signed(method, path, &body, SystemTime::now(), false).send().await.expect("an answer");
    let status = answer.status().as_u16();
    (status, answer.json().await.unwrap_or(Value::Null))
}

fn statuses(server: &TestServer, repository: &str) -> Vec<(String, String)> {
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
            "lib",
        ])
        .ok();
    let mut found: Vec<(String, String)> = listed["versions"]
        .as_array()
        .expect("versions")
        .iter()
        .map(|v| {
            (v["version"].as_str().unwrap_or_default().to_owned(), v["status"].as_str().unwrap_or_default().to_owned())
        })
        .collect();
    found.sort();
    found
}

async fn cleanup_by_policy(backend: Backend) {
    let packs = npm_pack(&[
        PackageSpec::new("lib", "1.0.0"),
        PackageSpec::new("lib", "2.0.0"),
        PackageSpec::new("lib", "3.0.0"),
    ]);
    let fixture = NpmFixture::with(&packs);
    let server = server_with_upstream(backend, "TRIBUTARY_EXTERNAL_PUBLIC_NPMJS_URL", &fixture.url(), &[]);
    let token = chain(&server.sdk_client(), "acme", "gateway", "public:npmjs").await;
    for packed in &packs {
        let url = format!("{}/npm/acme/aa/{}", server.url(), packed.tarball_path());
        let answer = server.http().get(url).bearer_auth(&token).send().await.expect("a download");
        assert_eq!(answer.status().as_u16(), 200);
    }
    let dir = tempfile::tempdir().expect("a directory");
    let asset = dir.path().join("own.bin");
    std::fs::write(&asset, b"ours").expect("an asset");
    let asset = asset.to_string_lossy().into_owned();
    let sha256 = sha256_hex(b"ours");
    server
        .aws(&[
            "publish-package-version",
            "--domain",
            "acme",
            "--repository",
            "aa",
            "--format",
            "generic",
            "--namespace",
            "tools",
            "--package",
            "own",
            "--package-version",
            "1.0.0",
            "--asset-content",
            &asset,
            "--asset-name",
            "own.bin",
            "--asset-sha256",
            &sha256,
        ])
        .ok();
    let all_published: Vec<(String, String)> =
        ["1.0.0", "2.0.0", "3.0.0"].iter().map(|v| ((*v).to_owned(), "Published".to_owned())).collect();
    assert_eq!(statuses(&server, "aa"), all_published);

    let policy = "/v1/repository/cleanup-policy?domain=acme&repository=aa";
    let (status, refused) = call(&server, "PUT", policy, json!({ "includePublished": true })).await;
    assert_eq!(status, 400, "{refused}");
    let (status, set) = call(&server, "PUT", policy, json!({ "keepNewest": 1, "unusedDays": 0 })).await;
    assert_eq!(status, 200, "{set}");
    let (_, read) = call(&server, "GET", policy, Value::Null).await;
    assert_eq!(read["cleanupPolicy"], json!({ "unusedDays": 0, "keepNewest": 1, "includePublished": false }));

    let versions_of = |answer: &Value| {
        let mut found: Vec<String> = answer["versions"]
            .as_array()
            .expect("versions")
            .iter()
            .map(|v| {
                format!("{}@{}", v["package"].as_str().unwrap_or_default(), v["version"].as_str().unwrap_or_default())
            })
            .collect();
        found.sort();
        found
    };
    let cleanup = "/v1/repository/cleanup?domain=acme&repository=aa";
    let (status, preview) = call(&server, "POST", &format!("{cleanup}&dry-run=true"), Value::Null).await;
    assert_eq!(status, 200, "{preview}");
    assert_eq!(versions_of(&preview), ["lib@1.0.0", "lib@2.0.0"], "{preview}");
    assert_eq!(preview["dryRun"], true);
    assert_eq!(statuses(&server, "aa"), all_published, "a dry run changes nothing");

    let (status, done) = call(&server, "POST", cleanup, Value::Null).await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(versions_of(&done), ["lib@1.0.0", "lib@2.0.0"], "the cleanup disposes what the dry run listed");
    let disposed = |v: &str, s: &str| (v.to_owned(), s.to_owned());
    assert_eq!(
        statuses(&server, "aa"),
        [disposed("1.0.0", "Disposed"), disposed("2.0.0", "Disposed"), disposed("3.0.0", "Published")]
    );
    assert_eq!(statuses(&server, "gateway"), all_published, "only the repository of the policy is cleaned");
    let own = server
        .aws(&[
            "describe-package-version",
            "--domain",
            "acme",
            "--repository",
            "aa",
            "--format",
            "generic",
            "--namespace",
            "tools",
            "--package",
            "own",
            "--package-version",
            "1.0.0",
        ])
        .ok();
    assert_eq!(own["packageVersion"]["status"], "Published", "a published version is kept without includePublished");

    let (status, _) = call(&server, "PUT", policy, json!({ "keepNewest": 0, "unusedDays": 30 })).await;
    assert_eq!(status, 200);
    let (_, recent) = call(&server, "POST", &format!("{cleanup}&dry-run=true"), Value::Null).await;
    assert_eq!(versions_of(&recent), Vec::<String>::new(), "3.0.0 was downloaded just now: {recent}");
    let (status, _) = call(&server, "PUT", policy, json!({})).await;
    assert_eq!(status, 200);
    let (_, read) = call(&server, "GET", policy, Value::Null).await;
    assert_eq!(read, json!({}));
    let (_, none) = call(&server, "POST", cleanup, Value::Null).await;
    assert_eq!(versions_of(&none), Vec::<String>::new());
}

/// The `lastUsedTime` (seconds since the epoch) of each `lib` version a cleanup dry run of `aa`
/// lists.
async fn last_used(server: &TestServer) -> std::collections::BTreeMap<String, f64> {
    let (status, preview) =
        call(server, "POST", "/v1/repository/cleanup?domain=acme&repository=aa&dry-run=true", Value::Null).await;
    assert_eq!(status, 200, "{preview}");
    assert_eq!(preview["dryRun"], true, "{preview}");
    preview["versions"]
        .as_array()
        .unwrap_or_else(|| panic!("no `versions` in {preview}"))
        .iter()
        .filter(|v| v["package"] == "lib")
        .map(|v| {
            let version = v["version"].as_str().unwrap_or_else(|| panic!("a version without a number: {preview}"));
            let time = v["lastUsedTime"].as_f64().unwrap_or_else(|| panic!("no `lastUsedTime`: {preview}"));
            (version.to_owned(), time)
        })
        .collect()
}

async fn download_stamps(backend: Backend) {
    let packs = npm_pack(&[
        PackageSpec::new("lib", "1.0.0"),
        PackageSpec::new("lib", "2.0.0"),
        PackageSpec::new("lib", "3.0.0"),
    ]);
    let fixture = NpmFixture::with(&packs);
    let server = server_with_upstream(backend, "TRIBUTARY_EXTERNAL_PUBLIC_NPMJS_URL", &fixture.url(), &[]);
    let token = chain(&server.sdk_client(), "acme", "gateway", "public:npmjs").await;
    let download = |packed: &tributary_tests::npm_fixture::Packed| {
        let request =
            server.http().get(format!("{}/npm/acme/aa/{}", server.url(), packed.tarball_path())).bearer_auth(&token);
        let expected = packed.tarball.clone();
        async move {
            let answer = request.send().await.expect("a download");
            assert_eq!(answer.status().as_u16(), 200);
            let bytes = answer.bytes().await.expect("a tarball");
            assert!(bytes.as_ref() == expected.as_slice(), "the tarball's bytes changed on the way");
        }
    };
    for packed in &packs {
        download(packed).await;
    }
    let downloaded = Instant::now();
    let (status, set) = call(
        &server,
        "PUT",
        "/v1/repository/cleanup-policy?domain=acme&repository=aa",
        json!({ "keepNewest": 1, "unusedDays": 0 }),
    )
    .await;
    assert_eq!(status, 200, "{set}");
    let before = last_used(&server).await;
    let keys: Vec<&str> = before.keys().map(String::as_str).collect();
    assert_eq!(keys, ["1.0.0", "2.0.0"], "the newest, 3.0.0, is kept");
    assert!(
        before["1.0.0"] <= before["2.0.0"],
        "1.0.0 came into `aa` before 2.0.0 and was not downloaded since: {before:?}"
    );

    // Over a second later (the stamp must stand apart from 2.0.0's time), 1.0.0 again: stored in
    // `aa` now, so served from there, and its download stamped.
    tokio::time::sleep(Duration::from_millis(1100).saturating_sub(downloaded.elapsed())).await;
    let began = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).expect("after the epoch").as_secs_f64();
    download(&packs[0]).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    let stamped = loop {
        let now = last_used(&server).await;
        if now["1.0.0"] > now["2.0.0"] {
            break now;
        }
        assert!(
            Instant::now() < deadline,
            "10 s after 1.0.0 was downloaded again through `aa`, the cleanup still shows it last used at \
             {} (2.0.0: {}; before the download: {before:?}): the download stamp was not written, or not read",
            now["1.0.0"],
            now["2.0.0"]
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    // Milliseconds on the wire: a stamp taken after `began` may show up to 1 ms below it.
    assert!(stamped["1.0.0"] >= began - 0.001, "1.0.0's stamp predates its download at {began}: {stamped:?}");
    assert!(
        stamped["1.0.0"] >= stamped["2.0.0"] + 1.0,
        "1.0.0 was downloaded over a second after 2.0.0 last was: {stamped:?}"
    );
    assert_eq!(stamped["2.0.0"], before["2.0.0"], "2.0.0 was not downloaded again: {before:?} then {stamped:?}");
}
