//! Package groups (CodeArtifact's): a pattern over package paths (`/FORMAT/NAMESPACE/NAME`) and
//! the origin rules of the packages it holds (docs/DESIGN.md §2, "Package groups").
//!
//! Patterns end in a suffix that says how they match:
//! - `/*` every package; `/npm/*` every package of a format; `/npm/space/*` every package of a
//!   namespace (`/pypi//*`: the packages of a format without namespaces);
//! - `~` a prefix: `/maven/com.acme~` namespaces starting with `com.acme`, `/npm/space/ui-~`
//!   names starting with `ui-` in namespace `space`;
//! - `$` one package: `/maven/org.apache/log4j-core$`.
//!
//! A package belongs to the most specific group whose pattern matches it (exact name, then the
//! longest name prefix, then its namespace, the longest namespace prefix, its format, the root).
//! A group's parent is the most specific other group whose pattern covers it. Each origin rule
//! (`PUBLISH`, `EXTERNAL_UPSTREAM`, `INTERNAL_UPSTREAM`) is `ALLOW`, `BLOCK`,
//! `ALLOW_SPECIFIC_REPOSITORIES` or `INHERIT` (the parent's effective rule; the root allows).

use std::fmt;

use crate::{PackageCoordinates, PackageFormat};

/// What the components of a pattern say about a package.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Scope {
    /// `/*`
    Everything,
    /// `/FORMAT/*`
    Format(PackageFormat),
    /// `/FORMAT/PREFIX~`
    NamespacePrefix(PackageFormat, String),
    /// `/FORMAT/NAMESPACE/*`
    Namespace(PackageFormat, String),
    /// `/FORMAT/NAMESPACE/PREFIX~`
    NamePrefix(PackageFormat, String, String),
    /// `/FORMAT/NAMESPACE/NAME$`
    Name(PackageFormat, String, String),
}

/// A package group's pattern, parsed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PackageGroupPattern(Scope);

impl PackageGroupPattern {
    /// The root group's pattern, `/*`.
    pub fn root() -> Self {
        Self(Scope::Everything)
    }

    /// Parses `text`; the error says what is wrong.
    pub fn parse(text: &str) -> Result<Self, String> {
        let bad = |why: &str| {
            format!(
                "package group pattern `{text}` is not valid: {why}; use `/*`, `/FORMAT/*`, `/FORMAT/NAMESPACE~`, `/FORMAT/NAMESPACE/*`, `/FORMAT/NAMESPACE/NAME~` or `/FORMAT/NAMESPACE/NAME$`"
            )
        };
        if text.chars().count() < 2
            || text.chars().count() > 520
            || text.chars().any(|c| c.is_control() || c.is_whitespace())
        {
            return Err(bad("it must have 2 to 520 characters, without spaces"));
        }
        let rest = text.strip_prefix('/').ok_or_else(|| bad("it must start with `/`"))?;
        if rest == "*" {
            return Ok(Self(Scope::Everything));
        }
        let parts: Vec<&str> = rest.split('/').collect();
        let format = |name: &str| PackageFormat::parse(name).ok_or_else(|| bad(&format!("`{name}` is not a format")));
        let plain = |part: &str| !part.contains(['*', '~', '$']);
        let scope = match parts.as_slice() {
            [f, "*"] => Scope::Format(format(f)?),
            [f, ns] if ns.ends_with('~') && plain(&ns[..ns.len() - 1]) && ns.len() > 1 => {
                Scope::NamespacePrefix(format(f)?, ns[..ns.len() - 1].to_owned())
            }
            [f, ns, "*"] if plain(ns) => Scope::Namespace(format(f)?, (*ns).to_owned()),
            [f, ns, name] if name.ends_with('~') && plain(ns) && plain(&name[..name.len() - 1]) && name.len() > 1 => {
                Scope::NamePrefix(format(f)?, (*ns).to_owned(), name[..name.len() - 1].to_owned())
            }
            [f, ns, name] if name.ends_with('$') && plain(ns) && plain(&name[..name.len() - 1]) && name.len() > 1 => {
                Scope::Name(format(f)?, (*ns).to_owned(), name[..name.len() - 1].to_owned())
            }
            _ => return Err(bad("its components or its suffix are not one of the allowed shapes")),
        };
        Ok(Self(scope))
    }

    /// Whether this is the root group's pattern.
    pub fn is_root(&self) -> bool {
        self.0 == Scope::Everything
    }

    /// Whether `package` (its coordinates in normal form) matches.
    pub fn matches(&self, package: &PackageCoordinates) -> bool {
        let (format, namespace, name) = (package.format, package.namespace.as_str(), package.name.as_str());
        match &self.0 {
            Scope::Everything => true,
            Scope::Format(f) => *f == format,
            Scope::NamespacePrefix(f, p) => *f == format && namespace.starts_with(p.as_str()),
            Scope::Namespace(f, ns) => *f == format && namespace == ns,
            Scope::NamePrefix(f, ns, p) => *f == format && namespace == ns && name.starts_with(p.as_str()),
            Scope::Name(f, ns, n) => *f == format && namespace == ns && name == n,
        }
    }

    /// How specific the pattern is: a package belongs to the matching group with the greatest.
    pub fn specificity(&self) -> (u8, usize) {
        match &self.0 {
            Scope::Everything => (0, 0),
            Scope::Format(_) => (1, 0),
            Scope::NamespacePrefix(_, p) => (2, p.len()),
            Scope::Namespace(..) => (3, 0),
            Scope::NamePrefix(_, _, p) => (4, p.len()),
            Scope::Name(..) => (5, 0),
        }
    }

    /// Whether every package `other` matches, this matches too, and this is less specific:
    /// whether this could be an ancestor of `other`.
    pub fn covers(&self, other: &Self) -> bool {
        if self == other {
            return false;
        }
        let (format, namespace, name) = match &other.0 {
            Scope::Everything => return false,
            Scope::Format(f) => (*f, None, None),
            Scope::NamespacePrefix(f, p) => (*f, Some((p.as_str(), true)), None),
            Scope::Namespace(f, ns) => (*f, Some((ns.as_str(), false)), None),
            Scope::NamePrefix(f, ns, p) => (*f, Some((ns.as_str(), false)), Some((p.as_str(), true))),
            Scope::Name(f, ns, n) => (*f, Some((ns.as_str(), false)), Some((n.as_str(), false))),
        };
        match &self.0 {
            Scope::Everything => true,
            Scope::Format(f) => *f == format,
            // A prefix covers a namespace (or a longer prefix) starting with it.
            Scope::NamespacePrefix(f, p) => *f == format && namespace.is_some_and(|(ns, _)| ns.starts_with(p.as_str())),
            Scope::Namespace(f, ns) => *f == format && namespace == Some((ns.as_str(), false)) && name.is_some(),
            Scope::NamePrefix(f, ns, p) => {
                *f == format
                    && namespace == Some((ns.as_str(), false))
                    && name.is_some_and(|(n, _)| n.starts_with(p.as_str()))
            }
            Scope::Name(..) => false,
        }
    }
}

impl fmt::Display for PackageGroupPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Scope::Everything => write!(f, "/*"),
            Scope::Format(format) => write!(f, "/{format}/*"),
            Scope::NamespacePrefix(format, p) => write!(f, "/{format}/{p}~"),
            Scope::Namespace(format, ns) => write!(f, "/{format}/{ns}/*"),
            Scope::NamePrefix(format, ns, p) => write!(f, "/{format}/{ns}/{p}~"),
            Scope::Name(format, ns, n) => write!(f, "/{format}/{ns}/{n}$"),
        }
    }
}

/// What an origin rule governs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OriginRule {
    /// Publishing versions to a repository.
    Publish,
    /// Versions coming in through external connections.
    ExternalUpstream,
    /// Versions coming from upstream repositories.
    InternalUpstream,
}

impl OriginRule {
    /// Every rule.
    pub const ALL: [Self; 3] = [Self::Publish, Self::ExternalUpstream, Self::InternalUpstream];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Publish => "PUBLISH",
            Self::ExternalUpstream => "EXTERNAL_UPSTREAM",
            Self::InternalUpstream => "INTERNAL_UPSTREAM",
        }
    }

    /// Parses a wire name.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == text)
    }
}

/// What an origin rule says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RuleMode {
    /// Allowed for every repository.
    Allow,
    /// Allowed for the repositories listed for this rule only.
    AllowSpecificRepositories,
    /// Refused everywhere.
    Block,
    /// As the parent group says.
    Inherit,
}

impl RuleMode {
    /// Every mode.
    pub const ALL: [Self; 4] = [Self::Allow, Self::AllowSpecificRepositories, Self::Block, Self::Inherit];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Allow => "ALLOW",
            Self::AllowSpecificRepositories => "ALLOW_SPECIFIC_REPOSITORIES",
            Self::Block => "BLOCK",
            Self::Inherit => "INHERIT",
        }
    }

    /// Parses a wire name.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> PackageGroupPattern {
        PackageGroupPattern::parse(text).unwrap_or_else(|e| panic!("{e}"))
    }

    fn package(format: PackageFormat, namespace: &str, name: &str) -> PackageCoordinates {
        PackageCoordinates { format, namespace: namespace.to_owned(), name: name.to_owned() }
    }

    #[test]
    fn every_documented_shape_parses_and_prints_back() {
        for text in [
            "/*",
            "/npm/*",
            "/maven/com.anycompany~",
            "/npm/space/*",
            "/npm/space/anycompany-ui~",
            "/maven/org.apache.logging.log4j/log4j-core$",
            "/pypi//*",
            "/pypi//requests$",
        ] {
            assert_eq!(p(text).to_string(), text);
        }
        for bad in [
            "",
            "/",
            "npm/*",
            "/rpm/*",
            "/npm",
            "/npm/space",
            "/npm/*/x$",
            "/npm/sp*ce/*",
            "/npm/space/na*me$",
            "/npm/space/name",
            "/npm/~",
            "/ npm/*",
            "/npm/space/x/y$",
        ] {
            assert!(PackageGroupPattern::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn matching_follows_each_suffix() {
        let ui = package(PackageFormat::Npm, "space", "anycompany-ui-components");
        let react = package(PackageFormat::Npm, "", "react");
        let log4j = package(PackageFormat::Maven, "org.apache.logging.log4j", "log4j-core");
        assert!(p("/*").matches(&react));
        assert!(p("/npm/*").matches(&ui) && !p("/npm/*").matches(&log4j));
        assert!(p("/npm/space/*").matches(&ui) && !p("/npm/space/*").matches(&react));
        assert!(p("/npm//*").matches(&react) && !p("/npm//*").matches(&ui));
        assert!(p("/npm/space/anycompany-ui~").matches(&ui));
        assert!(!p("/npm/space/anycompany-ux~").matches(&ui));
        assert!(p("/maven/org.apache~").matches(&log4j) && !p("/maven/com.apache~").matches(&log4j));
        assert!(p("/maven/org.apache.logging.log4j/log4j-core$").matches(&log4j));
        assert!(!p("/maven/org.apache.logging.log4j/log4j$").matches(&log4j));
    }

    #[test]
    fn the_most_specific_pattern_wins_and_covers_the_less_specific() {
        let order = [
            "/*",
            "/npm/*",
            "/npm/sp~",
            "/npm/space~",
            "/npm/space/*",
            "/npm/space/ui~",
            "/npm/space/ui-kit~",
            "/npm/space/ui-kit$",
        ];
        for pair in order.windows(2) {
            assert!(p(pair[0]).specificity() < p(pair[1]).specificity(), "{pair:?}");
            assert!(p(pair[0]).covers(&p(pair[1])), "{} covers {}", pair[0], pair[1]);
            assert!(!p(pair[1]).covers(&p(pair[0])), "{} does not cover {}", pair[1], pair[0]);
        }
        assert!(!p("/npm/*").covers(&p("/maven/*")));
        assert!(!p("/npm/space/*").covers(&p("/npm/other/x$")));
        assert!(!p("/npm/space/ui~").covers(&p("/npm/space/ux$")));
        assert!(!p("/npm/*").covers(&p("/npm/*")));
    }
}
