//! Views of a repository (Azure Artifacts' views; docs/DESIGN.md §2, "Views"): `@local`, what
//! the repository itself holds, and `@prerelease` and `@release`, the versions promoted into
//! them. Each view has its own read-only endpoint per format, `/{format}/{domain}/{repository}@{view}/`.

use std::fmt;

/// A view of a repository.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RepositoryView {
    /// What the repository itself holds: published there or kept from upstream; no upstream.
    Local,
    /// The versions promoted to prerelease.
    Prerelease,
    /// The versions promoted to release.
    Release,
}

impl RepositoryView {
    /// Every view.
    pub const ALL: [Self; 3] = [Self::Local, Self::Prerelease, Self::Release];

    /// Its name (`release`), as the endpoint's `@release` and the API write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Local => "local",
            Self::Prerelease => "prerelease",
            Self::Release => "release",
        }
    }

    /// Parses a name.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == text)
    }

    /// Whether versions are promoted into it (`@local` holds what the repository holds).
    pub fn is_promoted(self) -> bool {
        self != Self::Local
    }
}

impl fmt::Display for RepositoryView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for view in RepositoryView::ALL {
            assert_eq!(RepositoryView::parse(view.as_str()), Some(view));
        }
        assert_eq!(RepositoryView::parse("Release"), None);
        assert!(!RepositoryView::Local.is_promoted() && RepositoryView::Release.is_promoted());
    }
}
