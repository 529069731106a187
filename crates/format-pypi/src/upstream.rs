//! Reading an upstream index's project page: what an external connection to PyPI (or devpi,
//! Artifactory, a static mirror...) fetches at `{base}/simple/{name}/` with [`UPSTREAM_ACCEPT`].
//!
//! Specs: the [simple repository API](https://packaging.python.org/en/latest/specifications/simple-repository-api/)
//! (PEP 503, 592, 629, 658, 691, 700, 714). Lenient the way pip and uv are, since real indexes are
//! untidy:
//! - An entry without a file name or a usable URL is skipped, not fatal; so is one whose URL is not
//!   `http(s)` once resolved (a `file:` or `javascript:` link must never reach a fetcher), or whose
//!   file name is not a plain name (empty, `..`, a `/` after percent-decoding).
//! - A hash that is not hex of the right length is dropped. Hashes are lowercased. A `#sha256=`
//!   or `#md5=` fragment on a URL fills in a hash the JSON `hashes` lacks.
//! - `yanked: ""` is not yanked (PEP 691: only a truthy value yanks); `data-yanked` yanks when
//!   present, with its value as the reason when not empty.
//! - Core metadata (PEP 658): `core-metadata` / `data-core-metadata` first, then the legacy
//!   `dist-info-metadata` / `data-dist-info-metadata` (PEP 714 allows reading both), and PyPI's
//!   old misnamed JSON key `data-dist-info-metadata`. `false`, an empty value or an empty hash
//!   dictionary means unavailable: we never promise a metadata file the upstream may not have.
//! - Only a major version other than 1 is refused (`meta.api-version` in JSON, the PEP 629
//!   `pypi:repository-version` meta tag in HTML, or a `v2` media type), as PEP 629 requires.
//!
//! The HTML reader is a small tag scanner, not an HTML parser: it finds start tags outside
//! comments, `<script>` and `<style>`, reads their attributes (any order; double-, single- or
//! unquoted; names case-insensitive; the first of a repeated attribute wins) and decodes
//! character references (`&gt;`, `&#39;`, `&#x27;`...). Anchor text is ignored: the file name is
//! the last segment of the URL's path, percent-decoded.

use chrono::{DateTime, Utc};
use percent_encoding::percent_decode_str;
use serde_json::{Map, Value};
use url::Url;

use crate::PypiError;
use crate::simple::Yanked;

/// The `Accept` header to send upstream: JSON v1 preferred, HTML v1 and then `text/html` as
/// fallbacks (the list PEP 691 recommends, as uv sends it).
pub const UPSTREAM_ACCEPT: &str =
    "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01";

/// One file listed on an upstream project page.
#[derive(Debug, Clone, PartialEq)]
pub struct UpstreamFile {
    /// The file name, e.g. `six-1.16.0-py2.py3-none-any.whl`.
    pub filename: String,
    /// Where to fetch the file: absolute, resolved against the page (or its `<base>`), without
    /// the fragment.
    pub url: String,
    /// The SHA-256 the upstream declares, lowercase hex.
    pub sha256: Option<String>,
    /// The MD5 the upstream declares, lowercase hex (old indexes give only this).
    pub md5: Option<String>,
    /// The file's `Requires-Python`, e.g. `>=3.8`, as the upstream wrote it.
    pub requires_python: Option<String>,
    /// Whether and why the upstream marks the file yanked.
    pub yanked: Yanked,
    /// The SHA-256 of the core metadata file at `{url}.metadata`, when the upstream gives it.
    pub core_metadata_sha256: Option<String>,
    /// Whether the upstream serves the core metadata file at `{url}.metadata` (PEP 658), with or
    /// without a hash.
    pub core_metadata: bool,
    /// The size in bytes, when the upstream gives it (JSON 1.1).
    pub size: Option<u64>,
    /// When the file was uploaded, when the upstream gives it (JSON 1.1).
    pub upload_time: Option<DateTime<Utc>>,
}

/// An upstream project page.
#[derive(Debug, Clone, PartialEq)]
pub struct UpstreamProject {
    /// The project name the page gives (JSON only).
    pub name: Option<String>,
    /// The usable files, in page order.
    pub files: Vec<UpstreamFile>,
    /// The PEP 700 `versions` list if the page gives one, else empty.
    pub versions: Vec<String>,
}

/// The URL of a project page on an upstream index: `{base}/simple/{name}/`.
///
/// The base may be given as the host (`https://pypi.org`) or as the simple API's root
/// (`https://pypi.org/simple`, `https://devpi.example/root/pypi/+simple/`): when its last path
/// segment is already `simple` or `+simple` it is not added again. Trailing slashes are ignored.
/// An index whose root has another name (e.g. `https://download.pytorch.org/whl`) cannot be
/// expressed this way.
pub fn project_page_url(base_url: &str, normalized_name: &str) -> String {
    let base = base_url.trim().trim_end_matches('/');
    let last_segment =
        Url::parse(base).ok().and_then(|url| url.path_segments()?.rfind(|s| !s.is_empty()).map(str::to_owned));
    match last_segment {
        Some(last) if last.eq_ignore_ascii_case("simple") || last.eq_ignore_ascii_case("+simple") => {
            format!("{base}/{normalized_name}/")
        }
        _ => format!("{base}/simple/{normalized_name}/"),
    }
}

/// Reads an upstream project page.
///
/// `content_type` is the response's `Content-Type`: a JSON type (PEP 691's, or any `*/json` /
/// `*+json`) is read as JSON, `text/html` or any `*+html` as HTML, anything else (or none) by
/// looking at the body: `{` first means JSON. `page_url` is the URL the page was fetched from
/// (after redirects): relative file URLs are resolved against it.
///
/// Fails (a bad gateway) when the page cannot be read at all or speaks a major version other than
/// 1; single malformed entries are skipped.
pub fn parse_project_page(
    bytes: &[u8],
    content_type: Option<&str>,
    page_url: &str,
) -> Result<UpstreamProject, PypiError> {
    let page = Url::parse(page_url).map_err(|err| {
        PypiError::invalid(format!(
            "the upstream page URL `{page_url}` is not a valid absolute URL ({err}): check the external connection's URL"
        ))
    })?;
    match page_kind(content_type, bytes)? {
        PageKind::Json => parse_json(bytes, &page),
        PageKind::Html => parse_html(bytes, &page),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PageKind {
    Json,
    Html,
}

fn bad_gateway(message: impl Into<String>) -> PypiError {
    PypiError::Upstream(message.into())
}

fn page_kind(content_type: Option<&str>, bytes: &[u8]) -> Result<PageKind, PypiError> {
    let essence = content_type.and_then(|ct| ct.split(';').next()).unwrap_or_default().trim().to_ascii_lowercase();
    if let Some(rest) = essence.strip_prefix("application/vnd.pypi.simple.") {
        let (version, format) = rest.split_once('+').unwrap_or((rest, ""));
        if version != "v1" && version != "latest" {
            return Err(unsupported_version(version.trim_start_matches('v'), "content type"));
        }
        match format {
            "json" => return Ok(PageKind::Json),
            "html" => return Ok(PageKind::Html),
            _ => {}
        }
    }
    if essence == "application/json" || essence.ends_with("+json") || essence.ends_with("/json") {
        return Ok(PageKind::Json);
    }
    if essence == "text/html" || essence.ends_with("+html") || essence == "application/xhtml+xml" {
        return Ok(PageKind::Html);
    }
    Ok(sniff(bytes))
}

/// JSON when the first character after a byte order mark and white space is `{`.
fn sniff(bytes: &[u8]) -> PageKind {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => PageKind::Json,
        _ => PageKind::Html,
    }
}

fn unsupported_version(version: &str, where_: &str) -> PypiError {
    bad_gateway(format!(
        "the upstream index answered with simple API version `{version}` (in its {where_}), but only major version 1 is understood: point the external connection at an index that serves version 1"
    ))
}

/// Refuses a PEP 629 `Major.Minor` whose major is a number other than 1; ignores what is not a
/// version at all.
fn check_api_version(version: &str, where_: &str) -> Result<(), PypiError> {
    let major = version.trim().split('.').next().unwrap_or_default();
    match major.parse::<u32>() {
        Ok(1) | Err(_) => Ok(()),
        Ok(_) => Err(unsupported_version(version.trim(), where_)),
    }
}

// ---------------------------------------------------------------------------------------------
// JSON (PEP 691, PEP 700)

fn parse_json(bytes: &[u8], page: &Url) -> Result<UpstreamProject, PypiError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let value: Value = serde_json::from_slice(bytes).map_err(|err| {
        bad_gateway(format!(
            "the upstream project page `{page}` is not valid JSON ({err}); is the upstream a Python index?"
        ))
    })?;
    let Value::Object(doc) = value else {
        return Err(bad_gateway(format!("the upstream project page `{page}` is JSON but not an object")));
    };
    if let Some(version) = doc.get("meta").and_then(|meta| meta.get("api-version")).and_then(Value::as_str) {
        check_api_version(version, "`meta.api-version`")?;
    }
    let Some(files) = doc.get("files").and_then(Value::as_array) else {
        return Err(bad_gateway(format!(
            "the upstream project page `{page}` has no `files` list; is the upstream a Python simple index (PEP 691)?"
        )));
    };
    let versions = doc
        .get("versions")
        .and_then(Value::as_array)
        .map(|list| list.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default();
    Ok(UpstreamProject {
        name: doc.get("name").and_then(Value::as_str).map(str::to_owned),
        files: files.iter().filter_map(|entry| json_file(entry.as_object()?, page)).collect(),
        versions,
    })
}

fn json_file(entry: &Map<String, Value>, page: &Url) -> Option<UpstreamFile> {
    let filename = plain_filename(entry.get("filename")?.as_str()?)?;
    let (url, from_fragment) = resolve(page, entry.get("url")?.as_str()?)?;
    let hashes = entry.get("hashes").and_then(Value::as_object);
    let hash = |name: &str, len: usize| {
        hashes.and_then(|h| h.get(name)).and_then(Value::as_str).and_then(|v| hex_digest(v, len))
    };
    let yanked = match entry.get("yanked") {
        Some(Value::Bool(true)) => Yanked::Yes,
        Some(Value::String(reason)) if !reason.is_empty() => Yanked::Reason(reason.clone()),
        _ => Yanked::No,
    };
    let metadata = ["core-metadata", "dist-info-metadata", "data-dist-info-metadata"]
        .iter()
        .find_map(|key| entry.get(*key).filter(|value| !value.is_null()))
        .map_or(CoreMetadata::default(), json_core_metadata);
    Some(UpstreamFile {
        filename,
        url: url.to_string(),
        sha256: hash("sha256", 64).or(from_fragment.sha256),
        md5: hash("md5", 32).or(from_fragment.md5),
        requires_python: entry.get("requires-python").and_then(Value::as_str).and_then(non_blank),
        yanked,
        core_metadata_sha256: metadata.sha256,
        core_metadata: metadata.available,
        size: entry.get("size").and_then(Value::as_u64),
        upload_time: entry.get("upload-time").and_then(Value::as_str).and_then(parse_time),
    })
}

/// Whether a core metadata file is available, and its hash.
#[derive(Debug, Default)]
struct CoreMetadata {
    available: bool,
    sha256: Option<String>,
}

fn json_core_metadata(value: &Value) -> CoreMetadata {
    match value {
        Value::Bool(available) => CoreMetadata { available: *available, sha256: None },
        Value::Object(hashes) if !hashes.is_empty() => CoreMetadata {
            available: true,
            sha256: hashes.get("sha256").and_then(Value::as_str).and_then(|v| hex_digest(v, 64)),
        },
        // Some servers put the HTML attribute's string form in JSON.
        Value::String(text) => html_core_metadata(text),
        _ => CoreMetadata::default(),
    }
}

/// PEP 700's `yyyy-mm-ddThh:mm:ss[.ffffff]Z`, or any RFC 3339 time.
fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text.trim()).ok().map(|time| time.with_timezone(&Utc))
}

// ---------------------------------------------------------------------------------------------
// HTML (PEP 503, 592, 629, 658, 714)

fn parse_html(bytes: &[u8], page: &Url) -> Result<UpstreamProject, PypiError> {
    let text = String::from_utf8_lossy(bytes);
    let tags = scan_tags(&text);
    for tag in tags.iter().filter(|tag| tag.name == "meta") {
        if tag.attr("name").is_some_and(|name| name.trim().eq_ignore_ascii_case("pypi:repository-version")) {
            check_api_version(tag.attr("content").unwrap_or_default(), "`pypi:repository-version` meta tag")?;
        }
    }
    // The document's base URL is the first `<base>` with an `href`, resolved against the page.
    let base = tags
        .iter()
        .filter(|tag| tag.name == "base")
        .find_map(|tag| tag.attr("href").map(str::trim).filter(|href| !href.is_empty()))
        .and_then(|href| page.join(href).ok())
        .unwrap_or_else(|| page.clone());
    let files = tags.iter().filter(|tag| tag.name == "a").filter_map(|tag| html_file(tag, &base)).collect();
    Ok(UpstreamProject { name: None, files, versions: Vec::new() })
}

fn html_file(anchor: &Tag, base: &Url) -> Option<UpstreamFile> {
    let href = anchor.attr("href").map(str::trim).filter(|href| !href.is_empty())?;
    let (url, hashes) = resolve(base, href)?;
    let segment = url.path_segments()?.next_back()?;
    let filename = plain_filename(&percent_decode_str(segment).decode_utf8().ok()?)?;
    let yanked = match anchor.attr("data-yanked") {
        None => Yanked::No,
        Some("") => Yanked::Yes,
        Some(reason) => Yanked::Reason(reason.to_owned()),
    };
    let metadata = anchor
        .attr("data-core-metadata")
        .or_else(|| anchor.attr("data-dist-info-metadata"))
        .map_or(CoreMetadata::default(), html_core_metadata);
    Some(UpstreamFile {
        filename,
        url: url.to_string(),
        sha256: hashes.sha256,
        md5: hashes.md5,
        requires_python: anchor.attr("data-requires-python").and_then(non_blank),
        yanked,
        core_metadata_sha256: metadata.sha256,
        core_metadata: metadata.available,
        size: None,
        upload_time: None,
    })
}

/// `true`, or `hashname=hex` (PEP 658); `false`, empty or anything else is unavailable.
fn html_core_metadata(value: &str) -> CoreMetadata {
    let value = value.trim();
    if value.eq_ignore_ascii_case("true") {
        return CoreMetadata { available: true, sha256: None };
    }
    match value.split_once('=') {
        Some((name, hex)) if !name.trim().is_empty() => {
            let sha256 = if name.trim().eq_ignore_ascii_case("sha256") { hex_digest(hex, 64) } else { None };
            CoreMetadata { available: true, sha256 }
        }
        _ => CoreMetadata::default(),
    }
}

/// A start tag: its lowercase name and its attributes (lowercase names, decoded values).
#[derive(Debug)]
struct Tag {
    name: String,
    attributes: Vec<(String, String)>,
}

impl Tag {
    /// The first attribute of that (lowercase) name.
    fn attr(&self, name: &str) -> Option<&str> {
        self.attributes.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// Finds the start tags of a document, skipping comments and the contents of `<script>` and
/// `<style>`. End tags, doctypes and stray `<` are passed over.
fn scan_tags(html: &str) -> Vec<Tag> {
    let bytes = html.as_bytes();
    let mut tags = Vec::new();
    let mut pos = 0;
    while let Some(offset) = html[pos..].find('<') {
        let start = pos + offset;
        if html[start..].starts_with("<!--") {
            match html[start + 4..].find("-->") {
                Some(end) => pos = start + 4 + end + 3,
                None => break,
            }
            continue;
        }
        let name_start = start + 1;
        if !bytes.get(name_start).is_some_and(u8::is_ascii_alphabetic) {
            pos = name_start;
            continue;
        }
        let name_len = bytes[name_start..].iter().take_while(|b| b.is_ascii_alphanumeric()).count();
        let name = html[name_start..name_start + name_len].to_ascii_lowercase();
        let (attributes, end) = scan_attributes(html, name_start + name_len);
        pos = end;
        if name == "script" || name == "style" {
            // Raw text: skip to the matching end tag (ASCII lowercasing keeps byte offsets).
            let closing = format!("</{name}");
            pos = html[pos..].to_ascii_lowercase().find(&closing).map_or(html.len(), |at| pos + at);
        }
        tags.push(Tag { name, attributes });
    }
    tags
}

/// Reads the attributes of a start tag from `pos` (just after its name) to its `>`. Returns them
/// and the position after the tag.
fn scan_attributes(html: &str, mut pos: usize) -> (Vec<(String, String)>, usize) {
    let bytes = html.as_bytes();
    let len = bytes.len();
    let skip_space = |mut at: usize| {
        while at < len && bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        at
    };
    let mut attributes = Vec::new();
    loop {
        while pos < len && (bytes[pos].is_ascii_whitespace() || bytes[pos] == b'/') {
            pos += 1;
        }
        if pos >= len {
            return (attributes, len);
        }
        if bytes[pos] == b'>' {
            return (attributes, pos + 1);
        }
        let name_start = pos;
        // A leading `=` belongs to the name (HTML), which also guarantees progress.
        pos += 1;
        while pos < len && !bytes[pos].is_ascii_whitespace() && !matches!(bytes[pos], b'=' | b'>' | b'/') {
            pos += 1;
        }
        let name = html[name_start..pos].to_ascii_lowercase();
        let after_name = skip_space(pos);
        let mut value = "";
        if after_name < len && bytes[after_name] == b'=' {
            pos = skip_space(after_name + 1);
            match bytes.get(pos) {
                Some(&quote @ (b'"' | b'\'')) => {
                    let end = html[pos + 1..].find(char::from(quote)).map_or(len, |at| pos + 1 + at);
                    value = &html[pos + 1..end];
                    pos = (end + 1).min(len);
                }
                Some(_) => {
                    let end =
                        html[pos..].find(|c: char| c.is_ascii_whitespace() || c == '>').map_or(len, |at| pos + at);
                    value = &html[pos..end];
                    pos = end;
                }
                None => {}
            }
        }
        attributes.push((name, decode_entities(value)));
    }
}

/// Decodes HTML character references: `&amp;`, `&lt;`, `&gt;`, `&quot;`, `&apos;`, `&nbsp;` and
/// numeric ones (`&#39;`, `&#x27;`). Anything else is kept as written.
fn decode_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        match decode_reference(rest) {
            Some((c, used)) => {
                out.push(c);
                rest = &rest[used..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Decodes the reference at the start of `text` (which starts with `&`): the character and the
/// bytes it used.
fn decode_reference(text: &str) -> Option<(char, usize)> {
    let semicolon = text.bytes().take(12).position(|b| b == b';')?;
    let body = &text[1..semicolon];
    let c = if let Some(number) = body.strip_prefix('#') {
        let code = match number.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => number.parse().ok()?,
        };
        char::from_u32(code).filter(|&c| c != '\0').unwrap_or(char::REPLACEMENT_CHARACTER)
    } else {
        match body {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            "nbsp" => '\u{a0}',
            _ => return None,
        }
    };
    Some((c, semicolon + 1))
}

// ---------------------------------------------------------------------------------------------
// Shared

/// The hashes a URL fragment declares (`#sha256=...`, `#md5=...`, `&`-separated).
#[derive(Debug, Default)]
struct FragmentHashes {
    sha256: Option<String>,
    md5: Option<String>,
}

/// Resolves a file URL against the page (or base) URL, keeps it only if `http(s)`, and splits off
/// the fragment's hashes.
fn resolve(base: &Url, href: &str) -> Option<(Url, FragmentHashes)> {
    let mut url = base.join(href.trim()).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    let mut hashes = FragmentHashes::default();
    if let Some(fragment) = url.fragment() {
        let fragment = percent_decode_str(fragment).decode_utf8_lossy();
        for part in fragment.split('&') {
            let Some((name, value)) = part.split_once('=') else { continue };
            match name.trim().to_ascii_lowercase().as_str() {
                "sha256" if hashes.sha256.is_none() => hashes.sha256 = hex_digest(value, 64),
                "md5" if hashes.md5.is_none() => hashes.md5 = hex_digest(value, 32),
                _ => {}
            }
        }
    }
    url.set_fragment(None);
    Some((url, hashes))
}

/// A hex digest of `len` characters, lowercased; `None` if it is not one.
fn hex_digest(value: &str, len: usize) -> Option<String> {
    let value = value.trim();
    (value.len() == len && value.bytes().all(|b| b.is_ascii_hexdigit())).then(|| value.to_ascii_lowercase())
}

/// A file name usable as one: not empty, not `.` or `..`, no path separator or control character.
fn plain_filename(name: &str) -> Option<String> {
    let plain = !name.is_empty()
        && name != "."
        && name != ".."
        && !name.chars().any(|c| c == '/' || c == '\\' || c.is_control());
    plain.then(|| name.to_owned())
}

fn non_blank(text: &str) -> Option<String> {
    (!text.trim().is_empty()).then(|| text.to_owned())
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use proptest::prelude::*;

    use super::*;
    use crate::simple::{SimpleFile, SimpleFormat, SimpleProject, render_project};
    use tributary_model::ErrorKind;

    fn sha(byte: &str) -> String {
        byte.repeat(32)
    }

    fn parse(bytes: &str, content_type: Option<&str>, page_url: &str) -> UpstreamProject {
        parse_project_page(bytes.as_bytes(), content_type, page_url).expect("page parses")
    }

    fn file(filename: &str, url: &str) -> UpstreamFile {
        UpstreamFile {
            filename: filename.into(),
            url: url.into(),
            sha256: None,
            md5: None,
            requires_python: None,
            yanked: Yanked::No,
            core_metadata_sha256: None,
            core_metadata: false,
            size: None,
            upload_time: None,
        }
    }

    fn time(text: &str) -> Option<DateTime<Utc>> {
        Some(DateTime::parse_from_rfc3339(text).expect("a valid time").with_timezone(&Utc))
    }

    const PAGE: &str = "https://pypi.org/simple/example-pkg/";

    /// The shape PyPI answers with today (api-version 1.3, provenance, PyPI's misnamed legacy key).
    fn pypi_json() -> String {
        format!(
            r#"{{
  "alternate-locations": [],
  "files": [
    {{
      "core-metadata": false,
      "data-dist-info-metadata": false,
      "filename": "example_pkg-0.9.tar.gz",
      "hashes": {{"sha256": "{a}"}},
      "provenance": null,
      "requires-python": null,
      "size": 10240,
      "upload-time": "2019-03-04T12:00:01.123456Z",
      "url": "https://files.pythonhosted.org/packages/aa/bb/{a}/example_pkg-0.9.tar.gz",
      "yanked": "Broken: do not use"
    }},
    {{
      "core-metadata": {{"sha256": "{m}"}},
      "data-dist-info-metadata": {{"sha256": "{m}"}},
      "filename": "example_pkg-1.0-py3-none-any.whl",
      "hashes": {{"sha256": "{B}"}},
      "provenance": "https://pypi.org/integrity/example-pkg/1.0/example_pkg-1.0-py3-none-any.whl/provenance",
      "requires-python": ">=3.8",
      "size": 20480,
      "upload-time": "2024-05-06T07:08:09.000001Z",
      "url": "https://files.pythonhosted.org/packages/cc/dd/{b}/example_pkg-1.0-py3-none-any.whl",
      "yanked": false
    }},
    {{
      "core-metadata": false,
      "data-dist-info-metadata": false,
      "filename": "example_pkg-1.0.tar.gz",
      "hashes": {{"sha256": "{c}"}},
      "requires-python": ">=3.8",
      "size": 30720,
      "upload-time": "2024-05-06T07:08:10Z",
      "url": "https://files.pythonhosted.org/packages/ee/ff/{c}/example_pkg-1.0.tar.gz",
      "yanked": true
    }}
  ],
  "meta": {{"_last-serial": 123456, "api-version": "1.3"}},
  "name": "example-pkg",
  "project-status": {{"status": "active"}},
  "versions": ["0.9", "1.0"]
}}"#,
            a = sha("0a"),
            b = sha("1b"),
            B = sha("1B"),
            c = sha("2c"),
            m = sha("3d"),
        )
    }

    #[test]
    fn pypi_json_page() {
        let project = parse(&pypi_json(), Some("application/vnd.pypi.simple.v1+json"), PAGE);
        let expected = UpstreamProject {
            name: Some("example-pkg".into()),
            files: vec![
                UpstreamFile {
                    sha256: Some(sha("0a")),
                    yanked: Yanked::Reason("Broken: do not use".into()),
                    size: Some(10240),
                    upload_time: time("2019-03-04T12:00:01.123456Z"),
                    ..file(
                        "example_pkg-0.9.tar.gz",
                        &format!("https://files.pythonhosted.org/packages/aa/bb/{}/example_pkg-0.9.tar.gz", sha("0a")),
                    )
                },
                UpstreamFile {
                    sha256: Some(sha("1b")),
                    requires_python: Some(">=3.8".into()),
                    core_metadata_sha256: Some(sha("3d")),
                    core_metadata: true,
                    size: Some(20480),
                    upload_time: time("2024-05-06T07:08:09.000001Z"),
                    ..file(
                        "example_pkg-1.0-py3-none-any.whl",
                        &format!(
                            "https://files.pythonhosted.org/packages/cc/dd/{}/example_pkg-1.0-py3-none-any.whl",
                            sha("1b")
                        ),
                    )
                },
                UpstreamFile {
                    sha256: Some(sha("2c")),
                    requires_python: Some(">=3.8".into()),
                    yanked: Yanked::Yes,
                    size: Some(30720),
                    upload_time: time("2024-05-06T07:08:10Z"),
                    ..file(
                        "example_pkg-1.0.tar.gz",
                        &format!("https://files.pythonhosted.org/packages/ee/ff/{}/example_pkg-1.0.tar.gz", sha("2c")),
                    )
                },
            ],
            versions: vec!["0.9".into(), "1.0".into()],
        };
        assert_eq!(project, expected);
    }

    #[test]
    fn json_is_lenient_with_entries() {
        let page = format!(
            r#"{{"meta": {{"api-version": "1.0"}}, "name": "x", "files": [
                {{"filename": "x-1.0.tar.gz", "url": "../../packages/x-1.0.tar.gz", "hashes": {{"md5": "{md5}"}}}},
                {{"filename": "x-1.1.tar.gz", "url": "/files/x-1.1.tar.gz#sha256={s}", "hashes": {{}},
                  "dist-info-metadata": true, "yanked": ""}},
                {{"filename": "x-1.2.tar.gz", "url": "x-1.2.tar.gz", "hashes": {{"sha256": "not-hex"}},
                  "core-metadata": {{}}, "dist-info-metadata": true, "requires-python": "  ", "size": -1,
                  "upload-time": "yesterday"}},
                {{"filename": "x-1.3.tar.gz", "url": "x-1.3.tar.gz", "hashes": {{"sha256": "{s}"}},
                  "core-metadata": null, "data-dist-info-metadata": {{"md5": "{md5}"}}}},
                {{"filename": "x-1.4.tar.gz", "url": "x-1.4.tar.gz", "core-metadata": "sha256={s}"}},
                {{"url": "no-filename.tar.gz"}},
                {{"filename": "no-url.tar.gz"}},
                {{"filename": "x-2.0.tar.gz", "url": 42}},
                {{"filename": "../escape.tar.gz", "url": "escape.tar.gz"}},
                {{"filename": "x-3.0.tar.gz", "url": "javascript:alert(1)"}},
                {{"filename": "x-3.1.tar.gz", "url": "file:///etc/passwd"}},
                "not an object",
                null
            ]}}"#,
            md5 = "0123456789ABCDEF0123456789abcdef",
            s = sha("5e"),
        );
        let project = parse(&page, Some("application/json"), "https://mirror.example/simple/x/");
        let expected = vec![
            UpstreamFile {
                md5: Some("0123456789abcdef0123456789abcdef".into()),
                ..file("x-1.0.tar.gz", "https://mirror.example/packages/x-1.0.tar.gz")
            },
            UpstreamFile {
                sha256: Some(sha("5e")),
                core_metadata: true,
                ..file("x-1.1.tar.gz", "https://mirror.example/files/x-1.1.tar.gz")
            },
            file("x-1.2.tar.gz", "https://mirror.example/simple/x/x-1.2.tar.gz"),
            UpstreamFile {
                sha256: Some(sha("5e")),
                core_metadata: true,
                ..file("x-1.3.tar.gz", "https://mirror.example/simple/x/x-1.3.tar.gz")
            },
            UpstreamFile {
                core_metadata: true,
                core_metadata_sha256: Some(sha("5e")),
                ..file("x-1.4.tar.gz", "https://mirror.example/simple/x/x-1.4.tar.gz")
            },
        ];
        assert_eq!(project.files, expected);
        assert_eq!(project.name.as_deref(), Some("x"));
        assert!(project.versions.is_empty());
    }

    #[test]
    fn json_errors() {
        let cases: &[(&str, Option<&str>, &str)] = &[
            (r#"{"meta": {"api-version": "2.0"}, "files": []}"#, None, "simple API version `2.0`"),
            (r#"{"meta": {"api-version": "0.9"}, "files": []}"#, None, "simple API version `0.9`"),
            (r#"{"files": []}"#, Some("application/vnd.pypi.simple.v2+json"), "simple API version `2`"),
            ("{not json", Some("application/vnd.pypi.simple.v1+json"), "is not valid JSON"),
            ("[1, 2]", Some("application/json"), "not an object"),
            (r#"{"meta": {"api-version": "1.1"}, "name": "x"}"#, None, "has no `files` list"),
            (r#"{"files": {"a": 1}}"#, None, "has no `files` list"),
        ];
        for (body, content_type, message) in cases {
            let err = parse_project_page(body.as_bytes(), *content_type, PAGE).expect_err(body);
            assert_eq!(err.kind(), ErrorKind::BadGateway, "{body}");
            assert!(err.message().contains(message), "{body}: {}", err.message());
        }
        // Versions that are not numbers are not refused; an unknown minor is fine.
        for version in ["1.99", "latest", ""] {
            let body = format!(r#"{{"meta": {{"api-version": "{version}"}}, "files": []}}"#);
            assert!(parse_project_page(body.as_bytes(), None, PAGE).is_ok(), "{version}");
        }
    }

    #[test]
    fn bad_page_url_is_reported() {
        let err = parse_project_page(b"{}", None, "not a url").expect_err("relative page URL");
        assert_eq!(err.kind(), ErrorKind::Validation);
        assert!(err.message().contains("`not a url`"), "{}", err.message());
    }

    /// The shape of PyPI's HTML page.
    fn pypi_html() -> String {
        format!(
            r#"<!DOCTYPE html>
<html>
  <head>
    <meta name="pypi:repository-version" content="1.3">
    <title>Links for example-pkg</title>
  </head>
  <body>
    <h1>Links for example-pkg</h1>
<a href="https://files.pythonhosted.org/packages/aa/bb/{a}/example_pkg-0.9.tar.gz#sha256={a}" data-yanked="Broken: &lt;do not&gt; use" >example_pkg-0.9.tar.gz</a><br />
<a href="https://files.pythonhosted.org/packages/cc/dd/{b}/example_pkg-1.0-py3-none-any.whl#sha256={b}" data-requires-python="&gt;=3.8, !=3.9.*" data-dist-info-metadata="sha256={m}" data-core-metadata="sha256={m}">example_pkg-1.0-py3-none-any.whl</a><br />
<a href="https://files.pythonhosted.org/packages/ee/ff/{c}/example_pkg-1.0.tar.gz#sha256={c}" data-requires-python="&gt;=3.8, !=3.9.*" data-yanked="" >example_pkg-1.0.tar.gz</a><br />
</body>
</html>
<!--SERIAL 123456-->"#,
            a = sha("0a"),
            b = sha("1b"),
            c = sha("2c"),
            m = sha("3d"),
        )
    }

    #[test]
    fn pypi_html_page() {
        let project = parse(&pypi_html(), Some("text/html; charset=utf-8"), PAGE);
        let url = |hash: &str, name: &str| format!("https://files.pythonhosted.org/packages/{hash}/{name}");
        let expected = UpstreamProject {
            name: None,
            files: vec![
                UpstreamFile {
                    sha256: Some(sha("0a")),
                    yanked: Yanked::Reason("Broken: <do not> use".into()),
                    ..file("example_pkg-0.9.tar.gz", &url(&format!("aa/bb/{}", sha("0a")), "example_pkg-0.9.tar.gz"))
                },
                UpstreamFile {
                    sha256: Some(sha("1b")),
                    requires_python: Some(">=3.8, !=3.9.*".into()),
                    core_metadata_sha256: Some(sha("3d")),
                    core_metadata: true,
                    ..file(
                        "example_pkg-1.0-py3-none-any.whl",
                        &url(&format!("cc/dd/{}", sha("1b")), "example_pkg-1.0-py3-none-any.whl"),
                    )
                },
                UpstreamFile {
                    sha256: Some(sha("2c")),
                    requires_python: Some(">=3.8, !=3.9.*".into()),
                    yanked: Yanked::Yes,
                    ..file("example_pkg-1.0.tar.gz", &url(&format!("ee/ff/{}", sha("2c")), "example_pkg-1.0.tar.gz"))
                },
            ],
            versions: vec![],
        };
        assert_eq!(project, expected);
        // The same page without a content type is sniffed as HTML.
        assert_eq!(parse(&pypi_html(), None, PAGE), expected);
        assert_eq!(parse(&pypi_html(), Some("application/vnd.pypi.simple.v1+html"), PAGE), expected);
    }

    #[test]
    fn devpi_style_html() {
        // Relative links two levels up, md5 fragments, attributes in any order and quoting style,
        // upper-case tags, entities in URLs, and anchors that must be ignored.
        let page = format!(
            r#"<html><head><title>root/pypi: links for six</title></head><body>
<h1>root/pypi: links for six</h1>
<!-- <a href="../../+f/commented/six-0.1.tar.gz">six-0.1.tar.gz</a> -->
<script>document.write('<a href="../../+f/scripted/six-0.2.tar.gz">x</a>');</script>
<a data-requires-python='&gt;=2.7, !=3.0.*' href=../../+f/0a9/1ae6a/six-1.16.0-py2.py3-none-any.whl#sha256={s}>six-1.16.0-py2.py3-none-any.whl</a><br/>
<A HREF="../../+f/b1c/2d3/six-1.15.0.tar.gz#md5={md5}" DATA-YANKED>six-1.15.0.tar.gz</A><br/>
<a
   href = "../../+f/c2d/e4f/six-1.14.0%2Blocal-py2.py3-none-any.whl?x=1&amp;y=2#egg=six&amp;sha256={S}"
   data-yanked="it&#39;s &#x27;bad&#x27; &amp; &quot;old&quot;" data-core-metadata="true">six 1.14</a>
<a href="../../+f/ddd/eee/six-1.13.0.tar.gz" data-core-metadata="false" data-dist-info-metadata="true">x</a>
<a href="../../+f/ddd/fff/six-1.12.0.tar.gz" data-dist-info-metadata="sha256={m}" data-requires-python="">x</a>
<a href="../../+f/ddd/fff/six-1.11.0.tar.gz" data-core-metadata="" data-yanked="&unknown; &amp">x</a>
<a href="../../+f/ddd/fff/weird%2Fname.tar.gz">slash inside</a>
<a href="../../+f/ddd/fff/">a directory</a>
<a name="anchor-without-href">nothing</a>
<a href="">empty</a>
<a href="mailto:someone@example.com">mail</a>
<a href="../../+f/ddd/fff/six-1.10.0.tar.gz"
</body></html>"#,
            s = sha("ab"),
            S = sha("CD"),
            md5 = "0123456789abcdef0123456789abcdef",
            m = sha("ef"),
        );
        let project = parse(&page, Some("text/html"), "https://m.devpi.net/root/pypi/+simple/six/");
        let base = "https://m.devpi.net/root/pypi/+f";
        let expected = vec![
            UpstreamFile {
                sha256: Some(sha("ab")),
                requires_python: Some(">=2.7, !=3.0.*".into()),
                ..file("six-1.16.0-py2.py3-none-any.whl", &format!("{base}/0a9/1ae6a/six-1.16.0-py2.py3-none-any.whl"))
            },
            UpstreamFile {
                md5: Some("0123456789abcdef0123456789abcdef".into()),
                yanked: Yanked::Yes,
                ..file("six-1.15.0.tar.gz", &format!("{base}/b1c/2d3/six-1.15.0.tar.gz"))
            },
            UpstreamFile {
                sha256: Some(sha("cd")),
                yanked: Yanked::Reason(r#"it's 'bad' & "old""#.into()),
                core_metadata: true,
                ..file(
                    "six-1.14.0+local-py2.py3-none-any.whl",
                    &format!("{base}/c2d/e4f/six-1.14.0%2Blocal-py2.py3-none-any.whl?x=1&y=2"),
                )
            },
            // `data-core-metadata` wins over the legacy attribute, even when it says `false`.
            file("six-1.13.0.tar.gz", &format!("{base}/ddd/eee/six-1.13.0.tar.gz")),
            UpstreamFile {
                core_metadata: true,
                core_metadata_sha256: Some(sha("ef")),
                ..file("six-1.12.0.tar.gz", &format!("{base}/ddd/fff/six-1.12.0.tar.gz"))
            },
            UpstreamFile {
                yanked: Yanked::Reason("&unknown; &amp".into()),
                ..file("six-1.11.0.tar.gz", &format!("{base}/ddd/fff/six-1.11.0.tar.gz"))
            },
            // An unterminated last tag still counts.
            file("six-1.10.0.tar.gz", &format!("{base}/ddd/fff/six-1.10.0.tar.gz")),
        ];
        assert_eq!(project.files, expected);
    }

    #[test]
    fn base_href_is_honoured() {
        let page = r#"<!DOCTYPE html><html><head>
<base href="https://cdn.example/dists/">
<base href="https://ignored.example/">
</head><body>
<a href="pkg-1.0.tar.gz">pkg-1.0.tar.gz</a>
<a href="/root/pkg-1.1.tar.gz">pkg-1.1.tar.gz</a>
<a href="https://elsewhere.example/pkg-1.2.tar.gz">pkg-1.2.tar.gz</a>
</body></html>"#;
        let project = parse(page, Some("text/html"), "https://index.example/simple/pkg/");
        let urls: Vec<_> = project.files.iter().map(|f| f.url.as_str()).collect();
        assert_eq!(
            urls,
            [
                "https://cdn.example/dists/pkg-1.0.tar.gz",
                "https://cdn.example/root/pkg-1.1.tar.gz",
                "https://elsewhere.example/pkg-1.2.tar.gz"
            ]
        );
        // A relative base is resolved against the page.
        let relative = r#"<base href="../../mirror/"><a href="pkg-1.0.tar.gz">x</a>"#;
        let project = parse(relative, None, "https://index.example/simple/pkg/");
        assert_eq!(project.files[0].url, "https://index.example/mirror/pkg-1.0.tar.gz");
    }

    #[test]
    fn html_repository_version() {
        let v2 = r#"<html><head><meta content="2.0" name="pypi:repository-version"></head><body></body></html>"#;
        let err = parse_project_page(v2.as_bytes(), Some("text/html"), PAGE).expect_err("major 2");
        assert_eq!(err.kind(), ErrorKind::BadGateway);
        assert!(
            err.message().contains("`2.0`") && err.message().contains("pypi:repository-version"),
            "{}",
            err.message()
        );
        let v1 = r#"<meta name="pypi:repository-version" content="1.0"><a href="a-1.0.tar.gz">x</a>"#;
        assert_eq!(parse(v1, Some("text/html"), PAGE).files.len(), 1);
        let err = parse_project_page(b"<p>hi</p>", Some("application/vnd.pypi.simple.v3+html"), PAGE)
            .expect_err("v3 media type");
        assert!(err.message().contains("`3`"), "{}", err.message());
    }

    #[test]
    fn content_type_dispatch_and_sniffing() {
        let json = r#"{"files": [{"filename": "a-1.0.tar.gz", "url": "a-1.0.tar.gz"}]}"#;
        let html = r#"<a href="b-1.0.tar.gz">b</a>"#;
        let first = |body: &str, content_type: Option<&str>| {
            parse(body, content_type, PAGE).files.first().map(|f| f.filename.clone()).unwrap_or_default()
        };
        assert_eq!(first(json, None), "a-1.0.tar.gz");
        assert_eq!(first(&format!("\u{feff} \n{json}"), None), "a-1.0.tar.gz");
        assert_eq!(first(json, Some("application/octet-stream")), "a-1.0.tar.gz");
        assert_eq!(first(json, Some("application/vnd.pypi.simple.latest+json")), "a-1.0.tar.gz");
        assert_eq!(first(json, Some("Application/JSON; charset=utf-8")), "a-1.0.tar.gz");
        assert_eq!(first(html, None), "b-1.0.tar.gz");
        assert_eq!(first(html, Some("text/plain")), "b-1.0.tar.gz");
        assert_eq!(first(html, Some("application/xhtml+xml")), "b-1.0.tar.gz");
        // A declared type is trusted: JSON declared as HTML has no anchors.
        assert!(parse(json, Some("text/html"), PAGE).files.is_empty());
        assert!(parse_project_page(html.as_bytes(), Some("application/json"), PAGE).is_err());
    }

    #[test]
    fn entity_decoding() {
        let cases = [
            ("&gt;=3.8", ">=3.8"),
            ("&lt;&amp;&quot;&apos;&#39;&#x27;&#X27;", "<&\"''''"),
            ("a&b", "a&b"),
            ("&amp", "&amp"),
            ("&#0;", "\u{fffd}"),
            ("&#xD800;", "\u{fffd}"),
            ("&#x1F600;", "\u{1F600}"),
            ("&verylongentityname;", "&verylongentityname;"),
            ("caf\u{e9} &nbsp;", "caf\u{e9} \u{a0}"),
        ];
        for (input, output) in cases {
            assert_eq!(decode_entities(input), output, "{input}");
        }
    }

    #[test]
    fn tag_scanner_edge_cases() {
        let tags = scan_tags("a < b <1> <a =x href=y/z/ alt=\"q\"'r' checked>< <br/><p");
        let names: Vec<_> = tags.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["a", "br", "p"]);
        assert_eq!(tags[0].attr("href"), Some("y/z/"));
        assert_eq!(tags[0].attr("=x"), Some(""));
        assert_eq!(tags[0].attr("alt"), Some("q"));
        assert_eq!(tags[0].attr("checked"), Some(""));
        assert!(scan_tags("<!-- unterminated <a href=x>").is_empty());
        assert_eq!(scan_tags("<style>a<b{}</STYLE><a href=x>").len(), 2);
    }

    #[test]
    fn page_urls() {
        let cases = [
            ("https://pypi.org", "six", "https://pypi.org/simple/six/"),
            ("https://pypi.org/", "six", "https://pypi.org/simple/six/"),
            ("https://pypi.org/simple", "six", "https://pypi.org/simple/six/"),
            ("https://pypi.org/simple/", "six", "https://pypi.org/simple/six/"),
            ("https://pypi.org/simple//", "six", "https://pypi.org/simple/six/"),
            ("https://m.devpi.net/root/pypi/+simple/", "six", "https://m.devpi.net/root/pypi/+simple/six/"),
            (
                "https://repo.example/api/pypi/pypi-remote/simple",
                "a-b",
                "https://repo.example/api/pypi/pypi-remote/simple/a-b/",
            ),
            ("https://repo.example/pypi", "a-b", "https://repo.example/pypi/simple/a-b/"),
            ("https://simple", "x", "https://simple/simple/x/"),
            ("https://simple.example/simple-ish", "x", "https://simple.example/simple-ish/simple/x/"),
            (" https://pypi.org/SIMPLE ", "x", "https://pypi.org/SIMPLE/x/"),
        ];
        for (base, name, expected) in cases {
            assert_eq!(project_page_url(base, name), expected, "{base}");
        }
    }

    #[test]
    fn accept_header_prefers_json() {
        assert_eq!(
            crate::simple::negotiate(Some(UPSTREAM_ACCEPT), None),
            Some(SimpleFormat::Json),
            "a server negotiating like ours answers JSON"
        );
    }

    fn any_yanked() -> impl Strategy<Value = Yanked> {
        prop_oneof![Just(Yanked::No), Just(Yanked::Yes), "\\PC*".prop_map(Yanked::Reason)]
    }

    fn any_file() -> impl Strategy<Value = SimpleFile> {
        (
            "[A-Za-z0-9_.+-]{1,24}",
            proptest::option::of("[0-9a-f]{64}"),
            proptest::option::of("\\PC*"),
            any_yanked(),
            proptest::option::of("[0-9a-f]{64}"),
            proptest::option::of(any::<u64>()),
            proptest::option::of(0i64..4_000_000_000_000_000),
        )
            .prop_map(|(stem, sha256, requires_python, yanked, core, size, micros)| {
                let filename = format!("{stem}.whl");
                SimpleFile {
                    url: format!("../../files/{}", filename.replace('+', "%2B")),
                    filename,
                    sha256,
                    requires_python,
                    yanked,
                    core_metadata_sha256: core,
                    size,
                    upload_time: micros.and_then(|m| Utc.timestamp_micros(m).single()),
                }
            })
    }

    fn expected_after_round_trip(file: &SimpleFile, format: SimpleFormat) -> UpstreamFile {
        let json = format == SimpleFormat::Json;
        UpstreamFile {
            filename: file.filename.clone(),
            url: format!("https://tributary.example/pypi/files/{}", file.filename.replace('+', "%2B")),
            sha256: file.sha256.clone(),
            md5: None,
            requires_python: file.requires_python.clone().filter(|r| !r.trim().is_empty()),
            yanked: match &file.yanked {
                Yanked::Reason(reason) if reason.is_empty() => Yanked::Yes,
                yanked => yanked.clone(),
            },
            core_metadata_sha256: file.core_metadata_sha256.clone(),
            core_metadata: file.core_metadata_sha256.is_some(),
            size: file.size.filter(|_| json),
            upload_time: file.upload_time.filter(|_| json),
        }
    }

    proptest! {
        /// What `simple` renders, this module reads back, in every format.
        #[test]
        fn rendered_pages_read_back(files in proptest::collection::vec(any_file(), 0..6)) {
            let project = SimpleProject { name: "p".into(), files, versions: vec!["1.0".into()] };
            for format in [SimpleFormat::Json, SimpleFormat::Html, SimpleFormat::LegacyHtml] {
                let bytes = render_project(&project, format);
                let page = parse_project_page(&bytes, Some(format.content_type()), "https://tributary.example/pypi/simple/p/")
                    .map_err(|err| TestCaseError::fail(format!("{err:?}")))?;
                let expected: Vec<_> = project.files.iter().map(|f| expected_after_round_trip(f, format)).collect();
                prop_assert_eq!(&page.files, &expected);
                if format == SimpleFormat::Json {
                    prop_assert_eq!(page.name.as_deref(), Some("p"));
                    prop_assert_eq!(&page.versions, &project.versions);
                }
            }
        }

        /// The scanner never panics, whatever the bytes.
        #[test]
        fn any_bytes_are_survived(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = parse_project_page(&bytes, None, PAGE);
            let _ = parse_project_page(&bytes, Some("text/html"), PAGE);
        }

        /// Nor does any text made of the characters that drive it.
        #[test]
        fn html_like_text_is_survived(text in "[<>a-z =\"'&#;x0-9!/-]{0,200}") {
            let _ = parse_project_page(text.as_bytes(), Some("text/html"), PAGE);
        }
    }
}
