//! The binary on the S3 blob store (`--blob-kind s3`), against a real S3-compatible server,
//! `s3s-fs`:
//!
//! - `npm_publish_and_install_through_s3`: `/readyz` answers 200; the real npm CLI publishes a
//!   tarball made by `npm pack` and installs it in another project; the tarball's bytes are an
//!   object of the bucket whose key names their SHA-256, and nothing went to the data directory;
//! - `blobs_of_refused_uploads_are_collected_from_the_bucket`: publishes that lose a race leave
//!   their tarballs in the bucket; the garbage collection (at start, grace period 1 s) deletes
//!   those and keeps the one a version refers to, which still installs;
//! - `missing_bucket_fails_the_start`: on a bucket that does not exist, `tributary serve` exits
//!   non-zero at start and says the blob store is not usable.
//! - `disposed_version_is_collected_from_the_bucket`: the real npm publishes two versions;
//!   `aws codeartifact dispose-package-versions` disposes one (described as Disposed, npm can no
//!   longer install it), and its tarball stays in the bucket until, past the grace period (1 s),
//!   `tributary gc` deletes that object; the other version's object stays, and npm installs that
//!   version from it.
//! - `presigned_downloads_redirect_to_the_bucket`: with presigned downloads on, a tarball's
//!   download answers 307 to a presigned URL of its object, which opens it without credentials
//!   (and, changed, does not); a HEAD is answered by the server (the URL is signed for GET); the
//!   real npm follows the redirect and installs the tarball's exact bytes.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use sha2::Digest as _;
use tributary_tests::npm_fixture::{PackageSpec, npm_command, npm_pack};
use tributary_tests::s3s_fs::{BUCKET, S3sFs};
use tributary_tests::{ADMIN_ACCESS_KEY_ID, ADMIN_SECRET_ACCESS_KEY, AdminKeys, Backend, TestServer, tributary_bin};

const DOMAIN: &str = "s3d";
const REPOSITORY: &str = "store";
const PACKAGE: &str = "s3-blob-check";
const VERSION: &str = "1.0.0";

/// `npm ARGS...` in `dir` with HOME = `home`; fails the test, with npm's output, if npm fails.
#[track_caller]
fn npm(home: &Path, dir: &Path, args: &[&str]) -> Output {
    let output = npm_command(home)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("cannot run `npm {}` (is npm installed?): {e}", args.join(" ")));
    assert!(
        output.status.success(),
        "`npm {}` failed\n--- stdout ---\n{}\n--- stderr ---\n{}",
        args.join(" "),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn npm_publish_and_install_through_s3() {
    let s3 = S3sFs::start();
    let env = s3.server_env(BUCKET);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let server = TestServer::start_with_env(Backend::Sqlite, AdminKeys::Fixed, &env);

    let ready = server
        .http()
        .get(format!("{}/readyz", server.url()))
        .send()
        .await
        .unwrap_or_else(|e| panic!("`/readyz` was not answered: {e}\n{}", server.diagnose()));
    let status = ready.status();
    let body = ready.text().await.unwrap_or_default();
    assert_eq!(status, 200, "`/readyz` on the S3 blob store: {body}\n{}", server.diagnose());

    server.aws(&["create-domain", "--domain", DOMAIN]).ok();
    server.aws(&["create-repository", "--domain", DOMAIN, "--repository", REPOSITORY]).ok();
    let token = server.aws(&["get-authorization-token", "--domain", DOMAIN]).ok()["authorizationToken"]
        .as_str()
        .expect("GetAuthorizationToken answers a token")
        .to_owned();

    // A client machine: a temporary HOME whose .npmrc names the repository and the token.
    let home = tempfile::Builder::new().prefix("npm-home-").tempdir().expect("cannot make a temp HOME");
    let registry = format!("{}/npm/{DOMAIN}/{REPOSITORY}/", server.url());
    let auth_key = registry.trim_start_matches("http:");
    std::fs::write(
        home.path().join(".npmrc"),
        format!("registry={registry}\n{auth_key}:_authToken={token}\nfetch-retries=0\n"),
    )
    .expect("cannot write .npmrc");

    // Publish the very tarball `npm pack` made, so the bytes the bucket must hold are known.
    let packed = npm_pack(&[PackageSpec::new(PACKAGE, VERSION)]).remove(0);
    let tarball = home.path().join(packed.filename());
    std::fs::write(&tarball, &packed.tarball).expect("cannot write the tarball");
    let tarball_arg = tarball.to_str().expect("a UTF-8 temp path");
    npm(home.path(), home.path(), &["publish", tarball_arg]);

    // Install it in another project, with a fresh cache: its bytes come back from the bucket.
    let project = home.path().join("project");
    std::fs::create_dir_all(&project).expect("cannot make the project folder");
    std::fs::write(
        project.join("package.json"),
        json!({"name": "consumer", "version": "1.0.0", "private": true}).to_string(),
    )
    .expect("cannot write package.json");
    let cache = home.path().join("install-cache");
    let cache_arg = cache.to_str().expect("a UTF-8 temp path");
    npm(home.path(), &project, &["install", &format!("{PACKAGE}@{VERSION}"), "--cache", cache_arg]);
    let installed: Value = serde_json::from_slice(
        &std::fs::read(project.join("node_modules").join(PACKAGE).join("package.json"))
            .unwrap_or_else(|e| panic!("`npm install` did not install `{PACKAGE}`: {e}")),
    )
    .expect("the installed package.json is JSON");
    assert_eq!(installed["version"], VERSION, "the installed version");
    let lock: Value =
        serde_json::from_slice(&std::fs::read(project.join("package-lock.json")).expect("npm wrote a lockfile"))
            .expect("the lockfile is JSON");
    let locked = &lock["packages"][format!("node_modules/{PACKAGE}")];
    assert_eq!(locked["integrity"], packed.integrity().as_str(), "the installed tarball's integrity: {locked}");
    assert!(
        locked["resolved"].as_str().is_some_and(|url| url.starts_with(&registry)),
        "the tarball was not resolved from the repository: {locked}"
    );

    // The tarball is an object of the bucket, under a key naming its SHA-256.
    let sha256: String = sha2::Sha256::digest(&packed.tarball).iter().map(|b| format!("{b:02x}")).collect();
    let objects = s3.objects(BUCKET);
    let keys: Vec<&str> = objects.iter().map(|(key, _)| key.as_str()).collect();
    let holding: Vec<&str> =
        objects.iter().filter(|(_, bytes)| *bytes == packed.tarball).map(|(key, _)| key.as_str()).collect();
    assert!(
        !holding.is_empty(),
        "no object of bucket `{BUCKET}` holds the tarball ({} bytes, sha256 {sha256}); the objects: {keys:?}",
        packed.tarball.len()
    );
    assert!(
        holding.iter().any(|key| key.contains(&sha256)),
        "the objects holding the tarball have keys without its sha256 {sha256}: {holding:?}"
    );
    // And the filesystem store was not used.
    assert!(
        !server.data_dir().join("blobs").exists(),
        "the server wrote a `blobs` directory in its data directory although its blob store is S3"
    );
}

#[test]
fn missing_bucket_fails_the_start() {
    let s3 = S3sFs::start();
    let data_dir = tempfile::Builder::new().prefix("tributary-e2e-").tempdir().expect("cannot make a temp dir");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("cannot find a free port")
        .port();
    let mut command = Command::new(tributary_bin());
    // Only these settings: none of the developer's `TRIBUTARY_*` variables.
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("TRIBUTARY_") {
            command.env_remove(name);
        }
    }
    let mut child = command
        .arg("serve")
        .arg("--data-dir")
        .arg(data_dir.path())
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .env("TRIBUTARY_LOG", "info")
        .env("TRIBUTARY_ADMIN_ACCESS_KEY_ID", ADMIN_ACCESS_KEY_ID)
        .env("TRIBUTARY_ADMIN_SECRET_ACCESS_KEY", ADMIN_SECRET_ACCESS_KEY)
        .envs(s3.server_env("no-such-bucket"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start `{}`: {e}", tributary_bin().display()));
    let deadline = Instant::now() + Duration::from_secs(15);
    while child.try_wait().expect("cannot poll the server").is_none() {
        if Instant::now() >= deadline {
            let _ = child.kill();
            let output = child.wait_with_output().expect("cannot collect the server's output");
            panic!(
                "`tributary serve` on a missing bucket still runs after 15 s; it should refuse to start\n--- stderr ---\n{}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let output = child.wait_with_output().expect("cannot collect the server's output");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "`tributary serve` on a missing bucket exited successfully\n{stderr}");
    assert!(
        stderr.contains("blob store") && stderr.contains("no-such-bucket"),
        "the start failure should name the blob store and the bucket:\n{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blobs_of_refused_uploads_are_collected_from_the_bucket() {
    use tributary_tests::npm_fixture::{honest_body, tgz};
    let s3 = S3sFs::start();
    let mut env = s3.server_env(BUCKET);
    env.push(("TRIBUTARY_BLOB_GC_GRACE_SECONDS", "1".to_owned()));
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut server = TestServer::start_with_env(Backend::Sqlite, AdminKeys::Fixed, &env);
    let token = tributary_tests::scenario::one_repository(&server.sdk_client(), DOMAIN, REPOSITORY).await;
    let registry = format!("{}/npm/{DOMAIN}/{REPOSITORY}/", server.url());
    let blobs = |s3: &S3sFs| -> Vec<Vec<u8>> {
        s3.objects(BUCKET).into_iter().filter(|(key, _)| key.contains("/sha256/")).map(|(_, bytes)| bytes).collect()
    };

    // Five publishes of one version, each with other bytes, one after the other: the first wins.
    let mut tarballs = Vec::new();
    for i in 0..5 {
        let tarball = tgz(&[
            ("package/package.json", br#"{"name":"raced","version":"1.0.0"}"#.as_slice()),
            ("package/index.js", format!("module.exports = {i};\n").as_bytes()),
        ]);
        let response = server
            .http()
            .put(format!("{registry}raced"))
            .bearer_auth(&token)
            .json(&honest_body("raced", "1.0.0", &tarball))
            .send()
            .await
            .expect("the publish is answered");
        assert_eq!(response.status().as_u16(), if i == 0 { 200 } else { 409 }, "publish {i}");
        tarballs.push(tarball);
    }
    assert_eq!(blobs(&s3).len(), 5, "each publish stored its tarball before its version was refused");

    std::thread::sleep(Duration::from_millis(1500));
    server.restart();
    // The collection runs beside the serving, from the start.
    let deadline = Instant::now() + Duration::from_secs(30);
    while blobs(&s3).len() > 1 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(blobs(&s3), [tarballs[0].clone()], "only the blob a version refers to is kept\n{}", server.diagnose());
    let download = server
        .http()
        .get(format!("{registry}raced/-/raced-1.0.0.tgz"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("the download is answered");
    assert_eq!(download.status().as_u16(), 200);
    assert_eq!(download.bytes().await.expect("a body").as_ref(), tarballs[0].as_slice(), "the published tarball");
}

/// The SHA-256 of `bytes`, hex.
fn sha256_hex(bytes: &[u8]) -> String {
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// The keys of the objects of [`BUCKET`] whose key names `sha256`, each checked to hold `bytes`.
#[track_caller]
fn objects_named(s3: &S3sFs, sha256: &str, bytes: &[u8]) -> Vec<String> {
    let mut keys = Vec::new();
    for (key, stored) in s3.objects(BUCKET) {
        if key.contains(sha256) {
            assert!(stored == bytes, "the object `{key}` names {sha256} but holds other bytes");
            keys.push(key);
        }
    }
    keys
}

/// A client HOME whose `.npmrc` points npm at `DOMAIN/REPOSITORY` of `server` with `token`.
fn npm_home(server: &TestServer, token: &str) -> (tempfile::TempDir, String) {
    let home = tempfile::Builder::new().prefix("npm-home-").tempdir().expect("cannot make a temp HOME");
    let registry = format!("{}/npm/{DOMAIN}/{REPOSITORY}/", server.url());
    let auth_key = registry.trim_start_matches("http:");
    std::fs::write(
        home.path().join(".npmrc"),
        format!("registry={registry}\n{auth_key}:_authToken={token}\nfetch-retries=0\n"),
    )
    .expect("cannot write .npmrc");
    (home, registry)
}

/// A fresh project below `home`, named `name`, and a fresh npm cache for it (as an argument).
fn fresh_project(home: &Path, name: &str) -> (std::path::PathBuf, String) {
    let project = home.join(name);
    std::fs::create_dir_all(&project).expect("cannot make the project folder");
    std::fs::write(
        project.join("package.json"),
        json!({"name": name, "version": "1.0.0", "private": true}).to_string(),
    )
    .expect("cannot write package.json");
    let cache = home.join(format!("{name}-cache")).to_str().expect("a UTF-8 temp path").to_owned();
    (project, cache)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disposed_version_is_collected_from_the_bucket() {
    const NAME: &str = "s3-dispose-check";
    let s3 = S3sFs::start();
    let mut env = s3.server_env(BUCKET);
    env.push(("TRIBUTARY_BLOB_GC_GRACE_SECONDS", "1".to_owned()));
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let server = TestServer::start_with_env(Backend::Sqlite, AdminKeys::Fixed, &env);
    let token = tributary_tests::scenario::one_repository(&server.sdk_client(), DOMAIN, REPOSITORY).await;
    let (home, registry) = npm_home(&server, &token);

    let packs = npm_pack(&[PackageSpec::new(NAME, "1.0.0"), PackageSpec::new(NAME, "2.0.0")]);
    for packed in &packs {
        let tarball = home.path().join(packed.filename());
        std::fs::write(&tarball, &packed.tarball).expect("cannot write the tarball");
        npm(home.path(), home.path(), &["publish", tarball.to_str().expect("a UTF-8 temp path")]);
    }
    let (doomed, kept) = (&packs[0], &packs[1]);
    let (doomed_sha, kept_sha) = (sha256_hex(&doomed.tarball), sha256_hex(&kept.tarball));
    assert_eq!(objects_named(&s3, &doomed_sha, &doomed.tarball).len(), 1, "1.0.0's tarball is an object");
    assert_eq!(objects_named(&s3, &kept_sha, &kept.tarball).len(), 1, "2.0.0's tarball is an object");

    let package = ["--domain", DOMAIN, "--repository", REPOSITORY, "--format", "npm", "--package", NAME];
    let disposed = server.aws(&[&["dispose-package-versions"], &package[..], &["--versions", "1.0.0"]].concat()).ok();
    assert_eq!(disposed["successfulVersions"]["1.0.0"]["status"], "Disposed", "{disposed}");
    let status_of = |version: &str| {
        let described =
            server.aws(&[&["describe-package-version"], &package[..], &["--package-version", version]].concat()).ok();
        described["packageVersion"]["status"].as_str().unwrap_or_else(|| panic!("no status in {described}")).to_owned()
    };
    assert_eq!(status_of("1.0.0"), "Disposed");
    assert_eq!(status_of("2.0.0"), "Published");
    assert_eq!(
        objects_named(&s3, &doomed_sha, &doomed.tarball).len(),
        1,
        "a disposal deletes no bytes: the garbage collection does"
    );
    let (project, cache) = fresh_project(home.path(), "wants-disposed");
    let refused = npm_command(home.path())
        .args(["install", &format!("{NAME}@1.0.0"), "--cache", &cache])
        .current_dir(&project)
        .output()
        .expect("npm runs");
    assert!(
        !refused.status.success(),
        "npm installed the disposed 1.0.0:\n{}",
        String::from_utf8_lossy(&refused.stdout)
    );

    // `tributary gc` deletes the object once it has been unreferenced for the grace period; it
    // is run until then (the publishes may be younger than the grace period), never the server's
    // own collection (at start and hourly: the server is not restarted).
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut deleted = 0;
    let mut runs = Vec::new();
    loop {
        let collected = server.run_tributary(&["gc"]);
        let said = String::from_utf8_lossy(&collected.stdout).into_owned();
        assert!(
            collected.status.success(),
            "`tributary gc` failed: {said}{}",
            String::from_utf8_lossy(&collected.stderr)
        );
        deleted += said
            .split_whitespace()
            .next()
            .and_then(|n| n.parse::<u64>().ok())
            .unwrap_or_else(|| panic!("`tributary gc` printed no count: {said}"));
        runs.push(said.trim().to_owned());
        assert_eq!(
            objects_named(&s3, &kept_sha, &kept.tarball).len(),
            1,
            "the object of the version that stays was deleted: {runs:?}"
        );
        if objects_named(&s3, &doomed_sha, &doomed.tarball).is_empty() {
            break;
        }
        assert!(Instant::now() < deadline, "the disposed version's object survived `tributary gc`: {runs:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(deleted, 1, "one blob, the disposed tarball, was garbage: {runs:?}");

    // The version that stays installs, with its bytes, from the bucket.
    let (project, cache) = fresh_project(home.path(), "wants-kept");
    npm(home.path(), &project, &["install", &format!("{NAME}@2.0.0"), "--cache", &cache]);
    let lock: Value =
        serde_json::from_slice(&std::fs::read(project.join("package-lock.json")).expect("npm wrote a lockfile"))
            .expect("the lockfile is JSON");
    let locked = &lock["packages"][format!("node_modules/{NAME}")];
    assert_eq!(locked["version"], "2.0.0", "{locked}");
    assert_eq!(locked["integrity"], kept.integrity().as_str(), "the installed tarball's integrity: {locked}");
    assert!(
        locked["resolved"].as_str().is_some_and(|url| url.starts_with(&registry)),
        "the tarball was not resolved from the repository: {locked}"
    );
    let installed: Value = serde_json::from_slice(
        &std::fs::read(project.join("node_modules").join(NAME).join("package.json")).expect("npm installed it"),
    )
    .expect("the installed package.json is JSON");
    assert_eq!(installed["version"], "2.0.0");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presigned_downloads_redirect_to_the_bucket() {
    const NAME: &str = "s3-presigned-check";
    let s3 = S3sFs::start();
    let mut env = s3.server_env(BUCKET);
    env.push(("TRIBUTARY_BLOB_S3_PRESIGNED_DOWNLOADS_SECONDS", "300".to_owned()));
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let server = TestServer::start_with_env(Backend::Sqlite, AdminKeys::Fixed, &env);
    server.aws(&["create-domain", "--domain", DOMAIN]).ok();
    server.aws(&["create-repository", "--domain", DOMAIN, "--repository", REPOSITORY]).ok();
    let token = server.aws(&["get-authorization-token", "--domain", DOMAIN]).ok()["authorizationToken"]
        .as_str()
        .expect("a token")
        .to_owned();
    let (home, registry) = npm_home(&server, &token);
    let packed = npm_pack(&[PackageSpec::new(NAME, VERSION)]).remove(0);
    let tarball = home.path().join(packed.filename());
    std::fs::write(&tarball, &packed.tarball).expect("cannot write the tarball");
    npm(home.path(), home.path(), &["publish", tarball.to_str().expect("a UTF-8 path")]);

    // The download answers a redirect to the object, signed for a while; the URL alone opens it,
    // and not once changed.
    let no_redirects =
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("a client");
    let url = format!("{registry}{}", packed.tarball_path().trim_start_matches('/'));
    let answer = no_redirects.get(&url).bearer_auth(&token).send().await.expect("an answer");
    assert_eq!(answer.status().as_u16(), 307, "{}", answer.text().await.unwrap_or_default());
    let location = answer.headers()["location"].to_str().expect("a location").to_owned();
    assert!(
        location.starts_with(s3.endpoint())
            && location.contains("X-Amz-Signature=")
            && location.contains("X-Amz-Expires=300"),
        "{location}"
    );
    let direct = no_redirects.get(&location).send().await.expect("an answer");
    assert_eq!(direct.status().as_u16(), 200);
    assert_eq!(direct.bytes().await.expect("the bytes").as_ref(), packed.tarball.as_slice());
    // A HEAD (Maven's and Gradle's checks) is answered here: the URL is signed for GET only.
    let head = no_redirects.head(&url).bearer_auth(&token).send().await.expect("an answer");
    assert_eq!(head.status().as_u16(), 200);
    assert_eq!(head.headers()["content-length"].to_str().ok(), Some(packed.tarball.len().to_string().as_str()));
    let tampered = location.replace("X-Amz-Expires=300", "X-Amz-Expires=3000");
    let refused = no_redirects.get(&tampered).send().await.expect("an answer");
    assert_eq!(refused.status().as_u16(), 403, "a changed presigned URL opened the object");

    // The real npm follows it and installs the very bytes.
    let (project, cache) = fresh_project(home.path(), "presigned");
    npm(home.path(), &project, &["install", &format!("{NAME}@{VERSION}"), "--cache", &cache]);
    let lock: Value =
        serde_json::from_slice(&std::fs::read(project.join("package-lock.json")).expect("npm wrote a lockfile"))
            .expect("the lockfile is JSON");
    let locked = &lock["packages"][format!("node_modules/{NAME}")];
    assert_eq!(locked["integrity"], packed.integrity().as_str(), "{locked}");
}
