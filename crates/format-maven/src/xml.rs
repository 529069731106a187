//! The XML reading POMs and repository metadata share: a walk over the elements of a document
//! that hands each element's path and text to a visitor, under limits.
//!
//! Safe by construction: a `<!DOCTYPE>` is refused (so no entity is ever declared, let alone
//! expanded), references other than XML's five predefined entities and character references are
//! refused, nesting is bounded, and the work is linear in the size of the document (which the
//! caller bounds). Documents are UTF-8; one that is not, but declares ISO-8859-1 or windows-1252
//! (old POMs do), is transcoded first. Namespaces are ignored: elements match by local name.

use std::borrow::Cow;

use quick_xml::Reader;
use quick_xml::events::{BytesRef, Event};

use crate::MavenError;

/// The deepest nesting of elements accepted (plugin configurations in POMs nest, but not this deep).
pub(crate) const MAX_DEPTH: usize = 100;

/// What the walk reports.
#[derive(Debug)]
pub(crate) enum Node<'a> {
    /// An element starts; the path runs from the root element to it (`["project", "dependencies",
    /// "dependency"]`).
    Open(&'a [&'a str]),
    /// An element ends, with its text (entities resolved, surrounding whitespace trimmed; only
    /// the text after its last child element, which for a leaf is all of it).
    Close(&'a [&'a str], &'a str),
}

/// Walks the elements of `bytes`, a document whose root element must be `root`. `what` names the
/// document in messages (`the POM`, `the metadata`).
pub(crate) fn walk(
    bytes: &[u8],
    what: &str,
    root: &str,
    mut visit: impl FnMut(Node<'_>) -> Result<(), MavenError>,
) -> Result<(), MavenError> {
    let text = decode(bytes, what)?;
    let mut reader = Reader::from_str(&text);
    reader.config_mut().expand_empty_elements = true;
    let mut path: Vec<String> = Vec::new();
    let mut content = String::new();
    let mut seen_root = false;
    loop {
        let event = reader.read_event().map_err(|e| {
            MavenError::invalid(format!(
                "{what} is not well-formed XML: {e} (at byte {}); check that it is the file mvn wrote",
                reader.error_position()
            ))
        })?;
        match event {
            Event::Start(start) => {
                let name = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
                if path.is_empty() {
                    if seen_root {
                        return Err(MavenError::invalid(format!(
                            "{what} has a second root element `<{name}>`; an XML document has one"
                        )));
                    }
                    if name != root {
                        return Err(MavenError::invalid(format!(
                            "{what} has the root element `<{name}>`, not `<{root}>`"
                        )));
                    }
                    seen_root = true;
                }
                if path.len() >= MAX_DEPTH {
                    return Err(MavenError::invalid(format!(
                        "{what} nests elements more than {MAX_DEPTH} deep; no Maven document does"
                    )));
                }
                path.push(name);
                content.clear();
                let names: Vec<&str> = path.iter().map(String::as_str).collect();
                visit(Node::Open(&names))?;
            }
            Event::End(_) => {
                {
                    let names: Vec<&str> = path.iter().map(String::as_str).collect();
                    visit(Node::Close(&names, content.trim()))?;
                }
                path.pop();
                content.clear();
            }
            Event::Text(t) => {
                if !path.is_empty() {
                    let s = t.xml10_content().map_err(|e| MavenError::invalid(format!("{what}: {e}")))?;
                    content.push_str(&s);
                }
            }
            Event::CData(t) => {
                if !path.is_empty() {
                    let s = t.xml10_content().map_err(|e| MavenError::invalid(format!("{what}: {e}")))?;
                    content.push_str(&s);
                }
            }
            Event::GeneralRef(r) => {
                let c = resolve_reference(&r, what)?;
                if !path.is_empty() {
                    content.push(c);
                }
            }
            Event::DocType(_) => {
                return Err(MavenError::invalid(format!(
                    "{what} has a `<!DOCTYPE>`; Maven documents have none, and entity declarations are refused"
                )));
            }
            Event::Eof => break,
            Event::Empty(_) | Event::Comment(_) | Event::Decl(_) | Event::PI(_) => {}
        }
    }
    if let Some(open) = path.last() {
        return Err(MavenError::invalid(format!("{what} ends inside `<{open}>`; it is truncated")));
    }
    if !seen_root {
        return Err(MavenError::invalid(format!("{what} has no `<{root}>` element; it is not a Maven document")));
    }
    Ok(())
}

/// The character of a reference: one of the five predefined entities or a character reference.
fn resolve_reference(r: &BytesRef<'_>, what: &str) -> Result<char, MavenError> {
    let name = r.decode().map_err(|e| MavenError::invalid(format!("{what}: {e}")))?;
    if r.is_char_ref() {
        return match r.resolve_char_ref() {
            Ok(Some(c)) => Ok(c),
            _ => Err(MavenError::invalid(format!("{what} holds the invalid character reference `&{name};`"))),
        };
    }
    match name.as_ref() {
        "amp" => Ok('&'),
        "lt" => Ok('<'),
        "gt" => Ok('>'),
        "quot" => Ok('"'),
        "apos" => Ok('\''),
        _ => Err(MavenError::invalid(format!(
            "{what} refers to the entity `&{name};`, which XML does not define; only `&amp;`, `&lt;`, `&gt;`, \
             `&quot;`, `&apos;` and character references are accepted"
        ))),
    }
}

/// The document as text: UTF-8 (without a byte order mark), or ISO-8859-1 / windows-1252 when it
/// is not UTF-8 and declares one of those.
fn decode<'a>(bytes: &'a [u8], what: &str) -> Result<Cow<'a, str>, MavenError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok(Cow::Borrowed(s));
    }
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Err(MavenError::invalid(format!("{what} is UTF-16; save it as UTF-8")));
    }
    let encoding = declared_encoding(bytes).map(|e| e.to_ascii_lowercase());
    match encoding.as_deref() {
        Some("iso-8859-1" | "iso8859-1" | "iso8859_1" | "iso_8859-1" | "latin1" | "latin-1" | "l1") => {
            Ok(Cow::Owned(bytes.iter().map(|&b| char::from(b)).collect()))
        }
        Some("windows-1252" | "cp1252") => Ok(Cow::Owned(bytes.iter().map(|&b| windows_1252(b)).collect())),
        Some(other) => Err(MavenError::invalid(format!(
            "{what} declares the encoding `{other}` and is not UTF-8; save it as UTF-8"
        ))),
        None => Err(MavenError::invalid(format!("{what} is not UTF-8; save it as UTF-8"))),
    }
}

/// The `encoding` of an XML declaration at the start of the document.
fn declared_encoding(bytes: &[u8]) -> Option<String> {
    let head = bytes.get(..bytes.len().min(200))?;
    if !head.starts_with(b"<?xml") {
        return None;
    }
    let end = head.windows(2).position(|w| w == b"?>")?;
    let decl = std::str::from_utf8(&head[..end]).ok()?;
    let after = &decl[decl.find("encoding")? + "encoding".len()..];
    let after = after.trim_start().strip_prefix('=')?.trim_start();
    let quote = after.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let value = &after[1..];
    Some(value[..value.find(quote)?].to_owned())
}

/// A windows-1252 byte as a character (the bytes it leaves undefined map to the same code point,
/// as browsers do).
fn windows_1252(b: u8) -> char {
    const HIGH: [char; 32] = [
        '\u{20AC}', '\u{81}', '\u{201A}', '\u{192}', '\u{201E}', '\u{2026}', '\u{2020}', '\u{2021}', '\u{2C6}',
        '\u{2030}', '\u{160}', '\u{2039}', '\u{152}', '\u{8D}', '\u{17D}', '\u{8F}', '\u{90}', '\u{2018}', '\u{2019}',
        '\u{201C}', '\u{201D}', '\u{2022}', '\u{2013}', '\u{2014}', '\u{2DC}', '\u{2122}', '\u{161}', '\u{203A}',
        '\u{153}', '\u{9D}', '\u{17E}', '\u{178}',
    ];
    match b {
        0x80..=0x9F => HIGH[usize::from(b - 0x80)],
        _ => char::from(b),
    }
}

/// Escapes text for element content.
pub(crate) fn escape(s: &str) -> Cow<'_, str> {
    quick_xml::escape::escape(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every leaf as `path=text`, and every container opening as `path{`.
    fn events(doc: &[u8], root: &str) -> Result<Vec<String>, MavenError> {
        let mut out = Vec::new();
        walk(doc, "the document", root, |node| {
            match node {
                Node::Open(path) => out.push(format!("{}{{", path.join("/"))),
                Node::Close(path, text) => out.push(format!("{}={text}", path.join("/"))),
            }
            Ok(())
        })?;
        Ok(out)
    }

    #[test]
    fn walks_elements_with_their_text() {
        let doc = br#"<?xml version="1.0" encoding="UTF-8"?>
<!-- a comment -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <name> Tom &amp; Jerry &lt;3 &#x263A; &#9731; </name>
  <empty/>
  <cdata><![CDATA[a <b> & c]]></cdata>
  <pom:url xmlns:pom="http://maven.apache.org/POM/4.0.0">https://example.com/?a=1&amp;b=2</pom:url>
</project>"#;
        assert_eq!(
            events(doc, "project").expect("a valid document"),
            [
                "project{",
                "project/name{",
                "project/name=Tom & Jerry <3 \u{263A} \u{2603}",
                "project/empty{",
                "project/empty=",
                "project/cdata{",
                "project/cdata=a <b> & c",
                "project/url{",
                "project/url=https://example.com/?a=1&b=2",
                "project=",
            ]
        );
    }

    #[test]
    fn decodes_declared_legacy_encodings() {
        let latin1 = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><project><name>J\xF6rg</name></project>";
        assert!(events(latin1, "project").expect("latin-1").contains(&"project/name=J\u{f6}rg".to_owned()));
        let cp1252 = b"<?xml version='1.0' encoding='windows-1252'?><project><name>\x93q\x94 \x80</name></project>";
        assert!(
            events(cp1252, "project").expect("cp1252").contains(&"project/name=\u{201C}q\u{201D} \u{20AC}".to_owned())
        );
        let bom = b"\xEF\xBB\xBF<project><name>x</name></project>";
        assert!(events(bom, "project").expect("BOM").contains(&"project/name=x".to_owned()));
    }

    #[test]
    fn refusals() {
        let billion_laughs = br#"<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<project><name>&lol2;</name></project>"#;
        let external =
            br#"<?xml version="1.0"?><!DOCTYPE p [<!ENTITY x SYSTEM "file:///etc/passwd">]><project>&x;</project>"#;
        let deep = format!("<project>{}{}</project>", "<a>".repeat(MAX_DEPTH), "</a>".repeat(MAX_DEPTH));
        let cases: Vec<(&[u8], &str)> = vec![
            (billion_laughs, "has a `<!DOCTYPE>`"),
            (external, "has a `<!DOCTYPE>`"),
            (b"<project><name>&lol;</name></project>", "the entity `&lol;`"),
            (b"<project><name>&#0;</name></project>", "invalid character reference"),
            (b"<metadata/>", "the root element `<metadata>`, not `<project>`"),
            (b"<project><name>x</project>", "not well-formed XML"),
            (b"<project><name>x</name>", "ends inside `<project>`"),
            (b"<project/><project/>", "a second root element"),
            (b"", "has no `<project>` element"),
            (b"just text", "has no `<project>` element"),
            (b"{\"name\": \"not xml\"}", "has no `<project>` element"),
            (b"<project><name>\xFF</name></project>", "is not UTF-8"),
            (b"<?xml version=\"1.0\" encoding=\"Shift_JIS\"?><project>\x82\xA0</project>", "`shift_jis`"),
            (b"\xFF\xFE<\x00p\x00", "is UTF-16"),
            (deep.as_bytes(), "more than 100 deep"),
        ];
        for (doc, expected) in cases {
            let err = events(doc, "project").expect_err(expected);
            assert!(err.message().contains(expected), "{expected}: {}", err.message());
        }
    }

    #[test]
    fn escapes_text() {
        assert_eq!(escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&apos;");
        assert_eq!(escape("1.0"), "1.0");
    }
}
