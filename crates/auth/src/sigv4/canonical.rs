//! The parts of the SigV4 canonical request, built the way the AWS SDKs build them for services other than
//! S3 (botocore's `SigV4Auth`, the Rust `aws-sigv4` crate with its default settings).
//!
//! Spec: <https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html>.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode, percent_encode};

/// Every byte except the unreserved characters of RFC 3986 (`A-Z a-z 0-9 - _ . ~`) is percent-encoded.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// Same, keeping `/` so path segments stay apart.
const UNRESERVED_AND_SLASH: &AsciiSet = &UNRESERVED.remove(b'/');

/// The canonical URI of a raw request path (as received, still percent-encoded).
///
/// The path is normalized (RFC 3986 §5.2.4 dot segments removed, empty segments dropped, as both SDKs do
/// for non-S3 services) and then encoded *again*: every byte outside the unreserved set and `/` becomes
/// `%XX`, so an `%40` received becomes `%2540`. This double encoding is what botocore
/// (`quote(normalize_url_path(path), safe='/~')`) and `aws-sigv4` (`PercentEncodingMode::Double`) do.
pub(crate) fn canonical_uri(raw_path: &str) -> String {
    let normalized = normalize_path(raw_path);
    percent_encode(normalized.as_bytes(), UNRESERVED_AND_SLASH).to_string()
}

/// Removes `.` and `..` segments and empty segments (`//`), keeping a leading `/` and a trailing one
/// when the input ends in a directory (`/`, `/.`, `/..`).
fn normalize_path(path: &str) -> String {
    if path.is_empty() {
        return "/".to_owned();
    }
    if !path.contains('.') && !path.contains("//") && path.starts_with('/') {
        return path.to_owned();
    }
    let mut segments: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            other => segments.push(other),
        }
    }
    let mut out = String::with_capacity(path.len() + 1);
    out.push('/');
    out.push_str(&segments.join("/"));
    let ends_in_directory = ["/", "/.", "/.."].iter().any(|end| path.ends_with(end));
    if ends_in_directory && !out.ends_with('/') {
        out.push('/');
    }
    out
}

/// The canonical query string as the SigV4 specification defines it: each parameter is decoded and
/// re-encoded with the unreserved set, then the pairs are sorted by encoded name, then encoded value.
///
/// Decoding follows `application/x-www-form-urlencoded` (a `+` is a space), as `aws-sigv4` does and as
/// the server's own query parser reads it, so what is signed is what the handler sees. A parameter
/// without `=` has an empty value; empty parameters (`a=1&&b=2`) are skipped.
pub(crate) fn canonical_query(raw_query: &str) -> String {
    let mut pairs: Vec<(String, String)> = raw_query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (reencode(name), reencode(value))
        })
        .collect();
    pairs.sort();
    join_pairs(&pairs)
}

/// The canonical query string as botocore computes it when the query is already in the URL: the raw
/// pairs, not re-encoded, sorted. Identical to [`canonical_query`] for every query botocore itself
/// encodes; differs only when a client encoded an unreserved character (`%7E`) or sent a raw `+`.
pub(crate) fn canonical_query_as_sent(raw_query: &str) -> String {
    if raw_query.is_empty() {
        return String::new();
    }
    let mut pairs: Vec<(String, String)> = raw_query
        .split('&')
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (name.to_owned(), value.to_owned())
        })
        .collect();
    pairs.sort();
    join_pairs(&pairs)
}

fn join_pairs(pairs: &[(String, String)]) -> String {
    let mut out = String::new();
    for (i, (name, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(name);
        out.push('=');
        out.push_str(value);
    }
    out
}

/// Decodes a form-encoded query component (`+` is a space) and encodes it with the unreserved set.
fn reencode(component: &str) -> String {
    let spaced = component.replace('+', " ");
    let decoded: Vec<u8> = percent_decode(spaced.as_bytes()).collect();
    percent_encode(&decoded, UNRESERVED).to_string()
}

/// A header value as it appears in the canonical headers: surrounding spaces removed and runs of
/// spaces collapsed to one (the spec's `Trimall`). Only spaces: tabs are kept, as `aws-sigv4` does.
pub(crate) fn trim_all(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for word in value.split(' ').filter(|word| !word.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_uri_table() {
        let table = [
            ("", "/"),
            ("/", "/"),
            ("/v1/domain", "/v1/domain"),
            ("/v1/package/version/asset", "/v1/package/version/asset"),
            // Double encoding: the path as received is already encoded once.
            ("/v1/pkg/%40scope%2Fname/a%20b.tgz", "/v1/pkg/%2540scope%252Fname/a%2520b.tgz"),
            // Raw characters a client left unencoded are encoded once.
            ("/a b/@c", "/a%20b/%40c"),
            (
                "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
                "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
            ),
            ("/\u{1234}", "/%E1%88%B4"),
            // Normalization (vectors of the AWS signing test suite, `*-normalized`).
            ("/example/..", "/"),
            ("/example1/example2/../..", "/"),
            ("//", "/"),
            ("/./", "/"),
            ("/./example", "/example"),
            ("//example//", "/example/"),
            ("/a/b/.", "/a/b/"),
            ("/a/b/..", "/a/"),
            ("relative", "/relative"),
            // From the suite's `double-url-encode` and `double-encode-path`.
            (
                "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-west-2%3A892717189312%3Afunction%3Amy-rusty-fun/invocations",
                "/2015-03-31/functions/arn%253Aaws%253Alambda%253Aus-west-2%253A892717189312%253Afunction%253Amy-rusty-fun/invocations",
            ),
            ("/test/@connections/JBDvjfGEIAMCERw%3D", "/test/%40connections/JBDvjfGEIAMCERw%253D"),
        ];
        for (input, expected) in table {
            assert_eq!(canonical_uri(input), expected, "path {input:?}");
        }
    }

    #[test]
    fn canonical_query_table() {
        let table = [
            ("", ""),
            ("domain=d", "domain=d"),
            ("repository=r&domain=d", "domain=d&repository=r"),
            ("package=%40scope%2Fname&asset=a%20b.tgz", "asset=a%20b.tgz&package=%40scope%2Fname"),
            ("a=x+y", "a=x%20y"),
            ("a=x%2By", "a=x%2By"),
            ("a=%7E1", "a=~1"),
            ("a=%7e%2f", "a=~%2F"),
            ("flag&a=1", "a=1&flag="),
            ("a=1&&b=2", "a=1&b=2"),
            ("b=2&a=2&a=1", "a=1&a=2&b=2"),
            ("Param2=value2&Param1=value1", "Param1=value1&Param2=value2"),
            ("Param-3=Value3&Param=Value2&%E1%88%B4=Value1", "%E1%88%B4=Value1&Param=Value2&Param-3=Value3"),
            ("\u{1234}=bar", "%E1%88%B4=bar"),
            ("a=%", "a=%25"),
            ("a==b", "a=%3Db"),
        ];
        for (input, expected) in table {
            assert_eq!(canonical_query(input), expected, "query {input:?}");
        }
    }

    #[test]
    fn canonical_query_as_sent_table() {
        let table =
            [("", ""), ("b=2&a=x%2By&a=%7E1", "a=%7E1&a=x%2By&b=2"), ("flag&a=1", "a=1&flag="), ("a=x+y", "a=x+y")];
        for (input, expected) in table {
            assert_eq!(canonical_query_as_sent(input), expected, "query {input:?}");
        }
    }

    #[test]
    fn trim_all_table() {
        let table = [
            ("value1", "value1"),
            ("  a   b  c ", "a b c"),
            ("\"a   b   c\"", "\"a b c\""),
            ("", ""),
            ("   ", ""),
            ("a\tb", "a\tb"),
        ];
        for (input, expected) in table {
            assert_eq!(trim_all(input), expected, "value {input:?}");
        }
    }
}
