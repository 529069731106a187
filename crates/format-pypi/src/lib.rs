//! The Python package index protocols, pure: parsing what pip, uv and twine send and what an
//! upstream index returns, and rendering what clients read. No HTTP server, no database: every
//! function takes bytes or values and returns bytes or values.
//!
//! Specs followed: PEP 503 (simple repository API, name normalization), PEP 440 (versions),
//! PEP 427 / the binary distribution format (wheel file names), the source distribution format,
//! the core metadata specifications (METADATA / PKG-INFO), PEP 592 (yanked files), PEP 629
//! (`pypi:repository-version`), PEP 658 / 714 (core metadata files), PEP 691 (JSON simple API),
//! PEP 700 (`versions`, `size`, `upload-time`), and the legacy upload API that twine uses.
//!
//! Modules:
//! - [`name`]: project names and their PEP 503 normalized form.
//! - [`version`]: PEP 440 versions, their normal form and their order.
//! - [`filename`]: wheel and sdist file names.
//! - [`metadata`]: core metadata (METADATA / PKG-INFO) and the control plane's view of it.
//! - [`archive`]: reading the core metadata out of a wheel or an sdist, under limits.
//! - [`upload`]: the legacy upload form (`:action=file_upload`).
//! - [`simple`]: rendering the simple API (HTML and JSON) and choosing between them.
//! - [`upstream`]: reading an upstream index's project page (JSON, HTML as fallback).
//! - [`registry`]: the index over the engine (with [`plane`], the only modules that do
//!   I/O, through `tributary-engine`): one function per request.
//! - [`plane`]: the endpoint on the engine's data-plane seam: requests parsed into endpoints
//!   (method and path), each served by one [`registry`] call, errors in the protocol's form.

pub mod archive;
pub mod error;
pub mod filename;
pub mod metadata;
pub mod name;
pub mod plane;
pub mod registry;
pub mod simple;
pub mod upload;
pub mod upstream;
pub mod version;

pub use error::PypiError;
