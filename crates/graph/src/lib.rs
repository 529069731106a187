//! The repository graph of one domain: search order, validation of upstream changes, retention
//! targets. Pure: no I/O, no async.
//!
//! Implements docs/DESIGN.md §3 ("Upstream resolution"), which follows CodeArtifact's documented
//! behaviour: a repository has an ordered list of at most [`MAX_DIRECT_UPSTREAMS`] upstream
//! repositories of the same domain, or one external connection; its search order is depth-first,
//! pre-order, following each upstream list in order, each repository visited once, and holds at
//! most [`MAX_SEARCHED_REPOSITORIES`] repositories.
//!
//! ```
//! use tributary_graph::{RepoGraph, RepoNode};
//!
//! let repo = |upstreams: &[&str]| RepoNode {
//!     upstreams: upstreams.iter().map(|u| u.to_string()).collect(),
//!     external_connection: None,
//! };
//! let graph = RepoGraph::new([
//!     ("my_repo".to_string(), repo(&["A", "B"])),
//!     ("A".to_string(), repo(&["C", "D"])),
//!     ("B".to_string(), repo(&[])),
//!     ("C".to_string(), repo(&[])),
//!     ("D".to_string(), repo(&["E"])),
//!     ("E".to_string(), repo(&[])),
//! ]);
//! let order: Vec<String> =
//!     graph.search_order("my_repo").unwrap_or_default().into_iter().map(|s| s.repository).collect();
//! assert_eq!(order, ["my_repo", "A", "C", "D", "E", "B"]);
//! ```

mod error;
mod graph;
mod retention;

pub use error::GraphError;
pub use graph::RepoGraph;
pub use retention::{FoundAt, retention_targets};

/// At most this many direct upstream repositories per repository.
pub const MAX_DIRECT_UPSTREAMS: usize = 10;

/// At most this many repositories in a search order, the searching repository included.
/// External connections do not count.
pub const MAX_SEARCHED_REPOSITORIES: usize = 25;

/// What the graph needs to know of one repository.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RepoNode {
    /// Ordered direct upstreams: repository names, or `NAME@VIEW` for one of a repository's
    /// views (see [`upstream_parts`]).
    pub upstreams: Vec<String>,
    /// At most one external connection name, e.g. `public:npmjs`.
    pub external_connection: Option<String>,
}

impl RepoNode {
    /// Whether this repository is a gateway, i.e. has an external connection.
    pub fn is_gateway(&self) -> bool {
        self.external_connection.is_some()
    }
}

/// One step of a search: a repository, and if it is a gateway, its external connection
/// (searched right after the repository's own stored versions).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchStep {
    /// The repository searched at this step.
    pub repository: String,
    /// The repository's external connection, searched right after its stored versions.
    pub external_connection: Option<String>,
    /// The view of the repository this step searches, when an upstream list named one
    /// (`NAME@release`): only what the repository stores in that view, with neither its external
    /// connection nor its upstream repositories.
    pub view: Option<String>,
}

/// An upstream list entry split into the repository and the view it names, if any:
/// `shared@release` is (`shared`, `Some("release")`), `shared` is (`shared`, `None`).
/// Repository names never hold `@`.
pub fn upstream_parts(entry: &str) -> (&str, Option<&str>) {
    match entry.split_once('@') {
        Some((repository, view)) => (repository, Some(view)),
        None => (entry, None),
    }
}
