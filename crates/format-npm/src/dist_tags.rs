//! Dist-tags, npm's named pointers to versions (`latest`, `next`, ...), and the dist-tag endpoints of
//! the npm registry API (<https://github.com/npm/registry/blob/main/docs/REGISTRY-API.md>) as
//! `npm dist-tag` (npm CLI `lib/commands/dist-tag.js`) calls them:
//!
//! | command | request | body |
//! |---|---|---|
//! | `npm dist-tag ls pkg` | `GET /-/package/{name}/dist-tags` | — ; answer `{"latest":"1.0.0",...}` |
//! | `npm dist-tag add pkg@1.0.0 beta` | `PUT /-/package/{name}/dist-tags/{tag}` | the version as a JSON string, `"1.0.0"`, `content-type: application/json` |
//! | `npm dist-tag rm pkg beta` | `DELETE /-/package/{name}/dist-tags/{tag}` | — |
//!
//! `{name}` is the escaped name (`@scope%2fname`) and `{tag}` is `encodeURIComponent`-encoded. The
//! CLI refuses tags that are valid semver ranges (`1.x`, `^2`) before sending; so do we.

use std::collections::BTreeMap;

use crate::NpmError;

/// Longest tag accepted (a guard; npm sets no limit).
const MAX_TAG_LENGTH: usize = 128;

/// Checks a dist-tag name: non-empty, at most 128 characters of letters, digits, `-`, `.`, `_`
/// and `~`, and not something npm would read as a version or range (`1.0.0`, `1.x`, `v2`, `^1`,
/// `x`, `*`), since `npm install pkg@<tag>` must mean the tag.
pub fn validate_dist_tag(tag: &str) -> Result<(), NpmError> {
    let invalid = |rule| Err(NpmError::InvalidDistTag { tag: tag.to_owned(), rule });
    if tag.is_empty() || tag.len() > MAX_TAG_LENGTH {
        return invalid("a tag needs 1 to 128 characters");
    }
    if !tag.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~')) {
        return invalid("use only letters, digits, `-`, `.`, `_` and `~`, for example `next` or `beta`");
    }
    let first = tag.chars().next().unwrap_or('0');
    let after_v = tag.strip_prefix(['v', 'V']).and_then(|rest| rest.chars().next());
    if first.is_ascii_digit()
        || first == '~'
        || after_v.is_some_and(|c| c.is_ascii_digit())
        || tag.eq_ignore_ascii_case("x")
    {
        return invalid("a tag cannot look like a version or a version range; use a word such as `next` or `beta`");
    }
    Ok(())
}

/// Reads the body of `PUT /-/package/{name}/dist-tags/{tag}`: the version as a JSON string
/// (`"1.0.0"`, what the npm CLI sends); a bare `1.0.0` is accepted too. Returns the version, which
/// must be valid semver. `name` labels errors.
pub fn parse_dist_tag_body(name: &str, body: &[u8]) -> Result<String, NpmError> {
    let text = std::str::from_utf8(body)
        .map_err(|_| {
            NpmError::document("the dist-tag request body", "it is not UTF-8; send the version as a JSON string")
        })?
        .trim();
    let version = if text.starts_with('"') {
        serde_json::from_str::<String>(text).map_err(|err| {
            NpmError::document(
                "the dist-tag request body",
                format!("it is not a JSON string ({err}); send e.g. `\"1.0.0\"`"),
            )
        })?
    } else {
        text.to_owned()
    };
    crate::version::parse_version(name, &version)?;
    Ok(version)
}

/// Renders the answer to `GET /-/package/{name}/dist-tags`: `{"latest":"1.0.0",...}`.
pub fn render_dist_tags(tags: &BTreeMap<String, String>) -> Vec<u8> {
    // A map of strings always serializes.
    serde_json::to_vec(tags).unwrap_or_else(|_| b"{}".to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_names() {
        for ok in ["latest", "next", "beta", "v-next", "lts-2024", "release_candidate", "canary.1", "x-men", "vnext"] {
            assert!(validate_dist_tag(ok).is_ok(), "{ok}");
        }
        let long = "a".repeat(129);
        for bad in
            ["", "1.0.0", "1.x", "2", "v2", "V1.0", "x", "X", "^1", "~1", "*", ">=1", "a b", "a/b", "tag%20", &long]
        {
            assert!(validate_dist_tag(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn dist_tag_bodies() {
        let table: &[(&[u8], Option<&str>)] = &[
            (b"\"1.0.0\"", Some("1.0.0")),
            (b" \"2.0.0-beta.1\"\n", Some("2.0.0-beta.1")),
            (b"1.0.0", Some("1.0.0")),
            (b"\"1.0\"", None),
            (b"\"latest\"", None),
            (b"\"1.0.0", None),
            (b"", None),
            (b"\xff", None),
        ];
        for (body, version) in table {
            assert_eq!(parse_dist_tag_body("x", body).ok().as_deref(), *version, "{:?}", String::from_utf8_lossy(body));
        }
    }

    #[test]
    fn renders_tags() {
        let tags =
            BTreeMap::from([("latest".to_owned(), "1.0.0".to_owned()), ("beta".to_owned(), "2.0.0-b".to_owned())]);
        assert_eq!(render_dist_tags(&tags), br#"{"beta":"2.0.0-b","latest":"1.0.0"}"#);
    }
}
