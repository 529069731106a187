//! Module versions: canonical semantic versions with a `v` (`v1.2.3`, `v1.2.3-pre`), the only
//! build suffix being `+incompatible`; pseudo-versions (`v0.0.0-20191109021931-daa7c04131f5`)
//! recognized; ordered as the go command orders them (semantic-version precedence).

use std::cmp::Ordering;
use std::fmt;

/// A canonical module version.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GoVersion {
    text: String,
    semver: semver::Version,
}

impl GoVersion {
    /// Parses a canonical version: `v`, then MAJOR.MINOR.PATCH without leading zeros, an
    /// optional pre-release, and no build metadata but `+incompatible`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let refuse = |why: &str| format!("`{text}` is not a module version: {why} (e.g. `v1.2.3`, `v1.2.3-rc.1`)");
        let rest = text.strip_prefix('v').ok_or_else(|| refuse("it starts with `v`"))?;
        let semver = semver::Version::parse(rest).map_err(|e| refuse(&e.to_string()))?;
        if !semver.build.is_empty() && semver.build.as_str() != "incompatible" {
            return Err(refuse("the only build suffix a module version has is `+incompatible`"));
        }
        Ok(Self { text: text.to_owned(), semver })
    }

    /// The version as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The major version.
    pub fn major(&self) -> u64 {
        self.semver.major
    }

    /// Whether it is `+incompatible` (a v2+ version of a module without a go.mod).
    pub fn is_incompatible(&self) -> bool {
        self.semver.build.as_str() == "incompatible"
    }

    /// Whether it has a pre-release part (pseudo-versions do).
    pub fn is_prerelease(&self) -> bool {
        !self.semver.pre.is_empty()
    }

    /// Whether it is a pseudo-version: a commit named by its time and revision, which proxies
    /// serve but do not list. Its pre-release ends in `yyyymmddhhmmss-revision`, alone
    /// (`vX.0.0-…`) or after `0.` (`vX.Y.(Z+1)-0.…`, `vX.Y.Z-pre.0.…`).
    pub fn is_pseudo(&self) -> bool {
        let pre = self.semver.pre.as_str();
        let Some((head, revision)) = pre.rsplit_once('-') else { return false };
        if revision.is_empty() || !revision.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return false;
        }
        let (before, stamp) = match head.rsplit_once('.') {
            Some((before, stamp)) => (Some(before), stamp),
            None => (None, head),
        };
        let stamp_ok = stamp.len() == 14 && stamp.bytes().all(|b| b.is_ascii_digit());
        let before_ok = match before {
            None => true,
            Some(before) => before == "0" || before.ends_with(".0"),
        };
        stamp_ok && before_ok
    }
}

impl fmt::Display for GoVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Ord for GoVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        // Precedence ignores build metadata; the text breaks ties so the order is total.
        self.semver.cmp_precedence(&other.semver).then_with(|| self.text.cmp(&other.text))
    }
}

impl PartialOrd for GoVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// The version `@latest` names among `versions`: the highest release, else the highest
/// pre-release that is not a pseudo-version, else the highest pseudo-version (the go command's
/// own choice from a proxy's list).
pub fn latest<'a>(versions: impl IntoIterator<Item = &'a GoVersion>) -> Option<&'a GoVersion> {
    let versions: Vec<&GoVersion> = versions.into_iter().collect();
    let best = |keep: &dyn Fn(&GoVersion) -> bool| versions.iter().copied().filter(|v| keep(v)).max();
    best(&|v| !v.is_prerelease()).or_else(|| best(&|v| !v.is_pseudo())).or_else(|| best(&|_| true))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> GoVersion {
        GoVersion::parse(text).expect("a version")
    }

    #[test]
    fn parsing() {
        // (The last: a toolchain module's version, which passes through like any other.)
        for ok in [
            "v0.0.1",
            "v1.2.3-rc.1",
            "v2.0.0+incompatible",
            "v0.0.0-20191109021931-daa7c04131f5",
            "v1.0.0-RC1",
            "v0.0.1-go1.21.0.linux-amd64",
        ] {
            assert_eq!(v(ok).as_str(), ok);
        }
        for bad in ["1.2.3", "v1.2", "v01.2.3", "v1.2.3+build", "v1.2.3-", "latest", "", "v1.2.3 "] {
            assert!(GoVersion::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn pseudo_versions() {
        for pseudo in [
            "v0.0.0-20191109021931-daa7c04131f5",
            "v1.2.4-0.20191109021931-daa7c04131f5",
            "v1.2.3-pre.0.20191109021931-daa7c04131f5",
            "v2.0.1-0.20191109021931-daa7c04131f5+incompatible",
        ] {
            assert!(v(pseudo).is_pseudo(), "{pseudo}");
        }
        for not in ["v1.0.0", "v1.0.0-rc.1", "v1.0.0-2019110902193-abc", "v1.0.0-pre.1.20191109021931-abc"] {
            assert!(!v(not).is_pseudo(), "{not}");
        }
    }

    #[test]
    fn order_and_latest() {
        let mut versions: Vec<GoVersion> =
            ["v1.10.0", "v1.2.0", "v1.2.0-rc.1", "v0.0.0-20200101000000-abcdefabcdef", "v1.9.9"]
                .into_iter()
                .map(v)
                .collect();
        versions.sort();
        let sorted: Vec<&str> = versions.iter().map(GoVersion::as_str).collect();
        assert_eq!(sorted, ["v0.0.0-20200101000000-abcdefabcdef", "v1.2.0-rc.1", "v1.2.0", "v1.9.9", "v1.10.0"]);
        assert_eq!(latest(&versions).map(GoVersion::as_str), Some("v1.10.0"));
        let pre =
            [v("v1.0.0-rc.1"), v("v0.0.0-20200101000000-abcdefabcdef"), v("v1.0.1-0.20200101000000-abcdefabcdef")];
        assert_eq!(latest(&pre).map(GoVersion::as_str), Some("v1.0.0-rc.1"));
        let pseudo = [v("v0.0.0-20200101000000-abcdefabcdef"), v("v0.0.0-20210101000000-abcdefabcdef")];
        assert_eq!(latest(&pseudo).map(GoVersion::as_str), Some("v0.0.0-20210101000000-abcdefabcdef"));
        assert_eq!(latest(&[]), None);
    }
}
