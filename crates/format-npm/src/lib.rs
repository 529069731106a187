//! The npm registry protocol, pure: parsing what npm clients send and upstream registries return,
//! and rendering what clients read. No HTTP server, no database, no async runtime: every function
//! takes bytes or values and returns bytes or values, so each is tested by a table.
//!
//! Specs followed: the npm registry API (<https://github.com/npm/registry/blob/main/docs/REGISTRY-API.md>)
//! and its package metadata docs (<https://github.com/npm/registry/blob/main/docs/responses/package-metadata.md>),
//! the package.json docs (<https://docs.npmjs.com/cli/configuring-npm/package-json>), npm's
//! `validate-npm-package-name` rules, and the request bodies of the npm CLI (`libnpmpublish`,
//! `npm-registry-fetch`, `lib/commands/*.js`) as read in its source.
//!
//! Modules:
//! - [`name`]: package names ([`NpmName`]) and their URL forms.
//! - [`version`]: semver parsing and ordering, the default `latest`.
//! - [`integrity`]: SRI strings, tarball digests, [`integrity::verify_dist`].
//! - [`tarball`]: tarball file names and URLs, [`tarball::inspect_tarball`] under limits.
//! - [`publish`]: [`publish::parse_publish`] and [`publish::classify_put`] for the `PUT` bodies.
//! - [`dist_tags`]: the dist-tag endpoints' bodies and tag rules.
//! - [`metadata`]: control-plane metadata of a version (summary, licenses, dependencies...).
//! - [`packument`]: rendering full and abbreviated packuments.
//! - [`upstream`]: reading a packument from an upstream registry.
//! - [`responses`]: the small JSON answers (errors, logins, tokens, whoami, ping, search).
//! - [`login_page`]: the HTML page of npm's web login.
//! - [`registry`]: the npm registry over the engine (with [`plane`], the only modules that do
//!   I/O, through `tributary-engine`): one function per request.
//! - [`plane`]: the endpoint on the engine's data-plane seam: requests parsed into endpoints
//!   (method and path), each served by one [`registry`] call, errors in the protocol's form.

pub mod dist_tags;
pub mod error;
pub mod integrity;
pub mod login_page;
pub mod metadata;
pub mod name;
pub mod packument;
pub mod plane;
pub mod publish;
pub mod registries;
pub mod registry;
pub mod responses;
pub mod tarball;
pub mod upstream;
pub mod version;

pub use error::NpmError;
pub use integrity::{Digests, Hasher, Integrity, sha512_sri, verify_dist};
pub use metadata::{Dependency, License, VersionMetadata, version_metadata};
pub use name::NpmName;
pub use packument::{
    ABBREVIATED_MEDIA_TYPE, Manifest, PackumentDoc, PackumentVersion, render_abbreviated, render_full, revision,
};
pub use publish::{PublishRequest, PutKind, classify_put, parse_publish, parse_publish_with_limits};
pub use tarball::{
    TarballInfo, TarballLimits, inspect_tarball, tarball_filename, tarball_path, tarball_url,
    version_from_tarball_filename,
};
pub use upstream::{UpstreamPackument, UpstreamVersion, parse_upstream_packument};
