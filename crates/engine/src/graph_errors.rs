//! Maps the graph's refusals to client errors.

use tributary_graph::GraphError;
use tributary_model::{ErrorKind, ResourceType, ServiceError};

/// The client error for a refused graph change about repository `repo`.
pub(crate) fn to_service_error(repo: &str, err: GraphError) -> ServiceError {
    let message = err.to_string();
    match err {
        GraphError::SelfUpstream { .. } | GraphError::DuplicateUpstream { .. } | GraphError::Cycle { .. } => {
            ServiceError::validation(message).with_resource(ResourceType::Repository, repo)
        }
        GraphError::TooManyUpstreams { .. } => {
            ServiceError::new(ErrorKind::QuotaExceeded, message).with_resource(ResourceType::Repository, repo)
        }
        GraphError::SearchTooLarge { ref repository, .. } => {
            let id = repository.clone();
            ServiceError::new(ErrorKind::QuotaExceeded, message).with_resource(ResourceType::Repository, id)
        }
        GraphError::UnknownUpstream { ref name, .. } | GraphError::UnknownRepository { ref name } => {
            let id = name.clone();
            ServiceError::not_found(ResourceType::Repository, id, message)
        }
        GraphError::UpstreamsAndExternalConnection { .. } => {
            ServiceError::conflict(ResourceType::Repository, repo, message)
        }
        GraphError::InUseAsUpstream { .. } => ServiceError::conflict(ResourceType::Repository, repo, message),
    }
}
