//! Opt-in live test (`TRIBUTARY_LIVE_TESTS=1`): installs a real project through `public:npmjs`
//! from the real npm registry, through a two-repository chain. Off by default: tests never reach
//! the internet unless asked to.

use tributary_tests::npm_fixture::npm_command;
use tributary_tests::{AdminKeys, Backend, TestServer};

#[test]
fn install_from_the_real_npm_registry() {
    if std::env::var("TRIBUTARY_LIVE_TESTS").as_deref() != Ok("1") {
        eprintln!("skipped: set TRIBUTARY_LIVE_TESTS=1 to install from the real npm registry");
        return;
    }
    let server = TestServer::start_with(Backend::Sqlite, AdminKeys::Fixed);
    server.aws(&["create-domain", "--domain", "live"]).ok();
    server.aws(&["create-repository", "--domain", "live", "--repository", "npm-store"]).ok();
    server
        .aws(&[
            "associate-external-connection",
            "--domain",
            "live",
            "--repository",
            "npm-store",
            "--external-connection",
            "public:npmjs",
        ])
        .ok();
    server
        .aws(&[
            "create-repository",
            "--domain",
            "live",
            "--repository",
            "app",
            "--upstreams",
            "repositoryName=npm-store",
        ])
        .ok();
    let token = server.aws(&["get-authorization-token", "--domain", "live"]).ok()["authorizationToken"]
        .as_str()
        .expect("a token")
        .to_owned();
    let home = tempfile::tempdir().expect("temp home");
    let project = home.path().join("project");
    std::fs::create_dir_all(&project).expect("project dir");
    std::fs::write(
        project.join("package.json"),
        r#"{"name":"live","version":"1.0.0","dependencies":{"express":"^4.21.0","chalk":"^5.3.0"}}"#,
    )
    .expect("package.json");
    let registry = format!("{}/npm/live/app/", server.url());
    let auth_key = format!("{}:_authToken", registry.trim_start_matches("http:"));
    let status = npm_command(home.path())
        .current_dir(&project)
        .args(["install", "--no-audit", "--no-fund", "--registry", &registry])
        .arg(format!("--{auth_key}={token}"))
        .status()
        .expect("npm runs");
    assert!(status.success(), "npm install through public:npmjs failed");
    assert!(project.join("node_modules/express/package.json").exists());
    let versions = server.aws(&[
        "list-package-versions",
        "--domain",
        "live",
        "--repository",
        "npm-store",
        "--format",
        "npm",
        "--package",
        "express",
    ]);
    let listed = versions.ok();
    assert_eq!(listed["versions"][0]["origin"]["originType"], "EXTERNAL");
}
