//! The metadata a package version shows in the control plane (CodeArtifact's
//! `PackageVersionDescription`: summary, home page, source repository, licenses, dependencies,
//! readme), read from a version manifest per the package.json docs
//! (<https://docs.npmjs.com/cli/configuring-npm/package-json>): `description`, `homepage`,
//! `repository` (object or shorthand such as `github:user/repo` or `user/repo`), `license` (an
//! SPDX expression, or the legacy `{type, url}` object), the legacy `licenses` array, and the
//! dependency maps `dependencies`, `devDependencies`, `peerDependencies`, `optionalDependencies`
//! and `bundleDependencies` (also spelled `bundledDependencies`; a list of names, or `true` for all).

use serde_json::{Map, Value};

/// `dependencyType` of a `dependencies` entry.
pub const REGULAR: &str = "regular";
/// `dependencyType` of a `devDependencies` entry.
pub const DEV: &str = "dev";
/// `dependencyType` of a `peerDependencies` entry.
pub const PEER: &str = "peer";
/// `dependencyType` of an `optionalDependencies` entry.
pub const OPTIONAL: &str = "optional";
/// `dependencyType` of a `bundleDependencies` entry.
pub const BUNDLED: &str = "bundled";

pub use tributary_model::{Dependency, License, VersionMetadata};

/// Reads a version manifest's metadata. Never fails: fields of the wrong type are skipped.
pub fn version_metadata(manifest: &Value, readme: Option<String>) -> VersionMetadata {
    VersionMetadata {
        summary: text(manifest.get("description")),
        home_page: text(manifest.get("homepage")),
        source_code_repository: repository(manifest.get("repository")),
        licenses: licenses(manifest),
        dependencies: dependencies(manifest),
        readme,
    }
}

fn text(value: Option<&Value>) -> Option<String> {
    value.and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
}

fn repository(value: Option<&Value>) -> Option<String> {
    let raw = match value? {
        Value::String(s) => s.trim().to_owned(),
        Value::Object(o) => text(o.get("url"))?,
        _ => return None,
    };
    if raw.is_empty() {
        return None;
    }
    let hosts = [
        ("github:", "https://github.com/"),
        ("gitlab:", "https://gitlab.com/"),
        ("bitbucket:", "https://bitbucket.org/"),
        ("gist:", "https://gist.github.com/"),
    ];
    for (prefix, base) in hosts {
        if let Some(path) = raw.strip_prefix(prefix) {
            return Some(format!("{base}{path}"));
        }
    }
    // `user/repo` is GitHub shorthand.
    let is_shorthand = !raw.contains(':') && raw.matches('/').count() == 1 && !raw.starts_with(['/', '.']);
    if is_shorthand {
        return Some(format!("https://github.com/{raw}"));
    }
    Some(raw)
}

fn licenses(manifest: &Value) -> Vec<License> {
    let mut out: Vec<License> = Vec::new();
    let mut push = |value: &Value| {
        let license = match value {
            Value::String(_) => text(Some(value)).map(|name| License { name, url: None }),
            Value::Object(o) => text(o.get("type"))
                .or_else(|| text(o.get("name")))
                .map(|name| License { name, url: text(o.get("url")) }),
            _ => None,
        };
        if let Some(license) = license
            && !out.iter().any(|l| l.name == license.name)
        {
            out.push(license);
        }
    };
    if let Some(license) = manifest.get("license") {
        push(license);
    }
    if let Some(Value::Array(list)) = manifest.get("licenses") {
        list.iter().for_each(&mut push);
    }
    out
}

fn dependencies(manifest: &Value) -> Vec<Dependency> {
    let map = |key: &str| manifest.get(key).and_then(Value::as_object);
    let optional = map("optionalDependencies");
    let mut out = Vec::new();
    let mut group = |entries: Vec<(&str, String)>, dependency_type: &'static str| {
        let mut entries = entries;
        entries.sort();
        entries.dedup_by(|a, b| a.0 == b.0);
        for (name, version_requirement) in entries {
            let (namespace, package) = split_name(name);
            out.push(Dependency {
                namespace: namespace.to_owned(),
                package: package.to_owned(),
                dependency_type: dependency_type.to_owned(),
                version_requirement,
            });
        }
    };
    // npm copies optional dependencies into `dependencies`; list them once, as optional.
    let regular = ranges(map("dependencies"))
        .into_iter()
        .filter(|(name, _)| !optional.is_some_and(|o| o.contains_key(*name)))
        .collect();
    group(regular, REGULAR);
    group(ranges(map("devDependencies")), DEV);
    group(ranges(map("peerDependencies")), PEER);
    group(ranges(optional), OPTIONAL);

    let bundled = manifest.get("bundleDependencies").or_else(|| manifest.get("bundledDependencies"));
    let regular_ranges = map("dependencies");
    let range_of = |name: &str| regular_ranges.and_then(|m| m.get(name)).map(range_text).unwrap_or_default();
    let bundled: Vec<(&str, String)> = match bundled {
        Some(Value::Array(names)) => names.iter().filter_map(Value::as_str).map(|n| (n, range_of(n))).collect(),
        Some(Value::Bool(true)) => {
            regular_ranges.into_iter().flatten().map(|(n, r)| (n.as_str(), range_text(r))).collect()
        }
        _ => Vec::new(),
    };
    group(bundled, BUNDLED);
    out
}

fn ranges(map: Option<&Map<String, Value>>) -> Vec<(&str, String)> {
    map.into_iter().flatten().map(|(name, range)| (name.as_str(), range_text(range))).collect()
}

fn range_text(range: &Value) -> String {
    match range {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `@scope/name` → (`scope`, `name`); `name` → (``, `name`).
fn split_name(name: &str) -> (&str, &str) {
    name.strip_prefix('@').and_then(|rest| rest.split_once('/')).unwrap_or(("", name))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn dep(namespace: &str, package: &str, dependency_type: &'static str, range: &str) -> Dependency {
        Dependency {
            namespace: namespace.to_owned(),
            package: package.to_owned(),
            dependency_type: dependency_type.to_owned(),
            version_requirement: range.to_owned(),
        }
    }

    #[test]
    fn reads_a_full_manifest() {
        let manifest = json!({
            "name": "@acme/lib",
            "version": "1.0.0",
            "description": "  A library.  ",
            "homepage": "https://acme.example/lib",
            "repository": {"type": "git", "url": "git+https://github.com/acme/lib.git"},
            "license": "(MIT OR Apache-2.0)",
            "dependencies": {"left-pad": "^1.3.0", "@acme/util": "~2.0.0", "fsevents": "^2"},
            "devDependencies": {"mocha": "^10"},
            "peerDependencies": {"react": ">=17"},
            "optionalDependencies": {"fsevents": "^2"},
            "bundleDependencies": ["left-pad"]
        });
        let meta = version_metadata(&manifest, Some("# lib".to_owned()));
        assert_eq!(meta.summary.as_deref(), Some("A library."));
        assert_eq!(meta.home_page.as_deref(), Some("https://acme.example/lib"));
        assert_eq!(meta.source_code_repository.as_deref(), Some("git+https://github.com/acme/lib.git"));
        assert_eq!(meta.licenses, [License { name: "(MIT OR Apache-2.0)".to_owned(), url: None }]);
        assert_eq!(meta.readme.as_deref(), Some("# lib"));
        assert_eq!(
            meta.dependencies,
            [
                dep("acme", "util", REGULAR, "~2.0.0"),
                dep("", "left-pad", REGULAR, "^1.3.0"),
                dep("", "mocha", DEV, "^10"),
                dep("", "react", PEER, ">=17"),
                dep("", "fsevents", OPTIONAL, "^2"),
                dep("", "left-pad", BUNDLED, "^1.3.0"),
            ]
        );
    }

    #[test]
    fn repository_forms() {
        let table: &[(Value, Option<&str>)] = &[
            (json!("github:user/repo"), Some("https://github.com/user/repo")),
            (json!("gitlab:user/repo"), Some("https://gitlab.com/user/repo")),
            (json!("bitbucket:user/repo"), Some("https://bitbucket.org/user/repo")),
            (json!("gist:11081aaa"), Some("https://gist.github.com/11081aaa")),
            (json!("user/repo"), Some("https://github.com/user/repo")),
            (json!("https://example.com/x.git"), Some("https://example.com/x.git")),
            (json!({"url": "git://github.com/npm/npm.git"}), Some("git://github.com/npm/npm.git")),
            (json!({"type": "git"}), None),
            (json!(""), None),
            (json!(42), None),
        ];
        for (value, expected) in table {
            let manifest = json!({ "repository": value });
            assert_eq!(version_metadata(&manifest, None).source_code_repository.as_deref(), *expected, "{value}");
        }
    }

    #[test]
    fn license_forms() {
        let lic = |name: &str, url: Option<&str>| License { name: name.to_owned(), url: url.map(str::to_owned) };
        let table: Vec<(Value, Vec<License>)> = vec![
            (json!({"license": "MIT"}), vec![lic("MIT", None)]),
            (json!({"license": "SEE LICENSE IN LICENSE.txt"}), vec![lic("SEE LICENSE IN LICENSE.txt", None)]),
            (json!({"license": {"type": "ISC", "url": "https://x/isc"}}), vec![lic("ISC", Some("https://x/isc"))]),
            (
                json!({"licenses": [{"type": "MIT", "url": "https://x/mit"}, {"type": "GPL-2.0"}]}),
                vec![lic("MIT", Some("https://x/mit")), lic("GPL-2.0", None)],
            ),
            (
                json!({"license": "MIT", "licenses": ["MIT", "BSD-3-Clause"]}),
                vec![lic("MIT", None), lic("BSD-3-Clause", None)],
            ),
            (json!({"license": ""}), vec![]),
            (json!({}), vec![]),
        ];
        for (manifest, expected) in table {
            assert_eq!(version_metadata(&manifest, None).licenses, expected, "{manifest}");
        }
    }

    #[test]
    fn bundle_all_and_odd_types() {
        let manifest = json!({
            "dependencies": {"a": "1", "b": {"weird": true}},
            "bundledDependencies": true,
            "description": 5,
            "homepage": ["x"]
        });
        let meta = version_metadata(&manifest, None);
        assert_eq!(meta.summary, None);
        assert_eq!(meta.home_page, None);
        assert_eq!(
            meta.dependencies,
            [
                dep("", "a", REGULAR, "1"),
                dep("", "b", REGULAR, "{\"weird\":true}"),
                dep("", "a", BUNDLED, "1"),
                dep("", "b", BUNDLED, "{\"weird\":true}"),
            ]
        );
    }
}
