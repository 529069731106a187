//! A fleet (issue 17; docs/ARCHITECTURE.md, "A fleet"): three servers on one PostgreSQL database
//! and one S3 bucket (s3s-fs).
//! What one of them changes retires the others' cached entries at once (PostgreSQL's
//! `LISTEN`/`NOTIFY`), not when their TTLs end (5 s for graphs and rules, 30 s for documents and
//! downloads, 60 s for principals).
//!
//! - `changes_reach_every_server_at_once`: a version each server has served (its packument and its
//!   tarball, so cached everywhere) is archived through the first server: the other two stop
//!   listing it and refuse its tarball within 2 s. A repository deleted through the first is gone
//!   from the others as fast, and a token revoked through the first is refused by them too. Each
//!   delay is printed.
//! - `a_registry_document_is_read_once_per_fleet`: three servers on one chain to the npm fixture
//!   ask the registry once for a packument, whether they need it one after another or at the
//!   same moment, once for a package it does not have, and once for a tarball.
//! - `stops_cleanly_on_sigterm`: a server of a fleet asked to stop (SIGTERM, as an orchestrator
//!   does at each rolling update) exits with success, having let go of its listening connection
//!   inside its runtime (it once aborted there).

use std::time::{Duration, Instant, SystemTime};

use serde_json::Value;
use tributary_tests::npm_fixture::{NpmFixture, PackageSpec, honest_body, npm_pack};
use tributary_tests::s3s_fs::{BUCKET, S3sFs};
use tributary_tests::scenario::chain;
use tributary_tests::{AdminKeys, Backend, TestServer, create_domain, create_repository, token_for};

/// Well below every TTL the changes would otherwise wait out (the shortest is 5 s).
const AT_ONCE: Duration = Duration::from_secs(2);

async fn answer(server: &TestServer, token: &str, path: &str) -> (u16, String) {
    let request = server.http().get(format!("{}{path}", server.url())).bearer_auth(token);
    let answer = request.send().await.expect("an answer");
    (answer.status().as_u16(), answer.text().await.unwrap_or_default())
}

async fn status(server: &TestServer, token: &str, path: &str) -> u16 {
    answer(server, token, path).await.0
}

async fn versions(server: &TestServer, token: &str) -> Vec<String> {
    let request = server.http().get(format!("{}/npm/acme/app/lib", server.url())).bearer_auth(token);
    let packument: Value = request.send().await.expect("an answer").json().await.expect("a packument");
    packument["versions"].as_object().map(|v| v.keys().cloned().collect()).unwrap_or_default()
}

/// Waits until `seen` holds on every server of `others`, each asked in turn: fails unless the
/// slowest saw it within [`AT_ONCE`] of `since`.
async fn seen_at_once(others: &[&TestServer], what: &str, since: Instant, seen: impl AsyncFn(&TestServer) -> bool) {
    for server in others {
        while !seen(server).await {
            assert!(since.elapsed() < AT_ONCE * 10, "{what}: not seen by {} after {:?}", server.url(), since.elapsed());
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    let took = since.elapsed();
    println!("{what}: seen by every other server {took:?} after the change");
    assert!(took < AT_ONCE, "{what}: seen by every other server only {took:?} after the change");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_reach_every_server_at_once() {
    // One bucket for the fleet's blobs, as in production.
    let s3 = S3sFs::start();
    let env = s3.server_env(BUCKET);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let first = TestServer::start_with_env(Backend::Postgres, AdminKeys::Fixed, &env);
    let (second, third) = (first.replica(), first.replica());
    let others = [&second, &third];
    let sdk = first.sdk_client();
    create_domain(&sdk, "acme").await;
    create_repository(&sdk, "acme", "app", &[]).await;
    create_repository(&sdk, "acme", "scratch", &[]).await;
    let token = token_for(&sdk, "acme").await;

    let packs = npm_pack(&[PackageSpec::new("lib", "1.0.0"), PackageSpec::new("lib", "1.1.0")]);
    for packed in &packs {
        let body = honest_body("lib", packed.manifest["version"].as_str().unwrap_or_default(), &packed.tarball);
        let url = format!("{}/npm/acme/app/lib", first.url());
        let published = first.http().put(url).bearer_auth(&token).json(&body).send().await.expect("an answer");
        assert_eq!(published.status().as_u16(), 200, "{}", published.text().await.unwrap_or_default());
    }
    let tarball = format!("/npm/acme/app/{}", packs[0].tarball_path());
    // Every server serves both versions, and has them cached.
    for server in [&first, &second, &third] {
        for _ in 0..2 {
            let mut listed = versions(server, &token).await;
            listed.sort();
            assert_eq!(listed, ["1.0.0", "1.1.0"], "{}", server.url());
            assert_eq!(status(server, &token, &tarball).await, 200, "{}", server.url());
        }
    }

    // Archived through the first server: gone from the others' documents and downloads.
    first
        .aws(&[
            "update-package-versions-status",
            "--domain",
            "acme",
            "--repository",
            "app",
            "--format",
            "npm",
            "--package",
            "lib",
            "--versions",
            "1.0.0",
            "--target-status",
            "Archived",
        ])
        .ok();
    let archived = Instant::now();
    assert_ne!(status(&first, &token, &tarball).await, 200, "served where it was archived");
    seen_at_once(&others, "an archived version", archived, async |server| {
        status(server, &token, &tarball).await != 200 && versions(server, &token).await == ["1.1.0"]
    })
    .await;

    // A repository deleted through the first server is gone from the others.
    let gone = "repository `scratch` does not exist";
    for server in others {
        let (code, said) = answer(server, &token, "/npm/acme/scratch/lib").await;
        assert!(code == 404 && !said.contains(gone), "an empty repository: {code} {said}");
    }
    first.aws(&["delete-repository", "--domain", "acme", "--repository", "scratch"]).ok();
    let deleted = Instant::now();
    seen_at_once(&others, "a deleted repository", deleted, async |server| {
        answer(server, &token, "/npm/acme/scratch/lib").await.1.contains(gone)
    })
    .await;

    // A token revoked through the first server is refused by the others.
    let whoami = "/npm/acme/app/-/whoami";
    for server in others {
        assert_eq!(status(server, &token, whoami).await, 200);
    }
    let path = format!("/v1/token?id={token}");
    let revoked = first.signed("DELETE", &path, b"", SystemTime::now(), false).send().await.expect("an answer");
    assert_eq!(revoked.status().as_u16(), 200);
    let since = Instant::now();
    seen_at_once(&others, "a revoked token", since, async |server| status(server, &token, whoami).await == 401).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_registry_document_is_read_once_per_fleet() {
    let packs = npm_pack(&[PackageSpec::new("lib", "1.0.0"), PackageSpec::new("other", "2.0.0")]);
    let registry = NpmFixture::with(&packs);
    let s3 = S3sFs::start();
    let mut env = s3.server_env(BUCKET);
    env.push(("TRIBUTARY_EXTERNAL_PUBLIC_NPMJS_URL", registry.url()));
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let first = TestServer::start_with_env(Backend::Postgres, AdminKeys::Fixed, &env);
    let (second, third) = (first.replica(), first.replica());
    let fleet = [&first, &second, &third];
    let token = chain(&first.sdk_client(), "acme", "gateway", "public:npmjs").await;

    // One after another: the second and third read what the first read.
    for server in fleet {
        assert_eq!(status(server, &token, "/npm/acme/aa/lib").await, 200, "{}", server.url());
    }
    assert_eq!(registry.requests("/lib"), 1, "{:?}", registry.all_requests());
    // At the same moment: one asks, the others wait for its answer.
    let (a, b, c) = tokio::join!(
        status(&first, &token, "/npm/acme/aa/other"),
        status(&second, &token, "/npm/acme/aa/other"),
        status(&third, &token, "/npm/acme/aa/other"),
    );
    assert_eq!([a, b, c], [200; 3]);
    assert_eq!(registry.requests("/other"), 1, "{:?}", registry.all_requests());
    // What the registry does not have, it is asked about once.
    for server in fleet {
        assert_eq!(status(server, &token, "/npm/acme/aa/missing").await, 404, "{}", server.url());
    }
    assert_eq!(registry.requests("/missing"), 1, "{:?}", registry.all_requests());
    // A tarball, once (the file lease, and the shared blob store).
    let tarball = packs[0].tarball_path();
    for server in fleet {
        assert_eq!(status(server, &token, &format!("/npm/acme/aa/{tarball}")).await, 200, "{}", server.url());
    }
    assert_eq!(registry.requests(&format!("/{tarball}")), 1, "{:?}", registry.all_requests());
}

#[test]
fn stops_cleanly_on_sigterm() {
    let mut server = TestServer::start(Backend::Postgres);
    let second = server.replica();
    let status = server.terminate();
    assert!(status.success(), "the server exited with {status}:\n{}", server.stderr());
    assert!(!server.stderr().contains("panicked"), "{}", server.stderr());
    drop(second);
}
