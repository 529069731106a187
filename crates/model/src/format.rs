//! Package formats.

use std::fmt;

/// A package format, as CodeArtifact names it (plus `go`, a Tributary extension).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PackageFormat {
    /// npm, yarn, pnpm.
    Npm,
    /// pip, uv, twine.
    Pypi,
    /// Maven, Gradle.
    Maven,
    /// NuGet, dotnet.
    Nuget,
    /// Generic assets.
    Generic,
    /// RubyGems.
    Ruby,
    /// Swift packages.
    Swift,
    /// Cargo.
    Cargo,
    /// Go modules (GOPROXY).
    Go,
}

impl PackageFormat {
    /// Every format, in the order above.
    pub const ALL: [PackageFormat; 9] = [
        Self::Npm,
        Self::Pypi,
        Self::Maven,
        Self::Nuget,
        Self::Generic,
        Self::Ruby,
        Self::Swift,
        Self::Cargo,
        Self::Go,
    ];

    /// The wire name, e.g. `npm`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Npm => "npm",
            Self::Pypi => "pypi",
            Self::Maven => "maven",
            Self::Nuget => "nuget",
            Self::Generic => "generic",
            Self::Ruby => "ruby",
            Self::Swift => "swift",
            Self::Cargo => "cargo",
            Self::Go => "go",
        }
    }

    /// Parses a wire name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == s)
    }
}

impl fmt::Display for PackageFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        for f in PackageFormat::ALL {
            assert_eq!(PackageFormat::parse(f.as_str()), Some(f));
        }
        assert_eq!(PackageFormat::parse("NPM"), None);
    }
}
