//! Every operation of the CodeArtifact model answers its output shape (issue 15, "How it is
//! verified", first bullet), on SQLite and PostgreSQL.
//!
//! `every_operation_answers_its_model_shape` runs `tests/fixtures/model_probe.py` with the Python
//! of the tools' virtualenv. The aws CLI there vendors botocore, which ships the model
//! (`codeartifact/2018-09-22/service-2.json`); the script walks it, not a copy, and through
//! botocore's client (boto3's) it:
//! - lists the model's operations (48) and calls every one of them at least once, each with valid
//!   parameters, each expected to succeed, on a small world it makes first: a domain, three
//!   repositories (one with the external connection `public:npmjs`, pointed here at a closed
//!   port: nothing reaches the public registry), a generic package with two versions published
//!   with PublishPackageVersion, permissions policies, package groups, tags; Copy, Dispose and
//!   Delete (versions, package, policies, group, repositories, domain) come last;
//! - checks each answer against the operation's output shape, recursively, on the wire (the
//!   rest-json body and headers: only the shape's members, no `null`, each of its JSON type,
//!   strings in their enum, timestamps as epoch seconds, the required members present, the
//!   model's status code) and as botocore parsed it (dicts, lists, `str`, `int`, `bool`,
//!   `datetime`, the streaming asset a stream with the published bytes; required members
//!   present, no `None`), and in both the model's lengths, ranges and patterns; the lists the
//!   world fills must have items, so that theirs are checked;
//! - fails on any violation (printed with its operation and path, such as
//!   `DescribePackageGroup.packageGroup.originConfiguration.restrictions.PUBLISH.mode`), on any
//!   call that raised (its error code and message, and whether it is an unknown-operation answer:
//!   a ValidationException naming `UNKNOWN_OPERATION`, or a 404), and when its calls do not
//!   cover the model's operations exactly; before any call it checks that its checks catch a
//!   deliberately broken answer.
//!
//! The test asserts the script succeeded and that its summary says every operation of the model
//! was called and validated; on failure it shows everything the script printed.

use tributary_tests::{
    ADMIN_ACCESS_KEY_ID, ADMIN_SECRET_ACCESS_KEY, AdminKeys, Backend, PythonConfig, REGION, TestServer,
    on_both_backends, python_bin, python_command, workspace_root,
};

on_both_backends!(every_operation_answers_its_model_shape);

/// The operations of CodeArtifact's model (2018-09-22), as issue 15 counts them.
const MODEL_OPERATIONS: usize = 48;

/// `called/total` and `validated/total` from the script's summary line
/// `summary: C/T operations called, V/T validated against their output shape; ...`.
fn summary_counts(stdout: &str) -> Option<(usize, usize, usize)> {
    let line = stdout.lines().rev().find_map(|l| l.strip_prefix("summary: "))?;
    let mut fractions = line.split(' ').filter_map(|word| {
        let (done, total) = word.split_once('/')?;
        Some((done.parse::<usize>().ok()?, total.trim_end_matches([',', ';']).parse::<usize>().ok()?))
    });
    let (called, total) = fractions.next()?;
    let (validated, total_again) = fractions.next()?;
    (total == total_again).then_some((called, validated, total))
}

async fn every_operation_answers_its_model_shape(backend: Backend) {
    // `public:npmjs` is associated, never fetched from: a closed port keeps it that way.
    let server = TestServer::start_with_env(
        backend,
        AdminKeys::Fixed,
        &[("TRIBUTARY_EXTERNAL_PUBLIC_NPMJS_URL", "http://127.0.0.1:9/")],
    );
    let home = tempfile::Builder::new().prefix("tributary-model-probe-").tempdir().expect("a home for the script");
    let script = workspace_root().join("tests/fixtures/model_probe.py");
    assert!(script.is_file(), "the probe script is not at `{}`", script.display());

    let output = python_command(python_bin().join("python"), home.path(), PythonConfig::Isolated)
        .arg(&script)
        .env("TRIBUTARY_PROBE_ENDPOINT", server.url())
        .env("TRIBUTARY_PROBE_ACCESS_KEY_ID", ADMIN_ACCESS_KEY_ID)
        .env("TRIBUTARY_PROBE_SECRET_ACCESS_KEY", ADMIN_SECRET_ACCESS_KEY)
        .env("TRIBUTARY_PROBE_REGION", REGION)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .unwrap_or_else(|e| panic!("cannot run `{}`: {e}", script.display()));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let shown = format!("--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}");

    assert!(
        output.status.success(),
        "the model probe failed ({}) on {backend:?}: each failed call and violation is listed below\n{shown}\n{}",
        output.status,
        server.diagnose()
    );
    let (called, validated, total) =
        summary_counts(&stdout).unwrap_or_else(|| panic!("the model probe printed no summary line\n{shown}"));
    assert_eq!(
        total, MODEL_OPERATIONS,
        "botocore's model has {total} operations, issue 15 counts {MODEL_OPERATIONS}: update the probe\n{shown}"
    );
    assert_eq!((called, validated), (total, total), "not every operation was called and validated\n{shown}");
    // What each call did (nextest shows it with `--no-capture`).
    println!("{stdout}");
}
