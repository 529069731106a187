//! NuGet versions (NuGet.Versioning's rules, <https://learn.microsoft.com/nuget/concepts/package-versioning>):
//! `Major[.Minor[.Patch[.Revision]]][-Release][+Metadata]`.
//!
//! - Identity: the normalized form, lowercased ([`NugetVersion::key`]): `1.0` is `1.0.0`,
//!   `01.2.03` is `1.2.3`, a revision of 0 is dropped, build metadata is not part of it, and
//!   release labels compare without case. Versions are stored and addressed by it (the flat
//!   container's URLs are lowercase too).
//! - SemVer 2.0.0: a version whose release label has a dot, or that carries build metadata;
//!   clients that do not send `semVerLevel=2.0.0` never see one.
//! - Order: numerically by part, a release before its pre-releases' absence (`1.0.0-beta` <
//!   `1.0.0`), release labels identifier by identifier (numbers before words, numbers by
//!   value, words without case, a shorter prefix first).

use std::cmp::Ordering;
use std::fmt;

use tributary_model::ServiceError;

/// A parsed NuGet version.
#[derive(Debug, Clone)]
pub struct NugetVersion {
    /// Major, minor, patch, revision.
    parts: [u32; 4],
    /// The release label's identifiers, as written (empty for a release).
    release: Vec<String>,
    /// The build metadata, as written.
    metadata: Option<String>,
}

impl NugetVersion {
    /// Parses a version as a nuspec, a URL or a client writes it.
    pub fn parse(text: &str) -> Result<Self, ServiceError> {
        let bad = |why: &str| {
            ServiceError::validation(format!(
                "`{text}` is not a NuGet version ({why}); write it as Major.Minor.Patch[-prerelease][+metadata], e.g. `1.0.0-beta.1`"
            ))
        };
        if text.is_empty() || text.len() > 256 {
            return Err(bad("it must have 1 to 256 characters"));
        }
        let (rest, metadata) = match text.split_once('+') {
            Some((rest, metadata)) => {
                if metadata.split('.').any(|id| id.is_empty() || !id.bytes().all(is_label_byte)) {
                    return Err(bad("build metadata is dot-separated letters, digits and `-`"));
                }
                (rest, Some(metadata.to_owned()))
            }
            None => (text, None),
        };
        let (numbers, release) = match rest.split_once('-') {
            Some((numbers, label)) => {
                let ids: Vec<String> = label.split('.').map(str::to_owned).collect();
                for id in &ids {
                    if id.is_empty() || !id.bytes().all(is_label_byte) {
                        return Err(bad("a pre-release label is dot-separated letters, digits and `-`"));
                    }
                    if id.len() > 1 && id.starts_with('0') && id.bytes().all(|b| b.is_ascii_digit()) {
                        return Err(bad("a numeric pre-release identifier has no leading zeros"));
                    }
                }
                (numbers, ids)
            }
            None => (rest, Vec::new()),
        };
        let mut parts = [0u32; 4];
        for (count, part) in numbers.split('.').enumerate() {
            if count == 4 {
                return Err(bad("it has more than four numbers"));
            }
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad("its numbers are digits only"));
            }
            parts[count] = part.parse().map_err(|_| bad("a number is too large"))?;
        }
        Ok(Self { parts, release, metadata })
    }

    /// The normalized form (`1.0.0-Beta.1`: at least three numbers, no metadata; the release
    /// label as written).
    pub fn normalized(&self) -> String {
        let [major, minor, patch, revision] = self.parts;
        let mut s = format!("{major}.{minor}.{patch}");
        if revision > 0 {
            s.push_str(&format!(".{revision}"));
        }
        if !self.release.is_empty() {
            s.push('-');
            s.push_str(&self.release.join("."));
        }
        s
    }

    /// The normalized form with the build metadata (what registrations show as `version`).
    pub fn full(&self) -> String {
        match &self.metadata {
            Some(metadata) => format!("{}+{metadata}", self.normalized()),
            None => self.normalized(),
        }
    }

    /// The identity: the normalized form, lowercased.
    pub fn key(&self) -> String {
        self.normalized().to_ascii_lowercase()
    }

    /// Whether only SemVer 2.0.0 clients may see it.
    pub fn is_semver2(&self) -> bool {
        self.release.len() > 1 || self.metadata.is_some()
    }

    /// Whether it is a pre-release.
    pub fn is_prerelease(&self) -> bool {
        !self.release.is_empty()
    }
}

fn is_label_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-'
}

impl PartialEq for NugetVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for NugetVersion {}

impl PartialOrd for NugetVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for NugetVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        self.parts.cmp(&other.parts).then_with(|| match (self.release.is_empty(), other.release.is_empty()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Greater,
            (false, true) => Ordering::Less,
            (false, false) => {
                for (a, b) in self.release.iter().zip(&other.release) {
                    let ordering = compare_identifiers(a, b);
                    if ordering != Ordering::Equal {
                        return ordering;
                    }
                }
                self.release.len().cmp(&other.release.len())
            }
        })
    }
}

fn compare_identifiers(a: &str, b: &str) -> Ordering {
    match (a.parse::<u64>(), b.parse::<u64>()) {
        (Ok(x), Ok(y)) => x.cmp(&y),
        (Ok(_), Err(_)) => Ordering::Less,
        (Err(_), Ok(_)) => Ordering::Greater,
        (Err(_), Err(_)) => a.to_ascii_lowercase().cmp(&b.to_ascii_lowercase()),
    }
}

impl fmt::Display for NugetVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.full())
    }
}

/// The order of two version strings: NuGet's where both parse, else by text (never panics on
/// what an upstream sends).
pub fn compare(a: &str, b: &str) -> Ordering {
    match (NugetVersion::parse(a), NugetVersion::parse(b)) {
        (Ok(x), Ok(y)) => x.cmp(&y),
        _ => a.cmp(b),
    }
}

/// A dependency's version range in the normalized form registrations carry (`[1.0.0, )`):
/// a bare version is a minimum; bracketed bounds are normalized; what does not parse is kept as
/// written (clients parse ranges themselves).
pub fn normalize_range(range: &str) -> String {
    let range = range.trim();
    if range.is_empty() {
        return "(, )".to_owned();
    }
    if let Ok(v) = NugetVersion::parse(range) {
        return format!("[{}, )", v.normalized());
    }
    let (Some(open), Some(close)) = (range.chars().next(), range.chars().last()) else { return range.to_owned() };
    if !matches!(open, '[' | '(') || !matches!(close, ']' | ')') || range.len() < 2 {
        return range.to_owned();
    }
    let inner = &range[1..range.len() - 1];
    let bound = |s: &str| -> Option<String> {
        let s = s.trim();
        if s.is_empty() { Some(String::new()) } else { NugetVersion::parse(s).ok().map(|v| v.normalized()) }
    };
    match inner.split_once(',') {
        Some((low, high)) => match (bound(low), bound(high)) {
            (Some(low), Some(high)) => {
                let low = if low.is_empty() { String::new() } else { low };
                format!("{open}{low}, {high}{close}")
            }
            _ => range.to_owned(),
        },
        // `[1.0]`: exactly that version.
        None => match bound(inner) {
            Some(v) if !v.is_empty() => format!("[{v}]"),
            _ => range.to_owned(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> NugetVersion {
        NugetVersion::parse(s).expect("a version")
    }

    #[test]
    fn normal_forms() {
        for (written, normalized, key) in [
            ("1.0", "1.0.0", "1.0.0"),
            ("1", "1.0.0", "1.0.0"),
            ("01.02.003", "1.2.3", "1.2.3"),
            ("1.2.3.0", "1.2.3", "1.2.3"),
            ("1.2.3.4", "1.2.3.4", "1.2.3.4"),
            ("1.0.0-Beta", "1.0.0-Beta", "1.0.0-beta"),
            ("1.0.0-beta.1+build.5", "1.0.0-beta.1", "1.0.0-beta.1"),
            ("2.0.0+sha.abc", "2.0.0", "2.0.0"),
        ] {
            assert_eq!(v(written).normalized(), normalized, "{written}");
            assert_eq!(v(written).key(), key, "{written}");
        }
        assert_eq!(v("1.0.0-beta.1+build.5").full(), "1.0.0-beta.1+build.5");
        assert_eq!(v("1.0").full(), "1.0.0");
    }

    #[test]
    fn semver2_is_a_dotted_label_or_metadata() {
        assert!(v("1.0.0-beta.1").is_semver2());
        assert!(v("1.0.0+build").is_semver2());
        assert!(!v("1.0.0-beta1").is_semver2());
        assert!(!v("1.0.0").is_semver2());
        assert!(v("1.0.0-beta1").is_prerelease() && !v("1.0.0").is_prerelease());
    }

    #[test]
    fn refused() {
        for bad in [
            "",
            "a",
            "1.",
            ".1",
            "1..0",
            "1.0.0.0.0",
            "1.0-",
            "1.0-beta..1",
            "1.0+",
            "1.0-01",
            "-1.0",
            "1.0 ",
            "v1.0",
            "1.0-be_ta",
            "99999999999.0",
        ] {
            assert!(NugetVersion::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn order() {
        let sorted = [
            "0.9",
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
            "1.0.0.1",
            "1.0.1",
            "1.10.0",
            "2.0.0",
        ];
        for pair in sorted.windows(2) {
            assert_eq!(compare(pair[0], pair[1]), Ordering::Less, "{} < {}", pair[0], pair[1]);
        }
        assert_eq!(v("1.0.0-BETA"), v("1.0.0-beta"));
        assert_eq!(v("1.0.0+a"), v("1.0.0+b"));
        assert_eq!(v("1.0"), v("1.0.0.0"));
    }

    #[test]
    fn ranges() {
        assert_eq!(normalize_range("1.0"), "[1.0.0, )");
        assert_eq!(normalize_range(""), "(, )");
        assert_eq!(normalize_range("[1.0,2.0)"), "[1.0.0, 2.0.0)");
        assert_eq!(normalize_range("(,2.0]"), "(, 2.0.0]");
        assert_eq!(normalize_range("[1.2]"), "[1.2.0]");
        assert_eq!(normalize_range("[1.0, )"), "[1.0.0, )");
        assert_eq!(normalize_range("garbage"), "garbage");
    }

    proptest::proptest! {
        #[test]
        fn parsing_never_panics_and_keys_are_stable(s in "\\PC{0,40}") {
            if let Ok(parsed) = NugetVersion::parse(&s) {
                let again = NugetVersion::parse(&parsed.full()).expect("a normalized version parses");
                proptest::prop_assert_eq!(again.key(), parsed.key());
            }
        }
    }
}
