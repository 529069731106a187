//! Who may call what (docs/ARCHITECTURE.md, "Who may call what").
//!
//! Every request names a [`Permission`]: an action (`codeartifact:ReadFromRepository`) on a
//! resource (a domain, a repository, a package). An administrator may do everything, whatever
//! the policies say, so no policy can lock the administrators out. Anyone else is allowed what
//! the domain's and the repository's resource policies allow, unless either denies it (an
//! explicit Deny wins, then an Allow; nothing said is a refusal). A public repository may be
//! read by anyone, without credentials.
//!
//! One action is ours, not CodeArtifact's: `codeartifact:ReadFromUpstream`, needed to pull a
//! version a repository does not hold yet through its upstream repositories and external
//! connection (the reader/collaborator rule). A caller with `ReadFromRepository` only installs
//! what the repository already holds.
//!
//! A domain's policies and public repositories are read at once and kept for a few seconds (as
//! the repository graph is): a warm request evaluates them in memory, with no query.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use tributary_auth::policy::{AccessRequest, Decision, PolicyDocument};
use tributary_model::{DomainName, ErrorKind, PackageCoordinates, RepositoryName, ServiceError};
use tributary_store::Domain;

use crate::{Caller, Service, Settings};

/// The actions this server checks that formats and the engine name (the control plane's are
/// `codeartifact:` and the operation's name).
pub mod actions {
    /// Reading a repository: its packages, and what its upstreams hold already saved in it.
    pub const READ_FROM_REPOSITORY: &str = "codeartifact:ReadFromRepository";
    /// Pulling a version the repository does not hold yet from its upstream repositories or
    /// external connection (ours; see the module documentation).
    pub const READ_FROM_UPSTREAM: &str = "codeartifact:ReadFromUpstream";
    /// Publishing a package version.
    pub const PUBLISH_PACKAGE_VERSION: &str = "codeartifact:PublishPackageVersion";
    /// Changing a package's metadata (npm dist-tags).
    pub const PUT_PACKAGE_METADATA: &str = "codeartifact:PutPackageMetadata";
    /// Removing published versions.
    pub const DELETE_PACKAGE_VERSIONS: &str = "codeartifact:DeletePackageVersions";
    /// Being added as an upstream of another repository.
    pub const ASSOCIATE_WITH_DOWNSTREAM_REPOSITORY: &str = "codeartifact:AssociateWithDownstreamRepository";
    /// Getting an authorization token of a domain.
    pub const GET_AUTHORIZATION_TOKEN: &str = "codeartifact:GetAuthorizationToken";
}

/// What a permission is about.
#[derive(Debug, Clone, Copy)]
pub enum Resource<'a> {
    /// The server as a whole (creating domains, managing principals): administrators only.
    Server,
    /// A domain.
    Domain(&'a DomainName),
    /// A repository (which may not exist yet, for CreateRepository).
    Repository(&'a DomainName, &'a RepositoryName),
    /// A package of a repository.
    Package(&'a DomainName, &'a RepositoryName, &'a PackageCoordinates),
}

impl Resource<'_> {
    /// Its ARN.
    pub fn arn(&self, settings: &Settings) -> String {
        let prefix = format!("arn:aws:codeartifact:{}:{}", settings.region, settings.owner);
        match self {
            Self::Server => format!("{prefix}:*"),
            Self::Domain(domain) => domain_arn(settings, domain.as_str()),
            Self::Repository(domain, repository) => repository_arn(settings, domain.as_str(), repository.as_str()),
            Self::Package(domain, repository, package) => format!(
                "{prefix}:package/{domain}/{repository}/{}/{}/{}",
                package.format, package.namespace, package.name
            ),
        }
    }

    fn domain(&self) -> Option<&DomainName> {
        match self {
            Self::Server => None,
            Self::Domain(domain) | Self::Repository(domain, _) | Self::Package(domain, _, _) => Some(domain),
        }
    }

    fn repository(&self) -> Option<&RepositoryName> {
        match self {
            Self::Server | Self::Domain(_) => None,
            Self::Repository(_, repository) | Self::Package(_, repository, _) => Some(repository),
        }
    }
}

/// The ARN of the domain `name`.
pub fn domain_arn(settings: &Settings, name: &str) -> String {
    format!("arn:aws:codeartifact:{}:{}:domain/{name}", settings.region, settings.owner)
}

/// The ARN of the repository `name` of `domain`.
pub fn repository_arn(settings: &Settings, domain: &str, name: &str) -> String {
    format!("arn:aws:codeartifact:{}:{}:repository/{domain}/{name}", settings.region, settings.owner)
}

/// The ARN of every package of the repository `name` of `domain`: what the data plane checks a
/// package action on before it knows the package (a policy's `package/DOMAIN/REPOSITORY/*`
/// matches it).
pub fn packages_arn(settings: &Settings, domain: &str, name: &str) -> String {
    format!("arn:aws:codeartifact:{}:{}:package/{domain}/{name}/*", settings.region, settings.owner)
}

/// An action on a resource.
#[derive(Debug, Clone, Copy)]
pub struct Permission<'a> {
    /// The action, `codeartifact:ReadFromRepository`.
    pub action: &'a str,
    /// What it is done to.
    pub resource: Resource<'a>,
}

/// A domain's access rules, parsed, as cached.
#[derive(Debug, Default)]
pub(crate) struct DomainAccess {
    domain_policy: Option<PolicyDocument>,
    /// By repository id.
    repository_policies: HashMap<String, PolicyDocument>,
    /// Repository ids.
    public: HashSet<String>,
    /// Trusted publishers, by name.
    pub(crate) trusted_publishers: HashMap<String, tributary_store::TrustedPublisherRecord>,
    /// Release-age policies, by repository id.
    pub(crate) release_ages: HashMap<String, Arc<tributary_model::release_age::ReleaseAgePolicy>>,
    /// The external connections made in the domain and the scopes bound to them.
    pub(crate) remotes: Arc<crate::remotes::DomainRemotes>,
}

/// Who asks, about what repository: what [`decide`] needs besides the rules.
struct Asked<'a> {
    caller: &'a Caller,
    /// The caller's ARN, `None` for an anonymous caller.
    principal: Option<&'a str>,
    /// The account principals belong to.
    owner: &'a str,
    /// The repository the resource is in, by name, with its id when it exists.
    repository: Option<(&'a str, Option<&'a str>)>,
}

/// The decision (see the module documentation) for a caller who is not an administrator, with
/// the domain's rules at hand: pure, no lookup.
fn decide(access: &DomainAccess, asked: &Asked<'_>, action: &str, resource_arn: &str) -> Option<Refusal> {
    let caller = asked.caller;
    if let Some(refusal) = read_only_refusal(caller, action) {
        return Some(refusal);
    }
    if caller.is_admin {
        return None;
    }
    if let Some(scope) = &caller.repositories {
        return trusted_publisher_may(caller, scope, action, asked.repository.map(|(name, _)| name));
    }
    let request = AccessRequest {
        principal: asked.principal,
        principal_account: asked.principal.map(|_| asked.owner),
        action,
        resource: resource_arn,
    };
    let mut decision = access.domain_policy.as_ref().map_or(Decision::NotApplicable, |p| p.evaluate(&request));
    if decision != Decision::Deny
        && let Some((_, Some(id))) = asked.repository
        && let Some(policy) = access.repository_policies.get(id)
    {
        decision = decision.combine(policy.evaluate(&request));
    }
    let who = caller.display_name();
    let (reason, remedy) = match decision {
        Decision::Allow => return None,
        Decision::Deny => (
            format!("a permissions policy denies it to `{who}`"),
            "a Deny wins over every Allow: an administrator must remove it",
        ),
        Decision::NotApplicable => (
            format!("no permissions policy allows it to `{who}`"),
            "an administrator can grant it with `put-repository-permissions-policy` or `put-domain-permissions-policy`",
        ),
    };
    Some(Refusal { message: format!("`{who}` may not `{action}` on `{resource_arn}`: {reason}; {remedy}"), reason })
}

/// A caller's standing in one repository (not an administrator's): its domain's rules as they
/// were when the request found the repository, and the ARNs a decision needs, made once. Every
/// check of the request is then a policy evaluation in memory.
#[derive(Debug)]
pub(crate) struct RepositoryRules {
    access: Arc<DomainAccess>,
    caller: Caller,
    principal: Option<String>,
    owner: String,
    repository: String,
    repository_id: String,
    repository_arn: String,
    /// `package/DOMAIN/REPOSITORY/*`: what the data plane checks package actions on.
    packages_arn: String,
}

impl RepositoryRules {
    /// Whether the repository is public.
    pub(crate) fn is_public(&self) -> bool {
        self.access.public.contains(&self.repository_id)
    }

    /// `None` when the caller may do `action` on the repository (or, with `packages`, on its
    /// packages); else why not.
    pub(crate) fn verdict(&self, action: &str, packages: bool) -> Option<Refusal> {
        let asked = Asked {
            caller: &self.caller,
            principal: self.principal.as_deref(),
            owner: &self.owner,
            repository: Some((&self.repository, Some(&self.repository_id))),
        };
        let resource = if packages { &self.packages_arn } else { &self.repository_arn };
        decide(&self.access, &asked, action, resource)
    }
}

/// Why a permission is refused.
#[derive(Debug, Clone)]
pub(crate) struct Refusal {
    /// The whole answer: who, what, where, why, and what to do.
    pub(crate) message: String,
    /// Why, in a few words (for a message that says the rest itself).
    pub(crate) reason: String,
}

/// What a trusted publisher's token may do: read and publish in its repositories, nothing else.
fn trusted_publisher_may(caller: &Caller, scope: &[String], action: &str, repository: Option<&str>) -> Option<Refusal> {
    let granted = [actions::READ_FROM_REPOSITORY, actions::PUBLISH_PACKAGE_VERSION, actions::PUT_PACKAGE_METADATA];
    if granted.contains(&action) && repository.is_some_and(|r| scope.iter().any(|s| s == r)) {
        return None;
    }
    let scope = scope.iter().map(|r| format!("`{r}`")).collect::<Vec<_>>().join(", ");
    let reason = format!("`{}` may only read and publish in {scope}", caller.display_name());
    Some(Refusal { message: format!("{reason}; not `{action}` here"), reason })
}

/// The ARN a principal is known by in policies.
pub fn principal_arn(settings: &Settings, name: &str) -> String {
    format!("arn:aws:iam::{}:user/{name}", settings.owner)
}

impl Service {
    /// Refuses `caller` the `permission` unless it is an administrator or the policies allow it
    /// (see the module documentation).
    pub async fn authorize(&self, caller: &Caller, permission: Permission<'_>) -> Result<(), ServiceError> {
        match self.verdict(caller, permission).await? {
            None => Ok(()),
            Some(refusal) => Err(ServiceError::new(ErrorKind::AccessDenied, refusal.message)),
        }
    }

    /// `None` when `caller` may do what `permission` names; else why not.
    pub(crate) async fn verdict(
        &self,
        caller: &Caller,
        permission: Permission<'_>,
    ) -> Result<Option<Refusal>, ServiceError> {
        if let Some(refusal) = read_only_refusal(caller, permission.action) {
            return Ok(Some(refusal));
        }
        if caller.is_admin {
            return Ok(None);
        }
        let resource = permission.resource;
        let Some(domain_name) = resource.domain() else {
            let who = caller.display_name();
            let operation = permission.action.trim_start_matches("codeartifact:");
            return Ok(Some(Refusal {
                message: format!("`{operation}` is for administrators; `{who}` is not one"),
                reason: format!("`{who}` is no administrator"),
            }));
        };
        caller.check_domain(domain_name)?;
        let domain = self.cached_domain(domain_name).await?;
        let access = self.domain_access(&domain).await?;
        let repository = match resource.repository() {
            Some(name) => {
                let graph = self.graph(&domain).await?;
                Some((name.as_str(), graph.ids.get(name.as_str()).cloned()))
            }
            None => None,
        };
        let principal = (!caller.is_anonymous()).then(|| principal_arn(&self.settings, &caller.name));
        let asked = Asked {
            caller,
            principal: principal.as_deref(),
            owner: self.settings.owner.as_str(),
            repository: repository.as_ref().map(|(name, id)| (*name, id.as_deref())),
        };
        Ok(decide(&access, &asked, permission.action, &resource.arn(&self.settings)))
    }

    /// What `caller` may do in the repository `target` names, decided later from its domain's
    /// rules as they are now (no lookup then): `None` for an administrator, who may do all
    /// (unless the token only reads).
    pub(crate) async fn repository_rules(
        &self,
        caller: &Caller,
        domain: &Domain,
        repository: &str,
        repository_id: &str,
    ) -> Result<Option<Arc<RepositoryRules>>, ServiceError> {
        if caller.is_admin && !caller.read_only {
            return Ok(None);
        }
        Ok(Some(Arc::new(RepositoryRules {
            access: self.domain_access(domain).await?,
            caller: caller.clone(),
            principal: (!caller.is_anonymous()).then(|| principal_arn(&self.settings, &caller.name)),
            owner: self.settings.owner.to_string(),
            repository: repository.to_owned(),
            repository_id: repository_id.to_owned(),
            repository_arn: repository_arn(&self.settings, &domain.name, repository),
            packages_arn: packages_arn(&self.settings, &domain.name, repository),
        })))
    }

    /// Whether the repository `repository_id` of `domain` is public.
    pub(crate) async fn is_public(&self, domain: &Domain, repository_id: &str) -> Result<bool, ServiceError> {
        Ok(self.domain_access(domain).await?.public.contains(repository_id))
    }

    /// The access rules of `domain`, cached a few seconds; concurrent misses make one query.
    pub(crate) async fn domain_access(&self, domain: &Domain) -> Result<Arc<DomainAccess>, ServiceError> {
        crate::caches::get_or_try_init(&self.caches.access, domain.id.as_str(), || async {
            let record = self.store.domain_access(&domain.id).await?;
            let mut access = DomainAccess {
                public: record.public_repositories.into_iter().collect(),
                trusted_publishers: record.trusted_publishers.into_iter().map(|p| (p.name.clone(), p)).collect(),
                release_ages: record.release_ages.into_iter().map(|(id, p)| (id, Arc::new(p))).collect(),
                remotes: Arc::new(crate::remotes::DomainRemotes::new(record.connections, record.scope_bindings)),
                ..Default::default()
            };
            for policy in record.policies {
                // Every stored policy was parsed before it was stored; one that no longer parses
                // (an older server's) refuses everyone but administrators rather than be skipped.
                let parsed = PolicyDocument::parse(&policy.document).map_err(|e| {
                    ServiceError::internal(format!(
                        "a stored permissions policy of domain `{}` cannot be read ({e}); an administrator must put it again",
                        domain.name
                    ))
                })?;
                match policy.repository_id {
                    Some(id) => {
                        access.repository_policies.insert(id, parsed);
                    }
                    None => access.domain_policy = Some(parsed),
                }
            }
            Ok::<_, ServiceError>(Arc::new(access))
        })
        .await
        .map_err(|e: Arc<ServiceError>| (*e).clone())
    }

    /// Forgets the cached access rules of `domain` (after a change), here and across the fleet.
    pub(crate) async fn forget_access(&self, domain: &Domain) {
        self.caches.access.invalidate(&domain.id).await;
        self.caches.outbox.send(crate::fleet::Invalidation::Access { domain_id: domain.id.clone() });
    }
}

/// Why a read-only token may not do `action`, if it writes.
fn read_only_refusal(caller: &Caller, action: &str) -> Option<Refusal> {
    if !caller.read_only || is_read_action(action) {
        return None;
    }
    let operation = action.rsplit(':').next().unwrap_or(action);
    Some(Refusal {
        message: format!("this token is read-only, and `{operation}` writes; use a token that is not read-only"),
        reason: "the token is read-only".to_owned(),
    })
}

/// Whether `action` (`codeartifact:ReadFromRepository`) only reads: what a read-only token may
/// do (reading, describing, listing, getting).
fn is_read_action(action: &str) -> bool {
    let operation = action.rsplit(':').next().unwrap_or(action);
    ["Read", "Describe", "List", "Get"].iter().any(|verb| operation.starts_with(verb))
}
