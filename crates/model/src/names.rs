//! Validated names. Each newtype is proof that its string follows the CodeArtifact pattern.

use std::fmt;

/// Why a name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} `{value}` is not valid: {rule}")]
pub struct NameError {
    /// Which kind of name, e.g. "domain name".
    pub what: &'static str,
    /// The refused value.
    pub value: String,
    /// The rule it breaks, in plain words.
    pub rule: &'static str,
}

macro_rules! name_type {
    ($(#[$doc:meta])* $name:ident, $what:literal, $rule:literal, $check:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(String);

        impl $name {
            /// Validates `value`.
            pub fn parse(value: &str) -> Result<Self, NameError> {
                let check: fn(&str) -> bool = $check;
                if check(value) {
                    Ok(Self(value.to_owned()))
                } else {
                    Err(NameError { what: $what, value: value.to_owned(), rule: $rule })
                }
            }

            /// The name as a string.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = NameError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

name_type!(
    /// A domain name: 2 to 50 characters, lowercase letters, digits and `-`, starting with a
    /// letter and not ending with `-` (pattern `[a-z][a-z0-9\-]{0,48}[a-z0-9]`).
    DomainName,
    "domain name",
    "use 2 to 50 lowercase letters, digits or `-`, starting with a letter and ending with a letter or digit",
    |s| {
        let b = s.as_bytes();
        (2..=50).contains(&b.len())
            && b[0].is_ascii_lowercase()
            && b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
            && b[b.len() - 1] != b'-'
    }
);

name_type!(
    /// A repository name: 2 to 100 characters of letters, digits, `.`, `_` and `-`, starting with
    /// a letter or digit (pattern `[A-Za-z0-9][A-Za-z0-9._\-]{1,99}`).
    RepositoryName,
    "repository name",
    "use 2 to 100 letters, digits, `.`, `_` or `-`, starting with a letter or digit",
    |s| {
        let b = s.as_bytes();
        (2..=100).contains(&b.len())
            && b[0].is_ascii_alphanumeric()
            && b.iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-'))
    }
);

name_type!(
    /// A 12-digit account id, the owner of domains (pattern `[0-9]{12}`).
    AccountId,
    "account id",
    "use exactly 12 digits",
    |s| s.len() == 12 && s.bytes().all(|c| c.is_ascii_digit())
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domain_names() {
        for ok in ["ab", "my-domain", "a1", &format!("a{}", "b".repeat(49))] {
            assert!(DomainName::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["a", "1ab", "Ab", "ab-", "a_b", "a.b", "", &format!("a{}", "b".repeat(50))] {
            assert!(DomainName::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn repository_names() {
        for ok in ["ab", "My.Repo_1-x", "1a", &"r".repeat(100)] {
            assert!(RepositoryName::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["a", "-ab", ".ab", "a b", "a/b", "a:b", &"r".repeat(101)] {
            assert!(RepositoryName::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn error_message_names_the_value() {
        let err = DomainName::parse("Bad").expect_err("uppercase is refused");
        assert_eq!(
            err.to_string(),
            "domain name `Bad` is not valid: use 2 to 50 lowercase letters, digits or `-`, starting with a letter and ending with a letter or digit"
        );
    }

    #[test]
    fn account_ids() {
        assert!(AccountId::parse("000000000000").is_ok());
        assert!(AccountId::parse("00000000000").is_err());
        assert!(AccountId::parse("00000000000a").is_err());
    }
}
