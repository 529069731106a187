//! Errors of the repository graph: why an upstream change or a deletion is refused.
//!
//! Each message says what is wrong and what to do, with names in backticks. The variants map to
//! CodeArtifact error types as documented on each one; the mapping itself lives in the server.

use crate::{MAX_DIRECT_UPSTREAMS, MAX_SEARCHED_REPOSITORIES};

/// Why a change to the repository graph of a domain is refused.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum GraphError {
    /// The repository does not exist in this domain (`ResourceNotFoundException`).
    #[error("repository `{name}` does not exist in this domain; check the name")]
    UnknownRepository {
        /// The repository asked for.
        name: String,
    },

    /// A repository lists itself as an upstream (`ValidationException`).
    #[error(
        "repository `{repository}` cannot be an upstream repository of itself; \
         remove `{repository}` from its upstream list"
    )]
    SelfUpstream {
        /// The repository being changed.
        repository: String,
    },

    /// The same upstream is listed twice (`ValidationException`).
    #[error(
        "repository `{repository}` lists upstream repository `{upstream}` more than once; \
         list each upstream repository once"
    )]
    DuplicateUpstream {
        /// The repository being changed.
        repository: String,
        /// The upstream listed more than once.
        upstream: String,
    },

    /// More than [`MAX_DIRECT_UPSTREAMS`] direct upstreams (`ServiceQuotaExceededException`).
    #[error(
        "repository `{repository}` cannot have {count} direct upstream repositories; \
         the limit is {MAX_DIRECT_UPSTREAMS}"
    )]
    TooManyUpstreams {
        /// The repository being changed.
        repository: String,
        /// How many direct upstreams were asked for.
        count: usize,
    },

    /// An upstream is not a repository of this domain (`ResourceNotFoundException`).
    #[error(
        "upstream repository `{name}` of `{repository}` does not exist in this domain; \
         create it first (upstream repositories must be in the same domain)"
    )]
    UnknownUpstream {
        /// The repository being changed.
        repository: String,
        /// The upstream name that is not in the domain.
        name: String,
    },

    /// Both upstreams and an external connection are set (`ConflictException`).
    #[error(
        "repository `{repository}` cannot have both upstream repositories and the external \
         connection `{external_connection}`; a repository has one or more upstream repositories, \
         or an external connection"
    )]
    UpstreamsAndExternalConnection {
        /// The repository being changed.
        repository: String,
        /// The external connection that was asked for.
        external_connection: String,
    },

    /// The change would close a cycle of upstream links (`ValidationException`).
    #[error(
        "this change would make a cycle of upstream repositories: {}; remove one of these links",
        render_path(path)
    )]
    Cycle {
        /// The cycle, starting and ending with the changed repository, e.g. `[a, b, a]`.
        path: Vec<String>,
    },

    /// A search order would hold more than [`MAX_SEARCHED_REPOSITORIES`] repositories
    /// (`ServiceQuotaExceededException`).
    #[error(
        "the search order of repository `{repository}` would contain {count} repositories; \
         the limit is {MAX_SEARCHED_REPOSITORIES}; remove upstream repositories from the chain"
    )]
    SearchTooLarge {
        /// The repository whose search order is too large.
        repository: String,
        /// How many repositories its search order would contain (itself included).
        count: usize,
    },

    /// A repository cannot be deleted while it is an upstream of others (`ConflictException`).
    #[error(
        "repository `{repository}` is an upstream repository of {}; \
         remove it from their upstream lists first",
        render_names(downstreams)
    )]
    InUseAsUpstream {
        /// The repository to delete.
        repository: String,
        /// The repositories that list it as a direct upstream, sorted.
        downstreams: Vec<String>,
    },
}

fn render_path(path: &[String]) -> String {
    path.iter().map(|name| format!("`{name}`")).collect::<Vec<_>>().join(" -> ")
}

fn render_names(names: &[String]) -> String {
    names.iter().map(|name| format!("`{name}`")).collect::<Vec<_>>().join(", ")
}
