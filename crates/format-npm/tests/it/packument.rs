//! Rendering full and abbreviated packuments, checked as JSON.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, TimeZone as _, Utc};
use serde_json::{Value, json};
use tributary_format_npm::packument::ABBREVIATED_FIELDS;
use tributary_format_npm::{NpmName, PackumentDoc, PackumentVersion, render_abbreviated, render_full};

fn at(day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 3, day, 12, 0, 0).single().expect("valid date")
}

fn version(v: &str, day: u32, extra: Value) -> PackumentVersion<'static> {
    let mut manifest = json!({
        "name": "@acme/lib",
        "version": v,
        "description": format!("lib {v}"),
        "license": "MIT",
        "repository": {"type": "git", "url": "git+https://example.com/acme/lib.git"},
        "main": "index.js",
        "scripts": {"test": "node test.js"},
        "dependencies": {"left-pad": "^1.3.0"},
        "readme": "per-version readme, not served",
        "_npmUser": {"name": "alice"},
        "dist": {
            "tarball": format!("https://registry.npmjs.org/@acme/lib/-/lib-{v}.tgz"),
            "shasum": "0000000000000000000000000000000000000000",
            "integrity": "sha512-upstream",
            "fileCount": 3,
            "unpackedSize": 1234,
            "signatures": [{"keyid": "SHA256:x", "sig": "y"}],
        },
    });
    if let (Value::Object(m), Value::Object(extra)) = (&mut manifest, extra) {
        m.extend(extra);
    }
    PackumentVersion {
        version: v.to_owned(),
        manifest: manifest.into(),
        tarball_url: format!("http://localhost:8080/npm/d/r/@acme/lib/-/lib-{v}.tgz"),
        shasum: format!("{:0>40}", day),
        integrity: format!("sha512-ours{day}"),
        published_at: at(day),
        deprecated: None,
    }
}

fn doc() -> PackumentDoc<'static> {
    let mut deprecated = version("1.0.0", 1, json!({"deprecated": "stale message from the manifest"}));
    deprecated.deprecated = Some("use 1.2".to_owned());
    let with_install = version("1.10.0", 4, json!({"scripts": {"postinstall": "node setup.js"}, "os": ["linux"]}));
    PackumentDoc {
        name: NpmName::parse("@acme/lib").expect("valid"),
        versions: vec![
            with_install,
            version("2.0.0-beta.1", 5, json!({})),
            deprecated,
            version("1.2.0", 2, json!({})),
            version("1.2.0", 9, json!({"description": "a duplicate, dropped"})),
        ],
        dist_tags: BTreeMap::from([
            ("latest".to_owned(), "9.9.9".to_owned()),
            ("beta".to_owned(), "2.0.0-beta.1".to_owned()),
            ("gone".to_owned(), "3.0.0".to_owned()),
        ]),
        created: at(1),
        modified: at(6),
        readme: Some("# lib".to_owned()),
    }
}

fn parse(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).expect("rendered JSON parses")
}

fn keys(value: &Value) -> BTreeSet<&str> {
    value.as_object().expect("an object").keys().map(String::as_str).collect()
}

/// The positions of `"<key>":` in the raw text after `section`, to check the written order.
fn order_after(raw: &str, section: &str, keys: &[&str]) -> Vec<usize> {
    let start = raw.find(section).expect("section present");
    keys.iter().map(|k| start + raw[start..].find(&format!("\"{k}\":")).expect("key present")).collect()
}

#[test]
fn full_packument() {
    let bytes = render_full(&doc());
    let full = parse(&bytes);
    assert_eq!(full["_id"], "@acme/lib");
    assert_eq!(full["name"], "@acme/lib");
    let rev = full["_rev"].as_str().expect("a rev");
    assert!(rev.starts_with("4-") && rev.len() == 34, "{rev}");
    assert_eq!(full["dist-tags"], json!({"latest": "1.10.0", "beta": "2.0.0-beta.1"}));
    assert_eq!(keys(&full["versions"]), BTreeSet::from(["1.0.0", "1.2.0", "1.10.0", "2.0.0-beta.1"]));

    let v = &full["versions"]["1.0.0"];
    assert_eq!(v["_id"], "@acme/lib@1.0.0");
    assert_eq!(v["name"], "@acme/lib");
    assert_eq!(v["deprecated"], "use 1.2");
    assert_eq!(v["main"], "index.js");
    assert_eq!(v["scripts"]["test"], "node test.js");
    assert_eq!(v["_npmUser"]["name"], "alice");
    assert!(v.get("readme").is_none());
    assert_eq!(
        v["dist"],
        json!({
            "integrity": "sha512-ours1",
            "shasum": "0000000000000000000000000000000000000001",
            "tarball": "http://localhost:8080/npm/d/r/@acme/lib/-/lib-1.0.0.tgz",
            "fileCount": 3,
            "unpackedSize": 1234,
        })
    );
    assert!(full["versions"]["1.2.0"].get("deprecated").is_none(), "not deprecated");
    assert_eq!(full["versions"]["1.2.0"]["description"], "lib 1.2.0", "the first of a duplicate wins");

    assert_eq!(full["time"]["created"], "2024-03-01T12:00:00.000Z");
    assert_eq!(full["time"]["modified"], "2024-03-06T12:00:00.000Z");
    assert_eq!(full["time"]["1.10.0"], "2024-03-04T12:00:00.000Z");
    assert_eq!(keys(&full["time"]).len(), 6);

    // Hoisted from `latest` (1.10.0).
    assert_eq!(full["description"], "lib 1.10.0");
    assert_eq!(full["license"], "MIT");
    assert_eq!(full["repository"]["url"], "git+https://example.com/acme/lib.git");
    assert_eq!(full["readme"], "# lib");

    // Versions and times are written in semver order.
    let raw = String::from_utf8(bytes).expect("utf-8");
    for section in ["\"versions\":", "\"time\":"] {
        let positions = order_after(&raw, section, &["1.0.0", "1.2.0", "1.10.0", "2.0.0-beta.1"]);
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{section} {positions:?}");
    }
}

#[test]
fn abbreviated_packument() {
    let corgi = parse(&render_abbreviated(&doc()));
    assert_eq!(keys(&corgi), BTreeSet::from(["name", "modified", "dist-tags", "versions", "time"]));
    assert_eq!(corgi["time"], parse(&render_full(&doc()))["time"], "the full document's times, for release-age checks");
    assert_eq!(corgi["name"], "@acme/lib");
    assert_eq!(corgi["modified"], "2024-03-06T12:00:00.000Z");
    assert_eq!(corgi["dist-tags"]["latest"], "1.10.0");

    let allowed: BTreeSet<&str> =
        ABBREVIATED_FIELDS.iter().copied().chain(["name", "version", "dist", "deprecated"]).collect();
    for (version, object) in corgi["versions"].as_object().expect("versions") {
        let fields = keys(object);
        assert!(fields.is_subset(&allowed), "{version}: {fields:?}");
        assert_eq!(object["version"], version.as_str());
        assert_eq!(object["dependencies"]["left-pad"], "^1.3.0");
        assert_eq!(object["license"], "MIT");
        assert!(object["dist"]["tarball"].as_str().expect("tarball").starts_with("http://localhost:8080/"));
        assert!(object["dist"].get("signatures").is_none());
    }
    assert_eq!(corgi["versions"]["1.0.0"]["deprecated"], "use 1.2");
    assert_eq!(corgi["versions"]["1.10.0"]["hasInstallScript"], true);
    assert_eq!(corgi["versions"]["1.10.0"]["os"], json!(["linux"]));
    assert!(corgi["versions"]["1.2.0"].get("hasInstallScript").is_none());
    assert!(corgi["versions"]["1.2.0"].get("scripts").is_none());
}

#[test]
fn latest_rules() {
    let base = doc();
    let with = |versions: &[&str], tags: &[(&str, &str)]| {
        let doc = PackumentDoc {
            versions: versions.iter().enumerate().map(|(i, v)| version(v, i as u32 + 1, json!({}))).collect(),
            dist_tags: tags.iter().map(|(t, v)| ((*t).to_owned(), (*v).to_owned())).collect(),
            ..base.clone()
        };
        parse(&render_abbreviated(&doc))["dist-tags"].clone()
    };
    // (versions, dist-tags given, dist-tags rendered)
    type Case<'a> = (Vec<&'a str>, Vec<(&'a str, &'a str)>, Value);
    let table: Vec<Case> = vec![
        (vec!["1.0.0", "2.0.0"], vec![("latest", "1.0.0")], json!({"latest": "1.0.0"})),
        (vec!["1.0.0", "2.0.0"], vec![], json!({"latest": "2.0.0"})),
        (vec!["1.0.0", "2.0.0-rc.1"], vec![], json!({"latest": "1.0.0"})),
        (
            vec!["1.0.0-rc.1", "1.0.0-rc.2"],
            vec![("next", "1.0.0-rc.1")],
            json!({"latest": "1.0.0-rc.2", "next": "1.0.0-rc.1"}),
        ),
        (vec!["1.0.0"], vec![("latest", "0.1.0"), ("old", "0.1.0")], json!({"latest": "1.0.0"})),
        (vec![], vec![("latest", "1.0.0")], json!({})),
    ];
    for (versions, tags, expected) in table {
        assert_eq!(with(&versions, &tags), expected, "{versions:?} {tags:?}");
    }
}

#[test]
fn empty_package_renders() {
    let doc = PackumentDoc { versions: Vec::new(), dist_tags: BTreeMap::new(), readme: None, ..doc() };
    let full = parse(&render_full(&doc));
    assert_eq!(full["versions"], json!({}));
    assert_eq!(full["dist-tags"], json!({}));
    assert!(full.get("readme").is_none());
    let corgi = parse(&render_abbreviated(&doc));
    assert_eq!(corgi["versions"], json!({}));
}

#[test]
fn rev_changes_with_content() {
    let a = doc();
    let mut b = doc();
    b.versions[0].deprecated = Some("now deprecated".to_owned());
    let rev = |d: &PackumentDoc<'_>| parse(&render_full(d))["_rev"].clone();
    assert_eq!(rev(&a), rev(&doc()));
    assert_ne!(rev(&a), rev(&b));
}
