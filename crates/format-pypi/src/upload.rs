//! The legacy upload API that twine and `uv publish` use: a `multipart/form-data` POST with
//! `:action=file_upload`, the file in the `content` part, and the core metadata repeated as text
//! fields (<https://docs.pypi.org/api/upload/>; the field names are twine's, as warehouse's
//! `forklift` reads them).
//!
//! [`parse_upload_form`] checks the text fields on their own; [`check_upload`] then checks that
//! the form, the file name and the file's own core metadata all describe the same project,
//! version and kind of file, so what the index lists is what pip installs.

use crate::PypiError;
use crate::filename::{DistFilename, DistKind};
use crate::metadata::CoreMetadata;
use crate::name::{normalize, validate_project_name};
use crate::version::Version;

/// The text fields of an upload, checked. The file itself (`content`) is not here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadForm {
    /// `name`: the project, as the uploader spelled it (a valid project name).
    pub name: String,
    /// `version`, as the uploader spelled it (a valid PEP 440 version).
    pub version: String,
    /// `filetype`: `sdist` or `bdist_wheel`.
    pub filetype: String,
    /// `pyversion`: `source` for an sdist, the Python tag (`py3`) for a wheel.
    pub pyversion: Option<String>,
    /// `metadata_version`, e.g. `2.1`.
    pub metadata_version: Option<String>,
    /// `md5_digest`: 32 lowercase hex digits.
    pub md5_digest: Option<String>,
    /// `sha256_digest`: 64 lowercase hex digits.
    pub sha256_digest: Option<String>,
    /// Every text field as received, in order (repeated fields such as `classifiers` repeat).
    pub fields: Vec<(String, String)>,
}

/// Checks the text fields of an upload form. Refuses, saying what to do: an `:action` other than
/// `file_upload` (or none); a `protocol_version` other than `1`; a missing or invalid `name` or
/// `version`; a `filetype` other than `sdist` and `bdist_wheel`; a digest that is not hex of the
/// right length (`md5_digest` 32, `sha256_digest` and `blake2_256_digest` 64). Digests are
/// optional (twine sends them, `curl` users may not) and are lowercased; an empty one counts as
/// absent. A single-use field sent twice counts by its first value.
pub fn parse_upload_form(fields: &[(String, String)]) -> Result<UploadForm, PypiError> {
    let get = |key: &str| fields.iter().find(|(k, _)| k == key).map(|(_, v)| v.trim()).filter(|v| !v.is_empty());
    match get(":action") {
        Some("file_upload") => {}
        None => {
            return Err(PypiError::invalid(
                "the upload form has no `:action` field; send `:action=file_upload` with the file, as twine does",
            ));
        }
        Some("submit") => {
            return Err(PypiError::invalid(
                "registering a project (`:action=submit`) is not supported and not needed: upload a file with \
                 `:action=file_upload` and the project is created",
            ));
        }
        Some("doc_upload") => {
            return Err(PypiError::invalid(
                "documentation uploads (`:action=doc_upload`) are not supported; host documentation elsewhere",
            ));
        }
        Some(other) => {
            return Err(PypiError::invalid(format!(
                "the upload action `{}` is not supported; send `:action=file_upload`",
                other.escape_debug()
            )));
        }
    }
    if let Some(protocol) = get("protocol_version")
        && protocol != "1"
    {
        return Err(PypiError::invalid(format!(
            "the upload protocol version `{}` is not supported; send `protocol_version=1`",
            protocol.escape_debug()
        )));
    }
    let required = |key: &str| {
        get(key).map(str::to_owned).ok_or_else(|| {
            PypiError::invalid(format!("the upload form has no `{key}` field; upload with twine, which sends it"))
        })
    };
    let name = required("name")?;
    validate_project_name(&name)?;
    let version = required("version")?;
    Version::parse(&version)?;
    let filetype = required("filetype")?;
    if !matches!(filetype.as_str(), "sdist" | "bdist_wheel") {
        return Err(PypiError::invalid(format!(
            "the file type `{}` is not accepted; upload wheels (`bdist_wheel`) or source distributions (`sdist`)",
            filetype.escape_debug()
        )));
    }
    let digest = |key: &str, hex_len: usize| -> Result<Option<String>, PypiError> {
        let Some(value) = get(key) else { return Ok(None) };
        if value.len() != hex_len || !value.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(PypiError::invalid(format!(
                "`{key}` is `{}`, not {hex_len} hexadecimal digits; send the file's digest in hex, or leave the \
                 field out",
                value.escape_debug()
            )));
        }
        Ok(Some(value.to_ascii_lowercase()))
    };
    let md5_digest = digest("md5_digest", 32)?;
    let sha256_digest = digest("sha256_digest", 64)?;
    digest("blake2_256_digest", 64)?;
    Ok(UploadForm {
        name,
        version,
        filetype,
        pyversion: get("pyversion").map(str::to_owned),
        metadata_version: get("metadata_version").map(str::to_owned),
        md5_digest,
        sha256_digest,
        fields: fields.to_vec(),
    })
}

/// Checks that an upload is consistent: the file name's project and version are the form's
/// (PEP 503 normalized, PEP 440 equal), the form's `filetype` is the file's kind, and the file's
/// core metadata `Name` and `Version` are the form's too. Each disagreement gets its own message
/// naming both values.
pub fn check_upload(form: &UploadForm, file: &DistFilename, metadata: &CoreMetadata) -> Result<(), PypiError> {
    let form_name = normalize(&form.name);
    let form_version = Version::parse(&form.version)?;
    if !file.matches(&form.name, &form.version) {
        let project_matches = file.readings().iter().any(|(project, _)| normalize(project) == form_name);
        return Err(PypiError::invalid(if project_matches {
            format!(
                "the file `{file}` is for version `{}` but the form says `{}`; upload the file under the version it was \
                 built for",
                file.version, form.version
            )
        } else {
            format!(
                "the file `{file}` is for project `{}` but the form says `{}`; upload the file under the project it was \
                 built for",
                file.project, form.name
            )
        }));
    }
    if form.filetype != file.kind.filetype() {
        return Err(PypiError::invalid(format!(
            "the file `{file}` is {} (`{}`) but the form says `filetype` `{}`; send the file type that matches the \
             file",
            file.kind.describe(),
            file.kind.filetype(),
            form.filetype
        )));
    }
    let metadata_file = match file.kind {
        DistKind::Wheel => "METADATA",
        DistKind::Sdist => "PKG-INFO",
    };
    if normalize(&metadata.name) != form_name {
        return Err(PypiError::invalid(format!(
            "the file `{file}` says in its {metadata_file} that it is project `{}` but the form says `{}`; rebuild the \
             file from the right project",
            metadata.name, form.name
        )));
    }
    if Version::parse(&metadata.version).ok().as_ref() != Some(&form_version) {
        return Err(PypiError::invalid(format!(
            "the file `{file}` says in its {metadata_file} that it is version `{}` but the form says `{}`; rebuild the \
             file, or upload it under the version it holds",
            metadata.version, form.version
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filename::parse_filename;

    /// The fields twine 5 sends for a wheel (`twine upload --verbose` shows them).
    fn twine_fields() -> Vec<(String, String)> {
        [
            (":action", "file_upload"),
            ("protocol_version", "1"),
            ("metadata_version", "2.1"),
            ("name", "Foo_Bar"),
            ("version", "1.0.0"),
            ("filetype", "bdist_wheel"),
            ("pyversion", "py3"),
            ("summary", "A thing"),
            ("description", "# Foo\n"),
            ("description_content_type", "text/markdown"),
            ("classifiers", "Programming Language :: Python :: 3"),
            ("classifiers", "License :: OSI Approved :: MIT License"),
            ("requires_dist", "requests>=2"),
            ("requires_python", ">=3.8"),
            ("project_urls", "Source, https://example.com/src"),
            ("md5_digest", "D41D8CD98F00B204E9800998ECF8427E"),
            ("sha256_digest", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
            ("blake2_256_digest", "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
    }

    fn with(fields: &[(&str, &str)]) -> Vec<(String, String)> {
        let mut all = twine_fields();
        for (key, value) in fields {
            all.retain(|(k, _)| k != key);
            if !value.is_empty() {
                all.push(((*key).to_owned(), (*value).to_owned()));
            }
        }
        all
    }

    #[test]
    fn twine_form() {
        let form = parse_upload_form(&twine_fields()).expect("valid");
        assert_eq!(form.name, "Foo_Bar");
        assert_eq!(form.version, "1.0.0");
        assert_eq!(form.filetype, "bdist_wheel");
        assert_eq!(form.pyversion.as_deref(), Some("py3"));
        assert_eq!(form.metadata_version.as_deref(), Some("2.1"));
        assert_eq!(form.md5_digest.as_deref(), Some("d41d8cd98f00b204e9800998ecf8427e"));
        assert_eq!(
            form.sha256_digest.as_deref(),
            Some("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        );
        assert_eq!(form.fields, twine_fields());
    }

    #[test]
    fn minimal_form() {
        // What a `curl -F` user may send: no digests, no protocol version.
        let fields: Vec<(String, String)> = [
            (":action", "file_upload"),
            ("name", "foo"),
            ("version", "1.0"),
            ("filetype", "sdist"),
            ("md5_digest", ""),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let form = parse_upload_form(&fields).expect("valid");
        assert_eq!((form.md5_digest, form.sha256_digest, form.pyversion), (None, None, None));
    }

    #[test]
    fn refused_forms() {
        let cases: [(&[(&str, &str)], &str); 16] = [
            (&[(":action", "")], "has no `:action` field"),
            (&[(":action", "submit")], "`:action=submit`) is not supported"),
            (&[(":action", "doc_upload")], "documentation uploads"),
            (&[(":action", "remove_pkg")], "the upload action `remove_pkg` is not supported"),
            (&[("protocol_version", "2")], "protocol version `2` is not supported"),
            (&[("name", "")], "has no `name` field"),
            (&[("name", "foo bar")], "the project name `foo bar` holds a space"),
            (&[("version", "")], "has no `version` field"),
            (&[("version", "1.0-beta.2+x+y")], "`1.0-beta.2+x+y` is not a valid PEP 440 version"),
            (&[("filetype", "")], "has no `filetype` field"),
            (&[("filetype", "bdist_egg")], "the file type `bdist_egg` is not accepted"),
            (&[("filetype", "bdist_wininst")], "the file type `bdist_wininst` is not accepted"),
            (&[("md5_digest", "abc")], "`md5_digest` is `abc`, not 32 hexadecimal digits"),
            (&[("sha256_digest", "d41d8cd98f00b204e9800998ecf8427e")], "not 64 hexadecimal digits"),
            (&[("sha256_digest", &*"g".repeat(64))], "not 64 hexadecimal digits"),
            (&[("blake2_256_digest", "xyz")], "`blake2_256_digest` is `xyz`"),
        ];
        for (changes, expected) in cases {
            let err = parse_upload_form(&with(changes)).expect_err(expected);
            assert!(err.message().contains(expected), "{changes:?}: {}", err.message());
        }
    }

    fn metadata(name: &str, version: &str) -> CoreMetadata {
        CoreMetadata {
            metadata_version: "2.1".into(),
            name: name.into(),
            version: version.into(),
            ..CoreMetadata::default()
        }
    }

    fn form(name: &str, version: &str, filetype: &str) -> UploadForm {
        parse_upload_form(&with(&[("name", name), ("version", version), ("filetype", filetype)])).expect("valid form")
    }

    #[test]
    fn consistent_uploads() {
        let cases = [
            ("Foo_Bar", "1.0.0", "bdist_wheel", "foo_bar-1.0.0-py3-none-any.whl", "Foo-Bar", "1.0.0"),
            ("foo.bar", "1.0", "bdist_wheel", "foo_bar-1.0.0-py3-none-any.whl", "FOO_BAR", "v1.0"),
            ("foo", "1.0rc1", "sdist", "foo-1.0rc1.tar.gz", "foo", "1.0c1"),
            ("python-dateutil", "2.8.2", "sdist", "python-dateutil-2.8.2.zip", "python_dateutil", "2.8.2"),
            ("foo-1.0", "1", "sdist", "foo-1.0-1.tar.gz", "foo-1.0", "1"),
        ];
        for (name, version, filetype, filename, meta_name, meta_version) in cases {
            let file = parse_filename(filename).expect(filename);
            assert_eq!(
                check_upload(&form(name, version, filetype), &file, &metadata(meta_name, meta_version)),
                Ok(()),
                "{filename}"
            );
        }
    }

    #[test]
    fn inconsistent_uploads() {
        let cases = [
            (
                ("foo", "1.1", "bdist_wheel"),
                "foo-1.0-py3-none-any.whl",
                ("foo", "1.1"),
                "the file `foo-1.0-py3-none-any.whl` is for version `1.0` but the form says `1.1`",
            ),
            (
                ("bar", "1.0", "bdist_wheel"),
                "foo-1.0-py3-none-any.whl",
                ("bar", "1.0"),
                "the file `foo-1.0-py3-none-any.whl` is for project `foo` but the form says `bar`",
            ),
            (
                ("foo", "1.0", "sdist"),
                "foo-1.0-py3-none-any.whl",
                ("foo", "1.0"),
                "the file `foo-1.0-py3-none-any.whl` is a wheel (`bdist_wheel`) but the form says `filetype` `sdist`",
            ),
            (
                ("foo", "1.0", "bdist_wheel"),
                "foo-1.0.tar.gz",
                ("foo", "1.0"),
                "the file `foo-1.0.tar.gz` is a source distribution (`sdist`) but the form says `filetype` `bdist_wheel`",
            ),
            (
                ("foo", "1.0", "bdist_wheel"),
                "foo-1.0-py3-none-any.whl",
                ("evil", "1.0"),
                "the file `foo-1.0-py3-none-any.whl` says in its METADATA that it is project `evil` but the form says `foo`",
            ),
            (
                ("foo", "1.0", "sdist"),
                "foo-1.0.tar.gz",
                ("foo", "2.0"),
                "the file `foo-1.0.tar.gz` says in its PKG-INFO that it is version `2.0` but the form says `1.0`",
            ),
            (
                ("foo", "1.0", "sdist"),
                "foo-1.0.tar.gz",
                ("foo", "1.0+local"),
                "says in its PKG-INFO that it is version `1.0+local` but the form says `1.0`",
            ),
        ];
        for ((name, version, filetype), filename, (meta_name, meta_version), expected) in cases {
            let file = parse_filename(filename).expect(filename);
            let err = check_upload(&form(name, version, filetype), &file, &metadata(meta_name, meta_version))
                .expect_err(expected);
            assert!(err.message().contains(expected), "{expected}\n{}", err.message());
        }
    }
}
