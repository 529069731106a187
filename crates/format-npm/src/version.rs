//! npm versions: Semantic Versioning 2.0.0 (<https://semver.org>), which the npm registry requires
//! of every published version (package.json docs, `version`), ordered by semver precedence.
//! Build metadata (`+build`) does not change precedence; it breaks ties so orders are total.

use std::cmp::Ordering;

use semver::Version;

use crate::NpmError;

/// Parses a version exactly as the registry stores it (no leading `v` or `=`, no spaces).
/// `name` only labels the error.
pub fn parse_version(name: &str, version: &str) -> Result<Version, NpmError> {
    Version::parse(version).map_err(|_| NpmError::InvalidVersion { name: name.to_owned(), version: version.to_owned() })
}

/// Reads a version the way npm's `semver.clean` does before publishing: surrounding spaces and a
/// leading `=` or `v` are dropped. Used to compare a tarball's raw package.json with the manifest
/// npm sent, which holds the cleaned version.
pub fn clean_version(version: &str) -> Option<Version> {
    let trimmed = version.trim();
    let trimmed = trimmed.trim_start_matches('=').trim_start();
    let trimmed = trimmed.strip_prefix('v').or_else(|| trimmed.strip_prefix('V')).unwrap_or(trimmed);
    Version::parse(trimmed).ok()
}

/// Orders two version strings by semver precedence; strings that are not semver sort before every
/// valid version, among themselves by text.
pub fn compare_versions(a: &str, b: &str) -> Ordering {
    match (Version::parse(a), Version::parse(b)) {
        (Ok(a), Ok(b)) => a.cmp(&b),
        (Ok(_), Err(_)) => Ordering::Greater,
        (Err(_), Ok(_)) => Ordering::Less,
        (Err(_), Err(_)) => a.cmp(b),
    }
}

/// The version `latest` should point at when nothing (valid) sets it: the highest version without
/// a pre-release part, or else the highest version. Strings that are not semver are ignored.
pub fn default_latest<'a>(versions: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let parsed: Vec<(Version, &str)> =
        versions.into_iter().filter_map(|v| Version::parse(v).ok().map(|parsed| (parsed, v))).collect();
    let best = |stable_only: bool| {
        parsed.iter().filter(|(v, _)| !stable_only || v.pre.is_empty()).max_by(|a, b| a.0.cmp(&b.0)).map(|(_, s)| *s)
    };
    best(true).or_else(|| best(false))
}

/// Whether `version` satisfies the npm range `range` (node-semver's rules: `^`, `~`, `x`,
/// hyphens, `||`; pre-releases only where the range names one of the same version), or why the
/// range cannot be read. A version that is not semver satisfies no range.
pub fn in_range(range: &str, version: &str) -> Result<bool, String> {
    let parsed =
        nodejs_semver::Range::parse(range).map_err(|e| format!("`{range}` is not an npm version range: {e}"))?;
    Ok(nodejs_semver::Version::parse(version).is_ok_and(|v| parsed.satisfies(&v)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_as_npm_reads_them() {
        let cases = [
            ("^1.2.0", "1.9.9", true),
            ("^1.2.0", "2.0.0", false),
            ("~1.2.0", "1.2.9", true),
            ("~1.2.0", "1.3.0", false),
            ("1.x", "1.4.0", true),
            ("1.0.0 - 1.5.0", "1.5.0", true),
            (">=2 <3 || 1.0.0", "1.0.0", true),
            (">=2 <3 || 1.0.0", "1.1.0", false),
            ("^1.0.0", "1.1.0-beta.1", false),
            ("*", "3.0.0", true),
            ("^1.0.0", "not-semver", false),
        ];
        for (range, version, expected) in cases {
            assert_eq!(in_range(range, version), Ok(expected), "{version} in {range}");
        }
        assert!(in_range("^^1", "1.0.0").is_err());
    }

    #[test]
    fn parses_strict_semver() {
        for ok in ["1.0.0", "0.0.1", "1.0.0-beta.1", "1.0.0+build.7", "10.20.30-rc.1+sha.5114f85"] {
            assert!(parse_version("x", ok).is_ok(), "{ok}");
        }
        for bad in ["", "1", "1.0", "v1.0.0", "=1.0.0", " 1.0.0", "1.0.0 ", "01.0.0", "1.0.0-", "latest", "1.0.0.0"] {
            assert!(parse_version("x", bad).is_err(), "{bad}");
        }
        let err = parse_version("lib", "1.0").expect_err("invalid");
        assert!(err.to_string().starts_with("the version `1.0` of `lib` is not a valid semantic version"), "{err}");
    }

    #[test]
    fn cleans_like_npm() {
        let table: &[(&str, Option<&str>)] = &[
            ("1.2.3", Some("1.2.3")),
            (" v1.2.3 ", Some("1.2.3")),
            ("=1.2.3", Some("1.2.3")),
            ("= v1.2.3", Some("1.2.3")),
            ("1.2", None),
            ("", None),
        ];
        for (input, cleaned) in table {
            assert_eq!(clean_version(input).map(|v| v.to_string()).as_deref(), *cleaned, "{input}");
        }
    }

    #[test]
    fn orders_by_precedence() {
        let mut versions = vec!["1.10.0", "1.2.0", "1.2.0-beta.2", "1.2.0-beta.10", "0.9.0", "1.2.0-alpha", "junk"];
        versions.sort_by(|a, b| compare_versions(a, b));
        assert_eq!(versions, ["junk", "0.9.0", "1.2.0-alpha", "1.2.0-beta.2", "1.2.0-beta.10", "1.2.0", "1.10.0"]);
    }

    #[test]
    fn default_latest_prefers_stable() {
        let table: &[(&[&str], Option<&str>)] = &[
            (&["1.0.0", "2.0.0-beta.1", "1.5.0"], Some("1.5.0")),
            (&["1.0.0-rc.1", "1.0.0-rc.2"], Some("1.0.0-rc.2")),
            (&["0.1.0", "0.10.0", "0.9.0"], Some("0.10.0")),
            (&["junk"], None),
            (&[], None),
        ];
        for (versions, latest) in table {
            assert_eq!(default_latest(versions.iter().copied()), *latest, "{versions:?}");
        }
    }
}
