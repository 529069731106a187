//! Release-age quarantine (docs/DESIGN.md §2, "Release age"): a repository may hold back the
//! versions that come through an external connection until they are old enough (by the time the
//! registry says they were published), so a malicious release withdrawn within hours never
//! reaches its builds. Packages named by an exception wait another time (`@corp/*`: 0).

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::{PackageCoordinates, PackageFormat};

/// The most exceptions a policy holds.
pub const MAX_EXCEPTIONS: usize = 100;

/// The longest minimum age: a year.
pub const MAX_AGE_SECONDS: u64 = 366 * 86_400;

/// How old a version from an external connection must be before a repository serves it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReleaseAgePolicy {
    /// The minimum age, in seconds.
    pub minimum_age_seconds: u64,
    /// Packages that wait another time: the most specific pattern that matches wins.
    #[serde(default)]
    pub exceptions: Vec<ReleaseAgeException>,
}

/// Packages a policy treats apart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReleaseAgeException {
    /// A package name (npm's `@scope/name`, Maven's `group:artifact`, others' `namespace/name`),
    /// or a prefix of names ending in `*` (`@corp/*`).
    pub package: String,
    /// Their minimum age, in seconds.
    pub minimum_age_seconds: u64,
}

impl ReleaseAgePolicy {
    /// Why the policy cannot be applied, if it cannot.
    pub fn check(&self) -> Result<(), String> {
        if self.exceptions.len() > MAX_EXCEPTIONS {
            return Err(format!("a policy holds at most {MAX_EXCEPTIONS} exceptions"));
        }
        let ages =
            std::iter::once(self.minimum_age_seconds).chain(self.exceptions.iter().map(|e| e.minimum_age_seconds));
        if ages.into_iter().any(|age| age > MAX_AGE_SECONDS) {
            return Err(format!("a minimum age is at most {MAX_AGE_SECONDS} seconds (a year)"));
        }
        for exception in &self.exceptions {
            let pattern = &exception.package;
            let star = pattern.find('*');
            if pattern.is_empty() || pattern.len() > 255 || star.is_some_and(|at| at != pattern.len() - 1) {
                return Err(format!(
                    "`{pattern}` is no package pattern: a name, or a prefix ending in `*` (`@corp/*`), at most 255 characters"
                ));
            }
        }
        Ok(())
    }

    /// Whether the policy holds nothing back.
    pub fn is_empty(&self) -> bool {
        self.minimum_age_seconds == 0 && self.exceptions.iter().all(|e| e.minimum_age_seconds == 0)
    }

    /// The minimum age of `package`'s versions.
    pub fn minimum_age(&self, package: &PackageCoordinates) -> TimeDelta {
        let name = package_name(package);
        let matching = self
            .exceptions
            .iter()
            .filter(|e| match e.package.strip_suffix('*') {
                Some(prefix) => name.starts_with(prefix),
                None => name == e.package,
            })
            // The most specific: an exact name, else the longest prefix.
            .max_by_key(|e| (!e.package.ends_with('*'), e.package.len()));
        let seconds = matching.map_or(self.minimum_age_seconds, |e| e.minimum_age_seconds);
        TimeDelta::seconds(i64::try_from(seconds).unwrap_or(i64::MAX))
    }

    /// When a version of `package` published at `published_at` may be served: `None` when it
    /// may be at `now` already.
    pub fn held_until(
        &self,
        package: &PackageCoordinates,
        published_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        let available = published_at.checked_add_signed(self.minimum_age(package)).unwrap_or(DateTime::<Utc>::MAX_UTC);
        (available > now).then_some(available)
    }
}

/// How a policy's patterns name `package`.
fn package_name(package: &PackageCoordinates) -> String {
    match (package.format, package.namespace.as_str()) {
        (_, "") => package.name.clone(),
        (PackageFormat::Npm, scope) => format!("@{scope}/{}", package.name),
        (PackageFormat::Maven, group) => format!("{group}:{}", package.name),
        (_, namespace) => format!("{namespace}/{}", package.name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn npm(namespace: &str, name: &str) -> PackageCoordinates {
        PackageCoordinates { format: PackageFormat::Npm, namespace: namespace.to_owned(), name: name.to_owned() }
    }

    fn policy() -> ReleaseAgePolicy {
        ReleaseAgePolicy {
            minimum_age_seconds: 86_400,
            exceptions: vec![
                ReleaseAgeException { package: "@corp/*".into(), minimum_age_seconds: 0 },
                ReleaseAgeException { package: "@corp/risky".into(), minimum_age_seconds: 3600 },
                ReleaseAgeException { package: "left-*".into(), minimum_age_seconds: 7200 },
            ],
        }
    }

    #[test]
    fn the_most_specific_pattern_wins() {
        let p = policy();
        assert_eq!(p.minimum_age(&npm("", "lodash")), TimeDelta::days(1));
        assert_eq!(p.minimum_age(&npm("corp", "lib")), TimeDelta::zero());
        assert_eq!(p.minimum_age(&npm("corp", "risky")), TimeDelta::hours(1));
        assert_eq!(p.minimum_age(&npm("", "left-pad")), TimeDelta::hours(2));
        assert_eq!(p.minimum_age(&npm("other", "left-pad")), TimeDelta::days(1));
    }

    #[test]
    fn held_until_the_age_is_reached() {
        let p = policy();
        let now = DateTime::parse_from_rfc3339("2026-12-06T12:00:00Z").expect("a time").to_utc();
        let young = now - TimeDelta::hours(2);
        assert_eq!(p.held_until(&npm("", "lodash"), young, now), Some(young + TimeDelta::days(1)));
        assert_eq!(p.held_until(&npm("", "lodash"), now - TimeDelta::days(2), now), None);
        assert_eq!(p.held_until(&npm("corp", "lib"), now, now), None);
        assert!(ReleaseAgePolicy::default().is_empty());
    }

    #[test]
    fn bad_policies_are_refused() {
        let bad = |package: &str| ReleaseAgePolicy {
            minimum_age_seconds: 1,
            exceptions: vec![ReleaseAgeException { package: package.into(), minimum_age_seconds: 0 }],
        };
        assert!(policy().check().is_ok());
        assert!(bad("").check().is_err());
        assert!(bad("a*b").check().is_err());
        assert!(ReleaseAgePolicy { minimum_age_seconds: MAX_AGE_SECONDS + 1, exceptions: vec![] }.check().is_err());
    }
}
