//! Distribution file names: wheels (the binary distribution format, PEP 427,
//! <https://packaging.python.org/en/latest/specifications/binary-distribution-format/>) and source
//! distributions (<https://packaging.python.org/en/latest/specifications/source-distribution-format/>).
//!
//! Only what twine uploads today is accepted: `.whl`, `.tar.gz`, and the legacy `.zip` sdist. Eggs,
//! installers and other archive kinds are refused with a message saying what to upload instead.
//! Every accepted name is also a safe single path segment: printable ASCII without spaces, no `/`,
//! `\` or `..`,
//! no leading `.`, at most [`MAX_FILENAME_LEN`] bytes.

use std::fmt;

use crate::PypiError;
use crate::name::{describe_char, normalize, validate_project_name};
use crate::version::Version;

/// The longest file name accepted: what common file systems allow.
pub const MAX_FILENAME_LEN: usize = 255;

/// What a distribution file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DistKind {
    /// A wheel (`.whl`).
    Wheel,
    /// A source distribution (`.tar.gz`, or a legacy `.zip`).
    Sdist,
}

impl DistKind {
    /// The upload form's `filetype` for this kind: `bdist_wheel` or `sdist`.
    pub fn filetype(self) -> &'static str {
        match self {
            Self::Wheel => "bdist_wheel",
            Self::Sdist => "sdist",
        }
    }

    /// How messages name this kind: `a wheel` or `a source distribution`.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Wheel => "a wheel",
            Self::Sdist => "a source distribution",
        }
    }
}

/// The archive format of a distribution file, from its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ArchiveFormat {
    /// A zip archive: every wheel (`.whl`), and legacy sdists (`.zip`).
    Zip,
    /// A gzip-compressed tar archive (`.tar.gz`): sdists.
    TarGz,
}

/// A parsed distribution file name. Project and version are kept as spelled in the file name, so
/// [`Display`](fmt::Display) gives back the exact name that was parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DistFilename {
    /// Wheel or sdist.
    pub kind: DistKind,
    /// The archive format, from the extension (`.whl` and `.zip` are zip, `.tar.gz` is tar + gzip).
    pub archive: ArchiveFormat,
    /// The project as spelled in the file name (wheels write `_` for `-`: `typing_extensions`).
    pub project: String,
    /// The version as spelled in the file name; a valid PEP 440 version.
    pub version: String,
    /// A wheel's build tag (`1` in `foo-1.0-1-py3-none-any.whl`); always starts with a digit.
    pub build: Option<String>,
    /// A wheel's Python tag, e.g. `py3` or `cp311.cp312`.
    pub python_tag: Option<String>,
    /// A wheel's ABI tag, e.g. `none` or `cp311`.
    pub abi_tag: Option<String>,
    /// A wheel's platform tag, e.g. `any` or `manylinux_2_17_x86_64.manylinux2014_x86_64`.
    pub platform_tag: Option<String>,
}

const ACCEPTED: &str = "upload a wheel (`.whl`) or a source distribution (`.tar.gz`, or a legacy `.zip`)";

/// Parses a distribution file name, refusing anything that is not a safe name of a wheel or an
/// sdist with a valid project name and a PEP 440 version.
///
/// A legacy sdist's project name may hold `-` (`python-dateutil-2.8.2.tar.gz`): the name is split
/// at the first `-` after which a PEP 440 version follows (`foo-bar-1.0-1.tar.gz` is `foo-bar`
/// `1.0-1`). [`DistFilename::matches`] also accepts the other splits, so an unusual name is
/// still matched against what the uploader declared.
pub fn parse_filename(name: &str) -> Result<DistFilename, PypiError> {
    check_safe(name)?;
    if let Some(stem) = name.strip_suffix(".whl") {
        return parse_wheel(name, stem);
    }
    for (extension, archive) in [(".tar.gz", ArchiveFormat::TarGz), (".zip", ArchiveFormat::Zip)] {
        if let Some(stem) = name.strip_suffix(extension) {
            return parse_sdist(name, stem, archive);
        }
    }
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".egg") {
        return Err(PypiError::invalid(format!(
            "`{name}` is an egg; eggs are no longer accepted, build a wheel instead (`python -m build`)"
        )));
    }
    if [".whl", ".tar.gz", ".zip"].iter().any(|ext| lower.ends_with(ext)) {
        return Err(PypiError::invalid(format!(
            "`{name}` has an upper-case extension; rename it with a lower-case one (`.whl`, `.tar.gz` or `.zip`)"
        )));
    }
    Err(PypiError::invalid(format!("`{name}` is not a kind of file this repository accepts; {ACCEPTED}")))
}

impl DistFilename {
    /// The project's PEP 503 normalized name (`typing_extensions` → `typing-extensions`).
    pub fn normalized_project(&self) -> String {
        normalize(&self.project)
    }

    /// The file extension, with its dot: `.whl`, `.tar.gz` or `.zip`.
    pub fn extension(&self) -> &'static str {
        match (self.kind, self.archive) {
            (DistKind::Wheel, _) => ".whl",
            (DistKind::Sdist, ArchiveFormat::TarGz) => ".tar.gz",
            (DistKind::Sdist, ArchiveFormat::Zip) => ".zip",
        }
    }

    /// Whether this file belongs to `project` (compared PEP 503 normalized) at `version` (compared
    /// by PEP 440 equality, so `1.0` matches `1.0.0`). For a legacy sdist whose name could be split
    /// more than one way, any split that gives a valid version counts.
    pub fn matches(&self, project: &str, version: &str) -> bool {
        let Ok(version) = Version::parse(version) else { return false };
        let project = normalize(project);
        self.readings().iter().any(|(p, v)| normalize(p) == project && Version::parse(v).is_ok_and(|v| v == version))
    }

    /// Every (project, version) reading of the name: one for a wheel; for an sdist, every split
    /// of `{project}-{version}` at a `-`, whether or not the version part is valid.
    pub(crate) fn readings(&self) -> Vec<(String, String)> {
        match self.kind {
            DistKind::Wheel => vec![(self.project.clone(), self.version.clone())],
            DistKind::Sdist => {
                let joined = format!("{}-{}", self.project, self.version);
                joined.match_indices('-').map(|(i, _)| (joined[..i].to_owned(), joined[i + 1..].to_owned())).collect()
            }
        }
    }
}

impl fmt::Display for DistFilename {
    /// The file name exactly as parsed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.project, self.version)?;
        if let Some(build) = &self.build {
            write!(f, "-{build}")?;
        }
        if let (Some(python), Some(abi), Some(platform)) = (&self.python_tag, &self.abi_tag, &self.platform_tag) {
            write!(f, "-{python}-{abi}-{platform}")?;
        }
        f.write_str(self.extension())
    }
}

/// Refuses names that are not a single, printable, reasonably short path segment.
fn check_safe(name: &str) -> Result<(), PypiError> {
    if name.is_empty() {
        return Err(PypiError::invalid(format!("the file name is empty; {ACCEPTED}")));
    }
    let shown = name.escape_debug();
    if name.len() > MAX_FILENAME_LEN {
        return Err(PypiError::invalid(format!(
            "the file name `{}…` is {} bytes long; file names are limited to {MAX_FILENAME_LEN}",
            name.chars().take(40).collect::<String>().escape_debug(),
            name.len()
        )));
    }
    if let Some(bad) = name.chars().find(|c| !c.is_ascii_graphic()) {
        return Err(PypiError::invalid(format!(
            "the file name `{shown}` holds {}; distribution file names hold only printable ASCII, without spaces",
            describe_char(bad)
        )));
    }
    if name.contains(['/', '\\']) {
        return Err(PypiError::invalid(format!(
            "the file name `{shown}` holds a path separator; upload the file under its own name, without directories"
        )));
    }
    if name.starts_with('.') || name.contains("..") {
        return Err(PypiError::invalid(format!(
            "the file name `{shown}` starts with `.` or holds `..`; distribution file names do neither"
        )));
    }
    Ok(())
}

/// `{distribution}-{version}(-{build tag})?-{python tag}-{abi tag}-{platform tag}`.
fn parse_wheel(name: &str, stem: &str) -> Result<DistFilename, PypiError> {
    let parts: Vec<&str> = stem.split('-').collect();
    let (project, version, build, tags) = match parts.as_slice() {
        [project, version, python, abi, platform] => (*project, *version, None, [*python, *abi, *platform]),
        [project, version, build, python, abi, platform] => {
            (*project, *version, Some(*build), [*python, *abi, *platform])
        }
        _ => {
            return Err(PypiError::invalid(format!(
                "`{name}` is not a valid wheel file name: it has {} parts separated by `-` where wheels have 5 or 6, \
                 `{{distribution}}-{{version}}(-{{build tag}})?-{{python tag}}-{{abi tag}}-{{platform tag}}.whl`; \
                 build the wheel with `python -m build` and upload it without renaming it",
                parts.len()
            )));
        }
    };
    check_project(name, project)?;
    check_version(name, version)?;
    if let Some(build) = build
        && !(build.starts_with(|c: char| c.is_ascii_digit())
            && build.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
    {
        return Err(PypiError::invalid(format!(
            "`{name}` has the build tag `{build}`, but a wheel's build tag starts with a digit and holds only \
             letters, digits and `_`; fix the file name"
        )));
    }
    for (tag, what) in tags.iter().zip(["Python", "ABI", "platform"]) {
        if tag.is_empty() || !tag.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.')) {
            return Err(PypiError::invalid(format!(
                "`{name}` has the {what} tag `{tag}`, which is not a valid wheel tag (letters, digits, `_` and `.`); \
                 fix the file name"
            )));
        }
    }
    let [python, abi, platform] = tags.map(|t| Some(t.to_owned()));
    Ok(DistFilename {
        kind: DistKind::Wheel,
        archive: ArchiveFormat::Zip,
        project: project.to_owned(),
        version: version.to_owned(),
        build: build.map(str::to_owned),
        python_tag: python,
        abi_tag: abi,
        platform_tag: platform,
    })
}

/// `{name}-{version}`, the name possibly holding `-` (legacy sdists).
fn parse_sdist(name: &str, stem: &str, archive: ArchiveFormat) -> Result<DistFilename, PypiError> {
    let split = stem
        .match_indices('-')
        .map(|(i, _)| i)
        .find(|&i| validate_project_name(&stem[..i]).is_ok() && Version::parse(&stem[i + 1..]).is_ok());
    let Some(i) = split else {
        // Explain with the simplest reading: everything up to the last `-` is the project.
        return Err(match stem.rfind('-') {
            None => PypiError::invalid(format!(
                "`{name}` is not a valid source distribution file name: it has no `-` between the project and the \
                 version (`{{name}}-{{version}}{}`); build it with `python -m build --sdist`",
                if archive == ArchiveFormat::Zip { ".zip" } else { ".tar.gz" }
            )),
            Some(i) => {
                check_project(name, &stem[..i])?;
                check_version(name, &stem[i + 1..])?;
                PypiError::invalid(format!("`{name}` is not a valid source distribution file name"))
            }
        });
    };
    Ok(DistFilename {
        kind: DistKind::Sdist,
        archive,
        project: stem[..i].to_owned(),
        version: stem[i + 1..].to_owned(),
        build: None,
        python_tag: None,
        abi_tag: None,
        platform_tag: None,
    })
}

fn check_project(file: &str, project: &str) -> Result<(), PypiError> {
    validate_project_name(project).map_err(|err| {
        PypiError::invalid(format!("`{file}` does not start with a valid project name: {}", err.message()))
    })
}

fn check_version(file: &str, version: &str) -> Result<(), PypiError> {
    Version::parse(version)
        .map(drop)
        .map_err(|err| PypiError::invalid(format!("`{file}` does not hold a valid version: {}", err.message())))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn parse(name: &str) -> DistFilename {
        parse_filename(name).unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    #[test]
    fn wheels() {
        // (file name, project, version, build, python, abi, platform)
        let cases = [
            ("requests-2.31.0-py3-none-any.whl", "requests", "2.31.0", None, "py3", "none", "any"),
            ("six-1.16.0-py2.py3-none-any.whl", "six", "1.16.0", None, "py2.py3", "none", "any"),
            ("typing_extensions-4.8.0-py3-none-any.whl", "typing_extensions", "4.8.0", None, "py3", "none", "any"),
            (
                "numpy-1.26.2-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
                "numpy",
                "1.26.2",
                None,
                "cp311",
                "cp311",
                "manylinux_2_17_x86_64.manylinux2014_x86_64",
            ),
            ("torch-2.1.0+cpu-cp311-cp311-win_amd64.whl", "torch", "2.1.0+cpu", None, "cp311", "cp311", "win_amd64"),
            ("foo-1.0-1-py3-none-any.whl", "foo", "1.0", Some("1"), "py3", "none", "any"),
            ("foo-1.0-2_local-py3-none-any.whl", "foo", "1.0", Some("2_local"), "py3", "none", "any"),
            (
                "zope.interface-6.1-cp312-cp312-macosx_11_0_arm64.whl",
                "zope.interface",
                "6.1",
                None,
                "cp312",
                "cp312",
                "macosx_11_0_arm64",
            ),
            ("Django-4.2.7-py3-none-any.whl", "Django", "4.2.7", None, "py3", "none", "any"),
            ("pkg-1.0rc1-cp311.cp312-abi3-any.whl", "pkg", "1.0rc1", None, "cp311.cp312", "abi3", "any"),
        ];
        for (name, project, version, build, python, abi, platform) in cases {
            let parsed = parse(name);
            assert_eq!(parsed.kind, DistKind::Wheel, "{name}");
            assert_eq!(parsed.archive, ArchiveFormat::Zip, "{name}");
            assert_eq!(parsed.project, project, "{name}");
            assert_eq!(parsed.version, version, "{name}");
            assert_eq!(parsed.build.as_deref(), build, "{name}");
            assert_eq!(parsed.python_tag.as_deref(), Some(python), "{name}");
            assert_eq!(parsed.abi_tag.as_deref(), Some(abi), "{name}");
            assert_eq!(parsed.platform_tag.as_deref(), Some(platform), "{name}");
            assert_eq!(parsed.to_string(), name, "Display gives the name back");
            assert_eq!(parsed.kind.filetype(), "bdist_wheel");
        }
    }

    #[test]
    fn sdists() {
        // (file name, project, version, archive)
        let cases = [
            ("requests-2.31.0.tar.gz", "requests", "2.31.0", ArchiveFormat::TarGz),
            ("typing_extensions-4.8.0.tar.gz", "typing_extensions", "4.8.0", ArchiveFormat::TarGz),
            ("python-dateutil-2.8.2.tar.gz", "python-dateutil", "2.8.2", ArchiveFormat::TarGz),
            ("django-debug-toolbar-4.2.0.tar.gz", "django-debug-toolbar", "4.2.0", ArchiveFormat::TarGz),
            ("zope.interface-6.1.tar.gz", "zope.interface", "6.1", ArchiveFormat::TarGz),
            ("foo-1.0.zip", "foo", "1.0", ArchiveFormat::Zip),
            ("Foo-Bar-1.0rc1.zip", "Foo-Bar", "1.0rc1", ArchiveFormat::Zip),
            ("foo-1.0-1.tar.gz", "foo", "1.0-1", ArchiveFormat::TarGz),
            ("foo-bar-1.0-beta.tar.gz", "foo-bar", "1.0-beta", ArchiveFormat::TarGz),
            ("pyqt5-sip-12.13.0.tar.gz", "pyqt5-sip", "12.13.0", ArchiveFormat::TarGz),
            ("foo-2fa-1.0.tar.gz", "foo-2fa", "1.0", ArchiveFormat::TarGz),
            ("foo-1.0+local.tar.gz", "foo", "1.0+local", ArchiveFormat::TarGz),
        ];
        for (name, project, version, archive) in cases {
            let parsed = parse(name);
            assert_eq!(parsed.kind, DistKind::Sdist, "{name}");
            assert_eq!(parsed.archive, archive, "{name}");
            assert_eq!(parsed.project, project, "{name}");
            assert_eq!(parsed.version, version, "{name}");
            assert_eq!(
                (&parsed.build, &parsed.python_tag, &parsed.abi_tag, &parsed.platform_tag),
                (&None, &None, &None, &None)
            );
            assert_eq!(parsed.to_string(), name, "Display gives the name back");
            assert_eq!(parsed.kind.filetype(), "sdist");
        }
    }

    #[test]
    fn refused() {
        let long = format!("{}-1.0.tar.gz", "a".repeat(250));
        let cases = [
            ("", "the file name is empty"),
            ("foo-1.0.tar.bz2", "is not a kind of file this repository accepts"),
            ("foo-1.0.tgz", "is not a kind of file this repository accepts"),
            ("foo-1.0.tar", "is not a kind of file this repository accepts"),
            ("foo-1.0.exe", "is not a kind of file this repository accepts"),
            ("foo-1.0.msi", "is not a kind of file this repository accepts"),
            ("foo", "is not a kind of file this repository accepts"),
            ("foo-1.0-py3.7.egg", "eggs are no longer accepted"),
            ("foo-1.0-py3-none-any.WHL", "upper-case extension"),
            ("foo-1.0.TAR.GZ", "upper-case extension"),
            ("../foo-1.0.tar.gz", "holds a path separator"),
            ("dir/foo-1.0.tar.gz", "holds a path separator"),
            ("dir\\foo-1.0.tar.gz", "holds a path separator"),
            ("foo-1.0..tar.gz", "holds `..`"),
            (".foo-1.0.tar.gz", "starts with `.`"),
            ("foo-1.0\0.tar.gz", "holds the control character U+0000"),
            ("foo-1.0\n.tar.gz", "holds the control character U+000A"),
            ("foo 1.0.tar.gz", "holds a space"),
            ("föo-1.0.tar.gz", "holds `ö`"),
            (long.as_str(), "bytes long"),
            ("foo-py3-none-any.whl", "it has 4 parts separated by `-`"),
            ("foo-1.0-1-2-py3-none-any.whl", "it has 7 parts separated by `-`"),
            ("foo-bar-1.0-py3-none-any.whl", "is not a valid PEP 440 version"),
            ("foo-1.0-x1-py3-none-any.whl", "build tag `x1`"),
            ("foo-1.0-py3--any.whl", "the ABI tag ``"),
            ("foo-1.0-py3-none-any+x.whl", "the platform tag `any+x`"),
            ("-1.0-py3-none-any.whl", "does not start with a valid project name"),
            ("foo-banana-py3-none-any.whl", "`banana` is not a valid PEP 440 version"),
            ("foo.tar.gz", "has no `-` between the project and the version"),
            ("foo-latest.tar.gz", "`latest` is not a valid PEP 440 version"),
            ("foo-bar-.tar.gz", "is not a valid PEP 440 version"),
            ("-1.0.tar.gz", "does not start with a valid project name"),
            ("foo+x-1.0.zip", "holds `+`"),
        ];
        for (name, expected) in cases {
            let err = parse_filename(name).expect_err(name);
            assert!(err.message().contains(expected), "{name:?}: {}", err.message());
        }
    }

    #[test]
    fn matching() {
        let cases = [
            ("requests-2.31.0-py3-none-any.whl", "requests", "2.31.0", true),
            ("requests-2.31.0-py3-none-any.whl", "Requests", "2.31", true),
            ("requests-2.31.0-py3-none-any.whl", "requests", "2.31.1", false),
            ("requests-2.31.0-py3-none-any.whl", "REQUESTS", "2.31.0.0", true),
            ("typing_extensions-4.8.0-py3-none-any.whl", "typing-extensions", "4.8.0", true),
            ("typing_extensions-4.8.0-py3-none-any.whl", "Typing.Extensions", "v4.8", true),
            ("foo-1.0-py3-none-any.whl", "foo", "1.0.post0", false),
            ("foo-1.0-py3-none-any.whl", "foo", "not a version", false),
            ("foo-1.0-py3-none-any.whl", "bar", "1.0", false),
            ("foo-1.0rc1.tar.gz", "foo", "1.0c1", true),
            ("python-dateutil-2.8.2.tar.gz", "python_dateutil", "2.8.2", true),
            // The name was read as `foo` + `1.0-1`; `foo-1.0` + `1` is another reading.
            ("foo-1.0-1.tar.gz", "foo", "1.0.post1", true),
            ("foo-1.0-1.tar.gz", "foo-1.0", "1", true),
            ("foo-1.0-1.tar.gz", "foo-1", "0-1", false),
            ("foo-1.0-1.tar.gz", "foo", "1", false),
        ];
        for (name, project, version, expected) in cases {
            assert_eq!(parse(name).matches(project, version), expected, "{name} vs {project} {version}");
        }
        assert_eq!(parse("Typing_Extensions-4.8.0.tar.gz").normalized_project(), "typing-extensions");
    }

    proptest! {
        #[test]
        fn wheel_names_round_trip(
            project in "[A-Za-z0-9]([A-Za-z0-9._]{0,10}[A-Za-z0-9])?",
            version in "[0-9]{1,3}(\\.[0-9]{1,3}){0,3}((a|b|rc)[0-9])?(\\.post[0-9])?(\\.dev[0-9])?",
            build in prop::option::of("[0-9][a-z0-9_]{0,3}"),
            python in "(py3|cp311|py2\\.py3)",
            platform in "(any|win_amd64|manylinux_2_17_x86_64\\.manylinux2014_x86_64)",
        ) {
            prop_assume!(!project.contains(".."));
            let build_part = build.as_ref().map(|b| format!("-{b}")).unwrap_or_default();
            let name = format!("{project}-{version}{build_part}-{python}-none-{platform}.whl");
            let parsed = parse_filename(&name).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(&parsed.project, &project);
            prop_assert_eq!(&parsed.version, &version);
            prop_assert_eq!(&parsed.build, &build);
            prop_assert_eq!(parsed.to_string(), name);
            prop_assert!(parsed.matches(&project.replace('_', "-"), &version));
        }

        #[test]
        fn sdist_names_round_trip(
            project in "[A-Za-z][A-Za-z._-]{0,10}[A-Za-z]",
            version in "[0-9]{1,3}(\\.[0-9]{1,3}){0,3}(rc[0-9])?",
        ) {
            prop_assume!(!project.contains(".."));
            let name = format!("{project}-{version}.tar.gz");
            let parsed = parse_filename(&name).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert!(parsed.matches(&project, &version));
            prop_assert_eq!(parsed.to_string(), name);
        }

        #[test]
        fn parse_never_panics(name in "\\PC{0,40}") {
            let _ = parse_filename(&name);
        }
    }
}
