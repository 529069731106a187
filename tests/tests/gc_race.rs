//! Garbage collection racing uploads (docs/ARCHITECTURE.md, "Garbage collection"), on SQLite and
//! PostgreSQL, with a grace period of 1 s: `gc_races_publishes_and_ingests`. (On SQLite the
//! `tributary gc` runs are a second process on the database: no request may fail for it.)
//!
//! - Before the race, each of the 30 tarballs about to be published is already garbage in the
//!   blob store: the same version was published to the repository `seed` with other bytes, then
//!   with these, which were stored and refused (409), so no version refers to them; `tributary gc
//!   --dry-run` lists every one of them once they are idle past the grace period.
//! - Then, while a loop runs `tributary gc` over and over, the 30 versions are published over HTTP
//!   (npm's publish: a PUT of a packument with the tarball attached) to the repository `pub`, and
//!   10 packages are ingested from the fixture registry (tarball downloads through `aa -> bb ->
//!   gateway(public:npmjs)`), spread over about 3 s so that they meet collections at every
//!   stage: a blob a collection is marking or deleting (idle, unreferenced) while a publish of
//!   the same bytes writes it again and commits its version, and blobs just written and not yet
//!   referenced (which the grace period keeps). A publish answered 429 (the collection had its
//!   blob: "upload again", or "retry") is sent again, as a client would; any other answer fails.
//!   The collections must have deleted some of the seeded blobs during the race (else it raced
//!   nothing), and every run succeeded.
//! - Past the grace period a final `tributary gc` runs, and its dry run finds nothing left. The
//!   server restarts (so no tarball comes from its memory), the registry goes down (so none
//!   comes from upstream), and every version published to `pub` and `seed` and every ingested
//!   one, in `aa` and in `gateway`, downloads with the bytes it was published or ingested with.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use sha2::Digest as _;
use tributary_tests::npm_fixture::{Mode, NpmFixture, PackageSpec, honest_body, npm_pack, tgz};
use tributary_tests::scenario::{chain, server_with_upstream};
use tributary_tests::{Backend, create_repository, on_both_backends};

on_both_backends!(gc_races_publishes_and_ingests);

/// Versions published during the race.
const PUBLISHED: usize = 30;
/// Packages ingested from the registry during the race.
const INGESTED: usize = 10;
/// The grace period, in seconds (`TRIBUTARY_BLOB_GC_GRACE_SECONDS`).
const GRACE_SECONDS: u64 = 1;
/// How long the race's requests are spread over.
const SPREAD: Duration = Duration::from_secs(3);

fn sha256_hex(bytes: &[u8]) -> String {
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// The tarball of `race-{i}` 1.0.0 whose `index.js` says `what`.
fn tarball(i: usize, what: &str) -> Vec<u8> {
    let manifest = format!(r#"{{"name":"race-{i:02}","version":"1.0.0"}}"#);
    let source = format!("module.exports = {what:?};\n");
    tgz(&[("package/package.json", manifest.as_bytes()), ("package/index.js", source.as_bytes())])
}

/// What one `tributary gc` of the loop did.
struct GcRun {
    started: Instant,
    ended: Instant,
    output: std::process::Output,
}

impl GcRun {
    /// The blobs it deleted, as it printed them (`N blobs deleted (...)`).
    fn deleted(&self) -> u64 {
        let said = String::from_utf8_lossy(&self.output.stdout);
        said.split_whitespace()
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("`tributary gc` printed no count: {said}"))
    }
}

/// Tells the gc loop to stop when dropped, so that a failing test (a panic) ends it too: the
/// runtime waits for its blocking task at shutdown.
struct StopOnDrop(Arc<AtomicBool>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// Seconds since the epoch, to match a failure with the server's log.
fn now() -> f64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_secs_f64()
}

/// Publishes `name` 1.0.0 with `tarball` to `repository` over HTTP, again after each 429 (for
/// 20 s at most); returns the 429 messages, or what went wrong.
async fn publish(
    http: reqwest::Client,
    base: String,
    token: String,
    repository: &'static str,
    name: String,
    tarball: Vec<u8>,
) -> Result<Vec<String>, String> {
    let url = format!("{base}/npm/acme/{repository}/{name}");
    let body = honest_body(&name, "1.0.0", &tarball).to_string();
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut throttled = Vec::new();
    loop {
        let sent = http
            .put(&url)
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await;
        let answer = sent.map_err(|e| format!("PUT {repository}/{name} at {:.3}: not answered: {e}", now()))?;
        let status = answer.status().as_u16();
        let text = answer.text().await.unwrap_or_else(|e| format!("<the body was cut: {e}>"));
        match status {
            200..=299 => return Ok(throttled),
            429 if Instant::now() < deadline => {
                throttled.push(text);
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            _ => {
                return Err(format!(
                    "PUT {repository}/{name} at {:.3}: {status} {text} (after {} 429s: {throttled:?})",
                    now(),
                    throttled.len()
                ));
            }
        }
    }
}

/// Downloads `path` (below `/npm/acme/`): the status and the body's SHA-256, or what went wrong
/// (no answer, or a body cut short).
async fn download(http: &reqwest::Client, base: &str, token: &str, path: &str) -> Result<(u16, String), String> {
    let sent = http.get(format!("{base}/npm/acme/{path}")).bearer_auth(token).send().await;
    let answer = sent.map_err(|e| format!("GET {path} at {:.3}: not answered: {e}", now()))?;
    let status = answer.status().as_u16();
    match answer.bytes().await {
        Ok(body) => Ok((status, sha256_hex(&body))),
        Err(e) => Err(format!("GET {path} at {:.3}: {status}, then the body was cut short: {e:?}", now())),
    }
}

/// Downloads the tarball at `path` until it is not a 429 (for 20 s at most): `Ok` when it has
/// the SHA-256 `expected`, else what went wrong.
async fn ingest(
    http: reqwest::Client,
    base: String,
    token: String,
    path: String,
    expected: String,
) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        match download(&http, &base, &token, &path).await? {
            (200, sha) if sha == expected => return Ok(()),
            (200, sha) => return Err(format!("GET {path} at {:.3}: 200 with sha256 {sha}, not {expected}", now())),
            (429, _) if Instant::now() < deadline => tokio::time::sleep(Duration::from_millis(250)).await,
            (status, _) => return Err(format!("GET {path} at {:.3}: {status}", now())),
        }
    }
}

/// The lines of the server's log that are warnings or errors.
fn log_problems(server: &tributary_tests::TestServer) -> String {
    let log = server.stderr();
    let lines: Vec<&str> = log.lines().filter(|l| l.contains(" ERROR ") || l.contains(" WARN ")).collect();
    lines.join("\n")
}

async fn gc_races_publishes_and_ingests(backend: Backend) {
    let upstream: Vec<PackageSpec> = (0..INGESTED).map(|j| PackageSpec::new(&format!("up-{j:02}"), "1.0.0")).collect();
    let ingested = npm_pack(&upstream);
    let fixture = NpmFixture::with(&ingested);
    let grace = GRACE_SECONDS.to_string();
    let server = server_with_upstream(
        backend,
        "TRIBUTARY_EXTERNAL_PUBLIC_NPMJS_URL",
        &fixture.url(),
        &[("TRIBUTARY_BLOB_GC_GRACE_SECONDS", &grace)],
    );
    let sdk = server.sdk_client();
    let token = chain(&sdk, "acme", "gateway", "public:npmjs").await;
    create_repository(&sdk, "acme", "pub", &[]).await;
    create_repository(&sdk, "acme", "seed", &[]).await;
    let http = server.http();
    let base = server.url();

    // The garbage: each tarball about to be published, stored by a refused publish to `seed`.
    let published: Vec<Vec<u8>> = (0..PUBLISHED).map(|i| tarball(i, &format!("published {i}"))).collect();
    let seeded: Vec<Vec<u8>> = (0..PUBLISHED).map(|i| tarball(i, &format!("seed {i}"))).collect();
    let put = |repository: &str, i: usize, bytes: &[u8]| {
        let name = format!("race-{i:02}");
        http.put(format!("{base}/npm/acme/{repository}/{name}"))
            .bearer_auth(&token)
            .json(&honest_body(&name, "1.0.0", bytes))
            .send()
    };
    for i in 0..PUBLISHED {
        let answer = put("seed", i, &seeded[i]).await.expect("the seed publish is answered");
        assert_eq!(
            answer.status().as_u16(),
            200,
            "seed publish of race-{i:02}: {}",
            answer.text().await.unwrap_or_default()
        );
        let answer = put("seed", i, &published[i]).await.expect("the refused publish is answered");
        assert_eq!(
            answer.status().as_u16(),
            409,
            "a second race-{i:02} 1.0.0 in `seed`: {}",
            answer.text().await.unwrap_or_default()
        );
    }
    let garbage: Vec<String> = published.iter().map(|t| sha256_hex(t)).collect();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let preview = server.run_tributary(&["gc", "--dry-run"]);
        let listed = String::from_utf8_lossy(&preview.stdout).into_owned();
        assert!(
            preview.status.success(),
            "`tributary gc --dry-run` failed: {listed}{}",
            String::from_utf8_lossy(&preview.stderr)
        );
        let missing: Vec<&String> = garbage.iter().filter(|sha| !listed.contains(&format!("acme {sha}"))).collect();
        if missing.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{} refused tarballs are still not listed as garbage 10 s on (a refused publish stores its tarball \
             first): {missing:?}\n{listed}",
            missing.len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // The race: `tributary gc` in a loop, the publishes and the ingests spread over `SPREAD`.
    let server = Arc::new(server);
    let stop = Arc::new(AtomicBool::new(false));
    let collector = tokio::task::spawn_blocking({
        let (server, stop) = (Arc::clone(&server), Arc::clone(&stop));
        move || {
            let mut runs = Vec::new();
            while !stop.load(Ordering::SeqCst) {
                let started = Instant::now();
                let output = server.run_tributary(&["gc"]);
                runs.push(GcRun { started, ended: Instant::now(), output });
            }
            runs
        }
    });
    let stopper = StopOnDrop(Arc::clone(&stop));
    let race_start = Instant::now();
    let mut publishes = tokio::task::JoinSet::new();
    for (i, bytes) in published.iter().enumerate() {
        let delay =
            SPREAD * u32::try_from(i).expect("a small index") / u32::try_from(PUBLISHED).expect("a small count");
        let request = publish(http.clone(), base.clone(), token.clone(), "pub", format!("race-{i:02}"), bytes.clone());
        publishes.spawn(async move {
            tokio::time::sleep(delay).await;
            request.await
        });
    }
    let mut ingests = tokio::task::JoinSet::new();
    for (j, packed) in ingested.iter().enumerate() {
        let delay = SPREAD * u32::try_from(j).expect("a small index") / u32::try_from(INGESTED).expect("a small count");
        let path = format!("aa/{}", packed.tarball_path());
        let request = ingest(http.clone(), base.clone(), token.clone(), path, sha256_hex(&packed.tarball));
        ingests.spawn(async move {
            tokio::time::sleep(delay).await;
            request.await
        });
    }
    let mut failures = Vec::new();
    let mut throttled = Vec::new();
    for outcome in publishes.join_all().await {
        match outcome {
            Ok(messages) => throttled.extend(messages),
            Err(failure) => failures.push(failure),
        }
    }
    failures.extend(ingests.join_all().await.into_iter().filter_map(Result::err));
    let race_end = Instant::now();
    drop(stopper);
    let runs = collector.await.expect("the gc loop ran to its end");
    assert!(
        failures.is_empty(),
        "{} of the {PUBLISHED} publishes and {INGESTED} ingests failed during the race:\n{}\n--- the server's \
         warnings and errors ---\n{}",
        failures.len(),
        failures.join("\n"),
        log_problems(&server)
    );
    for run in &runs {
        assert!(
            run.output.status.success(),
            "a `tributary gc` during the race failed ({}):\n{}{}",
            run.output.status,
            String::from_utf8_lossy(&run.output.stdout),
            String::from_utf8_lossy(&run.output.stderr)
        );
    }
    let during: Vec<&GcRun> = runs.iter().filter(|r| r.started < race_end && r.ended > race_start).collect();
    let deleted: u64 = during.iter().map(|r| r.deleted()).sum();
    println!(
        "{} gc runs, {} during the race ({:?}), deleting {deleted} blobs; {} publishes answered 429: {throttled:?}",
        runs.len(),
        during.len(),
        race_end - race_start,
        throttled.len()
    );
    assert!(
        deleted > 0,
        "no collection deleted any of the seeded blobs during the race: nothing raced ({} runs)",
        during.len()
    );

    // Past the grace period: a final collection, after which nothing is left to collect.
    tokio::time::sleep(Duration::from_millis(GRACE_SECONDS * 1000 + 200).saturating_sub(race_end.elapsed())).await;
    let last = server.run_tributary(&["gc"]);
    assert!(last.status.success(), "the final `tributary gc` failed: {}", String::from_utf8_lossy(&last.stderr));
    let preview = server.run_tributary(&["gc", "--dry-run"]);
    let listed = String::from_utf8_lossy(&preview.stdout).into_owned();
    assert!(preview.status.success(), "{listed}{}", String::from_utf8_lossy(&preview.stderr));
    assert!(listed.starts_with("0 blobs"), "the final collection left garbage behind: {listed}");

    // Every version's bytes, from the blob store (no memory cache, no registry).
    let mut server = Arc::try_unwrap(server).unwrap_or_else(|_| panic!("the gc loop still holds the server"));
    server.restart();
    fixture.set_mode(Mode::Down);
    let base = server.url();
    let mut wanted: Vec<(String, String)> = Vec::new();
    for i in 0..PUBLISHED {
        let path = format!("race-{i:02}/-/race-{i:02}-1.0.0.tgz");
        wanted.push((format!("pub/{path}"), sha256_hex(&published[i])));
        wanted.push((format!("seed/{path}"), sha256_hex(&seeded[i])));
    }
    for packed in &ingested {
        for repository in ["aa", "gateway"] {
            wanted.push((format!("{repository}/{}", packed.tarball_path()), sha256_hex(&packed.tarball)));
        }
    }
    let mut wrong = Vec::new();
    for (path, expected) in &wanted {
        match download(&http, &base, &token, path).await {
            Ok((200, sha)) if &sha == expected => {}
            Ok((status, sha)) => wrong.push(format!("{path}: {status}, sha256 {sha} (expected {expected})")),
            Err(failure) => wrong.push(failure),
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} tarballs do not download as written after the race:\n{}\n{}",
        wrong.len(),
        wanted.len(),
        wrong.join("\n"),
        server.diagnose()
    );
}
