//! npm package names: `name` and `@scope/name`, following npm's `validate-npm-package-name` rules
//! (<https://github.com/npm/validate-npm-package-name>) and the `name` section of the package.json
//! docs (<https://docs.npmjs.com/cli/configuring-npm/package-json#name>).
//!
//! Two levels, as in `validate-npm-package-name`:
//! - [`NpmName::parse`]: *valid for new packages*, what a publish must satisfy: at most 214
//!   characters, lowercase, no leading `.` or `_`, URL-safe characters only (the unscoped part
//!   `[a-z0-9-._]`, the scope `[a-z0-9-._~]`), not `node_modules` / `favicon.ico`, not a Node.js
//!   core module name.
//! - [`NpmName::parse_existing`]: *valid for old packages*, what the public registry may still serve
//!   (`JSONStream`, `Base64`, `events`...): capitals, `~'!()*` and core module names are accepted.
//!   Use it for reads and for names that come from an upstream registry.
//!
//! In request paths a scoped name arrives as `@scope%2fname` (npm's `escapedName`), `@scope%2Fname`,
//! `%40scope%2fname`, or as two segments `@scope/name`; [`NpmName::parse`] accepts each form.

use std::fmt;

use crate::NpmError;

/// Longest name npm accepts for a new package (scope included).
pub const MAX_NAME_LENGTH: usize = 214;

/// Longest name accepted at all, for names of existing packages (a guard, not an npm rule).
const MAX_EXISTING_NAME_LENGTH: usize = 512;

/// Node.js core module names: npm refuses them as names of new unscoped packages.
const CORE_MODULES: &[&str] = &[
    "assert",
    "async_hooks",
    "buffer",
    "child_process",
    "cluster",
    "console",
    "constants",
    "crypto",
    "dgram",
    "diagnostics_channel",
    "dns",
    "domain",
    "events",
    "fs",
    "http",
    "http2",
    "https",
    "inspector",
    "module",
    "net",
    "os",
    "path",
    "perf_hooks",
    "process",
    "punycode",
    "querystring",
    "readline",
    "repl",
    "stream",
    "string_decoder",
    "sys",
    "timers",
    "tls",
    "trace_events",
    "tty",
    "url",
    "util",
    "v8",
    "vm",
    "wasi",
    "worker_threads",
    "zlib",
];

/// A validated npm package name: an optional scope (kept without its `@`) and the unscoped name.
///
/// Fields are private so that every value went through validation; read them with
/// [`NpmName::scope`], [`NpmName::namespace`] and [`NpmName::package`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NpmName {
    /// The scope without `@`, e.g. `acme` for `@acme/lib`.
    scope: Option<String>,
    /// The unscoped part, e.g. `lib` for `@acme/lib`.
    name: String,
}

/// How strict a check is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    New,
    Existing,
}

impl NpmName {
    /// Parses and validates a name by the rules for **new** packages. Accepts `name`,
    /// `@scope/name` and the URL-encoded `@scope%2fname`, `@scope%2Fname`, `%40scope%2fname`.
    pub fn parse(s: &str) -> Result<Self, NpmError> {
        Self::parse_at(s, Level::New)
    }

    /// Parses and validates a name by the rules for **existing** packages (npm's
    /// `validForOldPackages`): capitals, `~'!()*`, core module names and names longer than 214
    /// characters are accepted. Same encoded forms as [`NpmName::parse`].
    pub fn parse_existing(s: &str) -> Result<Self, NpmError> {
        Self::parse_at(s, Level::Existing)
    }

    /// Rebuilds a name from its stored parts: `namespace` is the scope without `@` (empty for an
    /// unscoped package). Validated by the rules for existing packages, since stored names may have
    /// come from an upstream registry; call [`NpmName::validate_new`] to apply the stricter rules.
    pub fn from_parts(namespace: &str, package: &str) -> Result<Self, NpmError> {
        let full = if namespace.is_empty() { package.to_owned() } else { format!("@{namespace}/{package}") };
        Self::parse_existing(&full)
    }

    /// Checks this name against the rules for new packages (see [`NpmName::parse`]).
    pub fn validate_new(&self) -> Result<(), NpmError> {
        check(&self.full(), self.scope.as_deref(), &self.name, Level::New)
    }

    /// The scope without `@`, if the name is scoped.
    pub fn scope(&self) -> Option<&str> {
        self.scope.as_deref()
    }

    /// The namespace as CodeArtifact names it: the scope without `@`, or `""` when unscoped.
    pub fn namespace(&self) -> &str {
        self.scope.as_deref().unwrap_or("")
    }

    /// The unscoped part of the name (`lib` for `@acme/lib`).
    pub fn package(&self) -> &str {
        &self.name
    }

    /// The full name as npm writes it in package.json: `@scope/name` or `name`.
    pub fn full(&self) -> String {
        match &self.scope {
            Some(scope) => format!("@{scope}/{}", self.name),
            None => self.name.clone(),
        }
    }

    /// The name as npm puts it in a request path (npm-package-arg's `escapedName`):
    /// `@scope%2fname` or `name`.
    pub fn url_encoded(&self) -> String {
        match &self.scope {
            Some(scope) => format!("@{scope}%2f{}", self.name),
            None => self.name.clone(),
        }
    }

    fn parse_at(s: &str, level: Level) -> Result<Self, NpmError> {
        let decoded = decode(s);
        let (scope, name) = match decoded.strip_prefix('@') {
            Some(rest) => match rest.split_once('/') {
                Some((scope, name)) => (Some(scope), name),
                None => {
                    return Err(invalid(
                        s,
                        "a scoped name needs the form `@scope/name`; add the package name after the scope",
                    ));
                }
            },
            None => (None, decoded.as_str()),
        };
        check(&decoded, scope, name, level).map_err(|err| match err {
            // Report the name as the caller gave it, encoded or not.
            NpmError::InvalidName { rule, .. } => NpmError::InvalidName { name: s.to_owned(), rule },
            other => other,
        })?;
        Ok(Self { scope: scope.map(str::to_owned), name: name.to_owned() })
    }
}

impl fmt::Display for NpmName {
    /// Writes the full name, `@scope/name` or `name`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(scope) = &self.scope {
            write!(f, "@{scope}/")?;
        }
        f.write_str(&self.name)
    }
}

impl std::str::FromStr for NpmName {
    type Err = NpmError;

    /// Same as [`NpmName::parse`] (rules for new packages).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// Undoes the encodings clients use for a scoped name in a path: `%40` for `@` at the start and
/// `%2f`/`%2F` for the scope's `/`. Nothing else is decoded: any other `%` stays and is refused.
fn decode(s: &str) -> String {
    let s = match s.strip_prefix("%40") {
        Some(rest) => format!("@{rest}"),
        None => s.to_owned(),
    };
    if s.starts_with('@') && !s.contains('/') {
        for enc in ["%2f", "%2F"] {
            if let Some(at) = s.find(enc) {
                return format!("{}/{}", &s[..at], &s[at + enc.len()..]);
            }
        }
    }
    s
}

fn invalid(name: &str, rule: impl Into<String>) -> NpmError {
    NpmError::InvalidName { name: name.to_owned(), rule: rule.into() }
}

/// Characters `encodeURIComponent` leaves alone: what npm calls URL-friendly.
fn url_friendly(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '!' | '~' | '*' | '\'' | '(' | ')')
}

fn check(full: &str, scope: Option<&str>, name: &str, level: Level) -> Result<(), NpmError> {
    if full.is_empty() {
        return Err(invalid(full, "a package name cannot be empty"));
    }
    let max = if level == Level::New { MAX_NAME_LENGTH } else { MAX_EXISTING_NAME_LENGTH };
    if full.len() > max {
        return Err(invalid(full, format!("a package name can have at most {max} characters; choose a shorter name")));
    }
    if full.trim() != full || full.contains(char::is_whitespace) {
        return Err(invalid(full, "a package name cannot contain spaces; use `-` instead"));
    }
    if full.starts_with('.') {
        return Err(invalid(full, "a package name cannot start with `.`"));
    }
    if full.starts_with('_') {
        return Err(invalid(full, "a package name cannot start with `_`"));
    }
    if let Some(scope) = scope {
        if scope.is_empty() {
            return Err(invalid(full, "the scope after `@` cannot be empty; use the form `@scope/name`"));
        }
        if scope.starts_with('.') {
            return Err(invalid(full, "a scope cannot start with `.`"));
        }
    }
    if name.is_empty() {
        return Err(invalid(full, "the package name after the scope cannot be empty; use the form `@scope/name`"));
    }
    if name.contains('/') || scope.is_some_and(|s| s.contains('/')) || full.contains('\\') {
        return Err(invalid(full, "a package name can hold no `/` or `\\` except the one after its `@scope`"));
    }
    if name.starts_with('.') {
        return Err(invalid(full, "a package name cannot start with `.` (and cannot be `.` or `..`)"));
    }
    for excluded in ["node_modules", "favicon.ico"] {
        if name.eq_ignore_ascii_case(excluded) {
            return Err(invalid(full, format!("`{excluded}` is reserved and cannot be a package name")));
        }
    }
    let parts = scope.into_iter().chain(std::iter::once(name));
    for part in parts {
        if let Some(bad) = part.chars().find(|c| !url_friendly(*c)) {
            return Err(invalid(
                full,
                format!(
                    "`{bad}` is not URL-safe; use only lowercase letters, digits, `-`, `.` and `_` (and `@scope/` before the name)"
                ),
            ));
        }
    }
    if level == Level::New {
        if full.chars().any(|c| c.is_ascii_uppercase()) {
            return Err(invalid(full, "new package names must be lowercase; use lowercase letters only"));
        }
        if let Some(bad) = name.chars().find(|c| matches!(c, '~' | '\'' | '!' | '(' | ')' | '*')) {
            return Err(invalid(
                full,
                format!(
                    "new package names cannot contain `{bad}`; use only lowercase letters, digits, `-`, `.` and `_`"
                ),
            ));
        }
        if let Some(scope) = scope
            && let Some(bad) = scope.chars().find(|c| matches!(c, '\'' | '!' | '(' | ')' | '*'))
        {
            return Err(invalid(
                full,
                format!("a scope cannot contain `{bad}`; use only lowercase letters, digits, `-`, `.`, `_` and `~`"),
            ));
        }
        if scope.is_none() && CORE_MODULES.contains(&name) {
            return Err(invalid(
                full,
                "it is the name of a Node.js core module; choose another name, or publish it under a scope (`@scope/name`)",
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_new_names() {
        let table: &[(&str, Option<&str>, &str)] = &[
            ("lodash", None, "lodash"),
            ("a", None, "a"),
            ("left-pad", None, "left-pad"),
            ("some.pkg_name-1", None, "some.pkg_name-1"),
            ("@acme/lib", Some("acme"), "lib"),
            ("@acme%2flib", Some("acme"), "lib"),
            ("@acme%2Flib", Some("acme"), "lib"),
            ("%40acme%2flib", Some("acme"), "lib"),
            ("@types/node", Some("types"), "node"),
            ("@a~b/c", Some("a~b"), "c"),
            ("@acme/_private", Some("acme"), "_private"),
            ("@acme/events", Some("acme"), "events"),
        ];
        for (input, scope, name) in table {
            let parsed = NpmName::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(parsed.scope(), *scope, "{input}");
            assert_eq!(parsed.package(), *name, "{input}");
        }
        let long = "a".repeat(214);
        assert!(NpmName::parse(&long).is_ok());
    }

    #[test]
    fn invalid_new_names() {
        let long = "a".repeat(215);
        let table: &[&str] = &[
            "",
            "..",
            ".",
            ".hidden",
            "_private",
            "node_modules",
            "favicon.ico",
            "Favicon.ICO",
            "UpperCase",
            "@Acme/lib",
            "with space",
            " lead",
            "trail ",
            "a/b",
            "@acme/lib/extra",
            "@acme",
            "@/lib",
            "@acme/",
            "@acme/.lib",
            "@acme/..",
            "@.acme/lib",
            "a\\b",
            "caf\u{e9}",
            "a%20b",
            "a:b",
            "tilde~",
            "bang!",
            "paren(s)",
            "star*",
            "quote'",
            "http",
            "fs",
            "../etc/passwd",
            &long,
        ];
        for input in table {
            assert!(NpmName::parse(input).is_err(), "`{input}` should be refused");
        }
    }

    #[test]
    fn existing_names_are_lenient() {
        for ok in ["JSONStream", "Base64", "events", "http", "tilde~", "@Acme/Lib", "@acme%2FLib"] {
            assert!(NpmName::parse_existing(ok).is_ok(), "{ok}");
        }
        for bad in ["", ".x", "_x", "a b", "a/b", "node_modules", "@acme/x/y", "a%20b", "..", "caf\u{e9}"] {
            assert!(NpmName::parse_existing(bad).is_err(), "{bad}");
        }
        let name = NpmName::parse_existing("JSONStream").expect("valid for old packages");
        assert!(name.validate_new().is_err());
    }

    #[test]
    fn renders_each_form() {
        let scoped = NpmName::parse("@acme%2flib").expect("valid");
        assert_eq!(scoped.namespace(), "acme");
        assert_eq!(scoped.package(), "lib");
        assert_eq!(scoped.full(), "@acme/lib");
        assert_eq!(scoped.url_encoded(), "@acme%2flib");
        assert_eq!(scoped.to_string(), "@acme/lib");

        let plain = NpmName::parse("lodash").expect("valid");
        assert_eq!(plain.namespace(), "");
        assert_eq!(plain.scope(), None);
        assert_eq!(plain.full(), "lodash");
        assert_eq!(plain.url_encoded(), "lodash");
    }

    #[test]
    fn from_parts_round_trips() {
        let scoped = NpmName::from_parts("acme", "lib").expect("valid");
        assert_eq!(scoped, NpmName::parse("@acme/lib").expect("valid"));
        let plain = NpmName::from_parts("", "JSONStream").expect("valid for old packages");
        assert_eq!(plain.full(), "JSONStream");
        assert!(NpmName::from_parts("acme", "").is_err());
        assert!(NpmName::from_parts("a/b", "c").is_err());
    }

    #[test]
    fn messages_name_the_value_and_what_to_do() {
        let err = NpmName::parse("Foo").expect_err("uppercase");
        assert_eq!(
            err.to_string(),
            "the package name `Foo` is not valid: new package names must be lowercase; use lowercase letters only"
        );
        let err = NpmName::parse("@acme%2fBad").expect_err("uppercase");
        assert!(err.to_string().contains("`@acme%2fBad`"), "{err}");
        let err = NpmName::parse("..").expect_err("dots");
        assert!(err.to_string().starts_with("the package name `..` is not valid"), "{err}");
    }
}
