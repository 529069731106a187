//! Package groups (issue 15, item 1) with the real `aws` CLI, on SQLite and PostgreSQL:
//! - `groups_and_their_tree`: the root `/*` is there from the start (every rule ALLOW); groups
//!   of each pattern shape are created (a bad pattern is a ValidationException, a second one of
//!   a pattern a ConflictException); each has the most specific covering group as parent and
//!   inherits its rules (`INHERIT`, `effectiveMode`, `inheritedFrom`); sub-groups, the group a
//!   package belongs to, update, and delete (not the root, not a group with sub-groups).
//! - `publish_rule`: `/generic/tools/*` with PUBLISH=ALLOW_SPECIFIC_REPOSITORIES and `release`
//!   allowed: publishing `tools/x` to `dev` is refused naming the group, to `release` works; the
//!   allowed repositories and the associated packages are listed; `/generic/tools/x$`, left at
//!   INHERIT, follows it; BLOCK refuses everywhere.
//! - `upstream_rule`: the dependency-confusion defence for a whole namespace: the public
//!   registry (a fixture) has `@acme/widget` and `leftpad`; with `/npm/acme/*`'s
//!   EXTERNAL_UPSTREAM blocked, `@acme/widget` no longer shows through the chain (404) while
//!   `leftpad` still does; allowed again, it is back.

use serde_json::Value;
use tributary_tests::npm_fixture::{NpmFixture, PackageSpec, npm_pack};
use tributary_tests::pypi_fixture::sha256_hex;
use tributary_tests::scenario::{chain, server_with_upstream};
use tributary_tests::{Backend, TestServer, assert_mentions, on_both_backends};

on_both_backends!(groups_and_their_tree, publish_rule, upstream_rule);

fn group(server: &TestServer, operation: &str, pattern: &str, extra: &[&str]) -> tributary_tests::AwsOutput {
    let mut args = vec![operation, "--domain", "acme", "--package-group", pattern];
    args.extend(extra);
    server.aws(&args)
}

fn restriction<'a>(described: &'a Value, rule: &str) -> &'a Value {
    &described["packageGroup"]["originConfiguration"]["restrictions"][rule]
}

async fn groups_and_their_tree(backend: Backend) {
    let server = TestServer::start(backend);
    server.aws(&["create-domain", "--domain", "acme"]).ok();
    let root = group(&server, "describe-package-group", "/*", &[]).ok();
    assert_eq!(root["packageGroup"]["pattern"], "/*");
    assert_eq!(restriction(&root, "PUBLISH")["effectiveMode"], "ALLOW");
    assert!(root["packageGroup"]["parent"].is_null(), "{root}");

    for pattern in ["/npm/*", "/npm/acme/*", "/npm/acme/internal-~", "/maven/com.acme~", "/maven/com.acme/core$"] {
        let created = group(&server, "create-package-group", pattern, &["--description", "ours"]).ok();
        assert_eq!(created["packageGroup"]["pattern"], pattern);
        assert_eq!(created["packageGroup"]["description"], "ours");
    }
    group(&server, "create-package-group", "/npm/acme/*", &[]).error("ConflictException", "CreatePackageGroup");
    group(&server, "create-package-group", "/*", &[]).error("ConflictException", "CreatePackageGroup");
    let bad =
        group(&server, "create-package-group", "/npm/ac*me/*", &[]).error("ValidationException", "CreatePackageGroup");
    assert_mentions(&bad, &["/npm/ac*me/*", "not valid"]);
    group(&server, "create-package-group", "/rpm/*", &[]).error("ValidationException", "CreatePackageGroup");

    let internal = group(&server, "describe-package-group", "/npm/acme/internal-~", &[]).ok();
    assert_eq!(internal["packageGroup"]["parent"]["pattern"], "/npm/acme/*", "{internal}");
    let publish = restriction(&internal, "PUBLISH");
    assert_eq!((publish["mode"].as_str(), publish["effectiveMode"].as_str()), (Some("INHERIT"), Some("ALLOW")));
    assert_eq!(publish["inheritedFrom"]["pattern"], "/*");
    let core = group(&server, "describe-package-group", "/maven/com.acme/core$", &[]).ok();
    assert_eq!(core["packageGroup"]["parent"]["pattern"], "/maven/com.acme~");

    let listed = server.aws(&["list-package-groups", "--domain", "acme"]).ok();
    assert_eq!(listed["packageGroups"].as_array().map(Vec::len), Some(6), "{listed}");
    let prefixed = server.aws(&["list-package-groups", "--domain", "acme", "--prefix", "/npm/"]).ok();
    assert_eq!(prefixed["packageGroups"].as_array().map(Vec::len), Some(3), "{prefixed}");
    let subs = group(&server, "list-sub-package-groups", "/*", &[]).ok();
    let mut names: Vec<&str> =
        subs["packageGroups"].as_array().expect("groups").iter().filter_map(|g| g["pattern"].as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["/maven/com.acme~", "/npm/*"]);

    let associated = |format: &str, namespace: &str, package: &str| {
        let mut args = vec!["get-associated-package-group", "--domain", "acme", "--format", format];
        if !namespace.is_empty() {
            args.extend(["--namespace", namespace]);
        }
        args.extend(["--package", package]);
        server.aws(&args).ok()["packageGroup"]["pattern"].as_str().unwrap_or_default().to_owned()
    };
    assert_eq!(associated("npm", "acme", "internal-ui"), "/npm/acme/internal-~");
    assert_eq!(associated("npm", "acme", "public-ui"), "/npm/acme/*");
    assert_eq!(associated("npm", "", "leftpad"), "/npm/*");
    assert_eq!(associated("maven", "com.acme", "core"), "/maven/com.acme/core$");
    assert_eq!(associated("maven", "com.acme.tools", "cli"), "/maven/com.acme~");
    assert_eq!(associated("pypi", "", "requests"), "/*");

    let updated = group(&server, "update-package-group", "/npm/*", &["--contact-info", "npm@acme.example"]).ok();
    assert_eq!(updated["packageGroup"]["contactInfo"], "npm@acme.example");
    assert_eq!(updated["packageGroup"]["description"], "ours");
    group(&server, "delete-package-group", "/*", &[]).error("ValidationException", "DeletePackageGroup");
    group(&server, "delete-package-group", "/npm/acme/*", &[]).error("ConflictException", "DeletePackageGroup");
    group(&server, "delete-package-group", "/npm/acme/internal-~", &[]).ok();
    group(&server, "delete-package-group", "/npm/acme/internal-~", &[])
        .error("ResourceNotFoundException", "DeletePackageGroup");
    assert_eq!(associated("npm", "acme", "internal-ui"), "/npm/acme/*");
}

async fn publish_rule(backend: Backend) {
    let server = TestServer::start(backend);
    server.aws(&["create-domain", "--domain", "acme"]).ok();
    for repository in ["dev", "release"] {
        server.aws(&["create-repository", "--domain", "acme", "--repository", repository]).ok();
    }
    group(&server, "create-package-group", "/generic/tools/*", &[]).ok();
    group(&server, "create-package-group", "/generic/tools/x$", &[]).ok();
    let configured = group(
        &server,
        "update-package-group-origin-configuration",
        "/generic/tools/*",
        &[
            "--restrictions",
            "PUBLISH=ALLOW_SPECIFIC_REPOSITORIES",
            "--add-allowed-repositories",
            "repositoryName=release,originRestrictionType=PUBLISH",
        ],
    )
    .ok();
    assert_eq!(restriction(&configured, "PUBLISH")["mode"], "ALLOW_SPECIFIC_REPOSITORIES", "{configured}");
    assert_eq!(configured["allowedRepositoryUpdates"]["PUBLISH"]["ADDED"], serde_json::json!(["release"]));
    let allowed = group(
        &server,
        "list-allowed-repositories-for-group",
        "/generic/tools/*",
        &["--origin-restriction-type", "PUBLISH"],
    )
    .ok();
    assert_eq!(allowed["allowedRepositories"], serde_json::json!(["release"]));
    let inheriting = group(&server, "describe-package-group", "/generic/tools/x$", &[]).ok();
    assert_eq!(restriction(&inheriting, "PUBLISH")["effectiveMode"], "ALLOW_SPECIFIC_REPOSITORIES");
    assert_eq!(restriction(&inheriting, "PUBLISH")["inheritedFrom"]["pattern"], "/generic/tools/*");

    let dir = tempfile::tempdir().expect("a directory");
    let asset = dir.path().join("a.bin");
    std::fs::write(&asset, b"the tool").expect("an asset");
    let asset = asset.to_string_lossy().into_owned();
    let sha256 = sha256_hex(b"the tool");
    let publish = |repository: &str, package: &str| {
        server.aws(&[
            "publish-package-version",
            "--domain",
            "acme",
            "--repository",
            repository,
            "--format",
            "generic",
            "--namespace",
            "tools",
            "--package",
            package,
            "--package-version",
            "1.0.0",
            "--asset-content",
            &asset,
            "--asset-name",
            "a.bin",
            "--asset-sha256",
            &sha256,
        ])
    };
    let refused = publish("dev", "x").error("AccessDeniedException", "PublishPackageVersion");
    assert_mentions(&refused, &["/generic/tools/*", "PUBLISH"]);
    publish("release", "x").ok();
    publish("dev", "y").error("AccessDeniedException", "PublishPackageVersion");
    let associated = group(&server, "list-associated-packages", "/generic/tools/*", &[]).ok();
    assert_eq!(associated["packages"], serde_json::json!([]), "x belongs to `/generic/tools/x$`: {associated}");
    let exact = group(&server, "list-associated-packages", "/generic/tools/x$", &[]).ok();
    assert_eq!(exact["packages"][0]["package"], "x", "{exact}");
    let preview = group(&server, "list-associated-packages", "/generic/*", &["--preview"]).ok();
    assert_eq!(preview["packages"], serde_json::json!([]), "x stays in its more specific group: {preview}");

    group(
        &server,
        "update-package-group-origin-configuration",
        "/generic/tools/x$",
        &["--restrictions", "PUBLISH=BLOCK"],
    )
    .ok();
    let blocked = publish("release", "x").error("AccessDeniedException", "PublishPackageVersion");
    assert_mentions(&blocked, &["/generic/tools/x$"]);
}

async fn upstream_rule(backend: Backend) {
    let packs = npm_pack(&[PackageSpec::new("@acme/widget", "1.0.0"), PackageSpec::new("leftpad", "1.0.0")]);
    let fixture = NpmFixture::with(&packs);
    let server = server_with_upstream(backend, "TRIBUTARY_EXTERNAL_PUBLIC_NPMJS_URL", &fixture.url(), &[]);
    let sdk = server.sdk_client();
    let token = chain(&sdk, "acme", "gateway", "public:npmjs").await;
    let packument = |name: &str| {
        let url = format!("{}/npm/acme/aa/{name}", server.url());
        let request = server.http().get(url).bearer_auth(&token);
        async move { request.send().await.expect("an answer").status().as_u16() }
    };
    assert_eq!(packument("@acme%2fwidget").await, 200);
    group(&server, "create-package-group", "/npm/acme/*", &[]).ok();
    group(
        &server,
        "update-package-group-origin-configuration",
        "/npm/acme/*",
        &["--restrictions", "EXTERNAL_UPSTREAM=BLOCK"],
    )
    .ok();
    // A document already rendered may be served for up to the metadata TTL; the change retires it.
    assert_eq!(packument("@acme%2fwidget").await, 404, "a blocked namespace does not show through");
    assert_eq!(packument("leftpad").await, 200, "other packages still do");
    group(
        &server,
        "update-package-group-origin-configuration",
        "/npm/acme/*",
        &["--restrictions", "EXTERNAL_UPSTREAM=ALLOW"],
    )
    .ok();
    assert_eq!(packument("@acme%2fwidget").await, 200);
}
