//! Repositories: create, describe, update, delete, list; external connections; endpoints;
//! the search order.

use tributary_graph::{RepoGraph, RepoNode, SearchStep};
use tributary_model::view::Upstream;
use tributary_model::{
    AccountId, DomainName, ExternalConnection, PackageFormat, RepositoryName, ResourceType, ServiceError,
};
use tributary_store::{Domain, GraphRecord, Repository, RepositoryChange, Tag, repository_not_found};

use crate::{Caller, Page, Service, domains::check_tags, graph_errors, graph_of, pagination};

/// A repository as a control-plane request names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoRef {
    /// Its domain.
    pub domain: DomainName,
    /// The domain owner, when given.
    pub owner: Option<AccountId>,
    /// Its name.
    pub repository: RepositoryName,
}

/// What CreateRepository sets.
#[derive(Debug, Clone, Default)]
pub struct NewRepository {
    /// The description.
    pub description: Option<String>,
    /// The upstream list, in order.
    pub upstreams: Vec<Upstream>,
    /// The tags.
    pub tags: Vec<Tag>,
}

/// What UpdateRepository changes; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct RepositoryUpdate {
    /// The new description.
    pub description: Option<String>,
    /// The new upstream list, in order.
    pub upstreams: Option<Vec<Upstream>>,
}

impl Service {
    /// CreateRepository.
    pub async fn create_repository(
        &self,
        caller: &Caller,
        repo: &RepoRef,
        new: NewRepository,
    ) -> Result<Repository, ServiceError> {
        let RepoRef { domain, owner, repository: name } = repo;
        let owner = owner.as_ref();
        let NewRepository { description, upstreams, tags } = new;
        caller.check_domain(domain)?;
        check_description(description.as_deref())?;
        check_tags(&tags)?;
        let domain = self.domain(domain, owner).await?;
        let upstreams: Vec<String> = upstreams.iter().map(Upstream::to_string).collect();
        let node = RepoNode { upstreams: upstreams.clone(), external_connection: None };
        let change = RepositoryChange::Create { name: name.as_str().to_owned(), description, upstreams, tags };
        self.change(&domain, change, |graph| {
            if graph.contains(name.as_str()) {
                return Err(already_exists(&domain, name.as_str()));
            }
            validate(graph, name.as_str(), node)
        })
        .await
    }

    /// DescribeRepository.
    pub async fn describe_repository(&self, caller: &Caller, repo: &RepoRef) -> Result<Repository, ServiceError> {
        let RepoRef { domain, owner, repository: name } = repo;
        let owner = owner.as_ref();
        caller.check_domain(domain)?;
        let domain = self.domain(domain, owner).await?;
        self.store
            .repository(&domain, name.as_str())
            .await?
            .ok_or_else(|| repository_not_found(&domain.name, name.as_str()))
    }

    /// UpdateRepository.
    pub async fn update_repository(
        &self,
        caller: &Caller,
        repo: &RepoRef,
        update: RepositoryUpdate,
    ) -> Result<Repository, ServiceError> {
        let RepoRef { domain, owner, repository: name } = repo;
        let owner = owner.as_ref();
        caller.check_domain(domain)?;
        check_description(update.description.as_deref())?;
        let domain = self.domain(domain, owner).await?;
        let upstreams: Option<Vec<String>> =
            update.upstreams.map(|list| list.iter().map(Upstream::to_string).collect());
        let change = RepositoryChange::Update {
            name: name.as_str().to_owned(),
            description: update.description.map(Some),
            upstreams: upstreams.clone(),
        };
        self.change(&domain, change, |graph| {
            let current = graph.node(name.as_str()).ok_or_else(|| repository_not_found(&domain.name, name.as_str()))?;
            match upstreams {
                Some(upstreams) => {
                    let node = RepoNode { upstreams, external_connection: current.external_connection.clone() };
                    validate(graph, name.as_str(), node)
                }
                None => Ok(()),
            }
        })
        .await
    }

    /// DeleteRepository: refused while another repository lists it as an upstream.
    pub async fn delete_repository(&self, caller: &Caller, repo: &RepoRef) -> Result<Repository, ServiceError> {
        let RepoRef { domain, owner, repository: name } = repo;
        let owner = owner.as_ref();
        caller.check_domain(domain)?;
        let domain = self.domain(domain, owner).await?;
        let change = RepositoryChange::Delete { name: name.as_str().to_owned() };
        self.change(&domain, change, |graph| {
            if !graph.contains(name.as_str()) {
                return Err(repository_not_found(&domain.name, name.as_str()));
            }
            graph.check_delete(name.as_str()).map_err(|e| graph_errors::to_service_error(name.as_str(), e))
        })
        .await
    }

    /// AssociateExternalConnection.
    pub async fn associate_external_connection(
        &self,
        caller: &Caller,
        repo: &RepoRef,
        connection: &str,
    ) -> Result<Repository, ServiceError> {
        let RepoRef { domain, owner, repository: name } = repo;
        let owner = owner.as_ref();
        caller.check_domain(domain)?;
        // A known connection, or one made in the domain (`FORMAT:LABEL`; the store checks that it
        // exists there).
        if ExternalConnection::find(connection).is_none()
            && tributary_model::custom_connection_format(connection).is_err()
        {
            return Err(ServiceError::validation(format!(
                "external connection `{connection}` is not known; use one of {}, or one made in the domain (`npm:corp`)",
                ExternalConnection::known_names()
            )));
        }
        let domain = self.domain(domain, owner).await?;
        let change = RepositoryChange::SetExternalConnection {
            name: name.as_str().to_owned(),
            connection: Some(connection.to_owned()),
        };
        self.change(&domain, change, |graph| {
            let current = graph.node(name.as_str()).ok_or_else(|| repository_not_found(&domain.name, name.as_str()))?;
            if let Some(existing) = &current.external_connection {
                return Err(ServiceError::new(
                    tributary_model::ErrorKind::QuotaExceeded,
                    format!(
                        "repository `{name}` already has the external connection `{existing}`; a repository has at most one (disassociate it first)"
                    ),
                )
                .with_resource(ResourceType::Repository, name.as_str()));
            }
            let node =
                RepoNode { upstreams: current.upstreams.clone(), external_connection: Some(connection.to_owned()) };
            validate(graph, name.as_str(), node)
        })
        .await
    }

    /// DisassociateExternalConnection.
    pub async fn disassociate_external_connection(
        &self,
        caller: &Caller,
        repo: &RepoRef,
        connection: &str,
    ) -> Result<Repository, ServiceError> {
        let RepoRef { domain, owner, repository: name } = repo;
        let owner = owner.as_ref();
        caller.check_domain(domain)?;
        let domain = self.domain(domain, owner).await?;
        let change = RepositoryChange::SetExternalConnection { name: name.as_str().to_owned(), connection: None };
        self.change(&domain, change, |graph| {
            let current = graph.node(name.as_str()).ok_or_else(|| repository_not_found(&domain.name, name.as_str()))?;
            if current.external_connection.as_deref() != Some(connection) {
                return Err(ServiceError::not_found(
                    ResourceType::Repository,
                    name.as_str(),
                    format!("repository `{name}` has no external connection `{connection}`"),
                ));
            }
            Ok(())
        })
        .await
    }

    /// ListRepositoriesInDomain (`domain` given) or ListRepositories (all domains the caller sees).
    #[expect(clippy::too_many_arguments, reason = "one argument per request field of the operation")]
    pub async fn list_repositories(
        &self,
        caller: &Caller,
        domain: Option<&DomainName>,
        owner: Option<&AccountId>,
        administrator_account: Option<&AccountId>,
        prefix: Option<&str>,
        max_results: Option<u32>,
        next_token: Option<&str>,
    ) -> Result<Page<Repository>, ServiceError> {
        let limit = pagination::limit(max_results)?;
        let after = next_token.map(|t| pagination::decode(t, 2)).transpose()?;
        let after = after.as_ref().map(|p| (p[0].as_str(), p[1].as_str()));
        if administrator_account.is_some_and(|a| *a != self.settings.owner) {
            return Ok(Page { items: Vec::new(), next_token: None });
        }
        let domain = match (domain, &caller.domain_scope) {
            (Some(d), _) => {
                caller.check_domain(d)?;
                Some(self.domain(d, owner).await?)
            }
            // A token opens its one domain; when that domain is gone it opens nothing (it must
            // never fall through to "every domain").
            (None, Some(scope)) => Some(self.store.domain(scope).await?.ok_or_else(|| {
                ServiceError::not_found(
                    ResourceType::Domain,
                    scope,
                    format!("the domain `{scope}` of this authorization token does not exist"),
                )
            })?),
            (None, None) => None,
        };
        let items = self.store.list_repositories(domain.as_ref(), prefix, after, limit).await?;
        let next_token = (items.len() as u64 == limit)
            .then(|| items.last().map(|r| pagination::encode(&[&r.domain_name, &r.name])))
            .flatten();
        Ok(Page { items, next_token })
    }

    /// GetRepositoryEndpoint: `{public_url}/{format}/{domain}/{repository}/`.
    pub async fn repository_endpoint(
        &self,
        caller: &Caller,
        repo: &RepoRef,
        format: PackageFormat,
        public_url: &str,
    ) -> Result<String, ServiceError> {
        let repository = self.describe_repository(caller, repo).await?;
        Ok(format!("{}/{format}/{}/{}/", public_url.trim_end_matches('/'), repository.domain_name, repository.name))
    }

    /// The repositories (and external connections) a request to `name` searches, in order.
    pub async fn search_order(&self, caller: &Caller, repo: &RepoRef) -> Result<Vec<SearchStep>, ServiceError> {
        let RepoRef { domain, owner, repository: name } = repo;
        let owner = owner.as_ref();
        caller.check_domain(domain)?;
        let domain = self.domain(domain, owner).await?;
        self.graph(&domain)
            .await?
            .graph
            .search_order(name.as_str())
            .ok_or_else(|| repository_not_found(&domain.name, name.as_str()))
    }

    /// Every repository of `domain` with its upstream list (in search order) and its external
    /// connection, from the domain's cached graph: what a listing of repositories leaves out.
    pub async fn domain_links(
        &self,
        caller: &Caller,
        domain: &DomainName,
    ) -> Result<std::collections::BTreeMap<String, (Vec<String>, Option<String>)>, ServiceError> {
        caller.check_domain(domain)?;
        let domain = self.domain(domain, None).await?;
        let graph = self.graph(&domain).await?;
        Ok(graph
            .graph
            .names()
            .into_iter()
            .filter_map(|name| {
                let node = graph.graph.node(name)?;
                Some((name.to_owned(), (node.upstreams.clone(), node.external_connection.clone())))
            })
            .collect())
    }

    /// Runs one graph change: validation against the graph as stored, inside the write
    /// transaction; then drops the cached graph.
    async fn change(
        &self,
        domain: &Domain,
        change: RepositoryChange,
        check: impl FnOnce(&RepoGraph) -> Result<(), ServiceError>,
    ) -> Result<Repository, ServiceError> {
        let result =
            self.store.change_repository(domain, change, |records: &[GraphRecord]| check(&graph_of(records))).await;
        self.caches.graph_changed(&domain.id).await;
        Ok(result?)
    }
}

fn validate(graph: &RepoGraph, name: &str, node: RepoNode) -> Result<(), ServiceError> {
    graph.with_change(name, node).map(|_| ()).map_err(|e| graph_errors::to_service_error(name, e))
}

fn already_exists(domain: &Domain, name: &str) -> ServiceError {
    ServiceError::conflict(
        ResourceType::Repository,
        name,
        format!("repository `{name}` already exists in domain `{}`", domain.name),
    )
}

fn check_description(description: Option<&str>) -> Result<(), ServiceError> {
    check_text("description", description)
}

/// A free-text field (`description`, `contactInfo`): at most 1000 characters, none a control
/// character.
pub(crate) fn check_text(field: &str, value: Option<&str>) -> Result<(), ServiceError> {
    if value.is_some_and(|v| v.chars().count() > 1000 || v.chars().any(char::is_control)) {
        return Err(ServiceError::validation(format!(
            "`{field}` must have at most 1000 characters and no control characters"
        )));
    }
    Ok(())
}
