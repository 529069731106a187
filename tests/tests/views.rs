//! Views and promotion (issue 15, item 5), on SQLite and PostgreSQL: the chain `aa -> bb ->
//! gateway(public:npmjs)` on a fixture registry serving `lib` 1.0.0, 2.0.0 and 3.0.0; 1.0.0 and
//! 2.0.0 are pulled into `aa`, 1.0.0 is promoted to `@release`.
//! - `aa@local` lists what `aa` holds (1.0.0, 2.0.0), not what is only upstream (3.0.0);
//!   `aa@release` lists 1.0.0 only, its `latest` tag gone (it pointed at 3.0.0), and serves
//!   1.0.0's tarball but not 2.0.0's, which `aa` itself serves; `aa` still lists all three
//!   (each endpoint's documents are its own, whatever was rendered before).
//! - the real npm, pointed at `aa@release`, installs `lib` as 1.0.0, and cannot install 2.0.0.
//! - promoting into `@local`, or a version `aa` does not hold, is refused; the version's views
//!   read back; publishing to a view is refused (a view is read-only); `@nightly` is no view.
//! - a view as an upstream: `team` lists `aa@release`; its search order names the view; it sees
//!   1.0.0 only (not 2.0.0, which `aa` holds, nor 3.0.0, upstream of `aa`), fetches and keeps
//!   it, and sees 2.0.0 as soon as it is promoted; `aa@nightly` and `team@release` are refused.
//! - `pip_installs_from_a_view`: the same with PyPI: `vlib` 1.0 and 2.0 installed through `aa`,
//!   1.0 promoted; the real pip pointed at `aa@release` installs `vlib` as 1.0 and cannot
//!   install 2.0.
//! - `mvn_gets_from_a_view`: the same with Maven: `widget` 1.0 and 2.0 fetched through `aa` by
//!   `mvn dependency:get`, 1.0 promoted; mvn mirrored by `aa@release` (its plugins already in
//!   the local repository, as a view holds only what was promoted) gets 1.0 and cannot get 2.0.

use std::time::SystemTime;

use serde_json::Value;
use tributary_tests::maven_fixture::{MavenFixture, maven_path};
use tributary_tests::npm_fixture::{NpmFixture, PackageSpec, consumer_project, npm_command, npm_pack, write_npmrc};
use tributary_tests::pypi_fixture::{DistSpec, PypiFixture, build_wheel, zip_of};
use tributary_tests::scenario::{Run, chain, run, server_with_upstream};
use tributary_tests::{Backend, TestServer, maven_settings, mvn_command, on_both_backends};
use tributary_tests::{PythonConfig, fresh_venv, python_tool_with};

on_both_backends!(promoted_versions_and_their_endpoints, pip_installs_from_a_view, mvn_gets_from_a_view);

async fn get(server: &TestServer, token: &str, path: &str) -> (u16, Value) {
    let answer =
        server.http().get(format!("{}{path}", server.url())).bearer_auth(token).send().await.expect("an answer");
    let status = answer.status().as_u16();
    (status, answer.json().await.unwrap_or(Value::Null))
}

fn versions(packument: &Value) -> Vec<String> {
    let mut found: Vec<String> =
        packument["versions"].as_object().map(|v| v.keys().cloned().collect()).unwrap_or_default();
    found.sort();
    found
}

async fn promoted_versions_and_their_endpoints(backend: Backend) {
    let packs = npm_pack(&[
        PackageSpec::new("lib", "1.0.0"),
        PackageSpec::new("lib", "2.0.0"),
        PackageSpec::new("lib", "3.0.0"),
    ]);
    let fixture = NpmFixture::with(&packs);
    let server = server_with_upstream(backend, "TRIBUTARY_EXTERNAL_PUBLIC_NPMJS_URL", &fixture.url(), &[]);
    let token = chain(&server.sdk_client(), "acme", "gateway", "public:npmjs").await;
    for packed in &packs[..2] {
        let (status, _) = get(&server, &token, &format!("/npm/acme/aa/{}", packed.tarball_path())).await;
        assert_eq!(status, 200);
    }
    let (_, whole) = get(&server, &token, "/npm/acme/aa/lib").await;
    assert_eq!(versions(&whole), ["1.0.0", "2.0.0", "3.0.0"]);

    let promote = |version: &str, view: &str| {
        let path = format!(
            "/v1/package/version/promote?domain=acme&repository=aa&format=npm&package=lib&version={version}&view={view}"
        );
        let request = server.signed("POST", &path, b"", SystemTime::now(), false);
        async move {
            let answer = request.send().await.expect("an answer");
            (answer.status().as_u16(), answer.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (status, promoted) = promote("1.0.0", "release").await;
    assert_eq!(status, 200, "{promoted}");
    assert_eq!(promoted["views"], serde_json::json!(["local", "release"]));
    let (status, _) = promote("1.0.0", "local").await;
    assert_eq!(status, 400);
    let (status, _) = promote("3.0.0", "release").await;
    assert_eq!(status, 404, "3.0.0 is only upstream");
    let views_path = "/v1/package/version/views?domain=acme&repository=aa&format=npm&package=lib&version=2.0.0";
    let answer = server.signed("GET", views_path, b"", SystemTime::now(), false).send().await.expect("an answer");
    assert_eq!(answer.json::<Value>().await.expect("json")["views"], serde_json::json!(["local"]));

    let (status, local) = get(&server, &token, "/npm/acme/aa@local/lib").await;
    assert_eq!(status, 200, "{local}");
    assert_eq!(versions(&local), ["1.0.0", "2.0.0"]);
    let (status, release) = get(&server, &token, "/npm/acme/aa@release/lib").await;
    assert_eq!(status, 200, "{release}");
    assert_eq!(versions(&release), ["1.0.0"]);
    assert!(release["dist-tags"]["latest"].is_null() || release["dist-tags"]["latest"] == "1.0.0", "{release}");
    let tarball_url = release["versions"]["1.0.0"]["dist"]["tarball"].as_str().unwrap_or_default().to_owned();
    assert!(tarball_url.contains("/npm/acme/aa@release/"), "{tarball_url}");
    assert_eq!(get(&server, &token, &format!("/npm/acme/aa@release/{}", packs[0].tarball_path())).await.0, 200);
    assert_eq!(get(&server, &token, &format!("/npm/acme/aa@release/{}", packs[1].tarball_path())).await.0, 404);
    assert_eq!(get(&server, &token, &format!("/npm/acme/aa/{}", packs[1].tarball_path())).await.0, 200);
    let (_, whole) = get(&server, &token, "/npm/acme/aa/lib").await;
    assert_eq!(versions(&whole), ["1.0.0", "2.0.0", "3.0.0"], "the repository's own document is untouched");
    assert_eq!(get(&server, &token, "/npm/acme/aa@nightly/lib").await.0, 404);
    let publish = server
        .http()
        .put(format!("{}/npm/acme/aa@release/lib", server.url()))
        .bearer_auth(&token)
        .json(&serde_json::json!({ "name": "lib" }))
        .send()
        .await
        .expect("an answer");
    assert_eq!(publish.status().as_u16(), 403);
    assert!(publish.text().await.unwrap_or_default().contains("read-only"));

    // The real npm, pointed at the view.
    let home = tempfile::tempdir().expect("a HOME");
    let registry = format!("{}/npm/acme/aa@release/", server.url());
    write_npmrc(home.path(), &registry, &token);
    let project = consumer_project(home.path(), "project");
    let installed = npm_command(home.path()).current_dir(&project).args(["install", "lib"]).output().expect("npm runs");
    let said = format!("{}{}", String::from_utf8_lossy(&installed.stdout), String::from_utf8_lossy(&installed.stderr));
    assert!(installed.status.success(), "{said}");
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(project.join("node_modules/lib/package.json")).expect("installed"))
            .expect("a manifest");
    assert_eq!(manifest["version"], "1.0.0", "{said}");
    let refused =
        npm_command(home.path()).current_dir(&project).args(["install", "lib@2.0.0"]).output().expect("npm runs");
    assert!(!refused.status.success(), "2.0.0 is not in the view");

    // A view as the upstream of another repository: `team` searches `aa@release` alone (not
    // what `aa` holds beyond it, not `aa`'s upstreams).
    let created = server
        .aws(&[
            "create-repository",
            "--domain",
            "acme",
            "--repository",
            "team",
            "--upstreams",
            "repositoryName=aa@release",
        ])
        .ok();
    assert_eq!(created["repository"]["upstreams"], serde_json::json!([{ "repositoryName": "aa@release" }]));
    let order_path = "/v1/repository/search-order?domain=acme&repository=team";
    let answer = server.signed("GET", order_path, b"", SystemTime::now(), false).send().await.expect("an answer");
    let order: Value = answer.json().await.expect("json");
    assert_eq!(
        order["searchOrder"],
        serde_json::json!([{ "repositoryName": "team" }, { "repositoryName": "aa", "view": "release" }])
    );
    let (status, seen) = get(&server, &token, "/npm/acme/team/lib").await;
    assert_eq!(status, 200, "{seen}");
    assert_eq!(versions(&seen), ["1.0.0"]);
    assert_eq!(get(&server, &token, &format!("/npm/acme/team/{}", packs[1].tarball_path())).await.0, 404);
    assert_eq!(get(&server, &token, &format!("/npm/acme/team/{}", packs[0].tarball_path())).await.0, 200);
    // Promoting shows at once downstream.
    let (status, _) = promote("2.0.0", "release").await;
    assert_eq!(status, 200);
    let (_, seen) = get(&server, &token, "/npm/acme/team/lib").await;
    assert_eq!(versions(&seen), ["1.0.0", "2.0.0"]);
    // What `team` fetched it keeps: 1.0.0 is now stored in `team` itself.
    let kept = server
        .aws(&[
            "list-package-versions",
            "--domain",
            "acme",
            "--repository",
            "team",
            "--format",
            "npm",
            "--package",
            "lib",
        ])
        .ok();
    let kept: Vec<&str> =
        kept["versions"].as_array().expect("versions").iter().filter_map(|v| v["version"].as_str()).collect();
    assert_eq!(kept, ["1.0.0"]);
    // A view that does not exist, or the repository's own view, is no upstream.
    server
        .aws(&[
            "update-repository",
            "--domain",
            "acme",
            "--repository",
            "team",
            "--upstreams",
            "repositoryName=aa@nightly",
        ])
        .error("ValidationException", "UpdateRepository");
    server
        .aws(&[
            "update-repository",
            "--domain",
            "acme",
            "--repository",
            "team",
            "--upstreams",
            "repositoryName=team@release",
        ])
        .error("ValidationException", "UpdateRepository");
}

/// `pip install REQUIREMENT` from `index` into a fresh virtualenv: whether it worked, and what it
/// printed.
fn pip_install(home: &std::path::Path, index: &str, requirement: &str, n: u32) -> (bool, String) {
    let config = home.join(".config/pip");
    std::fs::create_dir_all(&config).expect("pip's configuration folder");
    std::fs::write(config.join("pip.conf"), format!("[global]\nindex-url = {index}\n")).expect("pip.conf");
    let venv = fresh_venv(&home.join(format!("venv-{n}")));
    let mut command = python_tool_with("pip", home, PythonConfig::FromHome);
    command.arg("--python").arg(venv.join("python")).args(["install", requirement]);
    let output = command.output().expect("pip runs");
    let said = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    (output.status.success(), said)
}

async fn pip_installs_from_a_view(backend: Backend) {
    let fixture =
        PypiFixture::with(&[build_wheel(&DistSpec::new("vlib", "1.0")), build_wheel(&DistSpec::new("vlib", "2.0"))]);
    let server = server_with_upstream(backend, "TRIBUTARY_EXTERNAL_PUBLIC_PYPI_URL", &fixture.url(), &[]);
    let token = chain(&server.sdk_client(), "acme", "gateway", "public:pypi").await;
    let home = tempfile::tempdir().expect("a HOME");
    let index =
        |repository: &str| format!("http://aws:{token}@127.0.0.1:{}/pypi/acme/{repository}/simple/", server.port());
    for (n, version) in [(1, "1.0"), (2, "2.0")] {
        let (ok, said) = pip_install(home.path(), &index("aa"), &format!("vlib=={version}"), n);
        assert!(ok, "{said}");
    }
    let path =
        "/v1/package/version/promote?domain=acme&repository=aa&format=pypi&package=vlib&version=1.0&view=release";
    let answer = server.signed("POST", path, b"", SystemTime::now(), false).send().await.expect("an answer");
    assert_eq!(answer.status().as_u16(), 200);
    let (ok, said) = pip_install(home.path(), &index("aa@release"), "vlib", 3);
    assert!(ok, "{said}");
    assert!(said.contains("vlib-1.0"), "pip installed the promoted version: {said}");
    let (ok, said) = pip_install(home.path(), &index("aa@release"), "vlib==2.0", 4);
    assert!(!ok, "2.0 is not in the view: {said}");
}

/// The group of the fixture's Maven artifact.
const MAVEN_GROUP: &str = "com.example.views";
/// The fixture's Maven artifact.
const MAVEN_ARTIFACT: &str = "widget";

/// `mvn -C dependency:get` of `widget` `version` through `mirror`, with the local repository
/// `local_repo`.
fn mvn_get(work: &std::path::Path, mirror: &str, token: &str, local_repo: &std::path::Path, version: &str) -> Run {
    let settings = work.join("settings.xml");
    maven_settings(&settings, mirror, "aws", token);
    let dir = work.join("project");
    std::fs::create_dir_all(&dir).expect("a work folder");
    let artifact = format!("-Dartifact={MAVEN_GROUP}:{MAVEN_ARTIFACT}:{version}");
    let mut command = mvn_command(&work.join("home"), &settings, local_repo);
    command.current_dir(&dir).args(["-C", "org.apache.maven.plugins:maven-dependency-plugin:3.5.0:get", &artifact]);
    run(command, &format!("mvn dependency:get {artifact} through {mirror}"))
}

async fn mvn_gets_from_a_view(backend: Backend) {
    let fixture = MavenFixture::start();
    for version in ["1.0", "2.0"] {
        let pom = format!(
            "<project><modelVersion>4.0.0</modelVersion><groupId>{MAVEN_GROUP}</groupId>\
             <artifactId>{MAVEN_ARTIFACT}</artifactId><version>{version}</version><packaging>jar</packaging></project>"
        );
        fixture.add_file(&maven_path(MAVEN_GROUP, MAVEN_ARTIFACT, version, None, "pom"), pom);
        let manifest = format!("Manifest-Version: 1.0\nImplementation-Version: {version}\n");
        let jar = zip_of(&[("META-INF/MANIFEST.MF", manifest.as_bytes())]);
        fixture.add_file(&maven_path(MAVEN_GROUP, MAVEN_ARTIFACT, version, None, "jar"), jar);
    }
    let server = server_with_upstream(backend, "TRIBUTARY_EXTERNAL_PUBLIC_MAVEN_CENTRAL_URL", &fixture.url(), &[]);
    let token = chain(&server.sdk_client(), "acme", "gateway", "public:maven-central").await;
    let work = tempfile::tempdir().expect("a work folder");
    let local_repo = work.path().join("m2");
    let mirror = |repository: &str| format!("{}/maven/acme/{repository}/", server.url());
    for version in ["1.0", "2.0"] {
        mvn_get(work.path(), &mirror("aa"), &token, &local_repo, version).ok();
    }
    let path = format!(
        "/v1/package/version/promote?domain=acme&repository=aa&format=maven&namespace={MAVEN_GROUP}&package={MAVEN_ARTIFACT}&version=1.0&view=release"
    );
    let answer = server.signed("POST", &path, b"", SystemTime::now(), false).send().await.expect("an answer");
    assert_eq!(answer.status().as_u16(), 200);

    // The plugins stay in the local repository; the widget goes.
    let widget_dir = local_repo.join(MAVEN_GROUP.replace('.', "/"));
    std::fs::remove_dir_all(&widget_dir).expect("the widget was downloaded");
    mvn_get(work.path(), &mirror("aa@release"), &token, &local_repo, "1.0").ok();
    let jar = local_repo.join(maven_path(MAVEN_GROUP, MAVEN_ARTIFACT, "1.0", None, "jar"));
    assert!(jar.is_file(), "mvn got no `{}`", jar.display());
    mvn_get(work.path(), &mirror("aa@release"), &token, &local_repo, "2.0").fails(&["widget"]);
    let jar = local_repo.join(maven_path(MAVEN_GROUP, MAVEN_ARTIFACT, "2.0", None, "jar"));
    assert!(!jar.is_file(), "2.0 is not in the view");
}
