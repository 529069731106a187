//! Project names: the PEP 503 normalized form used to compare and address projects
//! (<https://packaging.python.org/en/latest/specifications/name-normalization/>), and the rule for
//! a valid name (the core metadata `Name` field, PEP 508's identifier).

use crate::PypiError;

/// The longest project name accepted. PyPI has no written limit; no real project comes near it,
/// and it keeps the longest wheel file name within the 255 bytes a file system allows.
pub const MAX_NAME_LEN: usize = 200;

/// The PEP 503 normalized form of a project name: lowercase, and every run of `-`, `_` and `.`
/// replaced by a single `-` (`Foo.Bar__baz` → `foo-bar-baz`). Two names denote the same project
/// exactly when their normalized forms are equal. Idempotent; does not validate.
pub fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut in_separator_run = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !in_separator_run {
                out.push('-');
            }
            in_separator_run = true;
        } else {
            out.extend(c.to_lowercase());
            in_separator_run = false;
        }
    }
    out
}

/// Checks a project name against the core metadata rule: only ASCII letters, digits, `.`, `_`
/// and `-`, starting and ending with a letter or digit, at most [`MAX_NAME_LEN`] characters.
/// The error says which part of the rule the name breaks.
pub fn validate_project_name(name: &str) -> Result<(), PypiError> {
    const RULE: &str = "a project name may hold only ASCII letters, digits, `.`, `_` and `-`, and must start and \
                        end with a letter or digit";
    if name.is_empty() {
        return Err(PypiError::invalid("the project name is empty; set `name` in the project's metadata"));
    }
    if name.len() > MAX_NAME_LEN {
        return Err(PypiError::invalid(format!(
            "the project name `{}…` is {} characters long; choose a name of at most {MAX_NAME_LEN}",
            truncated(name, 40),
            name.chars().count()
        )));
    }
    if let Some(bad) = name.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))) {
        return Err(PypiError::invalid(format!(
            "the project name `{}` holds {}; {RULE}",
            name.escape_debug(),
            describe_char(bad)
        )));
    }
    let edge_ok = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    if !edge_ok(name.chars().next()) || !edge_ok(name.chars().last()) {
        return Err(PypiError::invalid(format!(
            "the project name `{name}` starts or ends with a punctuation character; {RULE}"
        )));
    }
    Ok(())
}

/// The first `max` characters of `s`.
fn truncated(s: &str, max: usize) -> String {
    s.chars().take(max).collect::<String>().escape_debug().to_string()
}

/// A character named for an error message: `` `é` `` or "a space" or "a control character".
pub(crate) fn describe_char(c: char) -> String {
    match c {
        ' ' => "a space".to_owned(),
        c if c.is_control() => format!("the control character U+{:04X}", u32::from(c)),
        c => format!("`{c}`"),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn normalizes_as_pep_503() {
        let cases = [
            ("friendly-bard", "friendly-bard"),
            ("Friendly-Bard", "friendly-bard"),
            ("FRIENDLY-BARD", "friendly-bard"),
            ("friendly.bard", "friendly-bard"),
            ("friendly_bard", "friendly-bard"),
            ("friendly--bard", "friendly-bard"),
            ("FrIeNdLy-._.-bArD", "friendly-bard"),
            ("Django", "django"),
            ("zope.interface", "zope-interface"),
            ("typing_extensions", "typing-extensions"),
            ("ruamel.yaml.clib", "ruamel-yaml-clib"),
            ("a", "a"),
            ("", ""),
            // Not valid names, but normalization must not lose anything else.
            ("-leading", "-leading"),
            ("trailing__", "trailing-"),
        ];
        for (name, expected) in cases {
            assert_eq!(normalize(name), expected, "{name}");
        }
    }

    #[test]
    fn valid_names() {
        for name in ["a", "A", "7", "requests", "Django", "zope.interface", "typing_extensions", "a-b_c.d", "x1"] {
            assert_eq!(validate_project_name(name), Ok(()), "{name}");
        }
        assert_eq!(validate_project_name(&"a".repeat(MAX_NAME_LEN)), Ok(()));
    }

    #[test]
    fn invalid_names() {
        let cases = [
            ("", "the project name is empty"),
            ("-foo", "starts or ends with a punctuation character"),
            ("foo.", "starts or ends with a punctuation character"),
            ("_", "starts or ends with a punctuation character"),
            ("foo bar", "holds a space"),
            ("foo/bar", "holds `/`"),
            ("café", "holds `é`"),
            ("foo\u{0}", "holds the control character U+0000"),
            ("foo+bar", "holds `+`"),
        ];
        for (name, expected) in cases {
            let err = validate_project_name(name).expect_err(name);
            assert!(err.message().contains(expected), "{name}: {}", err.message());
        }
        let long = "a".repeat(MAX_NAME_LEN + 1);
        let err = validate_project_name(&long).expect_err("too long");
        assert!(err.message().contains("201 characters long"), "{}", err.message());
    }

    proptest! {
        #[test]
        fn normalize_is_idempotent(name in "[A-Za-z0-9._-]{0,30}") {
            let once = normalize(&name);
            prop_assert_eq!(normalize(&once), once.clone());
            prop_assert!(!once.contains("--") && !once.contains('_') && !once.contains('.'));
        }

        #[test]
        fn valid_names_stay_valid_when_normalized(name in "[A-Za-z0-9]([A-Za-z0-9._-]{0,20}[A-Za-z0-9])?") {
            prop_assert!(validate_project_name(&name).is_ok());
            prop_assert!(validate_project_name(&normalize(&name)).is_ok());
        }
    }
}
