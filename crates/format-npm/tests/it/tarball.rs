//! `inspect_tarball` on real archives, broken archives and bombs.

use std::time::Instant;

use tributary_format_npm::{NpmError, TarballLimits, inspect_tarball};

use crate::support::{gzip, package_tarball, tarball};

const MIB: u64 = 1024 * 1024;

fn defaults() -> TarballLimits {
    TarballLimits::default()
}

#[test]
fn reads_package_json_readme_and_counts() {
    let bytes = package_tarball("@acme/lib", "1.2.3");
    let info = inspect_tarball(&bytes, &defaults()).expect("a valid package");
    assert_eq!(info.package_json["name"], "@acme/lib");
    assert_eq!(info.package_json["version"], "1.2.3");
    assert_eq!(info.readme.as_deref(), Some("# Hello\n\nA test package.\n"));
    assert_eq!(info.readme_filename.as_deref(), Some("README.md"));
    assert!(!info.has_shrinkwrap);
    assert_eq!(info.file_count, 3);
    assert!(info.unpacked_size > 40, "{}", info.unpacked_size);
}

#[test]
fn table_of_layouts() {
    let pj = br#"{"name":"x","version":"1.0.0"}"#;
    // (files, expected readme file name, shrinkwrap)
    type Case<'a> = (Vec<(&'a str, &'a [u8])>, Option<&'a str>, bool);
    let table: Vec<Case> = vec![
        (vec![("package/package.json", pj)], None, false),
        (vec![("node-x/package.json", pj), ("node-x/readme.markdown", b"r")], Some("readme.markdown"), false),
        (vec![("./package/package.json", pj)], None, false),
        (
            vec![("package/README", b"plain"), ("package/package.json", pj), ("package/Readme.md", b"md")],
            Some("Readme.md"),
            false,
        ),
        (
            vec![("package/README.txt", b"t"), ("package/README", b"p"), ("package/package.json", pj)],
            Some("README"),
            false,
        ),
        (vec![("package/docs/README.md", b"deep"), ("package/package.json", pj)], None, false),
        (vec![("package/package.json", pj), ("package/npm-shrinkwrap.json", b"{}")], None, true),
        (vec![("package/lib/package.json", b"{}"), ("package/package.json", pj)], None, false),
    ];
    for (files, readme, shrinkwrap) in table {
        let names: Vec<&str> = files.iter().map(|(n, _)| *n).collect();
        let info = inspect_tarball(&tarball(&files), &defaults()).unwrap_or_else(|e| panic!("{names:?}: {e}"));
        assert_eq!(info.package_json["name"], "x", "{names:?}");
        assert_eq!(info.readme_filename.as_deref(), readme, "{names:?}");
        assert_eq!(info.has_shrinkwrap, shrinkwrap, "{names:?}");
    }
}

#[test]
fn long_names_are_followed() {
    let pj = br#"{"name":"x","version":"1.0.0"}"#;
    let long_js = format!("package/{}.js", "deep/".repeat(30));
    let long_readme = format!("package/README.{}", "m".repeat(120));
    let bytes = tarball(&[(&long_js, b"1"), (&long_readme, b"long readme"), ("package/package.json", pj)]);
    let info = inspect_tarball(&bytes, &defaults()).expect("valid");
    assert_eq!(info.readme.as_deref(), Some("long readme"));
    assert_eq!(info.file_count, 3);
}

#[test]
fn pax_path_records_are_followed() {
    // A PAX header carrying the real path, then an entry whose ustar name is something else.
    let pj = br#"{"name":"pax","version":"1.0.0"}"#;
    let record = "29 path=package/package.json\n";
    assert_eq!(record.len(), 29);
    let mut builder = tar::Builder::new(Vec::new());
    let mut pax = tar::Header::new_ustar();
    pax.set_path("package/PaxHeader").expect("short path");
    pax.set_entry_type(tar::EntryType::XHeader);
    pax.set_size(record.len() as u64);
    pax.set_cksum();
    builder.append(&pax, record.as_bytes()).expect("append");
    let mut file = tar::Header::new_ustar();
    file.set_path("package/truncated-name").expect("short path");
    file.set_size(pj.len() as u64);
    file.set_entry_type(tar::EntryType::Regular);
    file.set_cksum();
    builder.append(&file, &pj[..]).expect("append");
    let raw = builder.into_inner().expect("tar");
    let info = inspect_tarball(&gzip([raw]), &defaults()).expect("valid");
    assert_eq!(info.package_json["name"], "pax");
}

#[test]
fn broken_archives_are_refused() {
    let good = package_tarball("x", "1.0.0");
    let mut flipped = good.clone();
    let middle = flipped.len() / 2;
    for b in &mut flipped[middle..middle + 16] {
        *b ^= 0xA5;
    }
    let pj = br#"{"name":"x","version":"1.0.0"}"#;
    let table: Vec<(&str, Vec<u8>)> = vec![
        ("not gzip", b"hello, this is not a tarball".to_vec()),
        ("empty", Vec::new()),
        ("gzip of text", gzip([b"definitely not a tar archive\n".repeat(40)])),
        ("truncated", good[..good.len() / 2].to_vec()),
        ("gzip header then garbage", [&good[..10], &[0x55u8; 200][..]].concat()),
        ("flipped bytes", flipped),
        ("no package.json", tarball(&[("package/index.js", b"1")])),
        ("nested package.json only", tarball(&[("package/lib/package.json", pj)])),
        ("package.json at the root", tarball(&[("package.json", pj)])),
        ("package.json not json", tarball(&[("package/package.json", b"{nope")])),
        ("package.json an array", tarball(&[("package/package.json", b"[1]")])),
        ("two package.json", tarball(&[("package/package.json", pj), ("other/package.json", pj)])),
        ("empty tar", gzip([vec![0u8; 1024]])),
    ];
    for (what, bytes) in table {
        match inspect_tarball(&bytes, &defaults()) {
            Err(NpmError::InvalidTarball { reason, .. }) => assert!(!reason.is_empty(), "{what}"),
            other => panic!("{what}: expected InvalidTarball, got {other:?}"),
        }
    }
}

fn assert_too_large(result: Result<tributary_format_npm::TarballInfo, NpmError>, what: &str) {
    match result {
        Err(err @ NpmError::TarballTooLarge { .. }) => {
            let message = err.to_string();
            assert!(message.contains(what), "{message}");
            assert!(message.contains("remove files from the package"), "{message}");
        }
        other => panic!("expected TarballTooLarge ({what}), got {other:?}"),
    }
}

#[test]
fn gzip_bomb_is_refused_by_the_unpacked_limit() {
    // 8 MiB of zeros compress to a few KiB; with a 1 MiB limit they are refused.
    let pj = br#"{"name":"x","version":"1.0.0"}"#;
    let zeros = vec![0u8; 8 * MIB as usize];
    let bomb = tarball(&[("package/package.json", pj), ("package/zeros.bin", &zeros)]);
    assert!(bomb.len() < 64 * 1024, "{}", bomb.len());
    let limits = TarballLimits { max_unpacked_bytes: MIB, ..defaults() };
    assert_too_large(inspect_tarball(&bomb, &limits), "the unpacked size");
    // Under the default limit the same archive is fine.
    assert!(inspect_tarball(&bomb, &defaults()).is_ok());
}

#[test]
fn declared_600_mib_entry_is_refused_before_reading_it() {
    // A header announcing 600 MiB of zeros (the data itself is cut short: the limit must trip on
    // the declared size, before any of it is decompressed).
    let pj = br#"{"name":"x","version":"1.0.0"}"#;
    let mut builder = tar::Builder::new(Vec::new());
    let mut header = tar::Header::new_gnu();
    header.set_size(pj.len() as u64);
    header.set_entry_type(tar::EntryType::Regular);
    builder.append_data(&mut header, "package/package.json", &pj[..]).expect("append");
    let mut big = tar::Header::new_gnu();
    big.set_path("package/zeros.bin").expect("short path");
    big.set_size(600 * MIB);
    big.set_entry_type(tar::EntryType::Regular);
    big.set_cksum();
    let mut raw = builder.get_ref().clone();
    raw.extend_from_slice(big.as_bytes());
    raw.extend_from_slice(&vec![0u8; 64 * 1024]);
    let started = Instant::now();
    assert_too_large(inspect_tarball(&gzip([raw]), &defaults()), "the unpacked size");
    assert!(started.elapsed().as_secs() < 5);
}

#[test]
fn many_entries_within_the_limit_are_refused_together() {
    // 32 files of 1 MiB of zeros, streamed through the compressor chunk by chunk: each file is
    // under the 16 MiB limit, together they are not.
    let pj = br#"{"name":"x","version":"1.0.0"}"#;
    let mut builder = tar::Builder::new(Vec::new());
    let mut header = tar::Header::new_gnu();
    header.set_size(pj.len() as u64);
    header.set_entry_type(tar::EntryType::Regular);
    builder.append_data(&mut header, "package/package.json", &pj[..]).expect("append");
    let mut chunks = vec![builder.get_ref().clone()];
    for i in 0..32 {
        let mut file = tar::Header::new_gnu();
        file.set_path(format!("package/chunk{i}.bin")).expect("short path");
        file.set_size(MIB);
        file.set_entry_type(tar::EntryType::Regular);
        file.set_cksum();
        chunks.push(file.as_bytes().to_vec());
        chunks.push(vec![0u8; MIB as usize]);
    }
    let bomb = gzip(chunks);
    let limits = TarballLimits { max_unpacked_bytes: 16 * MIB, ..defaults() };
    assert_too_large(inspect_tarball(&bomb, &limits), "the unpacked size");
}

#[test]
fn other_limits() {
    let pj = br#"{"name":"x","version":"1.0.0","description":"a long enough description to pass 64 bytes"}"#;
    let small_pj = TarballLimits { max_package_json_bytes: 64, ..defaults() };
    assert_too_large(inspect_tarball(&tarball(&[("package/package.json", pj)]), &small_pj), "package.json");

    let files: Vec<(String, Vec<u8>)> = (0..20).map(|i| (format!("package/f{i}.js"), b"1".to_vec())).collect();
    let mut refs: Vec<(&str, &[u8])> = files.iter().map(|(n, d)| (n.as_str(), d.as_slice())).collect();
    refs.push(("package/package.json", pj));
    let few_entries = TarballLimits { max_entries: 10, ..defaults() };
    assert_too_large(inspect_tarball(&tarball(&refs), &few_entries), "the number of entries");

    let long_readme = "r".repeat(1000);
    let short_readme = TarballLimits { max_readme_bytes: 100, ..defaults() };
    let info = inspect_tarball(
        &tarball(&[("package/package.json", pj), ("package/README.md", long_readme.as_bytes())]),
        &short_readme,
    )
    .expect("a long README is cut, not refused");
    assert_eq!(info.readme.map(|r| r.len()), Some(100));
}

#[test]
fn headers_alone_count_toward_the_unpacked_limit() {
    // 300 empty files declare 0 bytes each, but their headers are 150 KiB of stream: the counting
    // reader (not the declared sizes) stops this one.
    let pj = br#"{"name":"x","version":"1.0.0"}"#;
    let names: Vec<String> = (0..300).map(|i| format!("package/empty{i}")).collect();
    let mut files: Vec<(&str, &[u8])> = vec![("package/package.json", pj)];
    files.extend(names.iter().map(|n| (n.as_str(), &b""[..])));
    let limits = TarballLimits { max_unpacked_bytes: 64 * 1024, ..defaults() };
    assert_too_large(inspect_tarball(&tarball(&files), &limits), "the unpacked size");
    assert!(inspect_tarball(&tarball(&files), &defaults()).is_ok());
}

/// A gzipped tar of raw entries `(path, type, link target)`, written without the tar crate's
/// path checks (which refuse what an attacker would send), next to a valid package.json.
fn raw_tarball(entries: &[(&str, tar::EntryType, &str)]) -> Vec<u8> {
    let mut out = Vec::new();
    let pj = br#"{"name":"x","version":"1.0.0"}"#;
    let mut push = |path: &str, kind: tar::EntryType, link: &str, body: &[u8]| {
        let mut header = tar::Header::new_old();
        header.as_old_mut().name[..path.len()].copy_from_slice(path.as_bytes());
        header.as_old_mut().linkname[..link.len()].copy_from_slice(link.as_bytes());
        header.set_entry_type(kind);
        header.set_size(body.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        out.extend_from_slice(header.as_bytes());
        out.extend_from_slice(body);
        out.resize(out.len().div_ceil(512) * 512, 0);
    };
    push("package/package.json", tar::EntryType::Regular, "", pj);
    for (path, kind, link) in entries {
        let body: &[u8] = if *kind == tar::EntryType::Regular { b"x" } else { b"" };
        push(path, *kind, link, body);
    }
    out.extend_from_slice(&[0; 1024]);
    gzip([out])
}

#[test]
fn entries_outside_the_package_and_links_are_refused() {
    use tar::EntryType::{Block, Char, Fifo, Link, Regular, Symlink};
    let cases: &[(&str, tar::EntryType, &str, &str)] = &[
        ("package/../../etc/cron.d/x", Regular, "", "outside the package directory"),
        ("../x", Regular, "", "outside the package directory"),
        ("/etc/passwd", Regular, "", "outside the package directory"),
        ("package/link", Symlink, "/etc/passwd", "a link"),
        ("package/hard", Link, "package/package.json", "a link"),
        ("package/dev", Char, "", "entry of type"),
        ("package/blk", Block, "", "entry of type"),
        ("package/fifo", Fifo, "", "entry of type"),
    ];
    for (path, kind, link, expected) in cases {
        let err = inspect_tarball(&raw_tarball(&[(path, *kind, link)]), &defaults())
            .expect_err(&format!("`{path}` ({kind:?}) is refused"));
        assert!(matches!(err, NpmError::InvalidTarball { .. }), "{path}: {err:?}");
        let message = err.to_string();
        assert!(message.contains(expected) && message.contains(path), "{path}: {message}");
    }
    // The same tarball without the bad entry is fine.
    inspect_tarball(&raw_tarball(&[("package/index.js", Regular, "")]), &defaults()).expect("a plain package");
}
