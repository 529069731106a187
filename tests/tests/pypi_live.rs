//! Opt-in live test (`cargo xtask test --run-ignored only -E 'binary(pypi_live)'`): installs real
//! projects through `public:pypi` from the real pypi.org, through a two-repository chain, with pip
//! and with uv. Ignored by default: tests never reach the internet unless asked to.

use tributary_tests::scenario::live_chain;
use tributary_tests::{fresh_venv, python_command, python_tool};

/// Real projects, small and without dependencies (wheels only: nothing is built).
const PROJECTS: [&str; 2] = ["six", "idna"];

#[test]
#[ignore = "reaches the internet: run with --run-ignored"]
fn install_from_the_real_pypi() {
    let (server, token) = live_chain("pypi-store", "public:pypi");
    let index = format!("http://aws:{token}@127.0.0.1:{}/pypi/live/app/simple/", server.port());
    let home = tempfile::tempdir().expect("temp home");

    let pip_venv = fresh_venv(&home.path().join("pip-venv"));
    let status = python_tool("pip", home.path())
        .arg("--python")
        .arg(pip_venv.join("python"))
        .args(["install", "--only-binary", ":all:", "--index-url", &index])
        .args(PROJECTS)
        .status()
        .expect("pip runs");
    assert!(status.success(), "pip install through public:pypi failed");
    let uv_venv = fresh_venv(&home.path().join("uv-venv"));
    let status = python_tool("uv", home.path())
        .args(["pip", "install", "--no-build", "--python"])
        .arg(uv_venv.join("python"))
        .args(["--index-url", &index])
        .args(PROJECTS)
        .status()
        .expect("uv runs");
    assert!(status.success(), "uv pip install through public:pypi failed");
    for venv in [&pip_venv, &uv_venv] {
        let imported = python_command(venv.join("python"), home.path(), tributary_tests::PythonConfig::Isolated)
            .args(["-c", "import six, idna; print(six.__version__, idna.__version__)"])
            .output()
            .expect("python runs");
        assert!(imported.status.success(), "{}", String::from_utf8_lossy(&imported.stderr));
    }

    for project in PROJECTS {
        for repository in ["pypi-store", "app"] {
            let listed = server
                .aws(&[
                    "list-package-versions",
                    "--domain",
                    "live",
                    "--repository",
                    repository,
                    "--format",
                    "pypi",
                    "--package",
                    project,
                ])
                .ok();
            assert_eq!(listed["versions"][0]["status"], "Published", "{listed}");
            assert_eq!(listed["versions"][0]["origin"]["originType"], "EXTERNAL", "{listed}");
        }
    }
}
