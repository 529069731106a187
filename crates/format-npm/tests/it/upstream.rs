//! Reading packuments as the public npm registry serves them (hand-written fixtures of that shape).

use std::collections::BTreeMap;

use chrono::{TimeZone as _, Utc};
use tributary_format_npm::{NpmError, PackumentDoc, PackumentVersion, parse_upstream_packument, render_abbreviated};

const SCOPED: &[u8] = include_bytes!("../fixtures/upstream-scoped.json");
const UNPUBLISHED: &[u8] = include_bytes!("../fixtures/upstream-unpublished.json");

#[test]
fn scoped_packument_with_deprecated_and_prerelease() {
    let doc = parse_upstream_packument(SCOPED).expect("parses");
    assert_eq!(doc.name.full(), "@acme/widgets");
    assert_eq!(doc.name.namespace(), "acme");
    assert_eq!(
        doc.dist_tags,
        BTreeMap::from([("latest".to_owned(), "1.1.0".to_owned()), ("next".to_owned(), "2.0.0-beta.2".to_owned())])
    );
    let versions: Vec<&str> = doc.versions.iter().map(|v| v.version.as_str()).collect();
    // `0.1` (not semver), `0.2.0` (no dist) and `0.3.0` (not an object) are skipped.
    assert_eq!(versions, ["0.10.0", "1.0.0", "1.1.0", "2.0.0-beta.2"]);
    assert_eq!(
        doc.created,
        Utc.with_ymd_and_hms(2023, 1, 2, 3, 4, 5).single().map(|t| t + chrono::Duration::milliseconds(678))
    );
    assert_eq!(doc.modified.map(|t| t.to_rfc3339()), Some("2024-06-07T08:09:10.111+00:00".to_owned()));
    assert_eq!(doc.readme.as_deref(), Some("# @acme/widgets\n\nWidgets.\n"));
    assert!(!doc.unpublished);

    let v100 = &doc.versions[1];
    assert_eq!(v100.deprecated.as_deref(), Some("1.0.0 leaks memory, use 1.1.0"));
    assert_eq!(v100.tarball_url, "https://registry.npmjs.org/@acme/widgets/-/widgets-1.0.0.tgz");
    assert_eq!(v100.shasum.as_deref(), Some("4d3f3c8f2d1a8f3a9b0e6e5e2c1f0a9b8c7d6e5f"));
    assert!(v100.integrity.as_deref().is_some_and(|i| i.starts_with("sha512-")));
    assert_eq!(v100.published_at.map(|t| t.to_rfc3339()), Some("2023-05-06T07:08:09+00:00".to_owned()));
    let manifest: serde_json::Value = serde_json::from_str(v100.manifest.get()).expect("the manifest is JSON");
    assert_eq!(manifest["dependencies"]["left-pad"], "^1.3.0");

    let beta = &doc.versions[3];
    assert_eq!(beta.deprecated, None, "an empty deprecation is none");
    assert_eq!(beta.integrity, None);
    assert_eq!(beta.published_at, None, "an unparsable time is dropped");

    let old = &doc.versions[0];
    assert_eq!(old.integrity.as_deref(), Some("sha1-CgscPU5fan2MnQ4fKjtMXW5/ips="));
    assert_eq!(old.shasum, None);
}

#[test]
fn upstream_versions_render_with_our_urls() {
    let upstream = parse_upstream_packument(SCOPED).expect("parses");
    let now = Utc.with_ymd_and_hms(2024, 7, 1, 0, 0, 0).single().expect("date");
    let doc = PackumentDoc {
        name: upstream.name.clone(),
        versions: upstream
            .versions
            .iter()
            .map(|v| PackumentVersion {
                version: v.version.clone(),
                manifest: tributary_format_npm::Manifest::Raw(&v.manifest),
                tarball_url: format!("http://us/npm/d/r/@acme/widgets/-/widgets-{}.tgz", v.version),
                shasum: v.shasum.clone().unwrap_or_default(),
                integrity: v.integrity.clone().unwrap_or_default(),
                published_at: v.published_at.unwrap_or(now),
                deprecated: v.deprecated.clone(),
            })
            .collect(),
        dist_tags: upstream.dist_tags.clone(),
        created: upstream.created.unwrap_or(now),
        modified: upstream.modified.unwrap_or(now),
        readme: upstream.readme.clone(),
    };
    let corgi: serde_json::Value = serde_json::from_slice(&render_abbreviated(&doc)).expect("json");
    assert_eq!(corgi["dist-tags"]["latest"], "1.1.0");
    assert_eq!(corgi["versions"]["1.0.0"]["deprecated"], "1.0.0 leaks memory, use 1.1.0");
    assert_eq!(corgi["versions"]["1.0.0"]["dist"]["tarball"], "http://us/npm/d/r/@acme/widgets/-/widgets-1.0.0.tgz");
    assert!(corgi["versions"]["1.0.0"]["dist"].get("signatures").is_none());
    assert!(corgi["versions"]["2.0.0-beta.2"]["dist"].get("integrity").is_none());
}

#[test]
fn unpublished_package_has_no_versions() {
    let doc = parse_upstream_packument(UNPUBLISHED).expect("parses");
    assert_eq!(doc.name.full(), "gone-pkg");
    assert!(doc.versions.is_empty());
    assert!(doc.dist_tags.is_empty());
    assert!(doc.unpublished);
}

#[test]
fn legacy_names_and_refusals() {
    let legacy = br#"{"name":"JSONStream","dist-tags":{"latest":"1.3.5"},"versions":{"1.3.5":{"name":"JSONStream","version":"1.3.5","dist":{"tarball":"https://registry.npmjs.org/JSONStream/-/JSONStream-1.3.5.tgz","shasum":"3208c1f08d3a4d99261ab64f92302bc15e111ca0"}}}}"#;
    let doc = parse_upstream_packument(legacy).expect("a legacy name is fine upstream");
    assert_eq!(doc.name.full(), "JSONStream");
    assert_eq!(doc.versions.len(), 1);

    let refused: &[&[u8]] = &[b"<html>gateway error</html>", b"[]", br#"{"versions":{}}"#, br#"{"name":"../x"}"#];
    for body in refused {
        assert!(
            matches!(
                parse_upstream_packument(body),
                Err(NpmError::InvalidDocument { .. } | NpmError::InvalidName { .. })
            ),
            "{}",
            String::from_utf8_lossy(body)
        );
    }
}
