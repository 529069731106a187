//! The one error type of this crate. Every message says what was wrong, names the value in backticks,
//! and says what to do; the HTTP layer renders it as npm's `{"error": "..."}` body, which the npm CLI
//! prints after the status line.

use tributary_model::{ErrorKind, ServiceError};

/// Why an npm request, document or tarball was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NpmError {
    /// A package name breaks npm's naming rules.
    #[error("the package name `{name}` is not valid: {rule}")]
    InvalidName {
        /// The refused name, as given.
        name: String,
        /// The rule it breaks and what to do, in plain words.
        rule: String,
    },

    /// A version is not a semantic version (semver 2.0).
    #[error(
        "the version `{version}` of `{name}` is not a valid semantic version: use the form `MAJOR.MINOR.PATCH` (for example `1.0.0` or `2.1.0-beta.1`), see https://semver.org"
    )]
    InvalidVersion {
        /// The package the version belongs to.
        name: String,
        /// The refused version.
        version: String,
    },

    /// A dist-tag name is not usable.
    #[error("the dist-tag `{tag}` is not valid: {rule}")]
    InvalidDistTag {
        /// The refused tag.
        tag: String,
        /// The rule it breaks.
        rule: &'static str,
    },

    /// A request body or document is not the JSON npm sends or the registry returns.
    #[error("{what} is not valid: {reason}")]
    InvalidDocument {
        /// Which document, e.g. "the publish request body".
        what: &'static str,
        /// What is wrong with it and what to do.
        reason: String,
    },

    /// The name in the body differs from the name in the URL.
    #[error(
        "the request is for the package `{url_name}` but its body names `{body_name}`: publish from the package's own directory, or fix `name` in package.json"
    )]
    NameMismatch {
        /// The name from the request path.
        url_name: String,
        /// The name the body declares.
        body_name: String,
    },

    /// The attachments of a publish body are not the one tarball npm sends.
    #[error("the publish request for `{name}` has unusable attachments: {reason}")]
    InvalidAttachment {
        /// The package being published.
        name: String,
        /// What is wrong and what to do.
        reason: String,
    },

    /// The tarball's bytes do not match a hash declared for it.
    #[error(
        "the tarball of `{subject}` does not match its declared {algorithm}: expected `{expected}`, got `{actual}`; the upload is corrupt or was changed in transit, pack and publish it again"
    )]
    HashMismatch {
        /// `name@version` or the file name.
        subject: String,
        /// `integrity` (SRI) or `shasum` (SHA-1).
        algorithm: &'static str,
        /// The declared value.
        expected: String,
        /// The value computed from the bytes.
        actual: String,
    },

    /// Neither `dist.integrity` nor `dist.shasum` was declared, so the bytes cannot be checked.
    #[error(
        "`{subject}` declares no `dist.integrity` nor `dist.shasum`, so its tarball cannot be checked: publish with a current npm CLI"
    )]
    MissingHashes {
        /// `name@version`.
        subject: String,
    },

    /// A declared hash is not in a form we read.
    #[error("the {what} `{value}` is not valid: {reason}")]
    InvalidHash {
        /// `integrity` or `shasum`.
        what: &'static str,
        /// The refused value.
        value: String,
        /// Why, and the expected form.
        reason: &'static str,
    },

    /// The tarball could not be read as a gzip-compressed tar archive holding a package.
    #[error("the tarball of `{subject}` is not a valid npm package: {reason}")]
    InvalidTarball {
        /// `name@version` or a file name.
        subject: String,
        /// What is wrong.
        reason: String,
    },

    /// The tarball exceeds one of the limits in [`crate::tarball::TarballLimits`].
    #[error(
        "the tarball of `{subject}` is too large: {what} exceeds the limit of {limit} {unit}; remove files from the package (see `files` in package.json or .npmignore) and publish again"
    )]
    TarballTooLarge {
        /// `name@version` or a file name.
        subject: String,
        /// Which limit, e.g. "the unpacked size".
        what: &'static str,
        /// The limit.
        limit: u64,
        /// Its unit, e.g. "bytes" or "entries".
        unit: &'static str,
    },

    /// The `package.json` inside the tarball disagrees with the metadata sent beside it.
    #[error(
        "the package.json inside the tarball says {field} `{tarball}` but the publish metadata says `{manifest}`: pack and publish again from the same directory"
    )]
    PackageJsonMismatch {
        /// `name` or `version`.
        field: &'static str,
        /// The value in the publish metadata.
        manifest: String,
        /// The value in the tarball's package.json.
        tarball: String,
    },
}

impl NpmError {
    /// The error kind this maps to (all of them are client errors: [`ErrorKind::Validation`]).
    /// Callers that parse upstream documents map failures to their own upstream error instead.
    pub fn kind(&self) -> ErrorKind {
        ErrorKind::Validation
    }

    pub(crate) fn document(what: &'static str, reason: impl Into<String>) -> Self {
        Self::InvalidDocument { what, reason: reason.into() }
    }
}

impl From<NpmError> for ServiceError {
    /// A client error (400 on the npm endpoint, `ValidationException` on the control plane),
    /// with the message as it is.
    fn from(err: NpmError) -> Self {
        ServiceError::new(err.kind(), err.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_to_a_validation_error() {
        let err = NpmError::InvalidDistTag { tag: "1.x".to_owned(), rule: "no ranges" };
        let service = ServiceError::from(err.clone());
        assert_eq!(service.kind, ErrorKind::Validation);
        assert_eq!(service.message, err.to_string());
        assert_eq!(service.message, "the dist-tag `1.x` is not valid: no ranges");
    }
}
