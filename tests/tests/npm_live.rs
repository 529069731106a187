//! Opt-in live test (`cargo xtask test --run-ignored only -E 'binary(npm_live)'`): installs a real
//! project through `public:npmjs` from the real npm registry, through a two-repository chain.
//! Ignored by default: tests never reach the internet unless asked to.

use tributary_tests::npm_fixture::npm_command;
use tributary_tests::scenario::live_chain;

#[test]
#[ignore = "reaches the internet: run with --run-ignored"]
fn install_from_the_real_npm_registry() {
    let (server, token) = live_chain("npm-store", "public:npmjs");
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
