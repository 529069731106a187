//! Views of a repository (Azure Artifacts' views; docs/DESIGN.md §2, "Views"): `@local`, what
//! the repository itself holds, and `@prerelease` and `@release`, the versions promoted into
//! them. Each view has its own read-only endpoint per format, `/{format}/{domain}/{repository}@{view}/`.

use std::fmt;

use crate::names::{NameError, RepositoryName};

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

/// An entry of a repository's upstream list: a repository of the domain, or one of its views
/// (`shared@release`), which the search then reads alone: only what the repository stores in that
/// view, with neither its upstreams nor its external connection (docs/DESIGN.md §2, "Views").
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Upstream {
    /// The repository.
    pub repository: RepositoryName,
    /// The view of it the entry names, if any.
    pub view: Option<RepositoryView>,
}

impl Upstream {
    /// Parses `NAME` or `NAME@VIEW`.
    pub fn parse(text: &str) -> Result<Self, NameError> {
        let (name, view) = Self::parts(text);
        let repository = RepositoryName::parse(name)?;
        let view = match view {
            None => None,
            Some(view) => Some(RepositoryView::parse(view).ok_or_else(|| NameError {
                what: "upstream repository",
                value: text.to_owned(),
                rule: "write a repository name, or NAME@VIEW with VIEW one of local, prerelease, release",
            })?),
        };
        Ok(Self { repository, view })
    }

    /// The repository and view parts of an entry (`shared@release`: `shared`, `release`),
    /// unchecked; repository names never hold `@`.
    pub fn parts(text: &str) -> (&str, Option<&str>) {
        match text.split_once('@') {
            Some((name, view)) => (name, Some(view)),
            None => (text, None),
        }
    }
}

impl fmt::Display for Upstream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.view {
            Some(view) => write!(f, "{}@{view}", self.repository),
            None => write!(f, "{}", self.repository),
        }
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

    #[test]
    fn upstream_entries() {
        let plain = Upstream::parse("shared").expect("a repository");
        assert_eq!((plain.repository.as_str(), plain.view), ("shared", None));
        let view = Upstream::parse("shared@release").expect("a view");
        assert_eq!((view.repository.as_str(), view.view), ("shared", Some(RepositoryView::Release)));
        assert_eq!(view.to_string(), "shared@release");
        assert_eq!(plain.to_string(), "shared");
        for bad in ["shared@nightly", "shared@", "@release", "sh ared@release", "a@release@local"] {
            assert!(Upstream::parse(bad).is_err(), "{bad}");
        }
    }
}
