//! The NuGet protocols (<https://learn.microsoft.com/nuget/api/overview>): what a package id and
//! a version are, the manifest a `.nupkg` carries and how it is read out safely, the v3
//! documents a feed serves (service index, flat container, registrations, search) and the v2
//! OData reads older clients install with; then the feed over the engine.
//!
//! Modules:
//! - [`id`]: package ids (case-insensitive, stored lowercased).
//! - [`version`]: NuGet versions: normal form, SemVer 2 detection, order; dependency ranges.
//! - [`nuspec`]: the manifest, read safely, and the catalog entry and control-plane metadata
//!   made from it.
//! - [`multipart`]: the pushed file out of a multipart body, as lenient as NuGet 2.x needs.
//! - [`package`]: the manifest out of a `.nupkg` under limits (zip bombs, traversal).
//! - [`documents`]: the v3 documents rendered for the asking repository.
//! - [`upstream`]: an upstream registry's service index, registrations and search read.
//! - [`v2`]: the v2 OData feed NuGet 2.x reads.
//! - [`registry`]: the feed over the engine, and `NugetAdapter` (with [`plane`], the only
//!   modules that do I/O, through `tributary-engine`).
//! - [`plane`]: the endpoint on the engine's data-plane seam.

pub mod documents;
pub mod id;
pub mod multipart;
pub mod nuspec;
pub mod package;
pub mod plane;
pub mod registry;
pub mod upstream;
pub mod v2;
pub mod version;
