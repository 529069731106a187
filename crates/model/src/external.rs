//! The external connections Tributary knows: a public registry each, of one format.

use crate::PackageFormat;

/// A known external connection and the public registry it reads by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExternalConnection {
    /// Its name, e.g. `public:npmjs`.
    pub name: &'static str,
    /// The one format it serves.
    pub format: PackageFormat,
    /// The public registry's base URL; configuration may point it elsewhere.
    pub default_url: &'static str,
}

/// Every external connection a repository may be associated with.
pub const KNOWN_EXTERNAL_CONNECTIONS: &[ExternalConnection] = &[
    ExternalConnection { name: "public:npmjs", format: PackageFormat::Npm, default_url: "https://registry.npmjs.org/" },
    ExternalConnection { name: "public:pypi", format: PackageFormat::Pypi, default_url: "https://pypi.org/" },
    ExternalConnection {
        name: "public:maven-central",
        format: PackageFormat::Maven,
        default_url: "https://repo1.maven.org/maven2/",
    },
    ExternalConnection {
        name: "public:maven-googleandroid",
        format: PackageFormat::Maven,
        default_url: "https://maven.google.com/",
    },
    ExternalConnection {
        name: "public:maven-gradleplugins",
        format: PackageFormat::Maven,
        default_url: "https://plugins.gradle.org/m2/",
    },
    ExternalConnection {
        name: "public:maven-commonsware",
        format: PackageFormat::Maven,
        default_url: "https://s3.amazonaws.com/repo.commonsware.com/",
    },
    ExternalConnection {
        name: "public:maven-clojars",
        format: PackageFormat::Maven,
        default_url: "https://repo.clojars.org/",
    },
    ExternalConnection {
        name: "public:nuget-org",
        format: PackageFormat::Nuget,
        default_url: "https://api.nuget.org/v3/index.json",
    },
    ExternalConnection { name: "public:go-proxy", format: PackageFormat::Go, default_url: "https://proxy.golang.org/" },
    // Modules no proxy has, fetched from their own repositories by the go command (a Tributary
    // extension). The server serves the fetcher on a loopback listener and points this
    // connection at it; this address answers nowhere.
    ExternalConnection {
        name: "public:go-origin",
        format: PackageFormat::Go,
        default_url: "http://go-origin-fetcher-not-running.invalid/",
    },
];

impl ExternalConnection {
    /// Looks a connection up by name.
    pub fn find(name: &str) -> Option<&'static ExternalConnection> {
        KNOWN_EXTERNAL_CONNECTIONS.iter().find(|c| c.name == name)
    }

    /// The names of all known connections, comma separated, for error messages.
    pub fn known_names() -> String {
        KNOWN_EXTERNAL_CONNECTIONS.iter().map(|c| format!("`{}`", c.name)).collect::<Vec<_>>().join(", ")
    }
}

/// The formats a connection made in a domain may serve: those read from registries.
const CUSTOM_FORMATS: [PackageFormat; 5] =
    [PackageFormat::Npm, PackageFormat::Pypi, PackageFormat::Maven, PackageFormat::Nuget, PackageFormat::Go];

/// The format of the external connection `name`: a known connection's, or for one made in a
/// domain (`FORMAT:LABEL`, e.g. `npm:corp`), the format its name begins with. Whether such a
/// connection exists is the domain's to say.
pub fn connection_format(name: &str) -> Option<PackageFormat> {
    match ExternalConnection::find(name) {
        Some(known) => Some(known.format),
        None => custom_connection_format(name).ok(),
    }
}

/// Checks the name of a connection made in a domain, `FORMAT:LABEL`: FORMAT is `npm`, `pypi`,
/// `maven`, `nuget` or `go`, LABEL 1 to 64 letters, digits, `.`, `_` and `-`. Its format, or why
/// the name is refused.
pub fn custom_connection_format(name: &str) -> Result<PackageFormat, String> {
    let Some((prefix, label)) = name.split_once(':') else {
        return Err(format!("external connection name `{name}` is not `FORMAT:LABEL` (e.g. `npm:corp`)"));
    };
    let format = CUSTOM_FORMATS.into_iter().find(|f| f.as_str() == prefix).ok_or_else(|| {
        format!("external connection name `{name}` must begin with `npm:`, `pypi:`, `maven:`, `nuget:` or `go:`")
    })?;
    let label_ok = (1..=64).contains(&label.len())
        && label.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if !label_ok {
        return Err(format!(
            "the label of external connection `{name}` must be 1 to 64 letters, digits, `.`, `_` or `-`"
        ));
    }
    Ok(format)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn find_known_and_unknown() {
        assert_eq!(ExternalConnection::find("public:npmjs").map(|c| c.format), Some(PackageFormat::Npm));
        assert_eq!(ExternalConnection::find("public:nope"), None);
    }

    #[test]
    fn custom_names() {
        assert_eq!(connection_format("npm:corp"), Some(PackageFormat::Npm));
        assert_eq!(connection_format("public:npmjs"), Some(PackageFormat::Npm));
        assert_eq!(custom_connection_format("maven:corp-releases_2.x"), Ok(PackageFormat::Maven));
        for refused in ["public:corp", "corp", "npm:", "generic:x", "npm:a/b", "npm:a b", "NPM:corp"] {
            assert!(custom_connection_format(refused).is_err(), "{refused}");
            assert_eq!(connection_format(refused), None, "{refused}");
        }
        assert!(custom_connection_format(&format!("npm:{}", "a".repeat(65))).is_err());
    }
}
