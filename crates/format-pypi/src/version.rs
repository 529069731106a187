//! PEP 440 versions (<https://packaging.python.org/en/latest/specifications/version-specifiers/>):
//! parsing every spelling the spec's normalization section allows, the normal form, and the
//! order pip and PyPI use.
//!
//! The accepted grammar, case-insensitive, after trimming surrounding whitespace:
//!
//! ```text
//! v? (N!)? N(.N)* ([-_.]? (a|alpha|b|beta|c|rc|pre|preview) [-_.]? N?)?
//!               (-N | [-_.]? (post|rev|r) [-_.]? N?)?
//!               ([-_.]? dev [-_.]? N?)?
//!               (+ [a-z0-9]+ ([-_.] [a-z0-9]+)*)?
//! ```
//!
//! A missing pre-, post- or dev-release number is `0`; `c`, `pre` and `preview` mean `rc`;
//! `alpha` and `beta` mean `a` and `b`; `rev` and `r` mean `post`; `-` and `_` in a local version
//! mean `.`. Numbers must fit in 64 bits.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use crate::PypiError;

/// The kind of a pre-release, in PEP 440 order: `a` < `b` < `rc`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PreKind {
    /// Alpha: `a`, also spelled `alpha`.
    Alpha,
    /// Beta: `b`, also spelled `beta`.
    Beta,
    /// Release candidate: `rc`, also spelled `c`, `pre` and `preview`.
    Rc,
}

impl PreKind {
    /// The normal spelling: `a`, `b` or `rc`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Alpha => "a",
            Self::Beta => "b",
            Self::Rc => "rc",
        }
    }
}

/// One dot-separated part of a local version label (`ubuntu` and `1` in `+ubuntu.1`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum LocalSegment {
    /// All digits, compared as a number (leading zeros do not count).
    Number(u64),
    /// Letters and digits, lowercased, compared as a string.
    Text(String),
}

impl Ord for LocalSegment {
    /// PEP 440: numeric segments sort after alphanumeric ones; numbers compare numerically,
    /// strings lexicographically.
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Self::Number(a), Self::Number(b)) => a.cmp(b),
            (Self::Text(a), Self::Text(b)) => a.cmp(b),
            (Self::Number(_), Self::Text(_)) => Ordering::Greater,
            (Self::Text(_), Self::Number(_)) => Ordering::Less,
        }
    }
}

impl PartialOrd for LocalSegment {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for LocalSegment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Number(n) => write!(f, "{n}"),
            Self::Text(s) => f.write_str(s),
        }
    }
}

/// A PEP 440 version.
///
/// Equality, hashing and order follow PEP 440, not the fields: trailing zeros of the release do
/// not count (`1.0 == 1.0.0`), and a local label makes a version differ from (and sort after) its
/// public version. [`Display`](fmt::Display) writes the normal form, e.g. `1!2.0a1.post2.dev3+ubuntu.1`.
#[derive(Debug, Clone)]
pub struct Version {
    /// The epoch (`N!`), `0` when absent.
    pub epoch: u64,
    /// The release numbers: `[1, 2, 3]` for `1.2.3`. Never empty in a parsed version.
    pub release: Vec<u64>,
    /// The pre-release: kind and number.
    pub pre: Option<(PreKind, u64)>,
    /// The post-release number.
    pub post: Option<u64>,
    /// The development release number.
    pub dev: Option<u64>,
    /// The local version label's segments; empty when there is none.
    pub local: Vec<LocalSegment>,
}

impl Version {
    /// Parses any spelling PEP 440 allows. The error names the string and shows valid examples.
    pub fn parse(s: &str) -> Result<Version, PypiError> {
        Parser::new(s).parse()
    }

    /// Whether this is a pre-release in pip's sense: it has a pre-release or a dev-release part
    /// (`1.0a1`, `1.0.dev0`, `1.0.post1.dev0`).
    pub fn is_prerelease(&self) -> bool {
        self.pre.is_some() || self.dev.is_some()
    }

    /// The release without its trailing zeros (`1.2.0.0` → `1.2`), what comparisons use.
    fn trimmed_release(&self) -> &[u64] {
        let len = self.release.iter().rposition(|n| *n != 0).map_or(0, |i| i + 1);
        &self.release[..len]
    }

    /// The pre-release part as PEP 440 sorts it: a dev-release of a final release (`1.0.dev0`)
    /// before every pre-release, a final or post-release after every pre-release.
    fn pre_key(&self) -> (u8, Option<(PreKind, u64)>) {
        match (self.pre, self.post, self.dev) {
            (None, None, Some(_)) => (0, None),
            (Some(pre), _, _) => (1, Some(pre)),
            (None, _, _) => (2, None),
        }
    }

    /// The dev part as PEP 440 sorts it: a dev-release before the same version without one.
    fn dev_key(&self) -> (bool, u64) {
        match self.dev {
            Some(n) => (false, n),
            None => (true, 0),
        }
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        self.epoch
            .cmp(&other.epoch)
            .then_with(|| self.trimmed_release().cmp(other.trimmed_release()))
            .then_with(|| self.pre_key().cmp(&other.pre_key()))
            // `None` (no post-release) sorts before `Some(_)`, as PEP 440 wants.
            .then_with(|| self.post.cmp(&other.post))
            .then_with(|| self.dev_key().cmp(&other.dev_key()))
            // No label sorts before any label; then segment by segment, a shorter prefix first.
            .then_with(|| self.local.cmp(&other.local))
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
        // Exactly what `cmp` looks at, so equal versions hash alike.
        self.epoch.hash(state);
        self.trimmed_release().hash(state);
        self.pre_key().hash(state);
        self.post.hash(state);
        self.dev_key().hash(state);
        self.local.hash(state);
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.epoch != 0 {
            write!(f, "{}!", self.epoch)?;
        }
        for (i, n) in self.release.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            write!(f, "{n}")?;
        }
        if let Some((kind, n)) = self.pre {
            write!(f, "{}{n}", kind.as_str())?;
        }
        if let Some(n) = self.post {
            write!(f, ".post{n}")?;
        }
        if let Some(n) = self.dev {
            write!(f, ".dev{n}")?;
        }
        for (i, segment) in self.local.iter().enumerate() {
            f.write_str(if i == 0 { "+" } else { "." })?;
            write!(f, "{segment}")?;
        }
        Ok(())
    }
}

impl FromStr for Version {
    type Err = PypiError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// Compares two version strings in PEP 440 order. Strings that are not PEP 440 versions sort
/// before every valid one, and among themselves by plain string order. Two spellings of the same
/// version (`1.0`, `1.0.0`, `v1.0`) are `Equal`.
pub fn compare_versions(a: &str, b: &str) -> Ordering {
    match (Version::parse(a), Version::parse(b)) {
        (Ok(a), Ok(b)) => a.cmp(&b),
        (Ok(_), Err(_)) => Ordering::Greater,
        (Err(_), Ok(_)) => Ordering::Less,
        (Err(_), Err(_)) => a.cmp(b),
    }
}

/// The normal form of a version string (`1.0-RC.1` → `1.0rc1`), or `None` when it is not a
/// PEP 440 version.
pub fn normalize_version(s: &str) -> Option<String> {
    Version::parse(s).ok().map(|v| v.to_string())
}

/// A hand-written reader of the grammar in the module docs, over the lowercased input.
struct Parser<'a> {
    original: &'a str,
    input: Vec<u8>,
    pos: usize,
}

const PRE_LABELS: [(&str, PreKind); 8] = [
    // Longer spellings first, so `preview` is not read as `pre` followed by `view`.
    ("preview", PreKind::Rc),
    ("alpha", PreKind::Alpha),
    ("beta", PreKind::Beta),
    ("pre", PreKind::Rc),
    ("rc", PreKind::Rc),
    ("a", PreKind::Alpha),
    ("b", PreKind::Beta),
    ("c", PreKind::Rc),
];

const POST_LABELS: [&str; 3] = ["post", "rev", "r"];

impl<'a> Parser<'a> {
    fn new(original: &'a str) -> Self {
        let trimmed = original.trim();
        Self { original, input: trimmed.to_ascii_lowercase().into_bytes(), pos: 0 }
    }

    fn parse(mut self) -> Result<Version, PypiError> {
        if !self.input.is_ascii() || self.input.is_empty() {
            return Err(self.invalid());
        }
        self.eat(b"v");
        let first = self.number()?.ok_or_else(|| self.invalid())?;
        let epoch = if self.eat(b"!") {
            first
        } else {
            // Not an epoch: read the number again as the first release number.
            self.pos = 0;
            self.eat(b"v");
            0
        };
        let mut release = vec![self.number()?.ok_or_else(|| self.invalid())?];
        while self.peek() == Some(b'.') && self.peek_at(1).is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
            release.push(self.number()?.ok_or_else(|| self.invalid())?);
        }
        let pre = self.pre()?;
        let post = self.post()?;
        let dev = self.dev()?;
        let local = self.local()?;
        if self.pos != self.input.len() {
            return Err(self.invalid());
        }
        Ok(Version { epoch, release, pre, post, dev, local })
    }

    fn pre(&mut self) -> Result<Option<(PreKind, u64)>, PypiError> {
        let start = self.pos;
        self.separator();
        let Some(kind) = PRE_LABELS.iter().find_map(|(label, kind)| self.eat(label.as_bytes()).then_some(*kind)) else {
            self.pos = start;
            return Ok(None);
        };
        Ok(Some((kind, self.optional_number()?)))
    }

    fn post(&mut self) -> Result<Option<u64>, PypiError> {
        let start = self.pos;
        // The implicit form `1.0-1`: a hyphen and a number, no label.
        if self.eat(b"-")
            && let Some(n) = self.number()?
        {
            return Ok(Some(n));
        }
        self.pos = start;
        self.separator();
        if POST_LABELS.iter().any(|label| self.eat(label.as_bytes())) {
            return Ok(Some(self.optional_number()?));
        }
        self.pos = start;
        Ok(None)
    }

    fn dev(&mut self) -> Result<Option<u64>, PypiError> {
        let start = self.pos;
        self.separator();
        if self.eat(b"dev") {
            return Ok(Some(self.optional_number()?));
        }
        self.pos = start;
        Ok(None)
    }

    fn local(&mut self) -> Result<Vec<LocalSegment>, PypiError> {
        if !self.eat(b"+") {
            return Ok(Vec::new());
        }
        let rest = &self.input[self.pos..];
        let text = std::str::from_utf8(rest).map_err(|_| self.invalid())?;
        let mut segments = Vec::new();
        for part in text.split(['.', '-', '_']) {
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return Err(self.invalid());
            }
            segments.push(if part.bytes().all(|b| b.is_ascii_digit()) {
                LocalSegment::Number(part.parse().map_err(|_| self.too_big(part))?)
            } else {
                LocalSegment::Text(part.to_owned())
            });
        }
        self.pos = self.input.len();
        Ok(segments)
    }

    /// After a label: an optional separator, then an optional number (`0` when absent). The
    /// separator is taken even without a number (`1.0a.` is `1.0a0`): whatever follows may bring
    /// its own separator, so taking it never makes a valid version fail.
    fn optional_number(&mut self) -> Result<u64, PypiError> {
        self.separator();
        Ok(self.number()?.unwrap_or(0))
    }

    fn separator(&mut self) {
        if matches!(self.peek(), Some(b'-' | b'_' | b'.')) {
            self.pos += 1;
        }
    }

    fn number(&mut self) -> Result<Option<u64>, PypiError> {
        let start = self.pos;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
        }
        if start == self.pos {
            return Ok(None);
        }
        let digits = std::str::from_utf8(&self.input[start..self.pos]).map_err(|_| self.invalid())?;
        digits.parse().map(Some).map_err(|_| self.too_big(digits))
    }

    fn eat(&mut self, literal: &[u8]) -> bool {
        if self.input[self.pos..].starts_with(literal) {
            self.pos += literal.len();
            true
        } else {
            false
        }
    }

    fn peek(&self) -> Option<u8> {
        self.peek_at(0)
    }

    fn peek_at(&self, offset: usize) -> Option<u8> {
        self.input.get(self.pos + offset).copied()
    }

    fn invalid(&self) -> PypiError {
        PypiError::invalid(format!(
            "`{}` is not a valid PEP 440 version; use a version such as `1.0`, `2.1.3rc1`, `1.0.post1` or \
             `1.0.dev2`",
            self.original.escape_debug()
        ))
    }

    fn too_big(&self, digits: &str) -> PypiError {
        PypiError::invalid(format!(
            "the version `{}` holds the number `{digits}`, larger than versions may use (2^64 - 1); use a smaller \
             number",
            self.original.escape_debug()
        ))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use proptest::prelude::*;

    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn normal_forms() {
        let cases = [
            // Plain releases.
            ("1", "1"),
            ("1.0", "1.0"),
            ("1.0.0", "1.0.0"),
            ("2012.10", "2012.10"),
            ("01.002.0003", "1.2.3"),
            // Epochs.
            ("1!1.0", "1!1.0"),
            ("0!1.0", "1.0"),
            // Case, leading `v`, whitespace.
            ("V1.0", "1.0"),
            ("v1.0RC1", "1.0rc1"),
            ("  1.0\n", "1.0"),
            ("\t v2.0 ", "2.0"),
            // Pre-release spellings.
            ("1.0a1", "1.0a1"),
            ("1.0alpha1", "1.0a1"),
            ("1.0ALPHA1", "1.0a1"),
            ("1.0b2", "1.0b2"),
            ("1.0beta2", "1.0b2"),
            ("1.0c1", "1.0rc1"),
            ("1.0pre1", "1.0rc1"),
            ("1.0preview1", "1.0rc1"),
            ("1.0rc1", "1.0rc1"),
            ("1.0.a1", "1.0a1"),
            ("1.0-a1", "1.0a1"),
            ("1.0_a1", "1.0a1"),
            ("1.0a.1", "1.0a1"),
            ("1.0a-1", "1.0a1"),
            ("1.0a_1", "1.0a1"),
            ("1.0-rc-1", "1.0rc1"),
            ("1.0a", "1.0a0"),
            ("1.0-beta", "1.0b0"),
            ("1.0a01", "1.0a1"),
            // Post-release spellings.
            ("1.0post1", "1.0.post1"),
            ("1.0.post1", "1.0.post1"),
            ("1.0-post1", "1.0.post1"),
            ("1.0_post1", "1.0.post1"),
            ("1.0.post.1", "1.0.post1"),
            ("1.0rev1", "1.0.post1"),
            ("1.0r1", "1.0.post1"),
            ("1.0-r-1", "1.0.post1"),
            ("1.0.post", "1.0.post0"),
            ("1.0-1", "1.0.post1"),
            ("1.0-r", "1.0.post0"),
            // Dev releases.
            ("1.0dev1", "1.0.dev1"),
            ("1.0.dev1", "1.0.dev1"),
            ("1.0-dev1", "1.0.dev1"),
            ("1.0_dev_1", "1.0.dev1"),
            ("1.0.dev", "1.0.dev0"),
            ("1.0DEV", "1.0.dev0"),
            // Combinations.
            ("1.0.0a1.post2.dev3", "1.0.0a1.post2.dev3"),
            ("1.0-1.dev1", "1.0.post1.dev1"),
            ("1.0a-post", "1.0a0.post0"),
            ("1.0a.", "1.0a0"),
            ("1.0a.-1", "1.0a0.post1"),
            ("1.0.post.", "1.0.post0"),
            ("v1!2.0", "1!2.0"),
            ("1.0rc1-1", "1.0rc1.post1"),
            ("1!2.0b3.post4.dev5+abc.6", "1!2.0b3.post4.dev5+abc.6"),
            // Local versions.
            ("1.0+ubuntu-1", "1.0+ubuntu.1"),
            ("1.0+Ubuntu_1", "1.0+ubuntu.1"),
            ("1.0+ubuntu.01", "1.0+ubuntu.1"),
            ("1.0.0a1.post2.dev3+ubuntu.1", "1.0.0a1.post2.dev3+ubuntu.1"),
            ("2.0.0+cpu", "2.0.0+cpu"),
            ("1.0+abc.5.def", "1.0+abc.5.def"),
            ("18446744073709551615", "18446744073709551615"),
        ];
        for (input, expected) in cases {
            assert_eq!(v(input).to_string(), expected, "{input:?}");
            assert_eq!(normalize_version(input).as_deref(), Some(expected), "{input:?}");
        }
    }

    #[test]
    fn invalid_versions() {
        let cases = [
            "",
            " ",
            "v",
            "1.",
            ".1",
            "1..0",
            "1.0.",
            "a1",
            "1.0x",
            "1.0a1a2",
            "1.0+",
            "1.0+.",
            "1.0+a..b",
            "1.0+a_",
            "1.0+ä",
            "1.0-",
            "1.0--1",
            "1.0_1",
            "1.0.post1.post2",
            "1.0.dev1.dev2",
            "1.0.dev1a1",
            "1.0 .1",
            "1.0!1",
            "1!1!1",
            "one",
            "1.0rc1rc2",
            "latest",
            "1.0.0-beta.1+exp.sha.5114f85+x",
            "é",
            "1.0~rc1",
            "vv1.0",
        ];
        for input in cases {
            let err = Version::parse(input).expect_err(input);
            assert!(err.message().contains("is not a valid PEP 440 version"), "{input:?}: {}", err.message());
            assert_eq!(normalize_version(input), None, "{input:?}");
        }
        let err = Version::parse("1.18446744073709551616").expect_err("overflow");
        assert!(err.message().contains("`18446744073709551616`, larger than"), "{}", err.message());
    }

    #[test]
    fn order() {
        // Strictly increasing, straight from PEP 440's examples and packaging's tests.
        let ordered = [
            "1.0.dev456",
            "1.0a1",
            "1.0a2.dev456",
            "1.0a12.dev456",
            "1.0a12",
            "1.0b1.dev456",
            "1.0b2",
            "1.0b2.post345.dev456",
            "1.0b2.post345",
            "1.0rc1.dev456",
            "1.0rc1",
            "1.0",
            "1.0+abc.5",
            "1.0+abc.7",
            "1.0+5",
            "1.0.post456.dev34",
            "1.0.post456",
            "1.0.15",
            "1.1.dev1",
            "1.1",
            "2.0",
            "10.0",
            "1!0.1",
            "1!1.0",
        ];
        for pair in ordered.windows(2) {
            assert!(v(pair[0]) < v(pair[1]), "{} < {}", pair[0], pair[1]);
            assert_eq!(compare_versions(pair[0], pair[1]), Ordering::Less, "{} < {}", pair[0], pair[1]);
            assert_eq!(compare_versions(pair[1], pair[0]), Ordering::Greater, "{} > {}", pair[1], pair[0]);
        }
        // Every pair, not only neighbours.
        for (i, a) in ordered.iter().enumerate() {
            for (j, b) in ordered.iter().enumerate() {
                assert_eq!(v(a).cmp(&v(b)), i.cmp(&j), "{a} vs {b}");
            }
        }
    }

    #[test]
    fn local_versions() {
        let ordered =
            ["1.0", "1.0+a", "1.0+a.0", "1.0+a.1", "1.0+b", "1.0+0", "1.0+0.a", "1.0+1", "1.0+10", "1.0.post0"];
        for pair in ordered.windows(2) {
            assert!(v(pair[0]) < v(pair[1]), "{} < {}", pair[0], pair[1]);
        }
        assert_ne!(v("1.0+local"), v("1.0"));
        assert_eq!(v("1.0+ubuntu-01"), v("1.0+UBUNTU.1"));
        assert!(LocalSegment::Number(0) > LocalSegment::Text("zzz".into()));
    }

    #[test]
    fn equality_ignores_trailing_zeros_and_spelling() {
        let equal = [
            ("1.0", "1.0.0"),
            ("1", "1.0.0.0"),
            ("1.0", "v1.0"),
            ("0!1.0", "1.0"),
            ("1.0a", "1.0alpha0"),
            ("1.0-1", "1.0.post1"),
            ("1.0rc1", "1.0c1"),
            ("1.0.0rc1", "1.0-pre-1"),
            ("1.0.0.post1.dev0", "1.0.post1.dev0"),
            ("1.0+abc", "1.0.0+ABC"),
        ];
        for (a, b) in equal {
            assert_eq!(v(a), v(b), "{a} == {b}");
            assert_eq!(compare_versions(a, b), Ordering::Equal, "{a} == {b}");
            let set: HashSet<Version> = [v(a), v(b)].into_iter().collect();
            assert_eq!(set.len(), 1, "{a} and {b} hash alike");
        }
        let different =
            [("1.0", "1.0.1"), ("1.0", "1!1.0"), ("1.0", "1.0.post0"), ("1.0", "1.0.dev0"), ("1.0a1", "1.0b1")];
        for (a, b) in different {
            assert_ne!(v(a), v(b), "{a} != {b}");
        }
    }

    #[test]
    fn prereleases() {
        for (input, expected) in [
            ("1.0", false),
            ("1.0a1", true),
            ("1.0rc1", true),
            ("1.0.dev0", true),
            ("1.0.post1", false),
            ("1.0.post1.dev1", true),
            ("1.0+local", false),
        ] {
            assert_eq!(v(input).is_prerelease(), expected, "{input}");
        }
    }

    #[test]
    fn invalid_strings_sort_first() {
        let mut versions = vec!["2.0", "latest", "1.0", "1.0rc1", "banana", "1.0.post1", "1.10", "1.9"];
        versions.sort_by(|a, b| compare_versions(a, b));
        assert_eq!(versions, ["banana", "latest", "1.0rc1", "1.0", "1.0.post1", "1.9", "1.10", "2.0"]);
    }

    #[test]
    fn from_str() {
        let parsed: Version = "1.0-RC1".parse().expect("valid");
        assert_eq!(parsed.to_string(), "1.0rc1");
        assert_eq!(parsed.pre, Some((PreKind::Rc, 1)));
        assert_eq!(parsed.release, [1, 0]);
    }

    fn version_strategy() -> impl Strategy<Value = Version> {
        let pre = prop_oneof![Just(PreKind::Alpha), Just(PreKind::Beta), Just(PreKind::Rc)];
        let local = prop::collection::vec(
            prop_oneof![(0u64..20).prop_map(LocalSegment::Number), "[a-z][a-z0-9]{0,3}".prop_map(LocalSegment::Text)],
            0..3,
        );
        (
            prop_oneof![3 => Just(0u64), 1 => 0u64..3],
            prop::collection::vec(0u64..12, 1..5),
            prop::option::of((pre, 0u64..4)),
            prop::option::of(0u64..4),
            prop::option::of(0u64..4),
            local,
        )
            .prop_map(|(epoch, release, pre, post, dev, local)| Version {
                epoch,
                release,
                pre,
                post,
                dev,
                local,
            })
    }

    proptest! {
        #[test]
        fn display_round_trips(version in version_strategy()) {
            let text = version.to_string();
            let parsed = Version::parse(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(&parsed, &version);
            prop_assert_eq!(parsed.to_string(), text);
        }

        #[test]
        fn order_is_total_and_consistent(a in version_strategy(), b in version_strategy(), c in version_strategy()) {
            prop_assert_eq!(a.cmp(&b), b.cmp(&a).reverse());
            if a <= b && b <= c {
                prop_assert!(a <= c);
            }
            let (sa, sb) = (a.to_string(), b.to_string());
            prop_assert_eq!(compare_versions(&sa, &sb), a.cmp(&b));
        }

        #[test]
        fn trailing_zeros_do_not_count(version in version_strategy(), zeros in 0usize..3) {
            let mut padded = version.clone();
            padded.release.extend(std::iter::repeat_n(0, zeros));
            prop_assert_eq!(&padded, &version);
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,24}") {
            let _ = Version::parse(&s);
        }
    }
}
