//! Module paths: what the go command accepts (`golang.org/x/mod/module.CheckPath`), their case
//! encoding in proxy URLs (`!` before a lowercased capital), and how Tributary splits one into
//! a CodeArtifact namespace and name.

/// Why a module path or version is refused.
pub type PathError = String;

/// Whether `c` may appear in a module path element.
fn path_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~')
}

/// Names Windows reserves, which no path element may be (before any dot).
const RESERVED: &[&str] = &[
    "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9", "LPT1", "LPT2",
    "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
];

fn check_element(element: &str, path: &str) -> Result<(), PathError> {
    if element.is_empty() {
        return Err(format!("the module path `{path}` has an empty element (`//`, or a leading or trailing `/`)"));
    }
    if element.chars().all(|c| c == '.') {
        return Err(format!("the module path `{path}` has an element `{element}` of dots only"));
    }
    if element.starts_with('.') {
        return Err(format!("the module path `{path}` has an element `{element}` that starts with a dot"));
    }
    if element.ends_with('.') {
        return Err(format!("the module path `{path}` has an element `{element}` that ends with a dot"));
    }
    if let Some(c) = element.chars().find(|c| !path_char(*c)) {
        return Err(format!(
            "the module path `{path}` has the character {c:?}: module paths use ASCII letters, digits and `-._~`"
        ));
    }
    let stem = element.split('.').next().unwrap_or_default();
    if RESERVED.iter().any(|r| r.eq_ignore_ascii_case(stem)) {
        return Err(format!("the module path `{path}` has the element `{element}`, a name Windows reserves"));
    }
    Ok(())
}

/// The major version a path's suffix (`/v2`, …) names, if it has one: `Err` for `/v0`, `/v1`
/// and `/v01`, which are not suffixes a module may have.
fn major_suffix(path: &str) -> Result<Option<u64>, PathError> {
    let Some((prefix, last)) = path.rsplit_once('/') else { return Ok(None) };
    let Some(digits) = last.strip_prefix('v') else { return Ok(None) };
    if prefix.is_empty() || digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(None);
    }
    match digits.parse::<u64>() {
        Ok(n) if n >= 2 && !digits.starts_with('0') => Ok(Some(n)),
        _ => Err(format!(
            "the module path `{path}` ends in `/{last}`, which is not a major version suffix (`/v2` and above)"
        )),
    }
}

/// Checks a module path as the go command does: ASCII elements of letters, digits and `-._~`,
/// none empty or dotted at either end; a first element of lowercase letters, digits, dots and
/// dashes with a dot in it (a host name); a major version suffix, if any, of `/v2` or more.
pub fn check_path(path: &str) -> Result<(), PathError> {
    if path.is_empty() {
        return Err("a module path is not empty".to_owned());
    }
    if path.len() > 1024 {
        return Err("a module path is at most 1024 characters".to_owned());
    }
    for element in path.split('/') {
        check_element(element, path)?;
    }
    let first = path.split('/').next().unwrap_or_default();
    if !first.contains('.') {
        return Err(format!(
            "the module path `{path}` does not start with a host name: its first element `{first}` has no dot"
        ));
    }
    if first.starts_with('-') {
        return Err(format!("the module path `{path}` starts with a dash"));
    }
    if let Some(c) = first.chars().find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '.'))) {
        return Err(format!(
            "the module path `{path}` has {c:?} in its host name `{first}`: lowercase letters, digits, dots and dashes only"
        ));
    }
    major_suffix(path)?;
    Ok(())
}

/// Checks that `version` may be a version of the module at `path`: a module without a major
/// version suffix has v0 or v1 versions (or `+incompatible` ones of a later major); one with
/// `/vN` has vN versions.
pub fn check_version_of(path: &str, version: &crate::version::GoVersion) -> Result<(), PathError> {
    let major = version.major();
    match major_suffix(path)? {
        Some(n) if n != major => Err(format!(
            "`{version}` is not a version of `{path}`: a module whose path ends in `/v{n}` has v{n} versions"
        )),
        Some(_) if version.is_incompatible() => Err(format!(
            "`{version}` is not a version of `{path}`: `+incompatible` versions have no major version suffix"
        )),
        None if major >= 2 && !version.is_incompatible() => Err(format!(
            "`{version}` is not a version of `{path}`: v{major} of a module needs the path `{path}/v{major}` (or `+incompatible`)"
        )),
        None if major < 2 && version.is_incompatible() => {
            Err(format!("`{version}` is not a version of `{path}`: only v2 and later can be `+incompatible`"))
        }
        _ => Ok(()),
    }
}

/// A path or version as proxy URLs carry it: each capital letter as `!` and the letter in
/// lowercase (`github.com/Azure` → `github.com/!azure`), so case-insensitive file systems can
/// hold a proxy's files.
pub fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len() + 4);
    for c in text.chars() {
        if c.is_ascii_uppercase() {
            escaped.push('!');
            escaped.push(c.to_ascii_lowercase());
        } else {
            escaped.push(c);
        }
    }
    escaped
}

/// The inverse of [`escape`]: `Err` for a capital letter (an escaped text has none) or a `!`
/// not before a lowercase letter.
pub fn unescape(escaped: &str) -> Result<String, PathError> {
    let mut text = String::with_capacity(escaped.len());
    let mut chars = escaped.chars();
    while let Some(c) = chars.next() {
        match c {
            '!' => match chars.next() {
                Some(l) if l.is_ascii_lowercase() => text.push(l.to_ascii_uppercase()),
                _ => return Err(format!("`{escaped}` has a `!` that is not followed by a lowercase letter")),
            },
            c if c.is_ascii_uppercase() => {
                return Err(format!(
                    "`{escaped}` has the capital {c:?}: proxy paths write capitals as `!` and the lowercase letter"
                ));
            }
            c => text.push(c),
        }
    }
    Ok(text)
}

/// How a module path is shown by the package APIs: the namespace is every element but the
/// last, the name the last one; a major version suffix stays with the element before it, so
/// `github.com/acme/widget/v2` is namespace `github.com/acme`, name `widget/v2`
/// (docs/DESIGN.md §2).
pub fn split(path: &str) -> (String, String) {
    let cut = match major_suffix(path) {
        Ok(Some(_)) => path.rsplit_once('/').map(|(prefix, _)| prefix).unwrap_or(path),
        _ => path,
    };
    match cut.rfind('/') {
        Some(i) => (path[..i].to_owned(), path[i + 1..].to_owned()),
        None => (String::new(), path.to_owned()),
    }
}

/// The module path of a namespace and name ([`split`]'s inverse).
pub fn join(namespace: &str, name: &str) -> String {
    if namespace.is_empty() { name.to_owned() } else { format!("{namespace}/{name}") }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::version::GoVersion;

    #[test]
    fn paths() {
        for ok in [
            "golang.org/toolchain",
            "golang.org/x/text",
            "github.com/Azure/azure-sdk-for-go",
            "example.com/m/v2",
            "gopkg.in/yaml.v3",
            "example.com",
        ] {
            assert_eq!(check_path(ok), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "nodot/x",
            "Example.com/x",
            "example.com//x",
            "example.com/x/",
            "/example.com",
            "example.com/../x",
            "example.com/.hidden",
            "example.com/x./y",
            "example.com/a b",
            "example.com/a!b",
            "example.com/con",
            "-example.com/x",
            "example.com/x/v1",
            "example.com/x/v0",
            "example.com/x/v02",
            "example.com/ü",
        ] {
            assert!(check_path(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn majors() {
        let v = |s: &str| GoVersion::parse(s).expect("a version");
        assert!(check_version_of("example.com/m", &v("v1.2.3")).is_ok());
        assert!(check_version_of("example.com/m", &v("v0.0.0-20200101000000-abcdefabcdef")).is_ok());
        assert!(check_version_of("example.com/m", &v("v2.0.0+incompatible")).is_ok());
        assert!(check_version_of("example.com/m", &v("v2.0.0")).is_err());
        assert!(check_version_of("example.com/m", &v("v1.0.0+incompatible")).is_err());
        assert!(check_version_of("example.com/m/v2", &v("v2.1.0")).is_ok());
        assert!(check_version_of("example.com/m/v2", &v("v3.0.0")).is_err());
        assert!(check_version_of("example.com/m/v2", &v("v2.0.0+incompatible")).is_err());
    }

    #[test]
    fn escaping() {
        assert_eq!(escape("github.com/Azure/Go"), "github.com/!azure/!go");
        assert_eq!(unescape("github.com/!azure/!go").as_deref(), Ok("github.com/Azure/Go"));
        assert!(unescape("github.com/Azure").is_err());
        assert!(unescape("github.com/!").is_err());
        assert!(unescape("github.com/!1").is_err());
    }

    #[test]
    fn splitting() {
        assert_eq!(split("github.com/acme/widget"), ("github.com/acme".into(), "widget".into()));
        assert_eq!(split("github.com/acme/widget/v2"), ("github.com/acme".into(), "widget/v2".into()));
        assert_eq!(split("example.com"), (String::new(), "example.com".into()));
        assert_eq!(split("example.com/v2"), (String::new(), "example.com/v2".into()));
        for path in ["github.com/acme/widget/v2", "example.com", "a.b/c/d"] {
            let (namespace, name) = split(path);
            assert_eq!(join(&namespace, &name), path);
        }
    }

    proptest::proptest! {
        #[test]
        fn escape_round_trips(text in "[A-Za-z0-9./_~-]{0,40}") {
            proptest::prop_assert_eq!(unescape(&escape(&text)), Ok(text));
        }
    }
}
