//! Crash safety: the server is killed with SIGKILL at pseudo-random points of a publish (npm,
//! PyPI, Maven) or of an upstream ingest, 100 times in all, and started again. After every
//! restart: every version the control plane lists has all its files, each with the bytes its
//! digests name (no visible partial version, no metadata row without its blob), and the
//! temporary files of killed uploads are gone. At the end, once the grace period has passed, the
//! blobs on disk are exactly those some version refers to.
//!
//! The points are drawn from a fixed seed (printed), so a failure can be replayed.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use aws_sdk_codeartifact::types::PackageFormat;
use sha2::Digest as _;
use tributary_tests::fault_fixture::{Fault, FaultFixture};
use tributary_tests::npm_fixture::{honest_body, integrity_of, sha1_hex, tgz};
use tributary_tests::pypi_fixture::{DistSpec, build_wheel, twine_fields, upload_form};
use tributary_tests::scenario::{chain, server_with_upstream};
use tributary_tests::{Backend, TestServer};

/// Kills in all.
const KILLS: u64 = 100;
/// The longest wait before a kill: a little longer than the operations take on a debug build,
/// so that some finish and most are cut at every stage.
const LONGEST_DELAY_MS: u64 = 1000;

/// A small deterministic generator (xorshift64*), so the kill points replay.
struct Draw(u64);

impl Draw {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn bytes(&mut self, len: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(len + 8);
        while out.len() < len {
            out.extend_from_slice(&self.next().to_le_bytes());
        }
        out.truncate(len);
        out
    }
}

/// One operation to interrupt.
#[derive(Debug, Clone, Copy)]
enum Operation {
    NpmPublish,
    PypiUpload,
    MavenDeploy,
    NpmIngest,
}

/// Builds the request(s) of `operation` number `i` and sends them; the answers do not matter
/// (the server is killed under them).
async fn run(operation: Operation, i: u64, url: &str, token: &str, fixture: &FaultFixture, draw: &mut Draw) {
    let client = reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(30)).build().expect("a client");
    match operation {
        Operation::NpmPublish => {
            let version = format!("1.0.{i}");
            let manifest = format!(r#"{{"name":"crash-npm","version":"{version}"}}"#);
            let noise = draw.bytes(3 * 1024 * 1024);
            let tarball = tgz(&[("package/package.json", manifest.as_bytes()), ("package/noise.bin", &noise)]);
            let body = honest_body("crash-npm", &version, &tarball);
            let _ = client.put(format!("{url}/npm/acme/aa/crash-npm")).bearer_auth(token).json(&body).send().await;
        }
        Operation::PypiUpload => {
            let wheel = build_wheel(
                &DistSpec::new("crashpy", &format!("1.0.{i}")).file("crashpy/noise.bin", draw.bytes(2 * 1024 * 1024)),
            );
            let (content_type, body) = upload_form(&twine_fields(&wheel), &wheel.filename, &wheel.bytes);
            let _ = client
                .post(format!("{url}/pypi/acme/aa/"))
                .basic_auth("aws", Some(token))
                .header("content-type", content_type)
                .body(body)
                .send()
                .await;
        }
        Operation::MavenDeploy => {
            let version = format!("1.0.{i}");
            let base = format!("{url}/maven/acme/aa/com/acme/crash");
            let pom = format!(
                "<project><modelVersion>4.0.0</modelVersion><groupId>com.acme</groupId><artifactId>crash</artifactId><version>{version}</version></project>"
            );
            let metadata = format!(
                "<metadata><groupId>com.acme</groupId><artifactId>crash</artifactId><versioning><release>{version}</release><versions><version>{version}</version></versions></versioning></metadata>"
            );
            for (path, body) in [
                (format!("{version}/crash-{version}.jar"), draw.bytes(2 * 1024 * 1024)),
                (format!("{version}/crash-{version}.pom"), pom.into_bytes()),
                ("maven-metadata.xml".to_owned(), metadata.into_bytes()),
            ] {
                let sent = client.put(format!("{base}/{path}")).basic_auth("aws", Some(token)).body(body).send().await;
                if sent.is_err() {
                    return;
                }
            }
        }
        Operation::NpmIngest => {
            let name = format!("ingest-{i}");
            let manifest = format!(r#"{{"name":"{name}","version":"1.0.0"}}"#);
            let noise = draw.bytes(3 * 1024 * 1024);
            let tarball = tgz(&[("package/package.json", manifest.as_bytes()), ("package/noise.bin", &noise)]);
            let packument = serde_json::json!({
                "name": name,
                "dist-tags": {"latest": "1.0.0"},
                "versions": {"1.0.0": {"name": name, "version": "1.0.0", "dist": {
                    "tarball": format!("{}/{name}/-/{name}-1.0.0.tgz", fixture.url()),
                    "integrity": integrity_of(&tarball),
                    "shasum": sha1_hex(&tarball),
                }}},
            });
            fixture.set(
                &format!("/{name}"),
                Fault::Serve { content_type: "application/json", body: packument.to_string().into_bytes() },
            );
            fixture.set(
                &format!("/{name}/-/{name}-1.0.0.tgz"),
                Fault::Serve { content_type: "application/octet-stream", body: tarball },
            );
            let _ = client.get(format!("{url}/npm/acme/aa/{name}/-/{name}-1.0.0.tgz")).bearer_auth(token).send().await;
        }
    }
}

/// Every asset of every version the control plane lists in `repositories`, checked against its
/// blob: returns the SHA-256 of each.
async fn check_every_listed_file(server: &TestServer, repositories: &[&str]) -> BTreeSet<String> {
    let sdk = server.sdk_client();
    let on_disk = blob_files(server);
    let mut seen = BTreeSet::new();
    for repository in repositories {
        let packages = sdk.list_packages().domain("acme").repository(*repository).send().await.expect("list packages");
        for package in packages.packages() {
            let format = package.format().cloned().expect("a format");
            let name = package.package().expect("a name");
            let versions = sdk
                .list_package_versions()
                .domain("acme")
                .repository(*repository)
                .format(format.clone())
                .set_namespace(package.namespace().map(str::to_owned))
                .package(name)
                .send()
                .await
                .expect("list versions");
            for version in versions.versions() {
                let number = version.version();
                let assets = sdk
                    .list_package_version_assets()
                    .domain("acme")
                    .repository(*repository)
                    .format(format.clone())
                    .set_namespace(package.namespace().map(str::to_owned))
                    .package(name)
                    .package_version(number)
                    .send()
                    .await
                    .expect("list assets");
                let what = format!("{repository}: {format:?} {name} {number}");
                assert!(
                    !assets.assets().is_empty() || format == PackageFormat::Maven,
                    "{what} is listed without a file"
                );
                for asset in assets.assets() {
                    let file = asset.name();
                    let declared = asset
                        .hashes()
                        .and_then(|h| h.get(&aws_sdk_codeartifact::types::HashAlgorithm::Sha256))
                        .cloned()
                        .expect("a SHA-256");
                    // An Unfinished version's files are not served yet: its blobs must be on disk.
                    if version.status() == &aws_sdk_codeartifact::types::PackageVersionStatus::Unfinished {
                        assert!(on_disk.contains(&declared), "{what}: the blob of `{file}` is missing");
                        seen.insert(declared);
                        continue;
                    }
                    let body = sdk
                        .get_package_version_asset()
                        .domain("acme")
                        .repository(*repository)
                        .format(format.clone())
                        .set_namespace(package.namespace().map(str::to_owned))
                        .package(name)
                        .package_version(number)
                        .asset(file)
                        .send()
                        .await
                        .unwrap_or_else(|e| panic!("{what}: `{file}` is listed but cannot be read: {e:?}"));
                    let bytes = body.asset.collect().await.expect("the asset's bytes").into_bytes();
                    assert_eq!(
                        format!("{:x}", sha2::Sha256::digest(&bytes)),
                        declared,
                        "{what}: `{file}` has other bytes"
                    );
                    seen.insert(declared);
                    // A PyPI distribution's core metadata is a file of the version, served but
                    // not listed (as CodeArtifact lists a PyPI version's assets): its blob is
                    // referred to as well.
                    if format == PackageFormat::Pypi {
                        let metadata = sdk
                            .get_package_version_asset()
                            .domain("acme")
                            .repository(*repository)
                            .format(format.clone())
                            .package(name)
                            .package_version(number)
                            .asset(format!("{file}.metadata"))
                            .send()
                            .await;
                        if let Ok(metadata) = metadata {
                            let bytes = metadata.asset.collect().await.expect("the metadata's bytes").into_bytes();
                            seen.insert(format!("{:x}", sha2::Sha256::digest(&bytes)));
                        }
                    }
                }
            }
        }
    }
    seen
}

/// The SHA-256 names of the blob files on disk.
fn blob_files(server: &TestServer) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut dirs = vec![server.data_dir().join("blobs")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            if entry.file_name() == ".tmp" {
                continue;
            }
            if entry.path().is_dir() {
                dirs.push(entry.path());
            } else {
                found.insert(entry.file_name().to_string_lossy().into_owned());
            }
        }
    }
    found
}

/// Waits up to `limit` for `ready`.
async fn eventually(limit: Duration, mut ready: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    while !ready() {
        if Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    true
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_at_random_points_leaves_nothing_partial() {
    let seed = 0x7121_b07a_5eed_u64;
    eprintln!("crash test seed: {seed:#x}");
    let mut draw = Draw(seed);
    let fixture = FaultFixture::start();
    let mut server = server_with_upstream(
        Backend::Sqlite,
        "TRIBUTARY_EXTERNAL_PUBLIC_NPMJS_URL",
        &fixture.url(),
        &[("TRIBUTARY_BLOB_GC_GRACE_SECONDS", "2")],
    );
    let sdk = server.sdk_client();
    let token = chain(&sdk, "acme", "gw", "public:npmjs").await;
    let operations = [Operation::NpmPublish, Operation::PypiUpload, Operation::MavenDeploy, Operation::NpmIngest];
    let mut interrupted = 0;
    for i in 0..KILLS {
        let operation = operations[usize::try_from(i).unwrap_or(0) % operations.len()];
        let delay = Duration::from_millis(draw.next() % LONGEST_DELAY_MS);
        let url = server.url();
        let mut op_draw = Draw(draw.next() | 1);
        let running = {
            let (url, token) = (url.clone(), token.clone());
            let fixture = &fixture;
            async move {
                run(operation, i, &url, &token, fixture, &mut op_draw).await;
            }
        };
        let finished = tokio::select! {
            () = running => true,
            () = tokio::time::sleep(delay) => false,
        };
        if !finished {
            interrupted += 1;
        }
        server.restart();
        let temp = server.data_dir().join("blobs/.tmp");
        let cleaned =
            eventually(Duration::from_secs(10), || std::fs::read_dir(&temp).map(|d| d.count() == 0).unwrap_or(true))
                .await;
        assert!(cleaned, "kill {i} ({operation:?} after {delay:?}): temporary files survived the restart");
        check_every_listed_file(&server, &["aa", "gw"]).await;
    }
    eprintln!("{interrupted} of {KILLS} operations were killed mid-way");
    assert!(interrupted >= KILLS / 4, "the kills must land mid-operation often: {interrupted} of {KILLS}");

    // Once the grace period has passed, a start keeps exactly the blobs some version refers to.
    tokio::time::sleep(Duration::from_secs(3)).await;
    server.restart();
    let referenced = check_every_listed_file(&server, &["aa", "gw"]).await;
    let collected = eventually(Duration::from_secs(20), || blob_files(&server) == referenced).await;
    assert!(
        collected,
        "blobs on disk {} vs referenced {}: unreferenced blobs survived the grace period",
        blob_files(&server).len(),
        referenced.len()
    );
}
