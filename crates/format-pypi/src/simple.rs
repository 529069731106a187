//! Rendering the simple repository API, the pages pip and uv read to find a project's files, and
//! choosing between its serializations.
//!
//! Specs: the [simple repository API](https://packaging.python.org/en/latest/specifications/simple-repository-api/),
//! which gathers PEP 503 (HTML pages), PEP 592 (`data-yanked`), PEP 629
//! (`pypi:repository-version`), PEP 658 / PEP 714 (core metadata files), PEP 691 (JSON and content
//! negotiation) and PEP 700 (`versions`, `size`, `upload-time`).
//!
//! Decisions:
//! - [`negotiate`]: explicit media types at equal quality rank JSON v1, then HTML v1, then
//!   `text/html`; when only wildcards match (`*/*`, what `requests` and curl send), the answer is
//!   `text/html`, as PyPI does, since a client that reads JSON names it. No `Accept` header is read
//!   as `*/*` (PEP 691), so it gets `text/html` too, which every pip ever released understands.
//! - JSON pages say api-version `1.1` (PEP 700), which makes `size` mandatory. When a file's size
//!   is unknown (a file passed through from an upstream that did not say), its `size` key is
//!   omitted and the page says `1.0` instead, so no 1.1 client is promised a key that is missing.
//! - The PEP 658 metadata is advertised as `data-core-metadata` and `data-dist-info-metadata` in
//!   HTML (PEP 714 allows both there, with equal values), but only as `core-metadata` in JSON:
//!   PEP 714 warns that `dist-info-metadata` in JSON makes pip 22.3 to 23.1 fail hard.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

/// The PEP 691 media type of the JSON serialization, version 1.
pub const JSON_V1: &str = "application/vnd.pypi.simple.v1+json";
/// The PEP 691 media type of the HTML serialization, version 1.
pub const HTML_V1: &str = "application/vnd.pypi.simple.v1+html";
/// The legacy media type of the HTML serialization (PEP 503), an alias of [`HTML_V1`].
pub const HTML_LEGACY: &str = "text/html";

/// The `latest` alias of [`JSON_V1`] (PEP 691); never sent back as a content type.
const JSON_LATEST: &str = "application/vnd.pypi.simple.latest+json";
/// The `latest` alias of [`HTML_V1`] (PEP 691); never sent back as a content type.
const HTML_LATEST: &str = "application/vnd.pypi.simple.latest+html";

/// The simple API version we serve (PEP 629 `Major.Minor`): 1.1 adds PEP 700's fields.
pub const API_VERSION: &str = "1.1";
/// The version a JSON page says when a file's `size` is unknown (PEP 700 makes it mandatory in 1.1).
const API_VERSION_WITHOUT_SIZES: &str = "1.0";

/// A serialization of the simple API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SimpleFormat {
    /// PEP 691 JSON, [`JSON_V1`].
    Json,
    /// PEP 503 HTML under its PEP 691 name, [`HTML_V1`].
    Html,
    /// PEP 503 HTML as `text/html`, what clients before PEP 691 ask for.
    LegacyHtml,
}

impl SimpleFormat {
    /// The `Content-Type` of a response in this format.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Json => JSON_V1,
            Self::Html => HTML_V1,
            Self::LegacyHtml => "text/html; charset=utf-8",
        }
    }

    /// The format a single media type names, as in `?format=`: the v1 types, their `latest`
    /// aliases and `text/html`, case-insensitively, parameters ignored. Wildcards name nothing.
    pub fn from_media_type(media_type: &str) -> Option<Self> {
        let essence = media_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
        match essence.as_str() {
            JSON_V1 | JSON_LATEST => Some(Self::Json),
            HTML_V1 | HTML_LATEST => Some(Self::Html),
            HTML_LEGACY => Some(Self::LegacyHtml),
            _ => None,
        }
    }

    /// The top-level type of the media types this format answers to (`application` or `text`).
    fn top_level_type(self) -> &'static str {
        match self {
            Self::Json | Self::Html => "application",
            Self::LegacyHtml => "text",
        }
    }

    fn is_html(self) -> bool {
        matches!(self, Self::Html | Self::LegacyHtml)
    }
}

/// The formats in the order we prefer them when the client names them at equal quality.
const PREFERENCE: [SimpleFormat; 3] = [SimpleFormat::Json, SimpleFormat::Html, SimpleFormat::LegacyHtml];

/// Chooses the format of a simple API response (PEP 691 content negotiation).
///
/// - `format_query`, the `?format=` URL parameter, wins when it names a known format (one media
///   type, no wildcards or quality values); an unknown value is ignored.
/// - `accept`, the `Accept` header, is read with quality values (`q=0` refuses a type) and the
///   `*/*`, `application/*` and `text/*` wildcards; the most specific range that matches a type
///   gives its quality. `latest` aliases count as v1.
/// - The highest quality wins. At equal quality a type named explicitly beats one matched by a
///   wildcard; among explicit names JSON v1 beats HTML v1 beats `text/html`, among wildcard
///   matches `text/html` comes first (what PyPI answers to `*/*`).
/// - No `Accept` header (or an empty one) means `*/*`, so `text/html`.
///
/// Returns `None` when nothing we serve is acceptable: answer `406 Not Acceptable`.
pub fn negotiate(accept: Option<&str>, format_query: Option<&str>) -> Option<SimpleFormat> {
    if let Some(format) = format_query.and_then(SimpleFormat::from_media_type) {
        return Some(format);
    }
    let accept = match accept {
        Some(accept) if !accept.trim().is_empty() => accept,
        _ => return Some(SimpleFormat::LegacyHtml),
    };
    let ranges = parse_accept(accept);
    PREFERENCE
        .iter()
        .enumerate()
        .filter_map(|(rank, &format)| {
            let (quality, explicit) = quality_of(format, &ranges)?;
            // Lower preference index is better; wildcard-only matches reverse the order.
            let preference = if explicit { PREFERENCE.len() - rank } else { rank };
            (quality > 0).then_some(((quality, explicit, preference), format))
        })
        .max_by_key(|(key, _)| *key)
        .map(|(_, format)| format)
}

/// One media range of an `Accept` header: type, subtype (lowercase) and quality in thousandths.
#[derive(Debug)]
struct MediaRange {
    top: String,
    sub: String,
    quality: u16,
}

/// Reads an `Accept` header; ranges that are not `type/subtype` or carry a bad `q` are skipped.
fn parse_accept(accept: &str) -> Vec<MediaRange> {
    accept
        .split(',')
        .filter_map(|item| {
            let mut parts = item.split(';');
            let essence = parts.next()?.trim().to_ascii_lowercase();
            let (top, sub) = essence.split_once('/')?;
            if top.is_empty() || sub.is_empty() {
                return None;
            }
            let mut quality = 1000;
            for param in parts {
                let Some((name, value)) = param.split_once('=') else { continue };
                if name.trim().eq_ignore_ascii_case("q") {
                    quality = parse_quality(value.trim())?;
                }
            }
            Some(MediaRange { top: top.to_owned(), sub: sub.to_owned(), quality })
        })
        .collect()
}

/// A quality value (`0` to `1`, up to three decimals) in thousandths.
fn parse_quality(value: &str) -> Option<u16> {
    let q: f64 = value.parse().ok()?;
    if !(0.0..=1.0).contains(&q) {
        return None;
    }
    // In range 0..=1000 after the check above, so the cast cannot truncate.
    Some((q * 1000.0).round() as u16)
}

/// The quality the client gives a format, from the most specific matching ranges, and whether
/// that range named the format explicitly. `None` when no range matches.
fn quality_of(format: SimpleFormat, ranges: &[MediaRange]) -> Option<(u16, bool)> {
    let names: &[&str] = match format {
        SimpleFormat::Json => &[JSON_V1, JSON_LATEST],
        SimpleFormat::Html => &[HTML_V1, HTML_LATEST],
        SimpleFormat::LegacyHtml => &[HTML_LEGACY],
    };
    let specificity = |range: &MediaRange| -> Option<u8> {
        if range.top == "*" && range.sub == "*" {
            Some(0)
        } else if range.sub == "*" {
            (range.top == format.top_level_type()).then_some(1)
        } else {
            let full = format!("{}/{}", range.top, range.sub);
            names.contains(&full.as_str()).then_some(2)
        }
    };
    let matches: Vec<(u8, u16)> =
        ranges.iter().filter_map(|range| specificity(range).map(|s| (s, range.quality))).collect();
    let best = matches.iter().map(|(s, _)| *s).max()?;
    let quality = matches.iter().filter(|(s, _)| *s == best).map(|(_, q)| *q).max()?;
    Some((quality, best == 2))
}

/// Whether a file was yanked (PEP 592), and why.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Yanked {
    /// Not yanked.
    #[default]
    No,
    /// Yanked without a reason.
    Yes,
    /// Yanked with this reason (an empty reason is the same as [`Yanked::Yes`]).
    Reason(String),
}

impl Yanked {
    /// Whether the file is yanked at all.
    pub fn is_yanked(&self) -> bool {
        !matches!(self, Self::No)
    }

    /// The reason, when one was given and is not empty.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Self::Reason(reason) if !reason.is_empty() => Some(reason),
            _ => None,
        }
    }
}

/// One distribution file on a project page.
#[derive(Debug, Clone, PartialEq)]
pub struct SimpleFile {
    /// The file name, e.g. `six-1.16.0-py2.py3-none-any.whl`.
    pub filename: String,
    /// What the client should fetch, relative to the project page or absolute, already
    /// percent-encoded, without a fragment.
    pub url: String,
    /// The SHA-256 of the file, lowercase hex.
    pub sha256: Option<String>,
    /// The `Requires-Python` of the file's metadata, e.g. `>=3.8`.
    pub requires_python: Option<String>,
    /// Whether and why the file is yanked.
    pub yanked: Yanked,
    /// `Some(sha256 hex)` when the core metadata is served at `{url}.metadata` (PEP 658 / 714).
    pub core_metadata_sha256: Option<String>,
    /// The size in bytes, when known (PEP 700).
    pub size: Option<u64>,
    /// When the file was uploaded (PEP 700).
    pub upload_time: Option<DateTime<Utc>>,
}

/// A project page: the files of one project.
#[derive(Debug, Clone, PartialEq)]
pub struct SimpleProject {
    /// The normalized project name (PEP 503).
    pub name: String,
    /// The files, in the order to list them.
    pub files: Vec<SimpleFile>,
    /// Every version of the project (PEP 700), already ordered by the caller.
    pub versions: Vec<String>,
}

/// Renders a project page (`/simple/{name}/`) in `format`.
///
/// HTML: one anchor per file, `href` with a `#sha256=` fragment when the hash is known, plus
/// `data-requires-python`, `data-yanked`, `data-core-metadata` and `data-dist-info-metadata` when
/// they apply. JSON: the PEP 691 document with PEP 700's keys; see the module docs for `size`.
pub fn render_project(project: &SimpleProject, format: SimpleFormat) -> Vec<u8> {
    if format.is_html() { render_project_html(project) } else { render_project_json(project) }
}

/// Renders the root page (`/simple/`) in `format`. Each project is `(name, normalized)`: the name
/// to show (display or normalized) and the normalized name its page is under.
pub fn render_index(projects: &[(String, String)], format: SimpleFormat) -> Vec<u8> {
    if format.is_html() {
        let mut html = html_head("Simple index");
        for (name, normalized) in projects {
            html.push_str(&format!("    <a href=\"{}/\">{}</a><br/>\n", escape(normalized), escape(name)));
        }
        html.push_str(HTML_TAIL);
        html.into_bytes()
    } else {
        let list = projects.iter().map(|(name, _)| Value::Object(object([("name", Value::from(name.as_str()))])));
        let doc = object([("meta", meta(API_VERSION)), ("projects", Value::Array(list.collect()))]);
        Value::Object(doc).to_string().into_bytes()
    }
}

const HTML_TAIL: &str = "  </body>\n</html>\n";

/// The start of a page, up to and including `<h1>`.
fn html_head(title: &str) -> String {
    let title = escape(title);
    format!(
        "<!DOCTYPE html>\n<html>\n  <head>\n    <meta charset=\"utf-8\">\n    \
         <meta name=\"pypi:repository-version\" content=\"{API_VERSION}\">\n    \
         <title>{title}</title>\n  </head>\n  <body>\n    <h1>{title}</h1>\n"
    )
}

fn render_project_html(project: &SimpleProject) -> Vec<u8> {
    let mut html = html_head(&format!("Links for {}", project.name));
    for file in &project.files {
        let mut href = file.url.clone();
        if let Some(sha256) = &file.sha256 {
            href.push_str("#sha256=");
            href.push_str(sha256);
        }
        html.push_str(&format!("    <a href=\"{}\"", escape(&href)));
        if let Some(requires_python) = &file.requires_python {
            html.push_str(&format!(" data-requires-python=\"{}\"", escape(requires_python)));
        }
        if file.yanked.is_yanked() {
            html.push_str(&format!(" data-yanked=\"{}\"", escape(file.yanked.reason().unwrap_or_default())));
        }
        if let Some(sha256) = &file.core_metadata_sha256 {
            let value = escape(&format!("sha256={sha256}"));
            html.push_str(&format!(" data-core-metadata=\"{value}\" data-dist-info-metadata=\"{value}\""));
        }
        html.push_str(&format!(">{}</a><br/>\n", escape(&file.filename)));
    }
    html.push_str(HTML_TAIL);
    html.into_bytes()
}

fn render_project_json(project: &SimpleProject) -> Vec<u8> {
    let all_sizes_known = project.files.iter().all(|file| file.size.is_some());
    let version = if all_sizes_known { API_VERSION } else { API_VERSION_WITHOUT_SIZES };
    let files = project.files.iter().map(|file| Value::Object(json_file(file))).collect();
    let versions = project.versions.iter().map(|v| Value::from(v.as_str())).collect();
    let doc = object([
        ("meta", meta(version)),
        ("name", Value::from(project.name.as_str())),
        ("files", Value::Array(files)),
        ("versions", Value::Array(versions)),
    ]);
    Value::Object(doc).to_string().into_bytes()
}

fn json_file(file: &SimpleFile) -> Map<String, Value> {
    let sha256_dict = |sha256: &str| Value::Object(object([("sha256", Value::from(sha256))]));
    let mut entry = object([
        ("filename", Value::from(file.filename.as_str())),
        ("url", Value::from(file.url.as_str())),
        ("hashes", file.sha256.as_deref().map_or_else(|| Value::Object(Map::new()), sha256_dict)),
    ]);
    if let Some(requires_python) = &file.requires_python {
        entry.insert("requires-python".into(), Value::from(requires_python.as_str()));
    }
    let yanked = match &file.yanked {
        Yanked::No => Value::Bool(false),
        yanked => yanked.reason().map_or(Value::Bool(true), Value::from),
    };
    entry.insert("yanked".into(), yanked);
    let core_metadata = file.core_metadata_sha256.as_deref().map_or(Value::Bool(false), sha256_dict);
    entry.insert("core-metadata".into(), core_metadata);
    if let Some(size) = file.size {
        entry.insert("size".into(), Value::from(size));
    }
    if let Some(upload_time) = file.upload_time {
        entry.insert("upload-time".into(), Value::from(format_upload_time(upload_time)));
    }
    entry
}

/// PEP 700's `yyyy-mm-ddThh:mm:ss.ffffffZ`.
fn format_upload_time(time: DateTime<Utc>) -> String {
    time.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

fn meta(version: &str) -> Value {
    Value::Object(object([("api-version", Value::from(version))]))
}

fn object<const N: usize>(entries: [(&str, Value); N]) -> Map<String, Value> {
    entries.into_iter().map(|(key, value)| (key.to_owned(), value)).collect()
}

/// Escapes text for HTML element content and double- or single-quoted attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    const PIP_ACCEPT: &str =
        "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01";
    const UV_ACCEPT: &str =
        "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01";
    const BROWSER_ACCEPT: &str =
        "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8";

    #[test]
    fn negotiation_table() {
        use SimpleFormat::{Html, Json, LegacyHtml};
        let cases: &[(Option<&str>, Option<&str>, Option<SimpleFormat>)] = &[
            // What installers send.
            (Some(PIP_ACCEPT), None, Some(Json)),
            (Some(UV_ACCEPT), None, Some(Json)),
            (Some("text/html"), None, Some(LegacyHtml)),
            (Some(BROWSER_ACCEPT), None, Some(LegacyHtml)),
            // No header, empty header, wildcards.
            (None, None, Some(LegacyHtml)),
            (Some(""), None, Some(LegacyHtml)),
            (Some("  "), None, Some(LegacyHtml)),
            (Some("*/*"), None, Some(LegacyHtml)),
            (Some("text/*"), None, Some(LegacyHtml)),
            (Some("application/*"), None, Some(Html)),
            // Explicit types at equal quality: JSON, then HTML v1, then text/html.
            (
                Some("text/html, application/vnd.pypi.simple.v1+html, application/vnd.pypi.simple.v1+json"),
                None,
                Some(Json),
            ),
            (Some("text/html, application/vnd.pypi.simple.v1+html"), None, Some(Html)),
            (Some("application/vnd.pypi.simple.v1+json;q=0.5, */*"), None, Some(LegacyHtml)),
            (Some("application/vnd.pypi.simple.v1+json, */*"), None, Some(Json)),
            // Quality values decide.
            (Some("application/vnd.pypi.simple.v1+json;q=0.2, text/html"), None, Some(LegacyHtml)),
            (Some("application/vnd.pypi.simple.v1+html;q=0.9, text/html;q=0.8"), None, Some(Html)),
            (Some("APPLICATION/VND.PYPI.SIMPLE.V1+JSON ; Q=1.0"), None, Some(Json)),
            // q=0 refuses, and the most specific range wins over a wildcard.
            (Some("application/vnd.pypi.simple.v1+json;q=0, */*;q=0.1"), None, Some(LegacyHtml)),
            (Some("text/html;q=0, */*"), None, Some(Html)),
            (Some("text/html;q=0"), None, None),
            (Some("*/*;q=0"), None, None),
            // `latest` aliases.
            (Some("application/vnd.pypi.simple.latest+json"), None, Some(Json)),
            (Some("application/vnd.pypi.simple.latest+html"), None, Some(Html)),
            // Nothing we serve.
            (Some("application/json"), None, None),
            (Some("image/png, application/xml"), None, None),
            (Some("application/vnd.pypi.simple.v2+json"), None, None),
            (Some("garbage"), None, None),
            // Malformed quality values drop the range.
            (Some("application/vnd.pypi.simple.v1+json;q=2, text/html;q=0.5"), None, Some(LegacyHtml)),
            (Some("application/vnd.pypi.simple.v1+json;q=abc"), None, None),
            // `?format=` overrides Accept when known; ignored otherwise.
            (Some(PIP_ACCEPT), Some(HTML_V1), Some(Html)),
            (Some(PIP_ACCEPT), Some("text/html"), Some(LegacyHtml)),
            (None, Some(JSON_V1), Some(Json)),
            (Some("text/html;q=0"), Some(JSON_V1), Some(Json)),
            (None, Some("application/vnd.pypi.simple.latest+json"), Some(Json)),
            (Some(UV_ACCEPT), Some("application/json"), Some(Json)),
            (Some("text/html"), Some("*/*"), Some(LegacyHtml)),
            (Some("image/png"), Some("bogus"), None),
        ];
        for (accept, query, expected) in cases {
            assert_eq!(negotiate(*accept, *query), *expected, "Accept: {accept:?}, ?format={query:?}");
        }
    }

    #[test]
    fn content_types() {
        assert_eq!(SimpleFormat::Json.content_type(), "application/vnd.pypi.simple.v1+json");
        assert_eq!(SimpleFormat::Html.content_type(), "application/vnd.pypi.simple.v1+html");
        assert_eq!(SimpleFormat::LegacyHtml.content_type(), "text/html; charset=utf-8");
        assert_eq!(SimpleFormat::from_media_type("Text/HTML; charset=utf-8"), Some(SimpleFormat::LegacyHtml));
        assert_eq!(SimpleFormat::from_media_type("text/*"), None);
    }

    fn sha(byte: &str) -> String {
        byte.repeat(32)
    }

    fn sample() -> SimpleProject {
        SimpleProject {
            name: "holy-grail".into(),
            files: vec![
                SimpleFile {
                    filename: "holy_grail-1.0.tar.gz".into(),
                    url: "../../files/holy-grail/1.0/holy_grail-1.0.tar.gz".into(),
                    sha256: Some(sha("ab")),
                    requires_python: Some(">=3.8, <4".into()),
                    yanked: Yanked::Reason("Had a \"vulnerability\" <CVE> & more".into()),
                    core_metadata_sha256: None,
                    size: Some(1234),
                    upload_time: Some(Utc.with_ymd_and_hms(2024, 1, 2, 3, 4, 5).single().expect("a valid time")),
                },
                SimpleFile {
                    filename: "holy_grail-1.0-py3-none-any.whl".into(),
                    url: "https://files.example/holy_grail-1.0-py3-none-any.whl".into(),
                    sha256: Some(sha("cd")),
                    requires_python: None,
                    yanked: Yanked::No,
                    core_metadata_sha256: Some(sha("ef")),
                    size: Some(99),
                    upload_time: None,
                },
                SimpleFile {
                    filename: "holy_grail-0.9.zip".into(),
                    url: "holy_grail-0.9.zip".into(),
                    sha256: None,
                    requires_python: None,
                    yanked: Yanked::Yes,
                    core_metadata_sha256: None,
                    size: Some(7),
                    upload_time: None,
                },
            ],
            versions: vec!["0.9".into(), "1.0".into()],
        }
    }

    #[test]
    fn html_project_page() {
        let html = String::from_utf8(render_project(&sample(), SimpleFormat::LegacyHtml)).expect("UTF-8");
        let expected = format!(
            r#"<!DOCTYPE html>
<html>
  <head>
    <meta charset="utf-8">
    <meta name="pypi:repository-version" content="1.1">
    <title>Links for holy-grail</title>
  </head>
  <body>
    <h1>Links for holy-grail</h1>
    <a href="../../files/holy-grail/1.0/holy_grail-1.0.tar.gz#sha256={ab}" data-requires-python="&gt;=3.8, &lt;4" data-yanked="Had a &quot;vulnerability&quot; &lt;CVE&gt; &amp; more">holy_grail-1.0.tar.gz</a><br/>
    <a href="https://files.example/holy_grail-1.0-py3-none-any.whl#sha256={cd}" data-core-metadata="sha256={ef}" data-dist-info-metadata="sha256={ef}">holy_grail-1.0-py3-none-any.whl</a><br/>
    <a href="holy_grail-0.9.zip" data-yanked="">holy_grail-0.9.zip</a><br/>
  </body>
</html>
"#,
            ab = sha("ab"),
            cd = sha("cd"),
            ef = sha("ef"),
        );
        assert_eq!(html, expected);
        assert_eq!(render_project(&sample(), SimpleFormat::Html), expected.into_bytes());
    }

    #[test]
    fn html_escapes_everything() {
        let project = SimpleProject {
            name: "<script>".into(),
            files: vec![SimpleFile {
                filename: "a&b'<x>.whl".into(),
                url: "x\"onclick=\"y".into(),
                sha256: None,
                requires_python: Some("'\"".into()),
                yanked: Yanked::No,
                core_metadata_sha256: None,
                size: None,
                upload_time: None,
            }],
            versions: vec![],
        };
        let html = String::from_utf8(render_project(&project, SimpleFormat::Html)).expect("UTF-8");
        assert!(html.contains("<title>Links for &lt;script&gt;</title>"), "{html}");
        assert!(html.contains(
            r#"<a href="x&quot;onclick=&quot;y" data-requires-python="&#39;&quot;">a&amp;b&#39;&lt;x&gt;.whl</a>"#
        ));
        assert!(!html.contains("<script>"));
    }

    fn json(bytes: &[u8]) -> Value {
        serde_json::from_slice(bytes).expect("valid JSON")
    }

    #[test]
    fn json_project_page() {
        let ab = sha("ab");
        let cd = sha("cd");
        let ef = sha("ef");
        let expected = serde_json::json!({
            "meta": {"api-version": "1.1"},
            "name": "holy-grail",
            "files": [
                {
                    "filename": "holy_grail-1.0.tar.gz",
                    "url": "../../files/holy-grail/1.0/holy_grail-1.0.tar.gz",
                    "hashes": {"sha256": ab},
                    "requires-python": ">=3.8, <4",
                    "yanked": "Had a \"vulnerability\" <CVE> & more",
                    "core-metadata": false,
                    "size": 1234,
                    "upload-time": "2024-01-02T03:04:05.000000Z"
                },
                {
                    "filename": "holy_grail-1.0-py3-none-any.whl",
                    "url": "https://files.example/holy_grail-1.0-py3-none-any.whl",
                    "hashes": {"sha256": cd},
                    "yanked": false,
                    "core-metadata": {"sha256": ef},
                    "size": 99
                },
                {
                    "filename": "holy_grail-0.9.zip",
                    "url": "holy_grail-0.9.zip",
                    "hashes": {},
                    "yanked": true,
                    "core-metadata": false,
                    "size": 7
                }
            ],
            "versions": ["0.9", "1.0"]
        });
        assert_eq!(json(&render_project(&sample(), SimpleFormat::Json)), expected);
    }

    #[test]
    fn json_never_says_dist_info_metadata() {
        let text = String::from_utf8(render_project(&sample(), SimpleFormat::Json)).expect("UTF-8");
        assert!(!text.contains("dist-info-metadata"), "{text}");
    }

    #[test]
    fn json_with_an_unknown_size_says_version_1_0_and_omits_the_key() {
        let mut project = sample();
        project.files[1].size = None;
        let doc = json(&render_project(&project, SimpleFormat::Json));
        assert_eq!(doc["meta"]["api-version"], "1.0");
        assert!(doc["files"][1].get("size").is_none());
        assert_eq!(doc["files"][0]["size"], 1234);
        assert_eq!(doc["versions"], serde_json::json!(["0.9", "1.0"]));
    }

    #[test]
    fn json_empty_reason_is_plain_yanked_and_fractions_are_kept() {
        let mut project = sample();
        project.files[0].yanked = Yanked::Reason(String::new());
        project.files[0].upload_time =
            DateTime::parse_from_rfc3339("2023-06-06T17:00:46.543117Z").ok().map(|t| t.with_timezone(&Utc));
        let doc = json(&render_project(&project, SimpleFormat::Json));
        assert_eq!(doc["files"][0]["yanked"], true);
        assert_eq!(doc["files"][0]["upload-time"], "2023-06-06T17:00:46.543117Z");
        let html = String::from_utf8(render_project(&project, SimpleFormat::Html)).expect("UTF-8");
        assert!(html.contains(r#"data-yanked="">holy_grail-1.0.tar.gz"#));
    }

    #[test]
    fn empty_project() {
        let project = SimpleProject { name: "nothing".into(), files: vec![], versions: vec![] };
        let doc = json(&render_project(&project, SimpleFormat::Json));
        assert_eq!(
            doc,
            serde_json::json!({"meta": {"api-version": "1.1"}, "name": "nothing", "files": [], "versions": []})
        );
        let html = String::from_utf8(render_project(&project, SimpleFormat::Html)).expect("UTF-8");
        assert!(html.contains("<h1>Links for nothing</h1>\n  </body>"));
    }

    #[test]
    fn index_page() {
        let projects = vec![("Holy_Grail".to_owned(), "holy-grail".to_owned()), ("a<b".to_owned(), "a-b".to_owned())];
        let html = String::from_utf8(render_index(&projects, SimpleFormat::LegacyHtml)).expect("UTF-8");
        assert_eq!(
            html,
            r#"<!DOCTYPE html>
<html>
  <head>
    <meta charset="utf-8">
    <meta name="pypi:repository-version" content="1.1">
    <title>Simple index</title>
  </head>
  <body>
    <h1>Simple index</h1>
    <a href="holy-grail/">Holy_Grail</a><br/>
    <a href="a-b/">a&lt;b</a><br/>
  </body>
</html>
"#
        );
        let doc = json(&render_index(&projects, SimpleFormat::Json));
        assert_eq!(
            doc,
            serde_json::json!({
                "meta": {"api-version": "1.1"},
                "projects": [{"name": "Holy_Grail"}, {"name": "a<b"}]
            })
        );
        let empty = json(&render_index(&[], SimpleFormat::Json));
        assert_eq!(empty, serde_json::json!({"meta": {"api-version": "1.1"}, "projects": []}));
    }

    #[test]
    fn yanked_helpers() {
        assert!(!Yanked::No.is_yanked());
        assert!(Yanked::Yes.is_yanked());
        assert!(Yanked::Reason(String::new()).is_yanked());
        assert_eq!(Yanked::Reason("bad".into()).reason(), Some("bad"));
        assert_eq!(Yanked::Reason(String::new()).reason(), None);
        assert_eq!(Yanked::Yes.reason(), None);
    }
}
