//! Generic packages end to end, with the real `aws` CLI, on SQLite and PostgreSQL (issue 13):
//! `publish-package-version` of a version of several assets, Unfinished until the last one is
//! published with `--no-unfinished`; `get-package-version-asset` returns the same bytes;
//! `list-package-version-assets` pages; the same asset again changes nothing; a wrong SHA-256, an asset added to a Published version,
//! a missing namespace and a non-generic format are refused and store nothing.

use sha2::Digest as _;
use tributary_tests::{TestServer, assert_mentions, both_backends};

both_backends!(publish_and_download);

fn sha256_of(path: &std::path::Path) -> String {
    let bytes = std::fs::read(path).expect("the asset");
    sha2::Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect()
}

async fn publish_and_download(server: TestServer) {
    let cli = |args: &[&str]| server.aws(args).ok();
    cli(&["create-domain", "--domain", "acme"]);
    cli(&["create-repository", "--domain", "acme", "--repository", "files"]);
    let dir = tempfile::tempdir().expect("a directory");
    let installer = dir.path().join("installer.bin");
    std::fs::write(&installer, tributary_tests::scenario::noise(3 * 1024 * 1024 + 17)).expect("an asset");
    let notes = dir.path().join("notes.txt");
    std::fs::write(&notes, "release notes\n").expect("an asset");
    let checksums = dir.path().join("SHA256SUMS");
    std::fs::write(&checksums, format!("{}  installer.bin\n", sha256_of(&installer))).expect("an asset");
    let package = [
        "--domain",
        "acme",
        "--repository",
        "files",
        "--format",
        "generic",
        "--namespace",
        "tools",
        "--package",
        "thing",
    ];
    let publish = |file: &std::path::Path, name: &str, sha256: &str, unfinished: bool| {
        let path = file.to_string_lossy().into_owned();
        let mut args: Vec<&str> = vec!["publish-package-version"];
        args.extend(package);
        args.extend([
            "--package-version",
            "1.0.0",
            "--asset-content",
            &path,
            "--asset-name",
            name,
            "--asset-sha256",
            sha256,
        ]);
        args.push(if unfinished { "--unfinished" } else { "--no-unfinished" });
        server.aws(&args)
    };

    // A wrong SHA-256 is refused, and nothing is stored.
    let refused = publish(&installer, "installer.bin", &sha256_of(&notes), true)
        .error("ValidationException", "PublishPackageVersion");
    assert_mentions(&refused, &["SHA-256 mismatch", "nothing was stored"]);
    let mut list: Vec<&str> = vec!["list-packages", "--domain", "acme", "--repository", "files"];
    list.extend(["--format", "generic"]);
    assert_eq!(cli(&list)["packages"], serde_json::json!([]));

    let first = publish(&installer, "installer.bin", &sha256_of(&installer), true).ok();
    assert_eq!(first["status"], "Unfinished");
    assert_eq!(first["asset"]["size"], 3 * 1024 * 1024 + 17);
    assert_eq!(first["asset"]["hashes"]["SHA-256"], sha256_of(&installer));
    publish(&notes, "notes.txt", &sha256_of(&notes), true).ok();
    let last = publish(&checksums, "SHA256SUMS", &sha256_of(&checksums), false).ok();
    assert_eq!(last["status"], "Published");

    // The version is Published with its three assets, which come back as they went.
    let mut describe: Vec<&str> = vec!["describe-package-version"];
    describe.extend(package);
    describe.extend(["--package-version", "1.0.0"]);
    assert_eq!(cli(&describe)["packageVersion"]["status"], "Published");
    let mut assets: Vec<&str> = vec!["list-package-version-assets"];
    assets.extend(package);
    assets.extend(["--package-version", "1.0.0"]);
    let listed = cli(&assets);
    let mut names: Vec<&str> =
        listed["assets"].as_array().expect("assets").iter().filter_map(|a| a["name"].as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["SHA256SUMS", "installer.bin", "notes.txt"]);
    let mut paged = assets.clone();
    paged.extend(["--max-results", "2"]);
    let page = cli(&paged);
    assert_eq!(page["assets"].as_array().map(Vec::len), Some(2), "{page}");
    assert!(page["nextToken"].is_string(), "{page}");
    for (file, name) in [(&installer, "installer.bin"), (&notes, "notes.txt")] {
        let out = dir.path().join(format!("downloaded-{name}"));
        let out_path = out.to_string_lossy().into_owned();
        let mut get: Vec<&str> = vec!["get-package-version-asset"];
        get.extend(package);
        get.extend(["--package-version", "1.0.0", "--asset", name, &out_path]);
        cli(&get);
        assert_eq!(std::fs::read(&out).expect("the download"), std::fs::read(file).expect("the asset"), "{name}");
    }

    // The very same asset again changes nothing; a Published version's assets are fixed.
    let again = publish(&checksums, "SHA256SUMS", &sha256_of(&checksums), false).ok();
    assert_eq!(
        (again["status"].as_str(), again["versionRevision"].as_str()),
        (Some("Published"), last["versionRevision"].as_str())
    );
    let late =
        publish(&notes, "late.txt", &sha256_of(&notes), false).error("ConflictException", "PublishPackageVersion");
    assert_mentions(&late, &["Published", "Unfinished"]);
    // A generic package needs a namespace; other formats publish with their own clients.
    let path = notes.to_string_lossy().into_owned();
    let sha = sha256_of(&notes);
    let base = [
        "publish-package-version",
        "--domain",
        "acme",
        "--repository",
        "files",
        "--package",
        "x",
        "--package-version",
        "1",
        "--asset-content",
        &path,
        "--asset-name",
        "n",
        "--asset-sha256",
        &sha,
    ];
    let mut no_namespace: Vec<&str> = base.to_vec();
    no_namespace.extend(["--format", "generic"]);
    assert_mentions(&server.aws(&no_namespace).error("ValidationException", "PublishPackageVersion"), &["namespace"]);
    let mut npm: Vec<&str> = base.to_vec();
    npm.extend(["--format", "npm"]);
    assert_mentions(&server.aws(&npm).error("ValidationException", "PublishPackageVersion"), &["generic"]);
    assert_eq!(cli(&list)["packages"].as_array().map(Vec::len), Some(1));
}
