//! `parse_publish` and `classify_put` on the bodies npm sends.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use tributary_format_npm::{
    Digests, NpmError, NpmName, PutKind, TarballLimits, classify_put, parse_publish, parse_publish_with_limits,
};

use crate::support::{bytes, gzip, manifest, package_tarball, publish_body, tarball};

fn name(s: &str) -> NpmName {
    NpmName::parse(s).expect("valid name")
}

#[test]
fn good_unscoped_publish() {
    let tgz = package_tarball("lib", "1.0.0");
    let request = parse_publish(&name("lib"), &bytes(&publish_body("lib", "1.0.0", &tgz))).expect("valid publish");
    assert_eq!(request.name.full(), "lib");
    assert_eq!(request.version, "1.0.0");
    assert_eq!(request.tarball_filename, "lib-1.0.0.tgz");
    assert_eq!(request.tarball, tgz);
    assert_eq!(request.digests, Digests::of(&tgz));
    assert_eq!(request.dist_tags, BTreeMap::from([("latest".to_owned(), "1.0.0".to_owned())]));
    assert_eq!(request.readme.as_deref(), Some("# Hello\n\nA test package.\n"));
    assert_eq!(request.readme_filename.as_deref(), Some("README.md"));
    assert_eq!(request.access.as_deref(), Some("public"));
    assert_eq!(request.provenance, None);
    assert_eq!(request.manifest["_id"], "lib@1.0.0");
    assert_eq!(request.manifest["_hasShrinkwrap"], false);
    assert_eq!(request.manifest["dist"]["fileCount"], 3);
    assert_eq!(request.manifest["dist"]["integrity"], Digests::of(&tgz).integrity());
    assert_eq!(request.manifest["dependencies"]["left-pad"], "^1.3.0");
}

#[test]
fn good_scoped_publish_with_either_attachment_name() {
    let tgz = package_tarball("@acme/lib", "2.0.0-beta.1");
    // libnpmpublish names the attachment with the full name.
    let body = publish_body("@acme/lib", "2.0.0-beta.1", &tgz);
    assert!(body["_attachments"].get("@acme/lib-2.0.0-beta.1.tgz").is_some());
    let request = parse_publish(&name("@acme%2flib"), &bytes(&body)).expect("valid publish");
    assert_eq!(request.tarball_filename, "lib-2.0.0-beta.1.tgz");
    assert_eq!(request.name.namespace(), "acme");

    let mut body = body;
    let attachment = body["_attachments"].as_object_mut().and_then(|a| a.remove("@acme/lib-2.0.0-beta.1.tgz"));
    body["_attachments"]["lib-2.0.0-beta.1.tgz"] = attachment.expect("present");
    assert!(parse_publish(&name("@acme/lib"), &bytes(&body)).is_ok());
}

#[test]
fn either_hash_alone_is_enough() {
    let tgz = package_tarball("lib", "1.0.0");
    for remove in ["integrity", "shasum"] {
        let mut body = publish_body("lib", "1.0.0", &tgz);
        if let Some(dist) = body["versions"]["1.0.0"]["dist"].as_object_mut() {
            dist.remove(remove);
        }
        assert!(parse_publish(&name("lib"), &bytes(&body)).is_ok(), "without {remove}");
    }
}

#[test]
fn provenance_bundle_is_kept_aside() {
    let tgz = package_tarball("lib", "1.0.0");
    let mut body = publish_body("lib", "1.0.0", &tgz);
    body["_attachments"]["lib-1.0.0.sigstore"] = json!({"content_type": "application/vnd.dev.sigstore.bundle+json;version=0.2", "data": "{\"bundle\":1}", "length": 12});
    let request = parse_publish(&name("lib"), &bytes(&body)).expect("valid publish");
    assert_eq!(request.provenance.as_deref(), Some(&b"{\"bundle\":1}"[..]));
}

#[test]
fn tarball_package_json_version_is_compared_cleaned() {
    // npm cleans `v1.0.0` in the manifest but packs package.json as written.
    let tgz = package_tarball("lib", "v1.0.0");
    assert!(parse_publish(&name("lib"), &bytes(&publish_body("lib", "1.0.0", &tgz))).is_ok());
}

/// How a refused body is refused.
type Check = fn(&NpmError) -> bool;

#[test]
fn refused_publish_bodies() {
    let tgz = package_tarball("lib", "1.0.0");
    let other = package_tarball("lib", "9.9.9");
    let good = || publish_body("lib", "1.0.0", &tgz);
    let with = |f: &dyn Fn(&mut Value)| {
        let mut body = good();
        f(&mut body);
        bytes(&body)
    };
    let with_tarball = |tarball: &[u8]| bytes(&publish_body("lib", "1.0.0", tarball));
    let without = |key: &'static str| {
        with(&move |b: &mut Value| {
            if let Some(o) = b.as_object_mut() {
                o.remove(key);
            }
        })
    };

    let other_integrity = Digests::of(&other).integrity();
    let other_shasum = Digests::of(&other).shasum();
    let not_gzip = b"this is not a gzip stream at all".to_vec();
    let evil_name = package_tarball("evil", "1.0.0");
    let wrong_version = package_tarball("lib", "1.0.1");
    let no_package_json = tarball(&[("package/index.js", b"1")]);

    let table: Vec<(&str, NpmName, Vec<u8>, Check)> = vec![
        ("not json", name("lib"), b"{nope".to_vec(), |e| matches!(e, NpmError::InvalidDocument { .. })),
        ("json array", name("lib"), b"[]".to_vec(), |e| matches!(e, NpmError::InvalidDocument { .. })),
        ("url name differs", name("other"), with(&|_| {}), |e| matches!(e, NpmError::NameMismatch { .. })),
        ("body _id differs", name("lib"), with(&|b| b["_id"] = json!("other")), |e| {
            matches!(e, NpmError::NameMismatch { .. })
        }),
        ("no name", name("lib"), without("name"), |e| matches!(e, NpmError::InvalidDocument { .. })),
        ("manifest name differs", name("lib"), with(&|b| b["versions"]["1.0.0"]["name"] = json!("other")), |e| {
            matches!(e, NpmError::NameMismatch { .. })
        }),
        (
            "manifest version differs from its key",
            name("lib"),
            with(&|b| b["versions"]["1.0.0"]["version"] = json!("1.0.1")),
            |e| matches!(e, NpmError::InvalidDocument { .. }),
        ),
        ("no versions", name("lib"), with(&|b| b["versions"] = json!({})), |e| {
            matches!(e, NpmError::InvalidDocument { .. })
        }),
        (
            "two versions",
            name("lib"),
            with(&|b| b["versions"]["1.0.1"] = manifest("lib", "1.0.1", &tgz)),
            |e| matches!(e, NpmError::InvalidDocument { reason, .. } if reason.contains("one version at a time")),
        ),
        (
            "invalid semver",
            name("lib"),
            bytes(&publish_body("lib", "1.0", &tgz)),
            |e| matches!(e, NpmError::InvalidVersion { version, .. } if version == "1.0"),
        ),
        ("dist-tag elsewhere", name("lib"), with(&|b| b["dist-tags"]["latest"] = json!("0.9.0")), |e| {
            matches!(e, NpmError::InvalidDocument { .. })
        }),
        ("dist-tag is a range", name("lib"), with(&|b| b["dist-tags"] = json!({"1.x": "1.0.0"})), |e| {
            matches!(e, NpmError::InvalidDistTag { .. })
        }),
        ("no attachments", name("lib"), without("_attachments"), |e| matches!(e, NpmError::InvalidAttachment { .. })),
        ("empty attachments", name("lib"), with(&|b| b["_attachments"] = json!({})), |e| {
            matches!(e, NpmError::InvalidAttachment { .. })
        }),
        (
            "two attachments",
            name("lib"),
            with(&|b| b["_attachments"]["lib-1.0.1.tgz"] = b["_attachments"]["lib-1.0.0.tgz"].clone()),
            |e| matches!(e, NpmError::InvalidAttachment { .. }),
        ),
        (
            "the same tarball under both names",
            name("@acme/lib"),
            bytes(&{
                let mut b = publish_body("@acme/lib", "1.0.0", &package_tarball("@acme/lib", "1.0.0"));
                b["_attachments"]["lib-1.0.0.tgz"] = b["_attachments"]["@acme/lib-1.0.0.tgz"].clone();
                b
            }),
            |e| matches!(e, NpmError::InvalidAttachment { .. }),
        ),
        (
            "unexpected attachment",
            name("lib"),
            with(&|b| b["_attachments"]["notes.txt"] = json!({"data": "aGk="})),
            |e| matches!(e, NpmError::InvalidAttachment { .. }),
        ),
        (
            "attachment named for another version",
            name("lib"),
            with(&|b| {
                let a = b["_attachments"]["lib-1.0.0.tgz"].clone();
                b["_attachments"] = json!({ "lib-2.0.0.tgz": a });
            }),
            |e| matches!(e, NpmError::InvalidAttachment { .. }),
        ),
        (
            "bad base64",
            name("lib"),
            with(&|b| b["_attachments"]["lib-1.0.0.tgz"]["data"] = json!("%%%not base64%%%")),
            |e| matches!(e, NpmError::InvalidAttachment { reason, .. } if reason.contains("base64")),
        ),
        ("empty data", name("lib"), with(&|b| b["_attachments"]["lib-1.0.0.tgz"]["data"] = json!("")), |e| {
            matches!(e, NpmError::InvalidAttachment { .. })
        }),
        ("data not a string", name("lib"), with(&|b| b["_attachments"]["lib-1.0.0.tgz"]["data"] = json!(5)), |e| {
            matches!(e, NpmError::InvalidAttachment { .. })
        }),
        (
            "length differs",
            name("lib"),
            with(&|b| b["_attachments"]["lib-1.0.0.tgz"]["length"] = json!(1)),
            |e| matches!(e, NpmError::InvalidAttachment { reason, .. } if reason.contains("length")),
        ),
        (
            "integrity mismatch",
            name("lib"),
            with(&|b| b["versions"]["1.0.0"]["dist"]["integrity"] = json!(other_integrity)),
            |e| matches!(e, NpmError::HashMismatch { algorithm: "integrity", .. }),
        ),
        (
            "shasum mismatch",
            name("lib"),
            with(&|b| b["versions"]["1.0.0"]["dist"]["shasum"] = json!(other_shasum)),
            |e| matches!(e, NpmError::HashMismatch { algorithm: "shasum", .. }),
        ),
        ("no hashes", name("lib"), with(&|b| b["versions"]["1.0.0"]["dist"] = json!({})), |e| {
            matches!(e, NpmError::MissingHashes { .. })
        }),
        (
            "corrupted gzip",
            name("lib"),
            with_tarball(&not_gzip),
            |e| matches!(e, NpmError::InvalidTarball { subject, .. } if subject == "lib@1.0.0"),
        ),
        ("gzip but not tar", name("lib"), with_tarball(&gzip([b"plain text".repeat(100)])), |e| {
            matches!(e, NpmError::InvalidTarball { .. })
        }),
        ("no package.json inside", name("lib"), with_tarball(&no_package_json), |e| {
            matches!(e, NpmError::InvalidTarball { .. })
        }),
        (
            "package.json names another package",
            name("lib"),
            with_tarball(&evil_name),
            |e| matches!(e, NpmError::PackageJsonMismatch { field: "name", tarball, .. } if tarball == "evil"),
        ),
        ("package.json has another version", name("lib"), with_tarball(&wrong_version), |e| {
            matches!(e, NpmError::PackageJsonMismatch { field: "version", .. })
        }),
        (
            "url name not valid for new packages",
            NpmName::parse_existing("Lib").expect("valid for old packages"),
            with(&|_| {}),
            |e| matches!(e, NpmError::InvalidName { .. }),
        ),
    ];
    for (what, url_name, body, check) in table {
        match parse_publish(&url_name, &body) {
            Ok(_) => panic!("{what}: accepted"),
            Err(err) => {
                assert!(check(&err), "{what}: unexpected error {err:?}");
                assert!(!err.to_string().is_empty());
            }
        }
    }
}

#[test]
fn gzip_bomb_in_a_publish_is_refused() {
    let pj = br#"{"name":"lib","version":"1.0.0"}"#;
    let zeros = vec![0u8; 4 * 1024 * 1024];
    let bomb = tarball(&[("package/package.json", pj), ("package/zeros.bin", &zeros)]);
    let limits = TarballLimits { max_unpacked_bytes: 1024 * 1024, ..TarballLimits::default() };
    let err = parse_publish_with_limits(&name("lib"), &bytes(&publish_body("lib", "1.0.0", &bomb)), &limits)
        .expect_err("a bomb");
    assert!(matches!(&err, NpmError::TarballTooLarge { subject, .. } if subject == "lib@1.0.0"), "{err:?}");
}

#[test]
fn error_messages_read_well() {
    let tgz = package_tarball("lib", "1.0.0");
    let err = parse_publish(&name("other"), &bytes(&publish_body("lib", "1.0.0", &tgz))).expect_err("mismatch");
    assert_eq!(
        err.to_string(),
        "the request is for the package `other` but its body names `lib`: publish from the package's own directory, or fix `name` in package.json"
    );
    let mut body = publish_body("lib", "1.0.0", &tgz);
    body["versions"]["1.0.0"]["dist"]["integrity"] = json!(Digests::of(b"x").integrity());
    let err = parse_publish(&name("lib"), &bytes(&body)).expect_err("mismatch");
    let message = err.to_string();
    assert!(message.starts_with("the tarball of `lib@1.0.0` does not match its declared integrity"), "{message}");
    assert!(message.contains(&Digests::of(&tgz).integrity()), "{message}");
}

// ---- classify_put ----

/// A packument as `GET /{name}?write=true` returns it, edited as npm edits it.
fn packument_body(versions: &[(&str, Option<&str>)]) -> Value {
    let mut doc =
        json!({"_id": "lib", "_rev": "3-abc", "name": "lib", "dist-tags": {"latest": "1.1.0"}, "versions": {}});
    for (version, deprecated) in versions {
        let mut m = manifest("lib", version, b"x");
        if let Some(message) = deprecated {
            m["deprecated"] = json!(message);
        }
        doc["versions"][*version] = m;
    }
    doc
}

#[test]
fn classifies_put_bodies() {
    let lib = name("lib");
    let tgz = package_tarball("lib", "1.0.0");
    let deprecate = packument_body(&[("1.0.0", Some("use 1.1")), ("1.1.0", None), ("0.9.0", Some(""))]);
    let mut with_empty_attachments = packument_body(&[("1.0.0", None)]);
    with_empty_attachments["_attachments"] = json!({});
    let unpublish = packument_body(&[("1.1.0", None), ("0.10.0", None), ("0.9.0", Some("old"))]);

    let table: Vec<(&str, Value, Option<&str>, PutKind)> = vec![
        ("publish", publish_body("lib", "1.0.0", &tgz), None, PutKind::Publish),
        (
            "deprecate",
            deprecate,
            None,
            PutKind::Deprecate {
                versions: BTreeMap::from([
                    ("0.9.0".to_owned(), String::new()),
                    ("1.0.0".to_owned(), "use 1.1".to_owned()),
                    ("1.1.0".to_owned(), String::new()),
                ]),
            },
        ),
        (
            "deprecate with empty attachments",
            with_empty_attachments,
            None,
            PutKind::Deprecate { versions: BTreeMap::from([("1.0.0".to_owned(), String::new())]) },
        ),
        (
            "unpublish a version",
            unpublish,
            Some("3-abc"),
            PutKind::UnpublishVersions {
                remaining: vec!["0.9.0".to_owned(), "0.10.0".to_owned(), "1.1.0".to_owned()],
                dist_tags: BTreeMap::from([("latest".to_owned(), "1.1.0".to_owned())]),
            },
        ),
        (
            "owner add",
            json!({"_id": "lib", "_rev": "3-abc", "maintainers": [{"name": "alice", "email": "a@x"}, {"name": "bob"}]}),
            Some("3-abc"),
            PutKind::Maintainers { names: vec!["alice".to_owned(), "bob".to_owned()] },
        ),
        (
            "star",
            json!({"_id": "lib", "_rev": "3-abc", "users": {"alice": true}}),
            None,
            PutKind::Star { users: vec!["alice".to_owned()] },
        ),
    ];
    for (what, body, rev, expected) in table {
        assert_eq!(
            classify_put(&lib, &bytes(&body), rev).unwrap_or_else(|e| panic!("{what}: {e}")),
            expected,
            "{what}"
        );
    }

    let refused: Vec<(&str, Vec<u8>)> = vec![
        ("not json", b"nope".to_vec()),
        ("nothing recognisable", bytes(&json!({"name": "lib"}))),
        ("other package", bytes(&json!({"name": "other", "versions": {}}))),
        ("other _id", bytes(&json!({"_id": "other", "users": {}}))),
        ("versions not an object", bytes(&json!({"name": "lib", "versions": []}))),
    ];
    for (what, body) in refused {
        assert!(classify_put(&lib, &body, None).is_err(), "{what}");
    }
}

#[test]
fn classify_skips_attachment_data() {
    // A large publish body classifies without decoding its attachment.
    let big = STANDARD.encode(vec![7u8; 3 * 1024 * 1024]);
    let body = json!({"name": "lib", "versions": {"1.0.0": {}}, "_attachments": {"lib-1.0.0.tgz": {"data": big}}});
    assert_eq!(classify_put(&name("lib"), &bytes(&body), None).expect("classifies"), PutKind::Publish);
}

/// The npm registry's limits: a version of at most 256 characters, a description of at most
/// 64 KiB, a manifest of at most 1 MiB (its README apart, which is cut instead).
#[test]
fn oversized_fields_are_refused() {
    let tgz = package_tarball("lib", "1.0.0");
    let with = |edit: &dyn Fn(&mut Value)| {
        let mut body = publish_body("lib", "1.0.0", &tgz);
        edit(&mut body["versions"]["1.0.0"]);
        parse_publish(&name("lib"), &bytes(&body))
    };
    let err = with(&|m| m["description"] = Value::String("d".repeat(64 * 1024 + 1))).expect_err("a huge description");
    assert!(err.to_string().contains("`description`"), "{err}");
    let err = with(&|m| m["keywords"] = json!(vec!["k".repeat(1000); 1100])).expect_err("a huge manifest");
    assert!(err.to_string().contains("larger than 1048576 bytes"), "{err}");
    with(&|m| m["description"] = Value::String("d".repeat(64 * 1024))).expect("a description at the limit");
    let request = with(&|m| m["readme"] = Value::String("r".repeat(3 * 1024 * 1024))).expect("a long readme");
    assert!(request.readme.is_some_and(|r| r.len() <= 1024 * 1024), "the README is cut, from the tarball first");

    // A 10,000-character version (semver itself would take it).
    let long = format!("1.0.0-{}", "a".repeat(10_000));
    let tgz = package_tarball("lib", &long);
    let err = parse_publish(&name("lib"), &bytes(&publish_body("lib", &long, &tgz))).expect_err("a long version");
    assert!(err.to_string().contains("npm's limit is 256"), "{err}");
}
