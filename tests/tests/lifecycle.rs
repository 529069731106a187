//! Package lifecycle (issue 15, the parts built so far), with the real `aws` CLI, on SQLite and
//! PostgreSQL:
//! - `dispose_then_collect`: a generic version of two assets and another version of the same
//!   package. `dispose-package-versions` expecting the wrong status fails for that version
//!   (`MISMATCHED_STATUS`) and changes nothing; naming a stale revision fails
//!   (`MISMATCHED_REVISION`), a revision of a version not named is refused; expecting
//!   Published it becomes Disposed: listed and described as
//!   Disposed, its assets gone from the listing and the download refused, the other version
//!   untouched; it cannot be made Published again (`SKIPPED`), only deleted. After the grace
//!   period `tributary gc --dry-run` lists the disposed version's blobs and deletes nothing,
//!   `tributary gc` deletes them, and the other version's stay.
//! - `versions_by_revision`: `update-package-versions-status --version-revisions` changes a
//!   version at its revision and refuses one at another (`MISMATCHED_REVISION`); a revision of a
//!   version `versions` does not name is a ValidationException. A version's description omits
//!   the members it lacks (no `null`); a deleted package is neither described (404) nor listed.
//! - `tags`: the tags `create-domain` and `create-repository` take are listed by
//!   `list-tags-for-resource`; `tag-resource` adds and replaces, `untag-resource` removes, on a
//!   domain's and a repository's ARN; an ARN of another account is not found, a string that is
//!   no ARN is a ValidationException, more than 200 tags are refused and change nothing.
//! - `copy_between_repositories`: `copy-package-versions` from `dev` to `release` copies a
//!   version whose files then download from `release` (the same bytes, no new blob); again is
//!   `ALREADY_EXISTS`, and with `--allow-overwrite` succeeds; a version `dev` lacks is
//!   `NOT_FOUND`; a package only `dev`'s upstream `base` holds needs `--include-from-upstream`; a stale
//!   revision is `MISMATCHED_REVISION`; a disposed version is `SKIPPED`; `versions` with
//!   `versionRevisions` is a ValidationException.
//! - `unknown_operation`: a path the API does not have is a ValidationException naming
//!   `UNKNOWN_OPERATION`, not a 404 (which clients read as "the resource is gone").

use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};

use sha2::Digest as _;
use tributary_tests::{AdminKeys, Backend, TestServer, assert_mentions, on_both_backends};

on_both_backends!(dispose_then_collect, versions_by_revision, unknown_operation, tags, copy_between_repositories);

const PACKAGE: [&str; 10] =
    ["--domain", "acme", "--repository", "files", "--format", "generic", "--namespace", "tools", "--package", "thing"];

fn sha256_of(bytes: &[u8]) -> String {
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// A server whose garbage collection keeps an unreferenced blob for 1 s only.
fn server_collecting(backend: Backend) -> TestServer {
    TestServer::start_with_env(backend, AdminKeys::Fixed, &[("TRIBUTARY_BLOB_GC_GRACE_SECONDS", "1")])
}

/// `aws codeartifact OPERATION` on the package, with `extra`.
fn on_package(server: &TestServer, operation: &str, extra: &[&str]) -> tributary_tests::AwsOutput {
    let mut args = vec![operation];
    args.extend(PACKAGE);
    args.extend(extra);
    server.aws(&args)
}

/// Publishes `files` as version `version` of the package (Published after the last).
fn publish(server: &TestServer, dir: &Path, version: &str, files: &[(&str, Vec<u8>)]) {
    for (i, (name, bytes)) in files.iter().enumerate() {
        let path = dir.join(format!("{version}-{name}"));
        std::fs::write(&path, bytes).expect("an asset");
        let path = path.to_string_lossy().into_owned();
        let sha256 = sha256_of(bytes);
        let last = if i + 1 == files.len() { "--no-unfinished" } else { "--unfinished" };
        let args = [
            "--package-version",
            version,
            "--asset-content",
            &path,
            "--asset-name",
            name,
            "--asset-sha256",
            &sha256,
            last,
        ];
        on_package(server, "publish-package-version", &args).ok();
    }
}

/// The names of the blob store's files.
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

fn revision_of(server: &TestServer, version: &str) -> String {
    let described = on_package(server, "describe-package-version", &["--package-version", version]).ok();
    described["packageVersion"]["revision"].as_str().expect("a revision").to_owned()
}

fn status_of(server: &TestServer, version: &str) -> String {
    let described = on_package(server, "describe-package-version", &["--package-version", version]).ok();
    described["packageVersion"]["status"].as_str().expect("a status").to_owned()
}

async fn dispose_then_collect(backend: Backend) {
    let mut server = server_collecting(backend);
    server.aws(&["create-domain", "--domain", "acme"]).ok();
    server.aws(&["create-repository", "--domain", "acme", "--repository", "files"]).ok();
    let dir = tempfile::tempdir().expect("a directory");
    let doomed = [("a.bin", b"disposed bytes, one".to_vec()), ("b.txt", b"disposed bytes, two".to_vec())];
    let kept = [("a.bin", b"the bytes that stay".to_vec())];
    publish(&server, dir.path(), "1.0.0", &doomed);
    publish(&server, dir.path(), "2.0.0", &kept);
    let digests = |files: &[(&str, Vec<u8>)]| files.iter().map(|(_, b)| sha256_of(b)).collect::<BTreeSet<_>>();
    let stored = blob_files(&server);
    assert!(digests(&doomed).iter().chain(&digests(&kept)).all(|d| stored.iter().any(|f| f.contains(d.as_str()))));

    let wrong_status =
        on_package(&server, "dispose-package-versions", &["--versions", "1.0.0", "--expected-status", "Archived"]).ok();
    assert_eq!(wrong_status["failedVersions"]["1.0.0"]["errorCode"], "MISMATCHED_STATUS");
    assert_eq!(status_of(&server, "1.0.0"), "Published");
    let stray =
        on_package(&server, "dispose-package-versions", &["--versions", "1.0.0", "--version-revisions", "2.0.0=stale"])
            .error("ValidationException", "DisposePackageVersions");
    assert_mentions(&stray, &["`versionRevisions`", "`2.0.0`"]);
    let stale_revision = ["--versions", "1.0.0", "--version-revisions", "1.0.0=not-the-revision"];
    let stale = on_package(&server, "dispose-package-versions", &stale_revision).ok();
    assert_eq!(stale["failedVersions"]["1.0.0"]["errorCode"], "MISMATCHED_REVISION", "{stale}");
    assert_eq!(status_of(&server, "1.0.0"), "Published");
    let revision = revision_of(&server, "1.0.0");

    let disposed =
        on_package(&server, "dispose-package-versions", &["--versions", "1.0.0", "--expected-status", "Published"])
            .ok();
    assert_eq!(disposed["successfulVersions"]["1.0.0"]["status"], "Disposed", "{disposed}");
    assert_eq!(disposed["successfulVersions"]["1.0.0"]["revision"], revision.as_str());
    assert_eq!(status_of(&server, "1.0.0"), "Disposed");
    assert_eq!(status_of(&server, "2.0.0"), "Published");
    let listed = on_package(&server, "list-package-versions", &["--status", "Disposed"]).ok();
    let versions: Vec<&str> =
        listed["versions"].as_array().expect("versions").iter().filter_map(|v| v["version"].as_str()).collect();
    assert_eq!(versions, ["1.0.0"]);
    let assets = on_package(&server, "list-package-version-assets", &["--package-version", "1.0.0"]).ok();
    assert_eq!(assets["assets"], serde_json::json!([]), "a disposed version has no files");
    let out = dir.path().join("out.bin");
    let out_path = out.to_string_lossy().into_owned();
    let refused = on_package(
        &server,
        "get-package-version-asset",
        &["--package-version", "1.0.0", "--asset", "a.bin", &out_path],
    )
    .error("ResourceNotFoundException", "GetPackageVersionAsset");
    assert_mentions(&refused, &["Disposed"]);
    let back =
        on_package(&server, "update-package-versions-status", &["--versions", "1.0.0", "--target-status", "Published"])
            .ok();
    assert_eq!(back["failedVersions"]["1.0.0"]["errorCode"], "SKIPPED", "{back}");
    on_package(&server, "get-package-version-asset", &["--package-version", "2.0.0", "--asset", "a.bin", &out_path])
        .ok();
    assert_eq!(std::fs::read(&out).expect("downloaded"), kept[0].1);

    // Past the grace period, `tributary gc --dry-run` lists the disposed version's blobs (and
    // deletes nothing); `tributary gc` deletes them, and a start (which collects too) keeps the
    // other version's.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let preview = server.run_tributary(&["gc", "--dry-run"]);
    let listed = String::from_utf8_lossy(&preview.stdout).into_owned();
    assert!(preview.status.success(), "{listed}{}", String::from_utf8_lossy(&preview.stderr));
    for digest in digests(&doomed) {
        assert!(listed.contains(&format!("acme {digest}")), "the dry run lists {digest}: {listed}");
    }
    for digest in digests(&kept) {
        assert!(!listed.contains(&digest), "the dry run lists a blob a version refers to: {listed}");
    }
    assert!(listed.contains("2 blobs"), "{listed}");
    let files = blob_files(&server);
    assert!(digests(&doomed).iter().all(|d| files.iter().any(|f| f.contains(d.as_str()))), "a dry run deletes nothing");
    let collected = server.run_tributary(&["gc"]);
    assert!(collected.status.success(), "{}", String::from_utf8_lossy(&collected.stderr));
    assert_mentions(&String::from_utf8_lossy(&collected.stdout), &["2 blobs deleted"]);
    server.restart();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let files = blob_files(&server);
        let gone = digests(&doomed).iter().all(|d| !files.iter().any(|f| f.contains(d.as_str())));
        let kept_there = digests(&kept).iter().all(|d| files.iter().any(|f| f.contains(d.as_str())));
        assert!(kept_there, "the blob of the version that stays was collected: {files:?}");
        if gone {
            break;
        }
        assert!(Instant::now() < deadline, "the disposed version's blobs survived collection: {files:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let deleted = on_package(&server, "delete-package-versions", &["--versions", "1.0.0"]).ok();
    assert_eq!(deleted["successfulVersions"]["1.0.0"]["status"], "Deleted", "{deleted}");
}

async fn versions_by_revision(backend: Backend) {
    let server = TestServer::start(backend);
    server.aws(&["create-domain", "--domain", "acme"]).ok();
    server.aws(&["create-repository", "--domain", "acme", "--repository", "files"]).ok();
    let dir = tempfile::tempdir().expect("a directory");
    publish(&server, dir.path(), "1.0.0", &[("a.bin", b"one".to_vec())]);
    publish(&server, dir.path(), "2.0.0", &[("a.bin", b"two".to_vec())]);
    publish(&server, dir.path(), "3.0.0", &[("a.bin", b"three".to_vec())]);
    // Pages of one (the aws CLI follows `nextToken`): each version once, in publish order.
    let paged = on_package(&server, "list-package-versions", &["--page-size", "1"]).ok();
    let paged: Vec<&str> =
        paged["versions"].as_array().expect("versions").iter().filter_map(|v| v["version"].as_str()).collect();
    assert_eq!(paged, ["1.0.0", "2.0.0", "3.0.0"], "pages repeat or skip versions");
    let current = format!("1.0.0={}", revision_of(&server, "1.0.0"));
    let changed = on_package(
        &server,
        "update-package-versions-status",
        &[
            "--versions",
            "1.0.0",
            "2.0.0",
            "--version-revisions",
            &format!("{current},2.0.0=stale"),
            "--target-status",
            "Archived",
        ],
    )
    .ok();
    assert_eq!(changed["successfulVersions"]["1.0.0"]["status"], "Archived", "{changed}");
    assert_eq!(changed["failedVersions"]["2.0.0"]["errorCode"], "MISMATCHED_REVISION", "{changed}");
    assert_eq!(status_of(&server, "2.0.0"), "Published");
    let stray = on_package(
        &server,
        "update-package-versions-status",
        &["--versions", "2.0.0", "--version-revisions", &current, "--target-status", "Archived"],
    )
    .error("ValidationException", "UpdatePackageVersionsStatus");
    assert_mentions(&stray, &["`versionRevisions` names version `1.0.0`"]);

    // Absent optional members (a generic version has no summary nor home page) are omitted.
    let described = on_package(&server, "describe-package-version", &["--package-version", "1.0.0"]).ok();
    assert!(!described.to_string().contains("null"), "absent members are omitted, not null: {described}");
    on_package(&server, "describe-package", &[]).ok();
    on_package(&server, "delete-package", &[]).ok();
    let gone = on_package(&server, "describe-package", &[]).error("ResourceNotFoundException", "DescribePackage");
    assert_mentions(&gone, &["thing"]);
    let listed = server.aws(&["list-packages", "--domain", "acme", "--repository", "files"]).ok();
    assert_eq!(listed["packages"], serde_json::json!([]), "a deleted package is not listed: {listed}");
}

async fn unknown_operation(backend: Backend) {
    let server = TestServer::start(backend);
    let answer = server
        .signed("GET", "/v1/package-groups-that-do-not-exist", b"", std::time::SystemTime::now(), false)
        .send()
        .await
        .expect("an answer");
    assert_eq!(answer.status().as_u16(), 400);
    let kind = answer.headers().get("x-amzn-ErrorType").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert!(kind.starts_with("ValidationException"), "{kind}");
    let body = answer.text().await.expect("a body");
    assert_mentions(&body, &["UNKNOWN_OPERATION"]);
}

async fn tags(backend: Backend) {
    let server = TestServer::start(backend);
    let domain_arn = server
        .aws(&["create-domain", "--domain", "acme", "--tags", "key=team,value=core", "key=cost,value=1"])
        .ok()["domain"]["arn"]
        .as_str()
        .expect("an ARN")
        .to_owned();
    let repository_arn = server
        .aws(&["create-repository", "--domain", "acme", "--repository", "files", "--tags", "key=tier,value=gold"])
        .ok()["repository"]["arn"]
        .as_str()
        .expect("an ARN")
        .to_owned();
    let tags_of = |arn: &str| {
        let listed = server.aws(&["list-tags-for-resource", "--resource-arn", arn]).ok();
        let mut pairs: Vec<(String, String)> = listed["tags"]
            .as_array()
            .expect("tags")
            .iter()
            .map(|t| {
                (t["key"].as_str().unwrap_or_default().to_owned(), t["value"].as_str().unwrap_or_default().to_owned())
            })
            .collect();
        pairs.sort();
        pairs
    };
    let pair = |k: &str, v: &str| (k.to_owned(), v.to_owned());
    assert_eq!(tags_of(&domain_arn), [pair("cost", "1"), pair("team", "core")]);
    assert_eq!(tags_of(&repository_arn), [pair("tier", "gold")]);

    server
        .aws(&["tag-resource", "--resource-arn", &domain_arn, "--tags", "key=cost,value=2", "key=env,value=prod"])
        .ok();
    assert_eq!(tags_of(&domain_arn), [pair("cost", "2"), pair("env", "prod"), pair("team", "core")]);
    server.aws(&["untag-resource", "--resource-arn", &domain_arn, "--tag-keys", "team", "absent"]).ok();
    assert_eq!(tags_of(&domain_arn), [pair("cost", "2"), pair("env", "prod")]);
    server.aws(&["tag-resource", "--resource-arn", &repository_arn, "--tags", "key=tier,value=silver"]).ok();
    assert_eq!(tags_of(&repository_arn), [pair("tier", "silver")]);
    let described = server.aws(&["describe-repository", "--domain", "acme", "--repository", "files"]).ok();
    assert_eq!(described["repository"]["name"], "files");

    let elsewhere = domain_arn.replace(":000000000000:", ":111111111111:");
    let refused = server
        .aws(&["list-tags-for-resource", "--resource-arn", &elsewhere])
        .error("ResourceNotFoundException", "ListTagsForResource");
    assert_mentions(&refused, &["111111111111"]);
    server
        .aws(&["list-tags-for-resource", "--resource-arn", "not-an-arn"])
        .error("ValidationException", "ListTagsForResource");
    let many: Vec<String> = (0..201).map(|i| format!("key=k{i},value=v")).collect();
    let mut args = vec!["tag-resource", "--resource-arn", repository_arn.as_str(), "--tags"];
    args.extend(many.iter().map(String::as_str));
    server.aws(&args).error("ValidationException", "TagResource");
    assert_eq!(tags_of(&repository_arn), [pair("tier", "silver")]);

    // Package groups keep the tags CreatePackageGroup takes, and are tagged by their ARN; the
    // root group `/*` too.
    let group_arn = server
        .aws(&[
            "create-package-group",
            "--domain",
            "acme",
            "--package-group",
            "/npm/acme/*",
            "--tags",
            "key=owner,value=web",
        ])
        .ok()["packageGroup"]["arn"]
        .as_str()
        .expect("an ARN")
        .to_owned();
    assert_eq!(tags_of(&group_arn), [pair("owner", "web")]);
    server.aws(&["tag-resource", "--resource-arn", &group_arn, "--tags", "key=tier,value=1"]).ok();
    server.aws(&["untag-resource", "--resource-arn", &group_arn, "--tag-keys", "owner"]).ok();
    assert_eq!(tags_of(&group_arn), [pair("tier", "1")]);
    let root_arn = group_arn.replace("/npm/acme/*", "/*");
    assert!(tags_of(&root_arn).is_empty());
    server.aws(&["tag-resource", "--resource-arn", &root_arn, "--tags", "key=scope,value=all"]).ok();
    assert_eq!(tags_of(&root_arn), [pair("scope", "all")]);
    let described = server.aws(&["describe-package-group", "--domain", "acme", "--package-group", "/npm/acme/*"]).ok();
    assert_eq!(described["packageGroup"]["pattern"], "/npm/acme/*");
    server
        .aws(&["list-tags-for-resource", "--resource-arn", &group_arn.replace("/npm/acme/*", "/npm/other/*")])
        .error("ResourceNotFoundException", "ListTagsForResource");
}

async fn copy_between_repositories(backend: Backend) {
    let server = TestServer::start(backend);
    server.aws(&["create-domain", "--domain", "acme"]).ok();
    for (name, upstreams) in [("base", vec![]), ("dev", vec!["repositoryName=base"]), ("release", vec![])] {
        let mut args = vec!["create-repository", "--domain", "acme", "--repository", name];
        if !upstreams.is_empty() {
            args.push("--upstreams");
            args.extend(upstreams);
        }
        server.aws(&args).ok();
    }
    let dir = tempfile::tempdir().expect("a directory");
    let server = &server;
    let in_repository = |repository: &'static str| {
        move |operation: &str, extra: &[&str]| {
            let mut args = vec![operation, "--domain", "acme", "--repository", repository];
            args.extend(["--format", "generic", "--namespace", "tools", "--package", "thing"]);
            args.extend(extra);
            server.aws(&args)
        }
    };
    let publish_to = |repository: &str, package: &str, version: &str, bytes: &[u8]| {
        let path = dir.path().join(format!("{repository}-{package}-{version}"));
        std::fs::write(&path, bytes).expect("an asset");
        let path = path.to_string_lossy().into_owned();
        let sha256 = sha256_of(bytes);
        let mut args = vec!["publish-package-version", "--domain", "acme", "--repository", repository];
        args.extend([
            "--format",
            "generic",
            "--namespace",
            "tools",
            "--package",
            package,
            "--package-version",
            version,
        ]);
        args.extend(["--asset-content", &path, "--asset-name", "a.bin", "--asset-sha256", &sha256, "--no-unfinished"]);
        server.aws(&args).ok();
    };
    publish_to("dev", "thing", "1.0.0", b"version one");
    publish_to("dev", "thing", "2.0.0", b"version two");
    // `dev` publishes `thing`, so upstream versions of it are blocked there (origin controls);
    // `helper` is only upstream.
    publish_to("base", "helper", "3.0.0", b"version three, upstream");
    let blobs_before = blob_files(server);
    let copy_of = |package: &str, extra: &[&str]| {
        let mut args = vec!["copy-package-versions", "--domain", "acme", "--source-repository", "dev"];
        args.extend(["--destination-repository", "release", "--format", "generic", "--namespace", "tools"]);
        args.extend(["--package", package]);
        args.extend(extra);
        server.aws(&args)
    };
    let copy = |extra: &[&str]| copy_of("thing", extra);
    let release = in_repository("release");

    let copied = copy(&["--versions", "1.0.0"]).ok();
    assert_eq!(copied["successfulVersions"]["1.0.0"]["status"], "Published", "{copied}");
    let out = dir.path().join("out.bin");
    let out_path = out.to_string_lossy().into_owned();
    release("get-package-version-asset", &["--package-version", "1.0.0", "--asset", "a.bin", &out_path]).ok();
    assert_eq!(std::fs::read(&out).expect("downloaded"), b"version one");
    assert_eq!(blob_files(server), blobs_before, "a copy refers to the blobs there are");

    let again = copy(&["--versions", "1.0.0"]).ok();
    assert_eq!(again["failedVersions"]["1.0.0"]["errorCode"], "ALREADY_EXISTS", "{again}");
    let overwritten = copy(&["--versions", "1.0.0", "--allow-overwrite"]).ok();
    assert_eq!(overwritten["successfulVersions"]["1.0.0"]["status"], "Published", "{overwritten}");
    let missing = copy(&["--versions", "9.9.9"]).ok();
    assert_eq!(missing["failedVersions"]["9.9.9"]["errorCode"], "NOT_FOUND", "{missing}");
    let not_here = copy_of("helper", &["--versions", "3.0.0"]).ok();
    assert_eq!(not_here["failedVersions"]["3.0.0"]["errorCode"], "NOT_FOUND", "{not_here}");
    let from_upstream = copy_of("helper", &["--versions", "3.0.0", "--include-from-upstream"]).ok();
    assert_eq!(from_upstream["successfulVersions"]["3.0.0"]["status"], "Published", "{from_upstream}");
    let mut download = vec!["get-package-version-asset", "--domain", "acme", "--repository", "release"];
    download.extend(["--format", "generic", "--namespace", "tools", "--package", "helper"]);
    download.extend(["--package-version", "3.0.0", "--asset", "a.bin", &out_path]);
    server.aws(&download).ok();
    assert_eq!(std::fs::read(&out).expect("downloaded"), b"version three, upstream");

    let stale = copy(&["--version-revisions", "2.0.0=not-the-revision"]).ok();
    assert_eq!(stale["failedVersions"]["2.0.0"]["errorCode"], "MISMATCHED_REVISION", "{stale}");
    let both = copy(&["--versions", "2.0.0", "--version-revisions", "2.0.0=x"])
        .error("ValidationException", "CopyPackageVersions");
    assert_mentions(&both, &["not both"]);
    in_repository("dev")("dispose-package-versions", &["--versions", "2.0.0"]).ok();
    let disposed = copy(&["--versions", "2.0.0"]).ok();
    assert_eq!(disposed["failedVersions"]["2.0.0"]["errorCode"], "SKIPPED", "{disposed}");
    let listed = release("list-package-versions", &[]).ok();
    let mut versions: Vec<&str> =
        listed["versions"].as_array().expect("versions").iter().filter_map(|v| v["version"].as_str()).collect();
    versions.sort_unstable();
    assert_eq!(versions, ["1.0.0"]);

    // The domain's blobs, each counted once: "version one" (in `dev` and `release`) and the
    // upstream one (in `base` and `release`); the disposed version's files count no more.
    let domain = server.aws(&["describe-domain", "--domain", "acme"]).ok();
    let expected = b"version one".len() + b"version three, upstream".len();
    assert_eq!(domain["domain"]["assetSizeBytes"], expected, "{domain}");
}
