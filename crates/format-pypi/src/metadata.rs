//! Core metadata, the `METADATA` file of a wheel and the `PKG-INFO` file of an sdist
//! (<https://packaging.python.org/en/latest/specifications/core-metadata/>), and the control
//! plane's format-neutral view of it ([`VersionMetadata`]).
//!
//! The file is a block of RFC 822 style headers, then a blank line, then (from Metadata-Version
//! 2.1) an optional body holding the description. Field names are case-insensitive; a line that
//! starts with whitespace continues the field above. setuptools writes a multi-line `Description`
//! (and `License`) with every continuation line indented by 8 spaces, or by 7 spaces and `|`;
//! that indentation is removed and the line breaks kept. Other folded fields are unfolded to one
//! line.

use tributary_model::{Dependency, License, VersionMetadata};

use crate::PypiError;
use crate::name::{normalize, validate_project_name};
use crate::version::Version;

/// The fields of a core metadata file that the repository reads. Single-use fields keep their
/// first occurrence (except `Metadata-Version`, `Name` and `Version`, which may appear only once);
/// multiple-use fields keep every occurrence, in order. Values are as written, including the
/// `UNKNOWN` that old setuptools wrote for missing fields.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CoreMetadata {
    /// `Metadata-Version`, e.g. `2.1`.
    pub metadata_version: String,
    /// `Name`, as written.
    pub name: String,
    /// `Version`, as written (a valid PEP 440 version).
    pub version: String,
    /// `Summary`.
    pub summary: Option<String>,
    /// `Description`, or the body when there is no `Description` field.
    pub description: Option<String>,
    /// `Description-Content-Type`, e.g. `text/markdown`.
    pub description_content_type: Option<String>,
    /// `Keywords`, as written (comma- or space-separated).
    pub keywords: Option<String>,
    /// `Home-page`.
    pub home_page: Option<String>,
    /// `Download-URL`.
    pub download_url: Option<String>,
    /// `Author`.
    pub author: Option<String>,
    /// `Author-email`.
    pub author_email: Option<String>,
    /// `Maintainer`.
    pub maintainer: Option<String>,
    /// `Maintainer-email`.
    pub maintainer_email: Option<String>,
    /// `License` (free text, sometimes a whole license).
    pub license: Option<String>,
    /// `License-Expression` (an SPDX expression, Metadata-Version 2.4).
    pub license_expression: Option<String>,
    /// Every `Classifier`.
    pub classifiers: Vec<String>,
    /// Every `Requires-Dist` (PEP 508 requirements).
    pub requires_dist: Vec<String>,
    /// `Requires-Python`, e.g. `>=3.8`.
    pub requires_python: Option<String>,
    /// Every `Project-URL`, as (label, URL).
    pub project_urls: Vec<(String, String)>,
    /// Every `Provides-Extra`.
    pub provides_extra: Vec<String>,
}

/// Parses a core metadata file. Refuses, saying which: bytes that are not UTF-8; a line before the
/// first blank line that is not a `Field: value` header; no `Metadata-Version`, `Name` or
/// `Version`, or one of them twice; a `Name` that is not a valid project name; a `Version` that is
/// not PEP 440. Runs in time linear in the input.
pub fn parse_core_metadata(bytes: &[u8]) -> Result<CoreMetadata, PypiError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|err| {
        PypiError::invalid(format!(
            "the core metadata (METADATA or PKG-INFO) is not UTF-8 text (invalid byte at offset {}); rebuild the \
             distribution with a current build backend",
            err.valid_up_to()
        ))
    })?;
    let (headers, body) = split_headers(text)?;
    let mut metadata = CoreMetadata::default();
    let mut seen_required = [false; 3];
    let mut description_header = false;
    for header in headers {
        let value = header.value();
        let key = header.name.to_ascii_lowercase();
        match key.as_str() {
            "metadata-version" | "name" | "version" => {
                let (index, slot) = match key.as_str() {
                    "metadata-version" => (0, &mut metadata.metadata_version),
                    "name" => (1, &mut metadata.name),
                    _ => (2, &mut metadata.version),
                };
                if seen_required[index] {
                    return Err(PypiError::invalid(format!(
                        "the core metadata has the field `{}` more than once; it must appear exactly once",
                        header.name
                    )));
                }
                seen_required[index] = true;
                *slot = value;
            }
            "summary" => set_once(&mut metadata.summary, value),
            "description" => {
                description_header = true;
                set_once(&mut metadata.description, value);
            }
            "description-content-type" => set_once(&mut metadata.description_content_type, value),
            "keywords" => set_once(&mut metadata.keywords, value),
            "home-page" => set_once(&mut metadata.home_page, value),
            "download-url" => set_once(&mut metadata.download_url, value),
            "author" => set_once(&mut metadata.author, value),
            "author-email" => set_once(&mut metadata.author_email, value),
            "maintainer" => set_once(&mut metadata.maintainer, value),
            "maintainer-email" => set_once(&mut metadata.maintainer_email, value),
            "license" => set_once(&mut metadata.license, value),
            "license-expression" => set_once(&mut metadata.license_expression, value),
            "classifier" => metadata.classifiers.push(value),
            "requires-dist" => metadata.requires_dist.push(value),
            "requires-python" => set_once(&mut metadata.requires_python, value),
            "provides-extra" => metadata.provides_extra.push(value),
            "project-url" => metadata.project_urls.push(match value.split_once(',') {
                Some((label, url)) => (label.trim().to_owned(), url.trim().to_owned()),
                None => (String::new(), value.trim().to_owned()),
            }),
            _ => {}
        }
    }
    if !description_header && !body.trim().is_empty() {
        metadata.description = Some(body.to_owned());
    }
    for (seen, field) in seen_required.iter().zip(["Metadata-Version", "Name", "Version"]) {
        if !seen {
            return Err(PypiError::invalid(format!(
                "the core metadata has no `{field}` field; rebuild the distribution with a current build backend"
            )));
        }
    }
    validate_project_name(&metadata.name)
        .map_err(|err| PypiError::invalid(format!("the core metadata's `Name` is not valid: {}", err.message())))?;
    Version::parse(&metadata.version)
        .map_err(|err| PypiError::invalid(format!("the core metadata's `Version` is not valid: {}", err.message())))?;
    Ok(metadata)
}

fn set_once(slot: &mut Option<String>, value: String) {
    if slot.is_none() {
        *slot = Some(value);
    }
}

/// One header: its name, the rest of its first line, and its continuation lines (raw).
struct Header<'a> {
    name: &'a str,
    first: &'a str,
    continuation: Vec<&'a str>,
}

impl Header<'_> {
    /// The value: for `Description` and `License`, lines kept, setuptools' indentation removed;
    /// for the others, unfolded into one line.
    fn value(&self) -> String {
        let first = self.first.trim();
        if self.continuation.is_empty() {
            return first.to_owned();
        }
        if self.name.eq_ignore_ascii_case("description") || self.name.eq_ignore_ascii_case("license") {
            // An empty first line (`Description:` alone) is not part of the text.
            let first_line = (!first.is_empty()).then_some(first);
            let mut value = String::new();
            for (i, line) in first_line.into_iter().chain(self.continuation.iter().map(|l| unindent(l))).enumerate() {
                if i > 0 {
                    value.push('\n');
                }
                value.push_str(line);
            }
            // setuptools ends a folded description with an indented empty line.
            let trimmed = value.trim_end_matches(['\n', ' ', '\t']).len();
            value.truncate(trimmed);
            value
        } else {
            let mut value = String::from(first);
            for line in &self.continuation {
                let line = line.trim();
                if !line.is_empty() {
                    if !value.is_empty() {
                        value.push(' ');
                    }
                    value.push_str(line);
                }
            }
            value
        }
    }
}

/// A continuation line without setuptools' prefix: 7 spaces and `|`, or 8 spaces; other
/// indentation (a tab, a few spaces) is removed whole.
fn unindent(line: &str) -> &str {
    if let Some(rest) = line.strip_prefix("       |") {
        rest
    } else if let Some(rest) = line.strip_prefix("        ") {
        rest
    } else {
        line.trim_start_matches([' ', '\t'])
    }
}

/// Splits the text into its headers and its body (after the first empty line).
fn split_headers(text: &str) -> Result<(Vec<Header<'_>>, &str), PypiError> {
    let mut headers: Vec<Header<'_>> = Vec::new();
    let mut rest = text;
    let mut line_number = 0usize;
    while !rest.is_empty() {
        line_number += 1;
        let (raw, next) = match rest.find('\n') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, ""),
        };
        rest = next;
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if line.is_empty() {
            return Ok((headers, rest));
        }
        if line.starts_with([' ', '\t']) {
            let Some(last) = headers.last_mut() else {
                return Err(not_a_header(line_number, line));
            };
            last.continuation.push(line);
            continue;
        }
        let Some((name, value)) = line.split_once(':') else {
            return Err(not_a_header(line_number, line));
        };
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(not_a_header(line_number, line));
        }
        headers.push(Header { name, first: value, continuation: Vec::new() });
    }
    Ok((headers, ""))
}

fn not_a_header(line_number: usize, line: &str) -> PypiError {
    let shown: String = line.chars().take(60).collect();
    PypiError::invalid(format!(
        "line {line_number} of the core metadata is not a `Field: value` header: `{}`; rebuild the distribution \
         with a current build backend",
        shown.escape_debug()
    ))
}

/// A Project-URL label normalized as the well-known project URLs spec says: ASCII punctuation
/// and whitespace removed, lowercased (`Home page`, `home-page` and `Homepage` → `homepage`).
fn normalize_label(label: &str) -> String {
    label.chars().filter(|c| !(c.is_ascii_punctuation() || c.is_whitespace())).flat_map(char::to_lowercase).collect()
}

/// The labels under which a project's home page is found.
const HOMEPAGE_LABELS: [&str; 1] = ["homepage"];
/// The labels under which a project's source code repository is found: the well-known `source`
/// aliases, and `code`.
const SOURCE_LABELS: [&str; 5] = ["source", "repository", "sourcecode", "code", "github"];
/// The longest `License` value shown as a license name; longer texts are whole licenses.
const MAX_LICENSE_NAME_LEN: usize = 100;

impl CoreMetadata {
    /// The first Project-URL whose label matches one of `labels`, trying the labels in order.
    /// Labels compare normalized (punctuation and whitespace removed, lowercase), so `Homepage`,
    /// `home-page` and `Home page` are one label.
    pub fn project_url(&self, labels: &[&str]) -> Option<String> {
        let normalized: Vec<(String, &str)> =
            self.project_urls.iter().map(|(label, url)| (normalize_label(label), url.as_str())).collect();
        labels.iter().map(|label| normalize_label(label)).find_map(|wanted| {
            normalized.iter().find(|(label, url)| *label == wanted && !url.is_empty()).map(|(_, url)| (*url).to_owned())
        })
    }

    /// The control plane's view of this metadata:
    ///
    /// - `summary`: `Summary`.
    /// - `home_page`: `Home-page`, else the Project-URL labelled `Homepage`.
    /// - `source_code_repository`: the Project-URL labelled `Source`, `Repository`, `Source Code`,
    ///   `Code` or `GitHub` (first label that matches, in that order).
    /// - `licenses`: `License-Expression` when set; else the name of every `License ::`
    ///   classifier (its last part: `MIT License`); else the `License` field when it is a name:
    ///   one line of at most 100 characters, or, for a whole license text, its first line when
    ///   that is short and says `license` (`MIT License`, `GNU GENERAL PUBLIC LICENSE`). A longer
    ///   text gives no license rather than a paragraph.
    /// - `dependencies`: each `Requires-Dist` read as PEP 508: the package PEP 503 normalized, the
    ///   version specifiers without spaces (`>=2.0,<3`; `@ url` for a direct reference; empty for
    ///   any version), type `install`, or `extra:{name}` when the marker requires an extra. Other
    ///   markers (`python_version < "3.8"`) are dropped. Unreadable requirements are skipped,
    ///   and a requirement that reads the same as an earlier one is kept once.
    /// - `readme`: the description.
    ///
    /// `UNKNOWN`, which old setuptools wrote for missing fields, counts as absent.
    pub fn version_metadata(&self) -> VersionMetadata {
        let known = |value: &Option<String>| {
            value.as_deref().map(str::trim).filter(|v| !v.is_empty() && *v != "UNKNOWN").map(str::to_owned)
        };
        let home_page = known(&self.home_page).or_else(|| self.project_url(&HOMEPAGE_LABELS));
        let mut dependencies: Vec<Dependency> = Vec::new();
        for requirement in &self.requires_dist {
            if let Some(dependency) = parse_requirement(requirement)
                && !dependencies.contains(&dependency)
            {
                dependencies.push(dependency);
            }
        }
        VersionMetadata {
            summary: known(&self.summary),
            home_page,
            source_code_repository: self.project_url(&SOURCE_LABELS),
            licenses: self.licenses(),
            dependencies,
            readme: self.description.clone().filter(|d| !d.trim().is_empty() && d.trim() != "UNKNOWN"),
        }
    }

    fn licenses(&self) -> Vec<License> {
        let license = |name: &str| License { name: name.to_owned(), url: None };
        if let Some(expression) = self.license_expression.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
            return vec![license(expression)];
        }
        let from_classifiers: Vec<License> = self
            .classifiers
            .iter()
            .filter_map(|c| {
                let parts: Vec<&str> = c.split("::").map(str::trim).collect();
                match parts.as_slice() {
                    ["License", .., "OSI Approved"] | ["License"] => None,
                    ["License", .., last] if !last.is_empty() => Some(license(last)),
                    _ => None,
                }
            })
            .collect();
        if !from_classifiers.is_empty() {
            return from_classifiers;
        }
        let Some(text) = self.license.as_deref().map(str::trim).filter(|t| !t.is_empty() && *t != "UNKNOWN") else {
            return Vec::new();
        };
        if !text.contains('\n') && text.chars().count() <= MAX_LICENSE_NAME_LEN {
            return vec![license(text)];
        }
        let first = text.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or_default();
        let lower = first.to_lowercase();
        if first.chars().count() <= MAX_LICENSE_NAME_LEN && (lower.contains("license") || lower.contains("licence")) {
            return vec![license(first)];
        }
        Vec::new()
    }
}

/// Reads a PEP 508 requirement (`name [extras] (specifiers | @ url) ; marker`) into a
/// dependency; `None` when it does not start with a valid name.
fn parse_requirement(requirement: &str) -> Option<Dependency> {
    let text = requirement.trim();
    let name_len =
        text.find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))).unwrap_or(text.len());
    let name = &text[..name_len];
    validate_project_name(name).ok()?;
    let mut rest = text[name_len..].trim_start();
    if let Some(after) = rest.strip_prefix('[') {
        let close = after.find(']')?;
        rest = after[close + 1..].trim_start();
    }
    let (version_requirement, marker) = if let Some(url) = rest.strip_prefix('@') {
        // A URL may hold `;`: PEP 508 wants whitespace before the marker's `;`.
        let url = url.trim_start();
        let end = url.find(char::is_whitespace).unwrap_or(url.len());
        let marker = url[end..].trim_start().strip_prefix(';').unwrap_or("");
        (format!("@ {}", &url[..end]), marker)
    } else {
        let (specifiers, marker) = rest.split_once(';').unwrap_or((rest, ""));
        let specifiers = specifiers.trim();
        let specifiers = specifiers.strip_prefix('(').and_then(|s| s.strip_suffix(')')).unwrap_or(specifiers);
        (specifiers.chars().filter(|c| !c.is_whitespace()).collect(), marker)
    };
    let dependency_type = match required_extra(marker) {
        Some(extra) => format!("extra:{}", normalize(&extra)),
        None => "install".to_owned(),
    };
    Some(Dependency { namespace: String::new(), package: normalize(name), dependency_type, version_requirement })
}

/// The extra a marker requires (`extra == "socks"`, `'socks' == extra`), if any: the first one.
fn required_extra(marker: &str) -> Option<String> {
    let tokens = marker_tokens(marker);
    tokens.windows(3).find_map(|w| match w {
        [Token::Word("extra"), Token::Op("=="), Token::Quoted(value)]
        | [Token::Quoted(value), Token::Op("=="), Token::Word("extra")] => Some((*value).to_owned()),
        _ => None,
    })
}

#[derive(Debug, PartialEq)]
enum Token<'a> {
    Word(&'a str),
    Quoted(&'a str),
    Op(&'a str),
}

/// Splits a marker into words, quoted strings and operators; anything else is skipped.
fn marker_tokens(marker: &str) -> Vec<Token<'_>> {
    let mut tokens = Vec::new();
    let mut rest = marker;
    while let Some(c) = rest.chars().next() {
        if c.is_whitespace() || c == '(' || c == ')' {
            rest = &rest[c.len_utf8()..];
        } else if c == '"' || c == '\'' {
            let body = &rest[1..];
            let end = body.find(c).unwrap_or(body.len());
            tokens.push(Token::Quoted(&body[..end]));
            rest = body.get(end + 1..).unwrap_or("");
        } else if "<>=!~".contains(c) {
            let end = rest.find(|c: char| !"<>=!~".contains(c)).unwrap_or(rest.len());
            tokens.push(Token::Op(&rest[..end]));
            rest = &rest[end..];
        } else {
            let end = rest
                .find(|c: char| c.is_whitespace() || "()\"'<>=!~".contains(c))
                .unwrap_or(rest.len())
                .max(c.len_utf8());
            tokens.push(Token::Word(&rest[..end]));
            rest = &rest[end..];
        }
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> CoreMetadata {
        parse_core_metadata(text.as_bytes()).unwrap_or_else(|e| panic!("{e}\n{text}"))
    }

    /// What setuptools 68 writes into a wheel (Metadata-Version 2.1, description in the body).
    const SETUPTOOLS_WHEEL: &str = "Metadata-Version: 2.1
Name: requests
Version: 2.31.0
Summary: Python HTTP for Humans.
Home-page: https://requests.readthedocs.io
Author: Kenneth Reitz
Author-email: me@kennethreitz.org
License: Apache 2.0
Project-URL: Documentation, https://requests.readthedocs.io
Project-URL: Source, https://github.com/psf/requests
Classifier: Development Status :: 5 - Production/Stable
Classifier: License :: OSI Approved :: Apache Software License
Classifier: Programming Language :: Python :: 3
Requires-Python: >=3.7
Description-Content-Type: text/markdown
License-File: LICENSE
Requires-Dist: charset-normalizer (<4,>=2)
Requires-Dist: idna <4,>=2.5
Requires-Dist: urllib3 <3,>=1.21.1
Requires-Dist: certifi >=2017.4.17
Provides-Extra: security
Provides-Extra: socks
Requires-Dist: PySocks !=1.5.7,>=1.5.6 ; extra == 'socks'
Provides-Extra: use_chardet_on_py3
Requires-Dist: chardet <6,>=3.0.2 ; extra == 'use_chardet_on_py3'

# Requests

**Requests** is a simple, yet elegant, HTTP library.

```python
>>> import requests
```
";

    /// What old setuptools wrote into an sdist's PKG-INFO (Metadata-Version 1.1, description
    /// folded with 8 spaces, `UNKNOWN` for missing fields).
    const OLD_SETUPTOOLS_PKG_INFO: &str = "Metadata-Version: 1.1
Name: Foo.Bar
Version: 0.1-dev
Summary: A thing
Home-page: UNKNOWN
Author: Jane Doe
Author-email: jane@example.com
License: UNKNOWN
Description: Foo Bar
        =======
        
        Indented code::
        
            print('hi')
        
Platform: UNKNOWN
Classifier: License :: Public Domain
";

    /// Metadata-Version 2.4 from a modern backend (hatchling): License-Expression, Project-URL
    /// with spaced labels, Dynamic, no body.
    const HATCHLING: &str = "Metadata-Version: 2.4
Name: attrs
Version: 24.2.0
Summary: Classes Without Boilerplate
Project-URL: Documentation, https://www.attrs.org/
Project-URL: Home page, https://www.attrs.org/en/stable/
Project-URL: Source Code, https://github.com/python-attrs/attrs
Author-email: Hynek Schlawack <hs@ox.cx>
License-Expression: MIT
License-File: LICENSE
Classifier: License :: OSI Approved :: MIT License
Requires-Python: >=3.7
Requires-Dist: importlib-metadata; python_version < '3.8'
Provides-Extra: tests
Requires-Dist: pytest>=4.3.0; extra == 'tests'
Requires-Dist: hypothesis; (extra == 'tests' or extra == 'dev') and platform_python_implementation == 'CPython'
Dynamic: license-file
";

    #[test]
    fn setuptools_wheel() {
        let m = parse(SETUPTOOLS_WHEEL);
        assert_eq!(m.metadata_version, "2.1");
        assert_eq!(m.name, "requests");
        assert_eq!(m.version, "2.31.0");
        assert_eq!(m.summary.as_deref(), Some("Python HTTP for Humans."));
        assert_eq!(m.home_page.as_deref(), Some("https://requests.readthedocs.io"));
        assert_eq!(m.author_email.as_deref(), Some("me@kennethreitz.org"));
        assert_eq!(m.license.as_deref(), Some("Apache 2.0"));
        assert_eq!(m.requires_python.as_deref(), Some(">=3.7"));
        assert_eq!(m.description_content_type.as_deref(), Some("text/markdown"));
        assert_eq!(m.classifiers.len(), 3);
        assert_eq!(m.requires_dist.len(), 6);
        assert_eq!(m.requires_dist[0], "charset-normalizer (<4,>=2)");
        assert_eq!(m.provides_extra, ["security", "socks", "use_chardet_on_py3"]);
        assert_eq!(
            m.project_urls,
            [
                ("Documentation".to_owned(), "https://requests.readthedocs.io".to_owned()),
                ("Source".to_owned(), "https://github.com/psf/requests".to_owned())
            ]
        );
        let description = m.description.as_deref().expect("body");
        assert!(description.starts_with("# Requests\n\n**Requests** is"), "{description}");
        assert!(description.ends_with("```python\n>>> import requests\n```\n"), "{description}");

        let vm = m.version_metadata();
        assert_eq!(vm.summary.as_deref(), Some("Python HTTP for Humans."));
        assert_eq!(vm.home_page.as_deref(), Some("https://requests.readthedocs.io"));
        assert_eq!(vm.source_code_repository.as_deref(), Some("https://github.com/psf/requests"));
        assert_eq!(vm.licenses, [License { name: "Apache Software License".into(), url: None }]);
        let deps: Vec<(&str, &str, &str)> = vm
            .dependencies
            .iter()
            .map(|d| (d.package.as_str(), d.dependency_type.as_str(), d.version_requirement.as_str()))
            .collect();
        assert_eq!(
            deps,
            [
                ("charset-normalizer", "install", "<4,>=2"),
                ("idna", "install", "<4,>=2.5"),
                ("urllib3", "install", "<3,>=1.21.1"),
                ("certifi", "install", ">=2017.4.17"),
                ("pysocks", "extra:socks", "!=1.5.7,>=1.5.6"),
                ("chardet", "extra:use-chardet-on-py3", "<6,>=3.0.2"),
            ]
        );
        assert!(vm.dependencies.iter().all(|d| d.namespace.is_empty()));
        assert_eq!(vm.readme, m.description);
    }

    #[test]
    fn old_setuptools_pkg_info() {
        let m = parse(OLD_SETUPTOOLS_PKG_INFO);
        assert_eq!(m.name, "Foo.Bar");
        assert_eq!(m.version, "0.1-dev");
        assert_eq!(m.description.as_deref(), Some("Foo Bar\n=======\n\nIndented code::\n\n    print('hi')"));
        assert_eq!(m.home_page.as_deref(), Some("UNKNOWN"));
        let vm = m.version_metadata();
        assert_eq!(vm.home_page, None, "UNKNOWN is no home page");
        assert_eq!(vm.licenses, [License { name: "Public Domain".into(), url: None }]);
        assert_eq!(vm.dependencies, []);
    }

    #[test]
    fn modern_backend() {
        let m = parse(HATCHLING);
        assert_eq!(m.license_expression.as_deref(), Some("MIT"));
        assert_eq!(m.author_email.as_deref(), Some("Hynek Schlawack <hs@ox.cx>"));
        assert_eq!(m.description, None);
        let vm = m.version_metadata();
        assert_eq!(vm.licenses, [License { name: "MIT".into(), url: None }], "the expression wins over classifiers");
        assert_eq!(vm.home_page.as_deref(), Some("https://www.attrs.org/en/stable/"));
        assert_eq!(vm.source_code_repository.as_deref(), Some("https://github.com/python-attrs/attrs"));
        let deps: Vec<(&str, &str, &str)> = vm
            .dependencies
            .iter()
            .map(|d| (d.package.as_str(), d.dependency_type.as_str(), d.version_requirement.as_str()))
            .collect();
        assert_eq!(
            deps,
            [
                ("importlib-metadata", "install", ""),
                ("pytest", "extra:tests", ">=4.3.0"),
                ("hypothesis", "extra:tests", "")
            ]
        );
        assert_eq!(vm.readme, None);
    }

    #[test]
    fn description_continuations() {
        let cases = [
            // setuptools >= 36: 7 spaces and `|`.
            ("Description: Title\n       |\n       |  indented\n       |last\n", "Title\n\n  indented\nlast"),
            // distutils: 8 spaces.
            ("Description: Title\n        \n          indented\n        last\n", "Title\n\n  indented\nlast"),
            // An empty first line.
            ("Description: \n        Title\n        body\n", "Title\nbody"),
            // A tab, as RFC 822 folding allows.
            ("Description: one\n\ttwo\n", "one\ntwo"),
            // A single line.
            ("Description:   just this  \n", "just this"),
        ];
        for (description, expected) in cases {
            let text = format!("Metadata-Version: 1.2\nName: foo\nVersion: 1.0\n{description}");
            assert_eq!(parse(&text).description.as_deref(), Some(expected), "{description:?}");
        }
    }

    #[test]
    fn header_details() {
        let text = "metadata-version: 2.1\r\nNAME: foo\r\nversion:1.0\r\nSummary: a summary\r\n  folded onto two lines\r\n\
                    Keywords: a,b\r\nProject-URL: no comma here\r\nSummary: second summary is ignored\r\n\
                    X-Unknown-Field: ignored\r\nDescription: from the header\r\n\r\nbody is ignored\r\n";
        let m = parse(text);
        assert_eq!((m.metadata_version.as_str(), m.name.as_str(), m.version.as_str()), ("2.1", "foo", "1.0"));
        assert_eq!(m.summary.as_deref(), Some("a summary folded onto two lines"));
        assert_eq!(m.keywords.as_deref(), Some("a,b"));
        assert_eq!(m.project_urls, [(String::new(), "no comma here".to_owned())]);
        assert_eq!(m.description.as_deref(), Some("from the header"));

        // A BOM is ignored; a body of only whitespace is no description; no body at all is fine.
        let m = parse("\u{feff}Metadata-Version: 2.1\nName: foo\nVersion: 1.0\n\n  \n");
        assert_eq!(m.description, None);
        assert_eq!(parse("Metadata-Version: 2.1\nName: foo\nVersion: 1.0").version, "1.0");
    }

    #[test]
    fn refused() {
        let cases: [(&[u8], &str); 11] = [
            (b"Metadata-Version: 2.1\nName: f\xffoo\nVersion: 1.0\n", "is not UTF-8 text (invalid byte at offset 29)"),
            (b"Name: foo\nVersion: 1.0\n", "has no `Metadata-Version` field"),
            (b"Metadata-Version: 2.1\nVersion: 1.0\n", "has no `Name` field"),
            (b"Metadata-Version: 2.1\nName: foo\n", "has no `Version` field"),
            (b"Metadata-Version: 2.1\nName: foo\n\nVersion: 1.0\n", "has no `Version` field"),
            (
                b"Metadata-Version: 2.1\nName: foo\nVersion: one\n",
                "`Version` is not valid: `one` is not a valid PEP 440",
            ),
            (b"Metadata-Version: 2.1\nName: -foo\nVersion: 1.0\n", "`Name` is not valid: the project name `-foo`"),
            (b"Metadata-Version: 2.1\nName: foo\nName: bar\nVersion: 1.0\n", "has the field `Name` more than once"),
            (
                b"Metadata-Version: 2.1\nName: foo\nthis is not a header\nVersion: 1.0\n",
                "line 3 of the core metadata is not a `Field: value` header: `this is not a header`",
            ),
            (
                b" Metadata-Version: 2.1\nName: foo\nVersion: 1.0\n",
                "line 1 of the core metadata is not a `Field: value` header",
            ),
            (b"Metadata-Version: 2.1\nName: foo\nBad Field: x\nVersion: 1.0\n", "line 3 of the core metadata"),
        ];
        for (bytes, expected) in cases {
            let err = parse_core_metadata(bytes).expect_err(expected);
            assert!(err.message().contains(expected), "{expected}: {}", err.message());
        }
    }

    #[test]
    fn project_url_labels() {
        let m = CoreMetadata {
            project_urls: vec![
                ("Bug Tracker".into(), "https://bugs".into()),
                ("Home-Page".into(), "https://home".into()),
                ("Repository".into(), "https://repo".into()),
                ("Source".into(), "https://source".into()),
                ("Empty".into(), String::new()),
            ],
            ..CoreMetadata::default()
        };
        assert_eq!(m.project_url(&["homepage"]).as_deref(), Some("https://home"));
        assert_eq!(m.project_url(&["Home page"]).as_deref(), Some("https://home"));
        assert_eq!(m.project_url(&["home_page"]).as_deref(), Some("https://home"));
        assert_eq!(m.project_url(&["bugtracker"]).as_deref(), Some("https://bugs"));
        // Labels are tried in order: `source` before `repository`.
        assert_eq!(m.project_url(&SOURCE_LABELS).as_deref(), Some("https://source"));
        assert_eq!(m.project_url(&["repository", "source"]).as_deref(), Some("https://repo"));
        assert_eq!(m.project_url(&["docs"]), None);
        assert_eq!(m.project_url(&["empty"]), None);
        assert_eq!(m.project_url(&[]), None);
    }

    #[test]
    fn licenses() {
        let mit = "MIT License\n\nCopyright (c) 2020 Someone\n\nPermission is hereby granted...";
        /// (License-Expression, classifiers, License, expected license names)
        type Case<'a> = (Option<&'a str>, &'a [&'a str], Option<&'a str>, &'a [&'a str]);
        let cases: [Case<'_>; 10] = [
            (
                Some("Apache-2.0 OR MIT"),
                &["License :: OSI Approved :: MIT License"],
                Some("MIT"),
                &["Apache-2.0 OR MIT"],
            ),
            (
                None,
                &["License :: OSI Approved :: MIT License", "License :: OSI Approved :: Apache Software License"],
                Some("whatever"),
                &["MIT License", "Apache Software License"],
            ),
            (
                None,
                &["License :: OSI Approved", "Programming Language :: Python"],
                Some("BSD-3-Clause"),
                &["BSD-3-Clause"],
            ),
            (None, &["License :: Other/Proprietary License"], None, &["Other/Proprietary License"]),
            (None, &[], Some("MIT"), &["MIT"]),
            (None, &[], Some("UNKNOWN"), &[]),
            (None, &[], Some("  "), &[]),
            (None, &[], Some(mit), &["MIT License"]),
            (None, &[], Some("Copyright (c) 2020 Someone\nAll rights reserved."), &[]),
            (None, &[], Some(&*"x".repeat(101)), &[]),
        ];
        for (expression, classifiers, license, expected) in cases {
            let m = CoreMetadata {
                license_expression: expression.map(str::to_owned),
                classifiers: classifiers.iter().map(|c| (*c).to_owned()).collect(),
                license: license.map(str::to_owned),
                ..CoreMetadata::default()
            };
            let names: Vec<String> = m.version_metadata().licenses.into_iter().map(|l| l.name).collect();
            assert_eq!(names, expected, "{expression:?} {classifiers:?} {license:?}");
        }
    }

    #[test]
    fn requirements() {
        let cases = [
            ("requests", Some(("requests", "install", ""))),
            ("Requests>=2.0", Some(("requests", "install", ">=2.0"))),
            ("zope.interface >= 5.0, < 6", Some(("zope-interface", "install", ">=5.0,<6"))),
            ("foo (>=1.0,<2)", Some(("foo", "install", ">=1.0,<2"))),
            ("foo(==1.*)", Some(("foo", "install", "==1.*"))),
            ("requests[socks,security] ~= 2.8 ; python_version >= '3.8'", Some(("requests", "install", "~=2.8"))),
            ("pytest; extra == \"test\"", Some(("pytest", "extra:test", ""))),
            ("pytest ; 'Test_Suite' == extra", Some(("pytest", "extra:test-suite", ""))),
            ("pytest>=7 ; python_version>='3.8' and extra=='dev'", Some(("pytest", "extra:dev", ">=7"))),
            ("pywin32 ; sys_platform == 'win32'", Some(("pywin32", "install", ""))),
            (
                "pip @ https://github.com/pypa/pip/archive/22.0.zip ; extra == 'vendored'",
                Some(("pip", "extra:vendored", "@ https://github.com/pypa/pip/archive/22.0.zip")),
            ),
            ("name@file:///tmp/x;y.whl", Some(("name", "install", "@ file:///tmp/x;y.whl"))),
            ("foo ===1.0-weird", Some(("foo", "install", "===1.0-weird"))),
            ("", None),
            ("-foo >= 1", None),
            (">=1.0", None),
            ("foo[bar >= 1", None),
        ];
        for (requirement, expected) in cases {
            let got = parse_requirement(requirement);
            let got =
                got.as_ref().map(|d| (d.package.as_str(), d.dependency_type.as_str(), d.version_requirement.as_str()));
            assert_eq!(got, expected, "{requirement}");
        }
    }

    #[test]
    fn duplicate_requirements_are_kept_once() {
        let m = CoreMetadata {
            requires_dist: vec!["foo>=1".into(), "foo >= 1".into(), "foo>=1; extra == 'x'".into(), "foo>=2".into()],
            ..CoreMetadata::default()
        };
        let deps = m.version_metadata().dependencies;
        assert_eq!(deps.len(), 3, "{deps:?}");
    }

    #[test]
    fn large_input_is_linear() {
        // 200,000 continuation lines and 100,000 classifiers: quadratic code would take minutes.
        let mut text = String::from("Metadata-Version: 2.1\nName: foo\nVersion: 1.0\nDescription: start\n");
        for _ in 0..200_000 {
            text.push_str("        a line of the description\n");
        }
        for i in 0..100_000 {
            text.push_str(&format!("Classifier: Topic :: {i}\n"));
        }
        let m = parse(&text);
        assert_eq!(m.classifiers.len(), 100_000);
        assert_eq!(m.description.as_deref().map(|d| d.lines().count()), Some(200_001));
    }
}
