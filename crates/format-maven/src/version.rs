//! Maven versions: the order Maven sorts them in (the POM reference's version order
//! specification, <https://maven.apache.org/pom.html#version-order-specification>, as
//! `ComparableVersion` implements it), SNAPSHOT versions, and the rule for a version that may
//! name a directory of the repository.
//!
//! The order, in short. A version is lowercased and cut into tokens at `.`, at `-`, and at every
//! transition between digits and other characters (a transition counts as a `-`); an empty token
//! is `0`. Numbers compare as numbers (any length). Other tokens are qualifiers, in this order:
//!
//! ```text
//! alpha = a  <  beta = b  <  milestone = m  <  rc = cr  <  snapshot
//!            <  "" = ga = final = release  <  sp  <  any other qualifier (alphabetically)
//! ```
//!
//! where `a`, `b` and `m` are short only when a number follows directly (`1-a1`, not `1-a`).
//! A `-` opens a nested list that holds the rest of the version: `1.0-alpha-1` is
//! `[1, 0, [alpha, [1]]]`. A qualifier after a `.` opens a list as well (the spec's
//! `.qualifier = -qualifier`). Each list loses its trailing "null" items (`0`, `""`, empty lists),
//! so `1 = 1.0 = 1.0.0 = 1-0 = 1.ga = 1-final`. Lists compare item by item; a missing item
//! compares as null. Across kinds: `-qualifier < -number < .number`, that is a qualifier is less
//! than a list, which is less than a number.
//!
//! Trimming repeats at each remaining hyphen, so a list left with nothing but its nested list
//! gives way to it (`1-0-2 = 1-2`, `1-ga-1 = 1-1`, as the spec says). That also makes the order
//! total, which Maven's `ComparableVersion` is not for degenerate strings (it orders `-a0`, the
//! empty version and `sp` in a circle): sorting never meets an inconsistent comparison.
//!
//! Only ASCII digits are digits, and case folding is Unicode lowercasing (Maven uses
//! `toLowerCase(Locale.ENGLISH)`).

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};

use crate::MavenError;

/// The longest version accepted in a path or a POM (a file name must fit in 255 bytes, and a
/// version longer than this is no version).
pub const MAX_VERSION_LEN: usize = 255;

/// The suffix of a SNAPSHOT version (`1.0-SNAPSHOT`).
pub const SNAPSHOT_SUFFIX: &str = "-SNAPSHOT";

/// A well-known qualifier, or another one. The derived order is Maven's qualifier order.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Qualifier {
    /// `alpha`, or `a` followed directly by a number.
    Alpha,
    /// `beta`, or `b` followed directly by a number.
    Beta,
    /// `milestone`, or `m` followed directly by a number.
    Milestone,
    /// `rc` or `cr`.
    Rc,
    /// `snapshot`.
    Snapshot,
    /// The release: the empty qualifier, `ga`, `final` or `release` (a "null" item).
    Release,
    /// `sp` (service pack), after the release.
    Sp,
    /// Any other qualifier (lowercase), after every well-known one, alphabetically.
    Other(String),
}

impl Qualifier {
    /// Classifies a lowercase token; `followed_by_digit` says whether a digit follows it directly
    /// (which makes `a`, `b` and `m` short for `alpha`, `beta` and `milestone`).
    fn from_token(token: &str, followed_by_digit: bool) -> Qualifier {
        match token {
            "a" if followed_by_digit => Self::Alpha,
            "b" if followed_by_digit => Self::Beta,
            "m" if followed_by_digit => Self::Milestone,
            "alpha" => Self::Alpha,
            "beta" => Self::Beta,
            "milestone" => Self::Milestone,
            "rc" | "cr" => Self::Rc,
            "snapshot" => Self::Snapshot,
            "" | "ga" | "final" | "release" => Self::Release,
            "sp" => Self::Sp,
            other => Self::Other(other.to_owned()),
        }
    }

    /// The canonical spelling (`alpha`, ..., the empty string for the release).
    fn as_str(&self) -> &str {
        match self {
            Self::Alpha => "alpha",
            Self::Beta => "beta",
            Self::Milestone => "milestone",
            Self::Rc => "rc",
            Self::Snapshot => "snapshot",
            Self::Release => "",
            Self::Sp => "sp",
            Self::Other(s) => s,
        }
    }
}

/// One item of a list: a number or a qualifier.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Scalar {
    /// ASCII digits without leading zeros; empty for zero.
    Number(String),
    /// A qualifier.
    Qualifier(Qualifier),
}

impl Scalar {
    /// Whether the item is "null": `0` or the release qualifier. Trailing null items do not count.
    fn is_null(&self) -> bool {
        match self {
            Self::Number(digits) => digits.is_empty(),
            Self::Qualifier(q) => *q == Qualifier::Release,
        }
    }

    fn cmp_scalar(&self, other: &Scalar) -> Ordering {
        match (self, other) {
            (Self::Number(a), Self::Number(b)) => a.len().cmp(&b.len()).then_with(|| a.cmp(b)),
            (Self::Number(_), Self::Qualifier(_)) => Ordering::Greater,
            (Self::Qualifier(_), Self::Number(_)) => Ordering::Less,
            (Self::Qualifier(a), Self::Qualifier(b)) => a.cmp(b),
        }
    }

    /// Compares with a missing item, which counts as null.
    fn cmp_missing(&self) -> Ordering {
        match self {
            Self::Number(digits) if digits.is_empty() => Ordering::Equal,
            Self::Number(_) => Ordering::Greater,
            Self::Qualifier(q) => q.cmp(&Qualifier::Release),
        }
    }
}

impl fmt::Display for Scalar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Number(digits) if digits.is_empty() => f.write_str("0"),
            Self::Number(digits) => f.write_str(digits),
            Self::Qualifier(q) => f.write_str(q.as_str()),
        }
    }
}

/// A Maven version with Maven's order.
///
/// Parsing never fails: every string has a place in the order. Equality and hashing follow the
/// order (`1.0 == 1`, `1-GA == 1`), [`Display`](fmt::Display) writes the original string and
/// [`Version::canonical`] the normalized form.
///
/// The nested lists of the spec are kept flat: each list ends with at most one nested list (a
/// `-` puts the rest of the version into it), so a version is a chain of groups, `groups[k + 1]`
/// being the list at the end of `groups[k]`.
#[derive(Debug, Clone)]
pub struct Version {
    original: String,
    groups: Vec<Vec<Scalar>>,
}

/// An item of a group as comparison sees it: a scalar, the nested list, or nothing.
#[derive(Clone, Copy)]
enum Slot<'a> {
    Scalar(&'a Scalar),
    Nested,
    Missing,
}

impl Version {
    /// Parses any string into its place in Maven's order.
    pub fn parse(s: &str) -> Version {
        let lower = s.to_lowercase();
        let mut groups: Vec<Vec<Scalar>> = vec![Vec::new()];
        for (separator, piece) in pieces(&lower) {
            let runs = runs(piece);
            if runs.is_empty() {
                // An empty token is `0`.
                push(&mut groups, separator, Scalar::Number(String::new()));
                continue;
            }
            for (i, run) in runs.iter().enumerate() {
                // A transition between digits and letters counts as a hyphen.
                let separator = if i == 0 { separator } else { Separator::Hyphen };
                let scalar = if run.as_bytes()[0].is_ascii_digit() {
                    Scalar::Number(run.trim_start_matches('0').to_owned())
                } else {
                    let followed_by_digit = runs.get(i + 1).is_some();
                    Scalar::Qualifier(Qualifier::from_token(run, followed_by_digit))
                };
                push(&mut groups, separator, scalar);
            }
        }
        Version { original: s.to_owned(), groups: normalize(groups) }
    }

    /// The string this version was parsed from.
    pub fn as_str(&self) -> &str {
        &self.original
    }

    /// The normalized form, much as Maven's `ComparableVersion::getCanonical` writes it:
    /// `1.0-ALPHA-1` → `1-alpha-1`, `1.0.0.Final` → `1`. For tests and messages.
    pub fn canonical(&self) -> String {
        let mut out = String::new();
        for (k, group) in self.groups.iter().enumerate() {
            if k > 0 && !out.is_empty() {
                out.push('-');
            }
            for (i, scalar) in group.iter().enumerate() {
                if i > 0 {
                    out.push('.');
                }
                out.push_str(&scalar.to_string());
            }
        }
        out
    }

    /// The `i`-th item of group `k`: its scalars, then the nested list if there is one.
    fn slot(&self, k: usize, i: usize) -> Slot<'_> {
        let group = &self.groups[k];
        match group.get(i) {
            Some(s) => Slot::Scalar(s),
            None if i == group.len() && k + 1 < self.groups.len() => Slot::Nested,
            None => Slot::Missing,
        }
    }

    /// Compares the list `groups[k..]` with a missing item: the first item that is not null
    /// decides (a non-empty list is not equal to nothing).
    fn cmp_list_with_missing(&self, k: usize) -> Ordering {
        for group in &self.groups[k..] {
            for scalar in group {
                let o = scalar.cmp_missing();
                if o != Ordering::Equal {
                    return o;
                }
            }
        }
        Ordering::Equal
    }
}

/// Compares two lists: `a.groups[ka..]` and `b.groups[kb..]`, walking down nested lists without
/// recursion.
fn cmp_lists(a: &Version, b: &Version) -> Ordering {
    let mut k = 0;
    loop {
        let mut i = 0;
        loop {
            let result = match (a.slot(k, i), b.slot(k, i)) {
                (Slot::Missing, Slot::Missing) => return Ordering::Equal,
                (Slot::Nested, Slot::Nested) => break,
                (Slot::Scalar(x), Slot::Scalar(y)) => x.cmp_scalar(y),
                (Slot::Scalar(x), Slot::Missing) => x.cmp_missing(),
                (Slot::Missing, Slot::Scalar(y)) => y.cmp_missing().reverse(),
                // A list is less than a number and greater than a qualifier: `1-sp < 1-1 < 1.1`.
                (Slot::Nested, Slot::Scalar(y)) => nested_vs_scalar(y),
                (Slot::Scalar(x), Slot::Nested) => nested_vs_scalar(x).reverse(),
                (Slot::Nested, Slot::Missing) => a.cmp_list_with_missing(k + 1),
                (Slot::Missing, Slot::Nested) => b.cmp_list_with_missing(k + 1).reverse(),
            };
            if result != Ordering::Equal {
                return result;
            }
            i += 1;
        }
        // Both lists end with a nested list: compare those.
        k += 1;
    }
}

fn nested_vs_scalar(scalar: &Scalar) -> Ordering {
    match scalar {
        Scalar::Number(_) => Ordering::Less,
        Scalar::Qualifier(_) => Ordering::Greater,
    }
}

/// How a token was separated from the one before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Separator {
    /// The first token.
    Start,
    /// `.`
    Dot,
    /// `-`, or a transition between digits and letters.
    Hyphen,
}

/// Splits at `.` and `-`, keeping the separator before each piece. A trailing separator yields
/// an empty last piece.
fn pieces(s: &str) -> Vec<(Separator, &str)> {
    let mut out = Vec::new();
    let mut separator = Separator::Start;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        if c == '.' || c == '-' {
            out.push((separator, &s[start..i]));
            separator = if c == '.' { Separator::Dot } else { Separator::Hyphen };
            start = i + 1;
        }
    }
    if start < s.len() || separator != Separator::Start {
        out.push((separator, &s[start..]));
    }
    out
}

/// Cuts a piece into runs of ASCII digits and runs of other characters.
fn runs(piece: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut digit = None;
    for (i, c) in piece.char_indices() {
        let is_digit = c.is_ascii_digit();
        if digit.is_some_and(|d| d != is_digit) {
            out.push(&piece[start..i]);
            start = i;
        }
        digit = Some(is_digit);
    }
    if start < piece.len() {
        out.push(&piece[start..]);
    }
    out
}

/// Adds a token: a hyphen, or a qualifier after a dot, opens a nested list.
fn push(groups: &mut Vec<Vec<Scalar>>, separator: Separator, scalar: Scalar) {
    let opens_list = match separator {
        Separator::Start => false,
        Separator::Hyphen => true,
        Separator::Dot => matches!(scalar, Scalar::Qualifier(_)),
    };
    if opens_list {
        groups.push(Vec::new());
    }
    if let Some(group) = groups.last_mut() {
        group.push(scalar);
    }
}

/// Removes trailing null items from every list, innermost first: a list that ends up empty is
/// itself null and leaves its parent; a list that is not empty does not stop its parent's
/// trimming (`1.0-1` is `1-1`). A list left with nothing but its nested list is replaced by that
/// list, as the spec trims "at each remaining hyphen" (`1-0-2` is `1-2`, `1-ga-1` is `1-1`).
///
/// After this, only the root may be empty (for a null version such as `0`), qualifiers stand only
/// first in a list, and zeros are always followed by a non-zero number of the same list. Those
/// invariants make the order total (Maven's own implementation is not, for inputs like `-a0`),
/// so sorting never meets an inconsistent comparison.
fn normalize(groups: Vec<Vec<Scalar>>) -> Vec<Vec<Scalar>> {
    // Innermost first; an emptied list is dropped, its nested list (if any) taking its place.
    let mut kept: Vec<Vec<Scalar>> = Vec::with_capacity(groups.len());
    for mut group in groups.into_iter().rev() {
        while group.last().is_some_and(Scalar::is_null) {
            group.pop();
        }
        if !group.is_empty() {
            kept.push(group);
        }
    }
    kept.reverse();
    if kept.is_empty() {
        // A null version: an empty root.
        kept.push(Vec::new());
    }
    kept
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        cmp_lists(self, other)
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Version {}

impl Hash for Version {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // Versions that compare equal have equal normalized groups.
        self.groups.hash(state);
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.original)
    }
}

/// Compares two version strings in Maven's order.
pub fn compare_versions(a: &str, b: &str) -> Ordering {
    Version::parse(a).cmp(&Version::parse(b))
}

/// Sorts version strings in Maven's order (stable: versions equal in the order, like `1.0` and
/// `1`, keep their relative order).
pub fn sort_versions(versions: &mut [String]) {
    let mut keyed: Vec<(Version, String)> = versions.iter().map(|v| (Version::parse(v), v.clone())).collect();
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    for (slot, (_, v)) in versions.iter_mut().zip(keyed) {
        *slot = v;
    }
}

/// Whether a version is a SNAPSHOT version: it ends with `-SNAPSHOT` (uppercase, as the
/// repository layout and mvn spell it) after a non-empty base (`1.0-SNAPSHOT`).
pub fn is_snapshot(version: &str) -> bool {
    snapshot_base(version).is_some()
}

/// The base of a SNAPSHOT version: `1.0` for `1.0-SNAPSHOT`; `None` for a release.
pub fn snapshot_base(version: &str) -> Option<&str> {
    version.strip_suffix(SNAPSHOT_SUFFIX).filter(|base| !base.is_empty())
}

/// Checks that a version may name a directory of the repository: not empty, at most
/// [`MAX_VERSION_LEN`] bytes, no `/`, `\`, `..`, no leading `.`, no whitespace or control
/// characters, none of the characters Maven's model validator refuses (`:"<>|?*`).
pub fn validate_version(version: &str) -> Result<(), MavenError> {
    if version.is_empty() {
        return Err(MavenError::invalid("the version is empty; set `<version>` in the POM"));
    }
    if version.len() > MAX_VERSION_LEN {
        return Err(MavenError::invalid(format!(
            "the version `{}…` is {} bytes long; a version may have at most {MAX_VERSION_LEN}",
            version.chars().take(40).collect::<String>().escape_debug(),
            version.len()
        )));
    }
    if let Some(bad) = version.chars().find(|c| c.is_control() || c.is_whitespace()) {
        return Err(MavenError::invalid(format!(
            "the version `{}` holds {}; a version may not hold whitespace or control characters",
            version.escape_debug(),
            describe_char(bad)
        )));
    }
    if let Some(bad) = version.chars().find(|c| matches!(c, '/' | '\\' | ':' | '"' | '<' | '>' | '|' | '?' | '*')) {
        return Err(MavenError::invalid(format!(
            "the version `{version}` holds `{bad}`; a version may not hold any of `\\/:\"<>|?*`"
        )));
    }
    if version.starts_with('.') || version.contains("..") {
        return Err(MavenError::invalid(format!(
            "the version `{version}` starts with `.` or holds `..`; choose a version like `1.0.2`"
        )));
    }
    Ok(())
}

/// A character named for an error message: `` `é` `` or "a space" or "the control character U+0000".
pub(crate) fn describe_char(c: char) -> String {
    match c {
        ' ' => "a space".to_owned(),
        c if c.is_control() || c.is_whitespace() => format!("the character U+{:04X}", u32::from(c)),
        c => format!("`{c}`"),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// Asserts that the versions are in strictly increasing order, every pair checked both ways.
    fn assert_increasing(versions: &[&str]) {
        for (i, a) in versions.iter().enumerate() {
            for b in &versions[i + 1..] {
                assert_eq!(compare_versions(a, b), Ordering::Less, "{a} < {b}");
                assert_eq!(compare_versions(b, a), Ordering::Greater, "{b} > {a}");
            }
        }
    }

    fn assert_equal(a: &str, b: &str) {
        assert_eq!(compare_versions(a, b), Ordering::Equal, "{a} == {b}");
        assert_eq!(compare_versions(b, a), Ordering::Equal, "{b} == {a}");
        assert_eq!(Version::parse(a), Version::parse(b), "{a} == {b}");
        assert_eq!(Version::parse(a).canonical(), Version::parse(b).canonical(), "{a} ~ {b}");
    }

    #[test]
    fn qualifier_order() {
        // The order of ComparableVersion's test suite: qualifiers and their aliases.
        assert_increasing(&[
            "1-alpha2snapshot",
            "1-alpha2",
            "1-alpha-123",
            "1-beta-2",
            "1-beta123",
            "1-m2",
            "1-m11",
            "1-rc",
            "1-cr2",
            "1-rc123",
            "1-SNAPSHOT",
            "1",
            "1-sp",
            "1-sp2",
            "1-sp123",
            "1-abc",
            "1-def",
            "1-pom-1",
            "1-1-snapshot",
            "1-1",
            "1-2",
            "1-123",
        ]);
    }

    #[test]
    fn number_order() {
        assert_increasing(&[
            "2.0", "2.0.a", "2-1", "2.0.2", "2.0.123", "2.1.0", "2.1-a", "2.1b", "2.1-c", "2.1-1", "2.1.0.1", "2.2",
            "2.123", "11.a2", "11.a11", "11.b2", "11.b11", "11.m2", "11.m11", "11", "11.a", "11b", "11c", "11m",
        ]);
    }

    #[test]
    fn pairs_in_order() {
        let cases = [
            ("1", "2"),
            ("1.5", "2"),
            ("1", "2.5"),
            ("1.0", "1.1"),
            ("1.1", "1.2"),
            ("1.0.0", "1.1"),
            ("1.0.1", "1.1"),
            ("1.1", "1.2.0"),
            ("1.0-alpha-1", "1.0"),
            ("1.0-alpha-1", "1.0-alpha-2"),
            ("1.0-alpha-1", "1.0-beta-1"),
            ("1.0-beta-1", "1.0-SNAPSHOT"),
            ("1.0-SNAPSHOT", "1.0"),
            ("1.0-alpha-1-SNAPSHOT", "1.0-alpha-1"),
            ("1.0", "1.0-1"),
            ("1.0-1", "1.0-2"),
            ("1.0.0", "1.0-1"),
            ("2.0-1", "2.0.1"),
            ("2.0.1-klm", "2.0.1-lmn"),
            ("2.0.1", "2.0.1-xyz"),
            ("2.0.1", "2.0.1-123"),
            ("2.0.1-xyz", "2.0.1-123"),
            // The POM reference's examples.
            ("1", "1.1"),
            ("1-snapshot", "1"),
            ("1", "1-sp"),
            ("1-foo2", "1-foo10"),
            ("1.foo", "1-1"),
            ("1-1", "1.1"),
            ("1-ga", "1-sp"),
            ("1-ga.1", "1-sp.1"),
            ("1-sp-1", "1-ga-1"),
            ("1-1", "1-0-2"),
            // `.X1 < -X2 < .1` for any qualifier X.
            ("1.0.0.RC1", "1.0.0-RC2"),
            ("1.0.0-RC2", "1.0.1"),
            ("1.0.RC2", "1.0-RC3"),
            // A list compared with nothing: the whole list counts, not its first item (MNG-6964).
            ("1-0.alpha", "1"),
            ("1-0.beta", "1"),
            ("1-0-snapshot", "1"),
            // Numbers of any length (MNG-6572).
            ("20190126.230843", "1234567890.12345"),
            ("1234567890.12345", "123456789012345.1H.5-beta"),
            ("123456789012345.1H.5-beta", "12345678901234567890.1H.5-beta"),
            ("1.0.18446744073709551615", "1.0.18446744073709551616"),
            ("1.9", "1.10"),
            ("1.09", "1.10"),
            // Timestamped snapshots sort after `-SNAPSHOT` and before the release.
            ("1.0-SNAPSHOT", "1.0-20261121.020304-3"),
            ("1.0-20261121.020304-3", "1.0-20261121.020304-10"),
            ("1.0-20261121.020304-3", "1.0-20261122.000000-1"),
        ];
        for (a, b) in cases {
            assert_increasing(&[a, b]);
        }
    }

    #[test]
    fn transitivity_mng_5568() {
        assert_increasing(&["6.1.0rc3", "6.1.0", "6.1H.5-beta"]);
    }

    #[test]
    fn equal_versions() {
        let cases = [
            ("1", "1"),
            ("1", "1.0"),
            ("1", "1.0.0"),
            ("1.0", "1.0.0"),
            ("1", "1-0"),
            ("1", "1.0-0"),
            ("1.0", "1.0-0"),
            // No separator between a number and a letter.
            ("1a", "1-a"),
            ("1a", "1.0-a"),
            ("1a", "1.0.0-a"),
            ("1.0a", "1-a"),
            ("1.0.0a", "1-a"),
            ("1x", "1-x"),
            ("1x", "1.0-x"),
            ("1x", "1.0.0-x"),
            ("1.0x", "1-x"),
            ("1.0.0x", "1-x"),
            // Aliases.
            ("1cr", "1rc"),
            ("1a1", "1-alpha-1"),
            ("1b2", "1-beta-2"),
            ("1m3", "1-milestone-3"),
            ("1-a1", "1-alpha-1"),
            ("1.ga", "1"),
            ("1-ga", "1"),
            ("1-final", "1"),
            ("1.0.0.Final", "1.0.0"),
            ("5.3.27.RELEASE", "5.3.27"),
            ("1.foo", "1-foo"),
            // Case does not matter.
            ("1X", "1x"),
            ("1A", "1a"),
            ("1B", "1b"),
            ("1M", "1m"),
            ("1Ga", "1"),
            ("1GA", "1"),
            ("1RELEASE", "1"),
            ("1Final", "1"),
            ("1FINAL", "1"),
            ("1Cr", "1Rc"),
            ("1cR", "1rC"),
            ("1m3", "1Milestone3"),
            ("1m3", "1MileStone3"),
            ("1m3", "1MILESTONE3"),
            ("1.0-SNAPSHOT", "1-snapshot"),
            // Leading zeros and empty tokens.
            ("1.01", "1.1"),
            ("1..1", "1.0.1"),
            ("1-", "1"),
            ("1.", "1"),
            // Trimming repeats at each remaining hyphen.
            ("1-0-2", "1-2"),
            ("1-ga-1", "1-1"),
            ("1-0.alpha", "1-alpha"),
        ];
        for (a, b) in cases {
            assert_equal(a, b);
        }
    }

    #[test]
    fn canonical_forms() {
        let cases = [
            ("1.0.0", "1"),
            ("1.0-alpha-1", "1-alpha-1"),
            ("1.0alpha1", "1-alpha-1"),
            ("1.0-SNAPSHOT", "1-snapshot"),
            ("2.13.4.2", "2.13.4.2"),
            ("31.1-jre", "31.1-jre"),
            ("1.0.0.RC1", "1-rc-1"),
            ("1-sp.1", "1-sp.1"),
            ("0", ""),
            ("", ""),
        ];
        for (version, canonical) in cases {
            assert_eq!(Version::parse(version).canonical(), canonical, "{version}");
        }
    }

    #[test]
    fn real_release_histories_sort_as_maven_central_lists_them() {
        // Version lists as Maven Central's maven-metadata.xml orders them, shuffled and sorted.
        let histories: [&[&str]; 5] = [
            // com.google.guava:guava
            &[
                "30.1-android",
                "30.1-jre",
                "31.0-jre",
                "31.0.1-jre",
                "31.1-jre",
                "32.0.0-android",
                "32.0.0-jre",
                "32.1.3-jre",
            ],
            // com.fasterxml.jackson.core:jackson-databind
            &[
                "2.12.7",
                "2.12.7.1",
                "2.13.0-rc1",
                "2.13.0-rc2",
                "2.13.0",
                "2.13.4",
                "2.13.4.1",
                "2.13.4.2",
                "2.14.0-rc1",
                "2.14.0",
            ],
            // org.springframework:spring-core (older releases say `.RELEASE`)
            &["5.2.9.BUILD-SNAPSHOT", "5.3.0-M1", "5.3.0-RC1", "5.3.0", "5.3.27", "6.0.0-M1", "6.0.0-RC1", "6.0.0"],
            // org.junit.jupiter:junit-jupiter-api
            &["5.8.0-M1", "5.8.0-RC1", "5.8.0", "5.8.2", "5.9.0-M1", "5.9.0", "5.10.0-M1", "5.10.0", "5.10.1"],
            // org.apache.maven.plugins:maven-surefire-plugin
            &["2.12.4", "2.22.2", "3.0.0-M1", "3.0.0-M9", "3.0.0", "3.1.2", "3.2.5"],
        ];
        for history in histories {
            let mut shuffled: Vec<String> = history.iter().rev().map(|s| (*s).to_owned()).collect();
            shuffled.rotate_left(history.len() / 3);
            sort_versions(&mut shuffled);
            assert_eq!(shuffled, history.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>());
            assert_increasing(history);
        }
    }

    #[test]
    fn sort_is_stable_for_equal_versions() {
        let mut versions = vec!["1.0".to_owned(), "0.9".to_owned(), "1".to_owned(), "1.0.0".to_owned()];
        sort_versions(&mut versions);
        assert_eq!(versions, ["0.9", "1.0", "1", "1.0.0"]);
    }

    #[test]
    fn snapshots() {
        let cases = [
            ("1.0-SNAPSHOT", Some("1.0")),
            ("1.0.0-alpha-1-SNAPSHOT", Some("1.0.0-alpha-1")),
            ("5.2.9.BUILD-SNAPSHOT", Some("5.2.9.BUILD")),
            ("1.0", None),
            ("1.0-snapshot", None),
            ("-SNAPSHOT", None),
            ("SNAPSHOT", None),
            ("1.0-20261121.020304-3", None),
        ];
        for (version, base) in cases {
            assert_eq!(snapshot_base(version), base, "{version}");
            assert_eq!(is_snapshot(version), base.is_some(), "{version}");
        }
    }

    #[test]
    fn valid_versions() {
        for v in ["1.0", "1.0-SNAPSHOT", "31.1-jre", "2.0.0-M1", "1.0+build.7", "1_2", "v1", "1.0.0.Final", "é"] {
            assert_eq!(validate_version(v), Ok(()), "{v}");
        }
        assert_eq!(validate_version(&"1".repeat(MAX_VERSION_LEN)), Ok(()));
    }

    #[test]
    fn invalid_versions() {
        let long = "1".repeat(MAX_VERSION_LEN + 1);
        let cases = [
            ("", "the version is empty"),
            ("1.0/2", "holds `/`"),
            ("1.0\\2", "holds `\\`"),
            ("1..0", "holds `..`"),
            ("..", "holds `..`"),
            (".1", "starts with `.`"),
            ("1.0 beta", "holds a space"),
            ("1.0\t", "holds the character U+0009"),
            ("1.0\u{7f}", "holds the character U+007F"),
            ("1:0", "holds `:`"),
            ("1*", "holds `*`"),
            (long.as_str(), "256 bytes long"),
        ];
        for (v, expected) in cases {
            let err = validate_version(v).expect_err(v);
            assert!(err.message().contains(expected), "{v}: {}", err.message());
        }
    }

    #[test]
    fn long_versions_cost_linear_time() {
        let long = "0-".repeat(200_000) + "1";
        assert_eq!(Version::parse(&long).canonical(), "1");
        assert_eq!(compare_versions(&long, "1"), Ordering::Equal);
        let nested = "1-".repeat(200_000);
        assert_eq!(compare_versions(&nested, &nested), Ordering::Equal);
        assert_eq!(compare_versions(&nested, &(nested.clone() + "1")), Ordering::Less);
    }

    #[test]
    fn degenerate_versions_keep_the_order_total() {
        // Maven's own implementation orders these three in a circle.
        assert_increasing(&["-a0", "", "sp"]);
        assert_increasing(&["alpha", "0", "ga.1", "sp", "x", "1"]);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn order_is_a_total_order(
            a in "[0-9a-z.-]{0,12}",
            b in "(1|1.0|2|alpha|beta|rc|sp|ga|snapshot|x|[0-9]{1,3})([.-]?(1|0|a|b|m|rc|sp|ga|snapshot|x|[0-9]{1,3})){0,4}",
            c in "[0-9ab.-]{0,8}",
        ) {
            let (va, vb, vc) = (Version::parse(&a), Version::parse(&b), Version::parse(&c));
            prop_assert_eq!(va.cmp(&vb), vb.cmp(&va).reverse());
            prop_assert_eq!(va.cmp(&va), Ordering::Equal);
            if va <= vb && vb <= vc {
                prop_assert!(va <= vc, "{} <= {} <= {}", a, b, c);
            }
            if va >= vb && vb >= vc {
                prop_assert!(va >= vc, "{} >= {} >= {}", a, b, c);
            }
            // Equal versions have equal normalized groups (so hashing agrees with equality).
            if va == vb {
                prop_assert_eq!(&va.groups, &vb.groups);
            }
        }
    }
}
