//! Routing as data: a control-plane request (method, path, query, body) is parsed into an
//! [`Endpoint`] before any handler runs. Paths and parameter names follow the CodeArtifact API
//! model (2018-09-22): `domain`, `repository`, ... in the query string, the rest in a JSON body.

use serde::Deserialize;
use tributary_engine::access::{Permission, Resource, actions};
use tributary_engine::{
    CleanupPolicy, CopyRequest, FollowerSettings, OriginConfigurationUpdate, PackageAddress, PackageFilter,
    PackageGroupDetails, RepoRef, TaggedResource, VersionFilter, VersionSelection,
};
use tributary_model::package_group::{OriginRule, RuleMode};
use tributary_model::records::Tag;
use tributary_model::release_age::ReleaseAgePolicy;
use tributary_model::view::{RepositoryView, Upstream};
use tributary_model::{
    AccountId, DomainName, OriginRestrictions, OriginSetting, OriginType, PackageCoordinates, PackageFormat,
    RepositoryName, ServiceError, VersionStatus,
};

/// A parsed control-plane request.
#[derive(Debug, Clone)]
pub enum Endpoint {
    /// `POST /v1/packages`
    ListPackages { repo: RepoRef, filter: PackageFilter, max_results: Option<u32>, next_token: Option<String> },
    /// `GET /v1/package`
    DescribePackage { address: PackageAddress },
    /// `DELETE /v1/package`
    DeletePackage { address: PackageAddress },
    /// `POST /v1/package`
    PutPackageOriginConfiguration { address: PackageAddress, restrictions: OriginRestrictions },
    /// `POST /v1/package/versions`
    ListPackageVersions {
        address: PackageAddress,
        filter: VersionFilter,
        max_results: Option<u32>,
        next_token: Option<String>,
    },
    /// `GET /v1/package/version`
    DescribePackageVersion { address: PackageAddress, version: String },
    /// `POST /v1/package/version/assets`
    ListPackageVersionAssets {
        address: PackageAddress,
        version: String,
        max_results: Option<u32>,
        next_token: Option<String>,
    },
    /// `GET /v1/package/version/asset`
    GetPackageVersionAsset { address: PackageAddress, version: String, asset: String },
    /// `POST /v1/package/version/publish`: the body is the asset, streamed (parsed here with an
    /// empty body; see `control::publish`).
    PublishPackageVersion { address: PackageAddress, version: String, asset: String, unfinished: bool },
    /// `GET /v1/package/version/readme`
    GetPackageVersionReadme { address: PackageAddress, version: String },
    /// `POST /v1/package/version/dependencies`
    ListPackageVersionDependencies { address: PackageAddress, version: String },
    /// `POST /v1/package/versions/update_status`
    UpdatePackageVersionsStatus {
        address: PackageAddress,
        versions: VersionSelection,
        expected: Option<VersionStatus>,
        target: VersionStatus,
    },
    /// `POST /v1/package/versions/delete`
    DeletePackageVersions { address: PackageAddress, versions: VersionSelection, expected: Option<VersionStatus> },
    /// `POST /v1/package/versions/copy`
    CopyPackageVersions { request: CopyRequest },
    /// `POST /v1/package/versions/dispose`
    DisposePackageVersions { address: PackageAddress, versions: VersionSelection, expected: Option<VersionStatus> },
    /// `POST /v1/domain`
    CreateDomain { domain: DomainName, owner: Option<AccountId>, encryption_key: Option<String>, tags: Vec<Tag> },
    /// `GET /v1/domain`
    DescribeDomain { domain: DomainName, owner: Option<AccountId> },
    /// `DELETE /v1/domain`
    DeleteDomain { domain: DomainName, owner: Option<AccountId> },
    /// `POST /v1/domains`
    ListDomains { max_results: Option<u32>, next_token: Option<String> },
    /// `POST /v1/repository`
    CreateRepository { repo: RepoRef, description: Option<String>, upstreams: Vec<Upstream>, tags: Vec<Tag> },
    /// `GET /v1/repository`
    DescribeRepository { repo: RepoRef },
    /// `PUT /v1/repository`
    UpdateRepository { repo: RepoRef, description: Option<String>, upstreams: Option<Vec<Upstream>> },
    /// `DELETE /v1/repository`
    DeleteRepository { repo: RepoRef },
    /// `POST /v1/repositories`
    ListRepositories { prefix: Option<String>, max_results: Option<u32>, next_token: Option<String> },
    /// `POST /v1/domain/repositories`
    ListRepositoriesInDomain {
        domain: DomainName,
        owner: Option<AccountId>,
        administrator_account: Option<AccountId>,
        prefix: Option<String>,
        max_results: Option<u32>,
        next_token: Option<String>,
    },
    /// `POST /v1/repository/external-connection`
    AssociateExternalConnection { repo: RepoRef, connection: String },
    /// `DELETE /v1/repository/external-connection`
    DisassociateExternalConnection { repo: RepoRef, connection: String },
    /// `GET /v1/repository/endpoint`
    GetRepositoryEndpoint { repo: RepoRef, format: PackageFormat },
    /// `POST /v1/authorization-token`
    GetAuthorizationToken { domain: DomainName, owner: Option<AccountId>, duration_seconds: u64 },
    /// `GET /v1/repository/search-order` (Tributary extension)
    SearchOrder { repo: RepoRef },
    /// `GET /v1/external-connections` (Tributary extension)
    ExternalConnections,
    /// `PUT /v1/domain/permissions/policy`
    PutDomainPermissionsPolicy {
        domain: DomainName,
        owner: Option<AccountId>,
        revision: Option<String>,
        document: String,
    },
    /// `GET /v1/domain/permissions/policy`
    GetDomainPermissionsPolicy { domain: DomainName, owner: Option<AccountId> },
    /// `DELETE /v1/domain/permissions/policy`
    DeleteDomainPermissionsPolicy { domain: DomainName, owner: Option<AccountId>, revision: Option<String> },
    /// `PUT /v1/repository/permissions/policy`
    PutRepositoryPermissionsPolicy { repo: RepoRef, revision: Option<String>, document: String },
    /// `GET /v1/repository/permissions/policy`
    GetRepositoryPermissionsPolicy { repo: RepoRef },
    /// `DELETE /v1/repository/permissions/policies` (sic: the model's path)
    DeleteRepositoryPermissionsPolicy { repo: RepoRef, revision: Option<String> },
    /// `PUT /v1/repository/public-access` (Tributary extension)
    PutRepositoryPublicAccess { repo: RepoRef, public: bool },
    /// `GET /v1/repository/public-access` (Tributary extension)
    GetRepositoryPublicAccess { repo: RepoRef },
    /// `POST /v1/principal` (Tributary extension)
    CreatePrincipal { name: String, admin: bool },
    /// `POST /v1/principals` (Tributary extension)
    ListPrincipals,
    /// `POST /v1/principal/access-key` (Tributary extension)
    RotateAccessKey { name: String },
    /// `DELETE /v1/principal` (Tributary extension)
    DeletePrincipal { name: String },
    /// `POST /v1/tokens` (Tributary extension): the caller's live tokens.
    ListTokens,
    /// `DELETE /v1/token` (Tributary extension): revokes one, by id or value.
    RevokeToken { id: String },
    /// `POST /v1/package-group`
    CreatePackageGroup {
        domain: DomainName,
        owner: Option<AccountId>,
        pattern: String,
        details: PackageGroupDetails,
        tags: Vec<Tag>,
    },
    /// `PUT /v1/package-group`
    UpdatePackageGroup { domain: DomainName, owner: Option<AccountId>, pattern: String, details: PackageGroupDetails },
    /// `DELETE /v1/package-group`
    DeletePackageGroup { domain: DomainName, owner: Option<AccountId>, pattern: String },
    /// `GET /v1/package-group`
    DescribePackageGroup { domain: DomainName, owner: Option<AccountId>, pattern: String },
    /// `POST /v1/package-groups`
    ListPackageGroups { domain: DomainName, owner: Option<AccountId>, prefix: Option<String>, page: PageRequest },
    /// `POST /v1/package-groups/sub-groups`
    ListSubPackageGroups { domain: DomainName, owner: Option<AccountId>, pattern: String, page: PageRequest },
    /// `GET /v1/get-associated-package-group`
    GetAssociatedPackageGroup { domain: DomainName, owner: Option<AccountId>, package: PackageCoordinates },
    /// `GET /v1/list-associated-packages`
    ListAssociatedPackages {
        domain: DomainName,
        owner: Option<AccountId>,
        pattern: String,
        preview: bool,
        page: PageRequest,
    },
    /// `PUT /v1/package-group-origin-configuration`
    UpdatePackageGroupOriginConfiguration {
        domain: DomainName,
        owner: Option<AccountId>,
        pattern: String,
        update: OriginConfigurationUpdate,
    },
    /// `GET /v1/package-group-allowed-repositories`
    ListAllowedRepositoriesForGroup {
        domain: DomainName,
        owner: Option<AccountId>,
        pattern: String,
        rule: OriginRule,
        page: PageRequest,
    },
    /// `POST /v1/package/version/promote` (Tributary extension)
    PromotePackageVersion { address: PackageAddress, version: String, view: RepositoryView },
    /// `GET /v1/package/version/views` (Tributary extension)
    GetPackageVersionViews { address: PackageAddress, version: String },
    /// `PUT /v1/repository/cleanup-policy` (Tributary extension); an empty body removes it
    PutCleanupPolicy { repo: RepoRef, policy: Option<CleanupPolicy> },
    /// `GET /v1/repository/cleanup-policy` (Tributary extension)
    GetCleanupPolicy { repo: RepoRef },
    /// `PUT /v1/repository/release-age` (Tributary extension)
    PutReleaseAgePolicy { repo: RepoRef, policy: ReleaseAgePolicy },
    /// `GET /v1/repository/release-age` (Tributary extension)
    GetReleaseAgePolicy { repo: RepoRef },
    /// `PUT /v1/repository/changes-follower` (Tributary extension)
    PutChangesFollower { repo: RepoRef, settings: FollowerSettings },
    /// `GET /v1/repository/changes-follower` (Tributary extension)
    GetChangesFollower { repo: RepoRef, connection: Option<String> },
    /// `PUT /v1/domain/external-connection` (Tributary extension)
    PutExternalConnection { domain: DomainName, connection: tributary_engine::NewConnection },
    /// `GET /v1/domain/external-connections` (Tributary extension)
    ListExternalConnections { domain: DomainName },
    /// `DELETE /v1/domain/external-connection` (Tributary extension)
    DeleteExternalConnection { domain: DomainName, name: String },
    /// `PUT /v1/domain/scope-binding` (Tributary extension)
    PutScopeBinding { domain: DomainName, scope: String, connection: String },
    /// `GET /v1/domain/scope-bindings` (Tributary extension)
    ListScopeBindings { domain: DomainName },
    /// `DELETE /v1/domain/scope-binding` (Tributary extension)
    DeleteScopeBinding { domain: DomainName, scope: String },
    /// `POST /v1/repository/cleanup` (Tributary extension)
    CleanUpRepository { repo: RepoRef, dry_run: bool },
    /// `POST /v1/tag`
    TagResource { resource: TaggedResource, tags: Vec<Tag> },
    /// `POST /v1/untag`
    UntagResource { resource: TaggedResource, keys: Vec<String> },
    /// `POST /v1/tags`
    ListTagsForResource { resource: TaggedResource },
    /// `PUT /v1/domain/trusted-publisher` (Tributary extension)
    PutTrustedPublisher { domain: DomainName, publisher: tributary_engine::TrustedPublisherRecord },
    /// `GET /v1/domain/trusted-publishers` (Tributary extension)
    ListTrustedPublishers { domain: DomainName },
    /// `DELETE /v1/domain/trusted-publisher` (Tributary extension)
    DeleteTrustedPublisher { domain: DomainName, name: String },
}

/// The query string, decoded.
struct Query(Vec<(String, String)>);

impl Query {
    fn parse(raw: &str) -> Self {
        Self(url::form_urlencoded::parse(raw.as_bytes()).into_owned().collect())
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    fn required(&self, name: &str) -> Result<&str, ServiceError> {
        self.get(name).ok_or_else(|| ServiceError::validation(format!("the query parameter `{name}` is required")))
    }

    fn domain(&self) -> Result<DomainName, ServiceError> {
        Ok(DomainName::parse(self.required("domain")?)?)
    }

    fn repository(&self) -> Result<RepositoryName, ServiceError> {
        Ok(RepositoryName::parse(self.required("repository")?)?)
    }

    fn account(&self, name: &str) -> Result<Option<AccountId>, ServiceError> {
        self.get(name).map(AccountId::parse).transpose().map_err(ServiceError::from)
    }

    fn owner(&self) -> Result<Option<AccountId>, ServiceError> {
        self.account("domain-owner")
    }

    fn number<T: std::str::FromStr>(&self, name: &str) -> Result<Option<T>, ServiceError> {
        self.get(name)
            .map(|v| {
                v.parse()
                    .map_err(|_| ServiceError::validation(format!("the query parameter `{name}` must be a number")))
            })
            .transpose()
    }

    fn string(&self, name: &str) -> Option<String> {
        self.get(name).map(str::to_owned)
    }

    fn format(&self) -> Result<PackageFormat, ServiceError> {
        parse_format(self.required("format")?)
    }

    fn repo(&self) -> Result<RepoRef, ServiceError> {
        Ok(RepoRef { domain: self.domain()?, owner: self.owner()?, repository: self.repository()? })
    }

    fn package_address(&self) -> Result<PackageAddress, ServiceError> {
        let format = self.format()?;
        let name = self.required("package")?;
        check_package_part(format, "package", name)?;
        let namespace = self.get("namespace").unwrap_or_default();
        if !namespace.is_empty() {
            check_package_part(format, "namespace", namespace)?;
        }
        Ok(PackageAddress {
            repo: self.repo()?,
            coordinates: PackageCoordinates {
                format,
                namespace: namespace.to_owned(),
                // As given: the engine compares names in their format's normal form.
                name: name.to_owned(),
            },
        })
    }

    fn page(&self) -> Result<PageRequest, ServiceError> {
        let max_results: Option<u32> = self.number("max-results")?;
        if max_results.is_some_and(|n| !(1..=1000).contains(&n)) {
            return Err(ServiceError::validation("`max-results` must be from 1 to 1000"));
        }
        let start = match self.get("next-token") {
            None => 0,
            Some(token) => {
                token.parse().map_err(|_| ServiceError::validation("`next-token` is not a token this server gave"))?
            }
        };
        Ok(PageRequest { max_results: max_results.unwrap_or(100) as usize, start })
    }

    fn setting(&self, name: &str) -> Result<Option<OriginSetting>, ServiceError> {
        self.get(name)
            .map(|v| {
                OriginSetting::parse(v)
                    .ok_or_else(|| ServiceError::validation(format!("`{name}` must be `ALLOW` or `BLOCK`, not `{v}`")))
            })
            .transpose()
    }

    fn status(&self, name: &str) -> Result<Option<VersionStatus>, ServiceError> {
        self.get(name).map(parse_status).transpose()
    }
}

fn parse_format(format: &str) -> Result<PackageFormat, ServiceError> {
    PackageFormat::parse(format).ok_or_else(|| {
        ServiceError::validation(format!(
            "format `{format}` is not known; use one of {}",
            PackageFormat::ALL.map(|f| format!("`{f}`")).join(", ")
        ))
    })
}

fn parse_status(status: &str) -> Result<VersionStatus, ServiceError> {
    VersionStatus::parse(status).ok_or_else(|| {
        ServiceError::validation(format!(
            "status `{status}` is not known; use one of {}",
            VersionStatus::ALL.map(|s| format!("`{s}`")).join(", ")
        ))
    })
}

/// Package names and namespaces: 1 to 255 characters, no `#`, `/` or white space; Go's may
/// hold `/` (a module path is split into namespace and name, docs/DESIGN.md §2).
fn check_package_part(format: PackageFormat, what: &str, value: &str) -> Result<(), ServiceError> {
    let slash_ok = format == PackageFormat::Go;
    if value.is_empty()
        || value.chars().count() > 255
        || value.chars().any(|c| c == '#' || (c == '/' && !slash_ok) || c.is_whitespace())
    {
        let slash = if slash_ok { "" } else { ", `/`" };
        return Err(ServiceError::validation(format!(
            "{what} `{value}` is not valid: use 1 to 255 characters without `#`{slash} or spaces"
        )));
    }
    Ok(())
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct OriginBody {
    restrictions: Option<RestrictionsBody>,
}

#[derive(Debug, Default, Deserialize)]
struct RestrictionsBody {
    publish: Option<String>,
    upstream: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct StatusBody {
    #[serde(default)]
    versions: Vec<String>,
    version_revisions: Option<std::collections::BTreeMap<String, String>>,
    expected_status: Option<String>,
    target_status: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CopyBody {
    #[serde(default)]
    versions: Vec<String>,
    version_revisions: Option<std::collections::BTreeMap<String, String>>,
    allow_overwrite: Option<bool>,
    include_from_upstream: Option<bool>,
}

impl StatusBody {
    fn selection(&self) -> VersionSelection {
        VersionSelection { versions: self.versions.clone(), revisions: self.version_revisions.clone() }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateDomainBody {
    encryption_key: Option<String>,
    #[serde(default)]
    tags: Vec<Tag>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct UpstreamRepository {
    repository_name: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RepositoryBody {
    description: Option<String>,
    upstreams: Option<Vec<UpstreamRepository>>,
    #[serde(default)]
    tags: Vec<Tag>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DomainPolicyBody {
    domain: Option<String>,
    domain_owner: Option<String>,
    policy_revision: Option<String>,
    policy_document: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RepositoryPolicyBody {
    policy_revision: Option<String>,
    policy_document: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct TrustedPublisherBody {
    name: Option<String>,
    issuer: Option<String>,
    jwks_url: Option<String>,
    audience: Option<String>,
    #[serde(default)]
    claims: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    repositories: Vec<String>,
}

/// A page of an in-memory list: where it starts and how long it is (the token is the start).
#[derive(Debug, Clone, Copy)]
pub struct PageRequest {
    /// At most this many items.
    pub max_results: usize,
    /// The index of the first.
    pub start: usize,
}

impl PageRequest {
    /// The page of `items`, and the token of the next if there is one.
    pub fn cut<T>(&self, items: Vec<T>) -> (Vec<T>, Option<String>) {
        let total = items.len();
        let end = self.start.saturating_add(self.max_results).min(total);
        let next = (end < total).then(|| end.to_string());
        (items.into_iter().skip(self.start).take(end.saturating_sub(self.start)).collect(), next)
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CleanupBody {
    unused_days: Option<u32>,
    keep_newest: Option<u32>,
    include_published: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PackageGroupBody {
    package_group: Option<String>,
    contact_info: Option<String>,
    description: Option<String>,
    #[serde(default)]
    tags: Vec<Tag>,
}

impl PackageGroupBody {
    fn details(&self) -> PackageGroupDetails {
        PackageGroupDetails { description: self.description.clone(), contact_info: self.contact_info.clone() }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct AllowedRepository {
    repository_name: Option<String>,
    origin_restriction_type: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct GroupOriginBody {
    #[serde(default)]
    restrictions: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    add_allowed_repositories: Vec<AllowedRepository>,
    #[serde(default)]
    remove_allowed_repositories: Vec<AllowedRepository>,
}

fn parse_rule(text: &str) -> Result<OriginRule, ServiceError> {
    OriginRule::parse(text).ok_or_else(|| {
        ServiceError::validation(format!(
            "`{text}` is not an origin restriction type: PUBLISH, EXTERNAL_UPSTREAM or INTERNAL_UPSTREAM"
        ))
    })
}

impl GroupOriginBody {
    fn update(self) -> Result<OriginConfigurationUpdate, ServiceError> {
        let mut update = OriginConfigurationUpdate::default();
        for (rule, mode) in self.restrictions {
            let mode = RuleMode::parse(&mode).ok_or_else(|| {
                ServiceError::validation(format!(
                    "`{mode}` is not a mode: ALLOW, ALLOW_SPECIFIC_REPOSITORIES, BLOCK or INHERIT"
                ))
            })?;
            update.restrictions.insert(parse_rule(&rule)?, mode);
        }
        let entry = |r: AllowedRepository| -> Result<(OriginRule, String), ServiceError> {
            let rule = parse_rule(r.origin_restriction_type.as_deref().unwrap_or_default())?;
            let name = r.repository_name.ok_or_else(|| ServiceError::validation("`repositoryName` is required"))?;
            Ok((rule, RepositoryName::parse(&name)?.to_string()))
        };
        update.add = self.add_allowed_repositories.into_iter().map(entry).collect::<Result<_, _>>()?;
        update.remove = self.remove_allowed_repositories.into_iter().map(entry).collect::<Result<_, _>>()?;
        Ok(update)
    }
}

#[derive(Debug, Default, Deserialize)]
struct TagBody {
    tags: Option<Vec<Tag>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct UntagBody {
    tag_keys: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct FollowerBody {
    mode: Option<String>,
    #[serde(default)]
    paused: bool,
    changes_url: Option<String>,
    since: Option<String>,
    external_connection: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ExternalConnectionBody {
    name: Option<String>,
    url: Option<String>,
    changes_url: Option<String>,
    auth_token: Option<String>,
    username: Option<String>,
    password: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ScopeBindingBody {
    scope: Option<String>,
    external_connection: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct PublicAccessBody {
    public: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
struct PrincipalBody {
    name: Option<String>,
    #[serde(default)]
    admin: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListBody {
    max_results: Option<u32>,
    next_token: Option<String>,
}

fn body<T: Default + for<'de> Deserialize<'de>>(bytes: &[u8]) -> Result<T, ServiceError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(bytes)
        .map_err(|e| ServiceError::validation(format!("the request body is not the JSON this operation takes: {e}")))
}

/// A policy document: required, at most 7,168 characters (the model's bounds; what it says is
/// checked by the engine).
fn required_document(document: Option<String>) -> Result<String, ServiceError> {
    let document = document.ok_or_else(|| ServiceError::validation("`policyDocument` is required"))?;
    let length = document.chars().count();
    if length > tributary_auth::policy::MAX_POLICY_CHARS {
        return Err(ServiceError::validation(format!(
            "`policyDocument` has {length} characters; a policy may have at most {}",
            tributary_auth::policy::MAX_POLICY_CHARS
        )));
    }
    Ok(document)
}

/// An upstream list: repository names, or `NAME@VIEW` for a repository's view (a Tributary
/// extension; docs/DESIGN.md §2, "Views").
fn upstream_names(list: Vec<UpstreamRepository>) -> Result<Vec<Upstream>, ServiceError> {
    list.into_iter().map(|u| Upstream::parse(&u.repository_name).map_err(ServiceError::from)).collect()
}

impl Endpoint {
    /// The operation's name (CodeArtifact's where it has one), as metrics count it.
    pub fn name(&self) -> &'static str {
        match self {
            Self::ListPackages { .. } => "ListPackages",
            Self::DescribePackage { .. } => "DescribePackage",
            Self::DeletePackage { .. } => "DeletePackage",
            Self::PutPackageOriginConfiguration { .. } => "PutPackageOriginConfiguration",
            Self::ListPackageVersions { .. } => "ListPackageVersions",
            Self::DescribePackageVersion { .. } => "DescribePackageVersion",
            Self::ListPackageVersionAssets { .. } => "ListPackageVersionAssets",
            Self::GetPackageVersionAsset { .. } => "GetPackageVersionAsset",
            Self::PublishPackageVersion { .. } => "PublishPackageVersion",
            Self::GetPackageVersionReadme { .. } => "GetPackageVersionReadme",
            Self::ListPackageVersionDependencies { .. } => "ListPackageVersionDependencies",
            Self::UpdatePackageVersionsStatus { .. } => "UpdatePackageVersionsStatus",
            Self::DeletePackageVersions { .. } => "DeletePackageVersions",
            Self::DisposePackageVersions { .. } => "DisposePackageVersions",
            Self::CopyPackageVersions { .. } => "CopyPackageVersions",
            Self::CreateDomain { .. } => "CreateDomain",
            Self::DescribeDomain { .. } => "DescribeDomain",
            Self::DeleteDomain { .. } => "DeleteDomain",
            Self::ListDomains { .. } => "ListDomains",
            Self::CreateRepository { .. } => "CreateRepository",
            Self::DescribeRepository { .. } => "DescribeRepository",
            Self::UpdateRepository { .. } => "UpdateRepository",
            Self::DeleteRepository { .. } => "DeleteRepository",
            Self::ListRepositories { .. } => "ListRepositories",
            Self::ListRepositoriesInDomain { .. } => "ListRepositoriesInDomain",
            Self::AssociateExternalConnection { .. } => "AssociateExternalConnection",
            Self::DisassociateExternalConnection { .. } => "DisassociateExternalConnection",
            Self::GetRepositoryEndpoint { .. } => "GetRepositoryEndpoint",
            Self::GetAuthorizationToken { .. } => "GetAuthorizationToken",
            Self::SearchOrder { .. } => "SearchOrder",
            Self::ExternalConnections => "ListExternalConnections",
            Self::PutDomainPermissionsPolicy { .. } => "PutDomainPermissionsPolicy",
            Self::GetDomainPermissionsPolicy { .. } => "GetDomainPermissionsPolicy",
            Self::DeleteDomainPermissionsPolicy { .. } => "DeleteDomainPermissionsPolicy",
            Self::PutRepositoryPermissionsPolicy { .. } => "PutRepositoryPermissionsPolicy",
            Self::GetRepositoryPermissionsPolicy { .. } => "GetRepositoryPermissionsPolicy",
            Self::DeleteRepositoryPermissionsPolicy { .. } => "DeleteRepositoryPermissionsPolicy",
            Self::PutRepositoryPublicAccess { .. } => "PutRepositoryPublicAccess",
            Self::GetRepositoryPublicAccess { .. } => "GetRepositoryPublicAccess",
            Self::CreatePrincipal { .. } => "CreatePrincipal",
            Self::ListPrincipals => "ListPrincipals",
            Self::RotateAccessKey { .. } => "RotateAccessKey",
            Self::DeletePrincipal { .. } => "DeletePrincipal",
            Self::ListTokens => "ListTokens",
            Self::RevokeToken { .. } => "RevokeToken",
            Self::CreatePackageGroup { .. } => "CreatePackageGroup",
            Self::UpdatePackageGroup { .. } => "UpdatePackageGroup",
            Self::DeletePackageGroup { .. } => "DeletePackageGroup",
            Self::DescribePackageGroup { .. } => "DescribePackageGroup",
            Self::ListPackageGroups { .. } => "ListPackageGroups",
            Self::ListSubPackageGroups { .. } => "ListSubPackageGroups",
            Self::GetAssociatedPackageGroup { .. } => "GetAssociatedPackageGroup",
            Self::ListAssociatedPackages { .. } => "ListAssociatedPackages",
            Self::UpdatePackageGroupOriginConfiguration { .. } => "UpdatePackageGroupOriginConfiguration",
            Self::ListAllowedRepositoriesForGroup { .. } => "ListAllowedRepositoriesForGroup",
            Self::PromotePackageVersion { .. } => "PromotePackageVersion",
            Self::GetPackageVersionViews { .. } => "GetPackageVersionViews",
            Self::PutCleanupPolicy { .. } => "PutCleanupPolicy",
            Self::GetCleanupPolicy { .. } => "GetCleanupPolicy",
            Self::PutReleaseAgePolicy { .. } => "PutReleaseAgePolicy",
            Self::GetReleaseAgePolicy { .. } => "GetReleaseAgePolicy",
            Self::PutChangesFollower { .. } => "PutChangesFollower",
            Self::GetChangesFollower { .. } => "GetChangesFollower",
            Self::PutExternalConnection { .. } => "PutExternalConnection",
            Self::ListExternalConnections { .. } => "ListExternalConnections",
            Self::DeleteExternalConnection { .. } => "DeleteExternalConnection",
            Self::PutScopeBinding { .. } => "PutScopeBinding",
            Self::ListScopeBindings { .. } => "ListScopeBindings",
            Self::DeleteScopeBinding { .. } => "DeleteScopeBinding",
            Self::CleanUpRepository { .. } => "CleanUpRepository",
            Self::TagResource { .. } => "TagResource",
            Self::UntagResource { .. } => "UntagResource",
            Self::ListTagsForResource { .. } => "ListTagsForResource",
            Self::PutTrustedPublisher { .. } => "PutTrustedPublisher",
            Self::ListTrustedPublishers { .. } => "ListTrustedPublishers",
            Self::DeleteTrustedPublisher { .. } => "DeleteTrustedPublisher",
        }
    }

    /// The name of the operation when it changes anything (an administration), `None` when it
    /// only reads. Bearer tokens, which package managers keep in plain text, may only read
    /// (docs/ARCHITECTURE.md, "Who may call what"). Every operation is listed: a new one must
    /// be placed on one side.
    pub fn changes_state(&self) -> Option<&'static str> {
        match self {
            Self::ListPackages { .. }
            | Self::DescribePackage { .. }
            | Self::ListPackageVersions { .. }
            | Self::DescribePackageVersion { .. }
            | Self::ListPackageVersionAssets { .. }
            | Self::GetPackageVersionAsset { .. }
            | Self::GetPackageVersionReadme { .. }
            | Self::ListPackageVersionDependencies { .. }
            | Self::DescribeDomain { .. }
            | Self::ListDomains { .. }
            | Self::DescribeRepository { .. }
            | Self::ListRepositories { .. }
            | Self::ListRepositoriesInDomain { .. }
            | Self::GetRepositoryEndpoint { .. }
            | Self::SearchOrder { .. }
            | Self::ExternalConnections
            | Self::GetDomainPermissionsPolicy { .. }
            | Self::GetRepositoryPermissionsPolicy { .. }
            | Self::GetRepositoryPublicAccess { .. }
            | Self::ListTrustedPublishers { .. }
            | Self::ListTagsForResource { .. }
            | Self::ListTokens
            | Self::GetCleanupPolicy { .. }
            | Self::GetReleaseAgePolicy { .. }
            | Self::GetChangesFollower { .. }
            | Self::ListExternalConnections { .. }
            | Self::ListScopeBindings { .. }
            | Self::GetPackageVersionViews { .. }
            | Self::DescribePackageGroup { .. }
            | Self::ListPackageGroups { .. }
            | Self::ListSubPackageGroups { .. }
            | Self::GetAssociatedPackageGroup { .. }
            | Self::ListAssociatedPackages { .. }
            | Self::ListAllowedRepositoriesForGroup { .. } => None,
            Self::PromotePackageVersion { .. } => Some("PromotePackageVersion"),
            Self::PutCleanupPolicy { .. } => Some("PutCleanupPolicy"),
            Self::PutReleaseAgePolicy { .. } => Some("PutReleaseAgePolicy"),
            Self::PutChangesFollower { .. } => Some("PutChangesFollower"),
            Self::PutExternalConnection { .. } => Some("PutExternalConnection"),
            Self::DeleteExternalConnection { .. } => Some("DeleteExternalConnection"),
            Self::PutScopeBinding { .. } => Some("PutScopeBinding"),
            Self::DeleteScopeBinding { .. } => Some("DeleteScopeBinding"),
            // A dry run changes nothing, but it is an administration all the same.
            Self::CleanUpRepository { .. } => Some("CleanUpRepository"),
            Self::CreatePackageGroup { .. } => Some("CreatePackageGroup"),
            Self::UpdatePackageGroup { .. } => Some("UpdatePackageGroup"),
            Self::DeletePackageGroup { .. } => Some("DeletePackageGroup"),
            Self::UpdatePackageGroupOriginConfiguration { .. } => Some("UpdatePackageGroupOriginConfiguration"),
            Self::TagResource { .. } => Some("TagResource"),
            Self::UntagResource { .. } => Some("UntagResource"),
            Self::PutTrustedPublisher { .. } => Some("PutTrustedPublisher"),
            Self::DeleteTrustedPublisher { .. } => Some("DeleteTrustedPublisher"),
            Self::PutDomainPermissionsPolicy { .. } => Some("PutDomainPermissionsPolicy"),
            Self::DeleteDomainPermissionsPolicy { .. } => Some("DeleteDomainPermissionsPolicy"),
            Self::PutRepositoryPermissionsPolicy { .. } => Some("PutRepositoryPermissionsPolicy"),
            Self::DeleteRepositoryPermissionsPolicy { .. } => Some("DeleteRepositoryPermissionsPolicy"),
            Self::PutRepositoryPublicAccess { .. } => Some("PutRepositoryPublicAccess"),
            // Principals are managed with access keys only, and listing them shows access key ids.
            Self::CreatePrincipal { .. } => Some("CreatePrincipal"),
            Self::ListPrincipals => Some("ListPrincipals"),
            Self::RotateAccessKey { .. } => Some("RotateAccessKey"),
            Self::DeletePrincipal { .. } => Some("DeletePrincipal"),
            Self::RevokeToken { .. } => Some("RevokeToken"),
            Self::PublishPackageVersion { .. } => Some("PublishPackageVersion"),
            Self::DeletePackage { .. } => Some("DeletePackage"),
            Self::PutPackageOriginConfiguration { .. } => Some("PutPackageOriginConfiguration"),
            Self::UpdatePackageVersionsStatus { .. } => Some("UpdatePackageVersionsStatus"),
            Self::DeletePackageVersions { .. } => Some("DeletePackageVersions"),
            Self::DisposePackageVersions { .. } => Some("DisposePackageVersions"),
            Self::CopyPackageVersions { .. } => Some("CopyPackageVersions"),
            Self::CreateDomain { .. } => Some("CreateDomain"),
            Self::DeleteDomain { .. } => Some("DeleteDomain"),
            Self::CreateRepository { .. } => Some("CreateRepository"),
            Self::UpdateRepository { .. } => Some("UpdateRepository"),
            Self::DeleteRepository { .. } => Some("DeleteRepository"),
            Self::AssociateExternalConnection { .. } => Some("AssociateExternalConnection"),
            Self::DisassociateExternalConnection { .. } => Some("DisassociateExternalConnection"),
            // A token that mints tokens would never expire.
            Self::GetAuthorizationToken { .. } => Some("GetAuthorizationToken"),
        }
    }

    /// What the caller must be allowed (docs/ARCHITECTURE.md, "Who may call what"): the
    /// operation's action on its resource, and for a repository given upstreams, theirs to be
    /// associated with it. Every operation is listed.
    pub fn permissions(&self) -> Vec<Permission<'_>> {
        fn on<'a>(action: &'static str, resource: Resource<'a>) -> Permission<'a> {
            Permission { action, resource }
        }
        fn repository(r: &RepoRef) -> Resource<'_> {
            Resource::Repository(&r.domain, &r.repository)
        }
        fn package(a: &PackageAddress) -> Resource<'_> {
            Resource::Package(&a.repo.domain, &a.repo.repository, &a.coordinates)
        }
        fn upstreams<'a>(r: &'a RepoRef, list: &'a [Upstream]) -> Vec<Permission<'a>> {
            list.iter()
                .map(|u| Permission {
                    action: actions::ASSOCIATE_WITH_DOWNSTREAM_REPOSITORY,
                    resource: Resource::Repository(&r.domain, &u.repository),
                })
                .collect()
        }
        match self {
            Self::ListPackages { repo, .. } => vec![on("codeartifact:ListPackages", repository(repo))],
            Self::DescribePackage { address } => vec![on("codeartifact:DescribePackage", package(address))],
            Self::DeletePackage { address } => vec![on("codeartifact:DeletePackage", package(address))],
            Self::PutPackageOriginConfiguration { address, .. } => {
                vec![on("codeartifact:PutPackageOriginConfiguration", package(address))]
            }
            Self::ListPackageVersions { address, .. } => {
                vec![on("codeartifact:ListPackageVersions", package(address))]
            }
            Self::DescribePackageVersion { address, .. } => {
                vec![on("codeartifact:DescribePackageVersion", package(address))]
            }
            Self::ListPackageVersionAssets { address, .. } => {
                vec![on("codeartifact:ListPackageVersionAssets", package(address))]
            }
            Self::GetPackageVersionAsset { address, .. } => {
                vec![on("codeartifact:GetPackageVersionAsset", package(address))]
            }
            Self::PublishPackageVersion { address, .. } => {
                vec![on(actions::PUBLISH_PACKAGE_VERSION, package(address))]
            }
            Self::GetPackageVersionReadme { address, .. } => {
                vec![on("codeartifact:GetPackageVersionReadme", package(address))]
            }
            Self::ListPackageVersionDependencies { address, .. } => {
                vec![on("codeartifact:ListPackageVersionDependencies", package(address))]
            }
            Self::UpdatePackageVersionsStatus { address, .. } => {
                vec![on("codeartifact:UpdatePackageVersionsStatus", package(address))]
            }
            // CodeArtifact's: reading the source, copying into the destination.
            Self::CopyPackageVersions { request } => vec![
                on(actions::READ_FROM_REPOSITORY, Resource::Repository(&request.domain, &request.source)),
                on(
                    "codeartifact:CopyPackageVersions",
                    Resource::Package(&request.domain, &request.destination, &request.coordinates),
                ),
            ],
            Self::DisposePackageVersions { address, .. } => {
                vec![on("codeartifact:DisposePackageVersions", package(address))]
            }
            Self::DeletePackageVersions { address, .. } => {
                vec![on(actions::DELETE_PACKAGE_VERSIONS, package(address))]
            }
            Self::CreateDomain { .. } => vec![on("codeartifact:CreateDomain", Resource::Server)],
            Self::DescribeDomain { domain, .. } => vec![on("codeartifact:DescribeDomain", Resource::Domain(domain))],
            Self::DeleteDomain { domain, .. } => vec![on("codeartifact:DeleteDomain", Resource::Domain(domain))],
            Self::ListDomains { .. } => vec![on("codeartifact:ListDomains", Resource::Server)],
            Self::CreateRepository { repo, upstreams: list, .. } => {
                let mut needed = vec![on("codeartifact:CreateRepository", repository(repo))];
                needed.extend(upstreams(repo, list));
                needed
            }
            Self::DescribeRepository { repo } => vec![on("codeartifact:DescribeRepository", repository(repo))],
            Self::UpdateRepository { repo, upstreams: list, .. } => {
                let mut needed = vec![on("codeartifact:UpdateRepository", repository(repo))];
                needed.extend(upstreams(repo, list.as_deref().unwrap_or_default()));
                needed
            }
            Self::DeleteRepository { repo } => vec![on("codeartifact:DeleteRepository", repository(repo))],
            Self::ListRepositories { .. } => vec![on("codeartifact:ListRepositories", Resource::Server)],
            Self::ListRepositoriesInDomain { domain, .. } => {
                vec![on("codeartifact:ListRepositoriesInDomain", Resource::Domain(domain))]
            }
            Self::AssociateExternalConnection { repo, .. } => {
                vec![on("codeartifact:AssociateExternalConnection", repository(repo))]
            }
            Self::DisassociateExternalConnection { repo, .. } => {
                vec![on("codeartifact:DisassociateExternalConnection", repository(repo))]
            }
            Self::GetRepositoryEndpoint { repo, .. } => {
                vec![on("codeartifact:GetRepositoryEndpoint", repository(repo))]
            }
            Self::GetAuthorizationToken { domain, .. } => {
                vec![on(actions::GET_AUTHORIZATION_TOKEN, Resource::Domain(domain))]
            }
            Self::SearchOrder { repo } | Self::GetRepositoryPublicAccess { repo } => {
                vec![on("codeartifact:DescribeRepository", repository(repo))]
            }
            // What connections the server knows is no secret of any domain.
            Self::ExternalConnections => Vec::new(),
            Self::PutDomainPermissionsPolicy { domain, .. } => {
                vec![on("codeartifact:PutDomainPermissionsPolicy", Resource::Domain(domain))]
            }
            Self::GetDomainPermissionsPolicy { domain, .. } => {
                vec![on("codeartifact:GetDomainPermissionsPolicy", Resource::Domain(domain))]
            }
            Self::DeleteDomainPermissionsPolicy { domain, .. } => {
                vec![on("codeartifact:DeleteDomainPermissionsPolicy", Resource::Domain(domain))]
            }
            Self::PutRepositoryPermissionsPolicy { repo, .. } => {
                vec![on("codeartifact:PutRepositoryPermissionsPolicy", repository(repo))]
            }
            Self::GetRepositoryPermissionsPolicy { repo } => {
                vec![on("codeartifact:GetRepositoryPermissionsPolicy", repository(repo))]
            }
            Self::DeleteRepositoryPermissionsPolicy { repo, .. } => {
                vec![on("codeartifact:DeleteRepositoryPermissionsPolicy", repository(repo))]
            }
            // Opening a repository to everyone is an administrator's decision.
            Self::PutRepositoryPublicAccess { .. } => {
                vec![on("tributary:PutRepositoryPublicAccess", Resource::Server)]
            }
            Self::CreatePrincipal { .. } => vec![on("tributary:CreatePrincipal", Resource::Server)],
            Self::ListPrincipals => vec![on("tributary:ListPrincipals", Resource::Server)],
            Self::RotateAccessKey { .. } => vec![on("tributary:RotateAccessKey", Resource::Server)],
            Self::DeletePrincipal { .. } => vec![on("tributary:DeletePrincipal", Resource::Server)],
            // One's own tokens (an administrator's reach, any): the engine checks whose.
            Self::ListTokens | Self::RevokeToken { .. } => Vec::new(),
            Self::PromotePackageVersion { address, .. } => {
                vec![on("tributary:PromotePackageVersion", package(address))]
            }
            Self::GetPackageVersionViews { address, .. } => {
                vec![on("codeartifact:DescribePackageVersion", package(address))]
            }
            Self::PutCleanupPolicy { repo, .. } => vec![on("tributary:PutCleanupPolicy", repository(repo))],
            Self::GetCleanupPolicy { repo } => vec![on("codeartifact:DescribeRepository", repository(repo))],
            Self::PutReleaseAgePolicy { repo, .. } => vec![on("tributary:PutReleaseAgePolicy", repository(repo))],
            Self::GetReleaseAgePolicy { repo } => vec![on("codeartifact:DescribeRepository", repository(repo))],
            // The engine checks these (the repository must be an npm gateway).
            Self::PutChangesFollower { .. } | Self::GetChangesFollower { .. } => Vec::new(),
            // The engine checks these (the npm endpoint's cnpmcore paths call them too).
            Self::PutExternalConnection { .. }
            | Self::ListExternalConnections { .. }
            | Self::DeleteExternalConnection { .. }
            | Self::PutScopeBinding { .. }
            | Self::ListScopeBindings { .. }
            | Self::DeleteScopeBinding { .. } => Vec::new(),
            Self::CleanUpRepository { repo, .. } => vec![on("tributary:CleanUpRepository", repository(repo))],
            // A package group's operations are the domain's (its ARN names the domain).
            Self::CreatePackageGroup { domain, .. } => {
                vec![on("codeartifact:CreatePackageGroup", Resource::Domain(domain))]
            }
            Self::UpdatePackageGroup { domain, .. } => {
                vec![on("codeartifact:UpdatePackageGroup", Resource::Domain(domain))]
            }
            Self::DeletePackageGroup { domain, .. } => {
                vec![on("codeartifact:DeletePackageGroup", Resource::Domain(domain))]
            }
            Self::DescribePackageGroup { domain, .. } => {
                vec![on("codeartifact:DescribePackageGroup", Resource::Domain(domain))]
            }
            Self::ListPackageGroups { domain, .. } => {
                vec![on("codeartifact:ListPackageGroups", Resource::Domain(domain))]
            }
            Self::ListSubPackageGroups { domain, .. } => {
                vec![on("codeartifact:ListSubPackageGroups", Resource::Domain(domain))]
            }
            Self::GetAssociatedPackageGroup { domain, .. } => {
                vec![on("codeartifact:GetAssociatedPackageGroup", Resource::Domain(domain))]
            }
            Self::ListAssociatedPackages { domain, .. } => {
                vec![on("codeartifact:ListAssociatedPackages", Resource::Domain(domain))]
            }
            Self::UpdatePackageGroupOriginConfiguration { domain, .. } => {
                vec![on("codeartifact:UpdatePackageGroupOriginConfiguration", Resource::Domain(domain))]
            }
            Self::ListAllowedRepositoriesForGroup { domain, .. } => {
                vec![on("codeartifact:ListAllowedRepositoriesForGroup", Resource::Domain(domain))]
            }
            Self::TagResource { resource, .. } => vec![on("codeartifact:TagResource", resource.resource())],
            Self::UntagResource { resource, .. } => vec![on("codeartifact:UntagResource", resource.resource())],
            Self::ListTagsForResource { resource } => {
                vec![on("codeartifact:ListTagsForResource", resource.resource())]
            }
            Self::PutTrustedPublisher { domain, .. } => {
                vec![on("tributary:PutTrustedPublisher", Resource::Domain(domain))]
            }
            Self::ListTrustedPublishers { domain } => {
                vec![on("tributary:ListTrustedPublishers", Resource::Domain(domain))]
            }
            Self::DeleteTrustedPublisher { domain, .. } => {
                vec![on("tributary:DeleteTrustedPublisher", Resource::Domain(domain))]
            }
        }
    }

    /// Parses a request under `/v1/`. `path` is the path without the query.
    pub fn parse(method: &str, path: &str, query: &str, bytes: &[u8]) -> Result<Self, ServiceError> {
        let q = Query::parse(query);
        let path = path.trim_end_matches('/');
        Ok(match (method, path) {
            ("POST", "/v1/domain") => {
                let b: CreateDomainBody = body(bytes)?;
                Self::CreateDomain {
                    domain: q.domain()?,
                    owner: q.owner()?,
                    encryption_key: b.encryption_key,
                    tags: b.tags,
                }
            }
            ("GET", "/v1/domain") => Self::DescribeDomain { domain: q.domain()?, owner: q.owner()? },
            ("DELETE", "/v1/domain") => Self::DeleteDomain { domain: q.domain()?, owner: q.owner()? },
            ("POST", "/v1/domains") => {
                let b: ListBody = body(bytes)?;
                Self::ListDomains { max_results: b.max_results, next_token: b.next_token }
            }
            ("POST", "/v1/repository") => {
                let b: RepositoryBody = body(bytes)?;
                Self::CreateRepository {
                    repo: q.repo()?,
                    description: b.description,
                    upstreams: upstream_names(b.upstreams.unwrap_or_default())?,
                    tags: b.tags,
                }
            }
            ("GET", "/v1/repository") => Self::DescribeRepository { repo: q.repo()? },
            ("PUT", "/v1/repository") => {
                let b: RepositoryBody = body(bytes)?;
                Self::UpdateRepository {
                    repo: q.repo()?,
                    description: b.description,
                    upstreams: b.upstreams.map(upstream_names).transpose()?,
                }
            }
            ("DELETE", "/v1/repository") => Self::DeleteRepository { repo: q.repo()? },
            ("POST", "/v1/repositories") => Self::ListRepositories {
                prefix: q.string("repository-prefix"),
                max_results: q.number("max-results")?,
                next_token: q.string("next-token"),
            },
            ("POST", "/v1/domain/repositories") => Self::ListRepositoriesInDomain {
                domain: q.domain()?,
                owner: q.owner()?,
                administrator_account: q.account("administrator-account")?,
                prefix: q.string("repository-prefix"),
                max_results: q.number("max-results")?,
                next_token: q.string("next-token"),
            },
            ("POST", "/v1/repository/external-connection") => Self::AssociateExternalConnection {
                repo: q.repo()?,
                connection: q.required("external-connection")?.to_owned(),
            },
            ("DELETE", "/v1/repository/external-connection") => Self::DisassociateExternalConnection {
                repo: q.repo()?,
                connection: q.required("external-connection")?.to_owned(),
            },
            ("GET", "/v1/repository/endpoint") => Self::GetRepositoryEndpoint { repo: q.repo()?, format: q.format()? },
            ("POST", "/v1/authorization-token") => Self::GetAuthorizationToken {
                domain: q.domain()?,
                owner: q.owner()?,
                duration_seconds: q.number("duration")?.unwrap_or(0),
            },
            ("GET", "/v1/repository/search-order") => Self::SearchOrder { repo: q.repo()? },
            ("GET", "/v1/external-connections") => Self::ExternalConnections,
            ("PUT", "/v1/domain/permissions/policy") => {
                let b: DomainPolicyBody = body(bytes)?;
                let domain = b.domain.ok_or_else(|| ServiceError::validation("`domain` is required"))?;
                Self::PutDomainPermissionsPolicy {
                    domain: DomainName::parse(&domain)?,
                    owner: b.domain_owner.as_deref().map(AccountId::parse).transpose()?,
                    revision: b.policy_revision,
                    document: required_document(b.policy_document)?,
                }
            }
            ("GET", "/v1/domain/permissions/policy") => {
                Self::GetDomainPermissionsPolicy { domain: q.domain()?, owner: q.owner()? }
            }
            ("DELETE", "/v1/domain/permissions/policy") => Self::DeleteDomainPermissionsPolicy {
                domain: q.domain()?,
                owner: q.owner()?,
                revision: q.string("policy-revision"),
            },
            ("PUT", "/v1/repository/permissions/policy") => {
                let b: RepositoryPolicyBody = body(bytes)?;
                Self::PutRepositoryPermissionsPolicy {
                    repo: q.repo()?,
                    revision: b.policy_revision,
                    document: required_document(b.policy_document)?,
                }
            }
            ("GET", "/v1/repository/permissions/policy") => Self::GetRepositoryPermissionsPolicy { repo: q.repo()? },
            ("DELETE", "/v1/repository/permissions/policies") => {
                Self::DeleteRepositoryPermissionsPolicy { repo: q.repo()?, revision: q.string("policy-revision") }
            }
            ("PUT", "/v1/repository/public-access") => {
                let b: PublicAccessBody = body(bytes)?;
                let public =
                    b.public.ok_or_else(|| ServiceError::validation("`public` (true or false) is required"))?;
                Self::PutRepositoryPublicAccess { repo: q.repo()?, public }
            }
            ("GET", "/v1/repository/public-access") => Self::GetRepositoryPublicAccess { repo: q.repo()? },
            ("POST", "/v1/principal") => {
                let b: PrincipalBody = body(bytes)?;
                let name = b.name.ok_or_else(|| ServiceError::validation("`name` is required"))?;
                tributary_engine::check_principal_name(&name)?;
                Self::CreatePrincipal { name, admin: b.admin }
            }
            ("POST", "/v1/principals") => Self::ListPrincipals,
            ("POST", "/v1/principal/access-key") => Self::RotateAccessKey { name: q.required("name")?.to_owned() },
            ("DELETE", "/v1/principal") => Self::DeletePrincipal { name: q.required("name")?.to_owned() },
            ("POST", "/v1/tokens") => Self::ListTokens,
            ("DELETE", "/v1/token") => Self::RevokeToken { id: q.required("id")?.to_owned() },
            ("PUT", "/v1/domain/trusted-publisher") => {
                let b: TrustedPublisherBody = body(bytes)?;
                let required = |field: Option<String>, name: &str| {
                    field.ok_or_else(|| ServiceError::validation(format!("`{name}` is required")))
                };
                Self::PutTrustedPublisher {
                    domain: q.domain()?,
                    publisher: tributary_engine::TrustedPublisherRecord {
                        name: required(b.name, "name")?,
                        issuer: required(b.issuer, "issuer")?,
                        jwks_url: b.jwks_url,
                        audience: required(b.audience, "audience")?,
                        claims: b.claims,
                        repositories: b.repositories,
                        created_at: chrono::Utc::now(),
                    },
                }
            }
            ("POST", "/v1/package/version/promote") => {
                let view = q.required("view")?;
                Self::PromotePackageVersion {
                    address: q.package_address()?,
                    version: q.required("version")?.to_owned(),
                    view: RepositoryView::parse(view).ok_or_else(|| {
                        ServiceError::validation(format!("`{view}` is not a view: `prerelease` or `release`"))
                    })?,
                }
            }
            ("GET", "/v1/package/version/views") => Self::GetPackageVersionViews {
                address: q.package_address()?,
                version: q.required("version")?.to_owned(),
            },
            ("PUT", "/v1/repository/cleanup-policy") => {
                let b: CleanupBody = body(bytes)?;
                let policy = (b.unused_days.is_some() || b.keep_newest.is_some() || b.include_published.is_some())
                    .then(|| CleanupPolicy {
                        unused_days: b.unused_days,
                        keep_newest: b.keep_newest,
                        include_published: b.include_published.unwrap_or(false),
                    });
                Self::PutCleanupPolicy { repo: q.repo()?, policy }
            }
            ("GET", "/v1/repository/cleanup-policy") => Self::GetCleanupPolicy { repo: q.repo()? },
            ("PUT", "/v1/repository/release-age") => {
                Self::PutReleaseAgePolicy { repo: q.repo()?, policy: body(bytes)? }
            }
            ("GET", "/v1/repository/release-age") => Self::GetReleaseAgePolicy { repo: q.repo()? },
            ("PUT", "/v1/repository/changes-follower") => {
                let b: FollowerBody = body(bytes)?;
                let settings = FollowerSettings {
                    mode: b.mode.unwrap_or_else(|| "exist".to_owned()),
                    paused: b.paused,
                    changes_url: b.changes_url,
                    since: b.since,
                    connection: b.external_connection,
                };
                Self::PutChangesFollower { repo: q.repo()?, settings }
            }
            ("GET", "/v1/repository/changes-follower") => Self::GetChangesFollower {
                repo: q.repo()?,
                connection: q.get("external-connection").map(str::to_owned),
            },
            ("PUT", "/v1/domain/external-connection") => {
                let b: ExternalConnectionBody = body(bytes)?;
                let required = |field: Option<String>, name: &str| {
                    field.ok_or_else(|| ServiceError::validation(format!("`{name}` is required")))
                };
                let connection = tributary_engine::NewConnection {
                    name: required(b.name, "name")?,
                    url: required(b.url, "url")?,
                    changes_url: b.changes_url,
                    auth_token: b.auth_token,
                    username: b.username,
                    password: b.password,
                };
                Self::PutExternalConnection { domain: q.domain()?, connection }
            }
            ("GET", "/v1/domain/external-connections") => Self::ListExternalConnections { domain: q.domain()? },
            ("DELETE", "/v1/domain/external-connection") => {
                Self::DeleteExternalConnection { domain: q.domain()?, name: q.required("name")?.to_owned() }
            }
            ("PUT", "/v1/domain/scope-binding") => {
                let b: ScopeBindingBody = body(bytes)?;
                Self::PutScopeBinding {
                    domain: q.domain()?,
                    scope: b.scope.ok_or_else(|| ServiceError::validation("`scope` is required"))?,
                    connection: b
                        .external_connection
                        .ok_or_else(|| ServiceError::validation("`externalConnection` is required"))?,
                }
            }
            ("GET", "/v1/domain/scope-bindings") => Self::ListScopeBindings { domain: q.domain()? },
            ("DELETE", "/v1/domain/scope-binding") => {
                Self::DeleteScopeBinding { domain: q.domain()?, scope: q.required("scope")?.to_owned() }
            }
            ("POST", "/v1/repository/cleanup") => Self::CleanUpRepository {
                repo: q.repo()?,
                dry_run: match q.get("dry-run") {
                    None | Some("false") => false,
                    Some("true") => true,
                    Some(other) => {
                        return Err(ServiceError::validation(format!("`dry-run` is `true` or `false`, not `{other}`")));
                    }
                },
            },
            ("POST", "/v1/package-group") => {
                let b: PackageGroupBody = body(bytes)?;
                Self::CreatePackageGroup {
                    domain: q.domain()?,
                    owner: q.owner()?,
                    pattern: b
                        .package_group
                        .clone()
                        .ok_or_else(|| ServiceError::validation("`packageGroup` is required"))?,
                    details: b.details(),
                    tags: b.tags,
                }
            }
            ("PUT", "/v1/package-group") => {
                let b: PackageGroupBody = body(bytes)?;
                Self::UpdatePackageGroup {
                    domain: q.domain()?,
                    owner: q.owner()?,
                    pattern: b
                        .package_group
                        .clone()
                        .ok_or_else(|| ServiceError::validation("`packageGroup` is required"))?,
                    details: b.details(),
                }
            }
            ("DELETE", "/v1/package-group") => Self::DeletePackageGroup {
                domain: q.domain()?,
                owner: q.owner()?,
                pattern: q.required("package-group")?.to_owned(),
            },
            ("GET", "/v1/package-group") => Self::DescribePackageGroup {
                domain: q.domain()?,
                owner: q.owner()?,
                pattern: q.required("package-group")?.to_owned(),
            },
            ("POST", "/v1/package-groups") => Self::ListPackageGroups {
                domain: q.domain()?,
                owner: q.owner()?,
                prefix: q.string("prefix"),
                page: q.page()?,
            },
            ("POST", "/v1/package-groups/sub-groups") => Self::ListSubPackageGroups {
                domain: q.domain()?,
                owner: q.owner()?,
                pattern: q.required("package-group")?.to_owned(),
                page: q.page()?,
            },
            ("GET", "/v1/get-associated-package-group") => {
                let format = q.format()?;
                let name = q.required("package")?;
                check_package_part(format, "package", name)?;
                let namespace = q.get("namespace").unwrap_or_default();
                if !namespace.is_empty() {
                    check_package_part(format, "namespace", namespace)?;
                }
                Self::GetAssociatedPackageGroup {
                    domain: q.domain()?,
                    owner: q.owner()?,
                    package: PackageCoordinates { format, namespace: namespace.to_owned(), name: name.to_owned() },
                }
            }
            ("GET", "/v1/list-associated-packages") => Self::ListAssociatedPackages {
                domain: q.domain()?,
                owner: q.owner()?,
                pattern: q.required("package-group")?.to_owned(),
                preview: q.get("preview") == Some("true"),
                page: q.page()?,
            },
            ("PUT", "/v1/package-group-origin-configuration") => {
                let b: GroupOriginBody = body(bytes)?;
                Self::UpdatePackageGroupOriginConfiguration {
                    domain: q.domain()?,
                    owner: q.owner()?,
                    pattern: q.required("package-group")?.to_owned(),
                    update: b.update()?,
                }
            }
            ("GET", "/v1/package-group-allowed-repositories") => {
                let rule = q.required("originRestrictionType")?;
                Self::ListAllowedRepositoriesForGroup {
                    domain: q.domain()?,
                    owner: q.owner()?,
                    pattern: q.required("package-group")?.to_owned(),
                    rule: parse_rule(rule)?,
                    page: q.page()?,
                }
            }
            ("POST", "/v1/tag") => {
                let b: TagBody = body(bytes)?;
                let tags = b.tags.ok_or_else(|| ServiceError::validation("`tags` is required"))?;
                Self::TagResource { resource: TaggedResource::parse(q.required("resourceArn")?)?, tags }
            }
            ("POST", "/v1/untag") => {
                let b: UntagBody = body(bytes)?;
                let keys = b.tag_keys.ok_or_else(|| ServiceError::validation("`tagKeys` is required"))?;
                Self::UntagResource { resource: TaggedResource::parse(q.required("resourceArn")?)?, keys }
            }
            ("POST", "/v1/tags") => {
                Self::ListTagsForResource { resource: TaggedResource::parse(q.required("resourceArn")?)? }
            }
            ("GET", "/v1/domain/trusted-publishers") => Self::ListTrustedPublishers { domain: q.domain()? },
            ("DELETE", "/v1/domain/trusted-publisher") => {
                Self::DeleteTrustedPublisher { domain: q.domain()?, name: q.required("name")?.to_owned() }
            }
            ("POST", "/v1/packages") => Self::ListPackages {
                repo: q.repo()?,
                filter: PackageFilter {
                    format: q.get("format").map(parse_format).transpose()?,
                    namespace: q.string("namespace"),
                    prefix: q.string("package-prefix"),
                    publish: q.setting("publish")?,
                    upstream: q.setting("upstream")?,
                },
                max_results: q.number("max-results")?,
                next_token: q.string("next-token"),
            },
            ("GET", "/v1/package") => Self::DescribePackage { address: q.package_address()? },
            ("DELETE", "/v1/package") => Self::DeletePackage { address: q.package_address()? },
            ("POST", "/v1/package") => {
                let b: OriginBody = body(bytes)?;
                let r = b.restrictions.ok_or_else(|| ServiceError::validation("`restrictions` is required"))?;
                let setting = |name: &str, v: Option<String>| {
                    let v = v.ok_or_else(|| ServiceError::validation(format!("`restrictions.{name}` is required")))?;
                    OriginSetting::parse(&v).ok_or_else(|| {
                        ServiceError::validation(format!("`restrictions.{name}` must be `ALLOW` or `BLOCK`"))
                    })
                };
                Self::PutPackageOriginConfiguration {
                    address: q.package_address()?,
                    restrictions: OriginRestrictions {
                        publish: setting("publish", r.publish)?,
                        upstream: setting("upstream", r.upstream)?,
                    },
                }
            }
            ("POST", "/v1/package/versions") => Self::ListPackageVersions {
                address: q.package_address()?,
                filter: VersionFilter {
                    status: q.status("status")?,
                    origin_type: q
                        .get("originType")
                        .map(|v| {
                            OriginType::parse(v).ok_or_else(|| {
                                ServiceError::validation("`originType` must be `INTERNAL`, `EXTERNAL` or `UNKNOWN`")
                            })
                        })
                        .transpose()?,
                },
                max_results: q.number("max-results")?,
                next_token: q.string("next-token"),
            },
            ("GET", "/v1/package/version") => Self::DescribePackageVersion {
                address: q.package_address()?,
                version: q.required("version")?.to_owned(),
            },
            ("POST", "/v1/package/version/assets") => Self::ListPackageVersionAssets {
                address: q.package_address()?,
                version: q.required("version")?.to_owned(),
                max_results: q.number("max-results")?,
                next_token: q.string("next-token"),
            },
            ("GET", "/v1/package/version/asset") => Self::GetPackageVersionAsset {
                address: q.package_address()?,
                version: q.required("version")?.to_owned(),
                asset: q.required("asset")?.to_owned(),
            },
            ("POST", "/v1/package/version/publish") => Self::PublishPackageVersion {
                address: q.package_address()?,
                version: q.required("version")?.to_owned(),
                asset: q.required("asset")?.to_owned(),
                unfinished: match q.get("unfinished") {
                    None | Some("false") => false,
                    Some("true") => true,
                    Some(other) => {
                        return Err(ServiceError::validation(format!(
                            "`unfinished` is `true` or `false`, not `{other}`"
                        )));
                    }
                },
            },
            ("GET", "/v1/package/version/readme") => Self::GetPackageVersionReadme {
                address: q.package_address()?,
                version: q.required("version")?.to_owned(),
            },
            ("POST", "/v1/package/version/dependencies") => Self::ListPackageVersionDependencies {
                address: q.package_address()?,
                version: q.required("version")?.to_owned(),
            },
            ("POST", "/v1/package/versions/update_status") => {
                let b: StatusBody = body(bytes)?;
                let target =
                    b.target_status.clone().ok_or_else(|| ServiceError::validation("`targetStatus` is required"))?;
                Self::UpdatePackageVersionsStatus {
                    address: q.package_address()?,
                    versions: b.selection(),
                    expected: b.expected_status.as_deref().map(parse_status).transpose()?,
                    target: parse_status(&target)?,
                }
            }
            ("POST", "/v1/package/versions/delete") => {
                let b: StatusBody = body(bytes)?;
                Self::DeletePackageVersions {
                    address: q.package_address()?,
                    versions: b.selection(),
                    expected: b.expected_status.as_deref().map(parse_status).transpose()?,
                }
            }
            ("POST", "/v1/package/versions/copy") => {
                let b: CopyBody = body(bytes)?;
                let format = q.format()?;
                let name = q.required("package")?;
                check_package_part(format, "package", name)?;
                let namespace = q.get("namespace").unwrap_or_default();
                if !namespace.is_empty() {
                    check_package_part(format, "namespace", namespace)?;
                }
                Self::CopyPackageVersions {
                    request: CopyRequest {
                        domain: q.domain()?,
                        owner: q.owner()?,
                        source: RepositoryName::parse(q.required("source-repository")?)?,
                        destination: RepositoryName::parse(q.required("destination-repository")?)?,
                        coordinates: PackageCoordinates {
                            format,
                            namespace: namespace.to_owned(),
                            name: name.to_owned(),
                        },
                        versions: b.versions,
                        revisions: b.version_revisions,
                        allow_overwrite: b.allow_overwrite.unwrap_or(false),
                        include_from_upstream: b.include_from_upstream.unwrap_or(false),
                    },
                }
            }
            ("POST", "/v1/package/versions/dispose") => {
                let b: StatusBody = body(bytes)?;
                Self::DisposePackageVersions {
                    address: q.package_address()?,
                    versions: b.selection(),
                    expected: b.expected_status.as_deref().map(parse_status).transpose()?,
                }
            }
            // A ValidationException, as CodeArtifact answers an unknown operation: a 404 reads to
            // clients as "the resource is gone".
            _ => {
                return Err(ServiceError::validation(format!(
                    "`{method} {path}` is not an operation this server offers (UNKNOWN_OPERATION)"
                )));
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> DomainName {
        DomainName::parse(s).expect("valid test domain")
    }
    fn r(s: &str) -> RepositoryName {
        RepositoryName::parse(s).expect("valid test repository")
    }
    fn repo(domain: &str, repository: &str) -> RepoRef {
        RepoRef { domain: d(domain), owner: None, repository: r(repository) }
    }

    #[test]
    fn refusals() {
        let refused = [
            ("POST", "/v1/domain", "", ""),                             // no domain
            ("POST", "/v1/domain", "domain=Bad", ""),                   // bad name
            ("POST", "/v1/domain", "domain=ok-d&domain-owner=12", ""),  // bad owner
            ("POST", "/v1/repository", "domain=acme&repository=a", ""), // repository name too short
            ("POST", "/v1/repository", "domain=acme&repository=ab", "{not json"),
            ("GET", "/v1/repository/endpoint", "domain=acme&repository=ab&format=rpm", ""),
            ("POST", "/v1/repositories", "max-results=x", ""),
            ("PATCH", "/v1/domain", "domain=acme", ""),
            ("GET", "/v1/package", "domain=acme&repository=ab&format=npm", ""), // no package
            ("GET", "/v1/package", "domain=acme&repository=ab&format=npm&package=a%2Fb", ""),
            (
                "POST",
                "/v1/package",
                "domain=acme&repository=ab&format=npm&package=x",
                r#"{"restrictions":{"publish":"MAYBE","upstream":"ALLOW"}}"#,
            ),
            (
                "POST",
                "/v1/package/versions/update_status",
                "domain=acme&repository=ab&format=npm&package=x",
                r#"{"versions":["1"]}"#,
            ),
            ("POST", "/v1/package/versions", "domain=acme&repository=ab&format=npm&package=x&status=Gone", ""),
        ];
        for (method, path, query, body) in refused {
            assert!(Endpoint::parse(method, path, query, body.as_bytes()).is_err(), "{method} {path}?{query}");
        }
    }

    #[test]
    fn table() {
        let cases: Vec<(&str, &str, &str, &str, Endpoint)> = vec![
            (
                "POST",
                "/v1/domain",
                "domain=acme",
                "",
                Endpoint::CreateDomain { domain: d("acme"), owner: None, encryption_key: None, tags: vec![] },
            ),
            (
                "POST",
                "/v1/domain",
                "domain=acme&domain-owner=000000000000",
                r#"{"tags":[{"key":"team","value":"x"}]}"#,
                Endpoint::CreateDomain {
                    domain: d("acme"),
                    owner: AccountId::parse("000000000000").ok(),
                    encryption_key: None,
                    tags: vec![Tag { key: "team".into(), value: "x".into() }],
                },
            ),
            ("GET", "/v1/domain", "domain=acme", "", Endpoint::DescribeDomain { domain: d("acme"), owner: None }),
            (
                "POST",
                "/v1/domains",
                "",
                r#"{"maxResults":5}"#,
                Endpoint::ListDomains { max_results: Some(5), next_token: None },
            ),
            (
                "POST",
                "/v1/repository",
                "domain=acme&repository=app",
                r#"{"upstreams":[{"repositoryName":"bb"}, {"repositoryName":"c1@release"}]}"#,
                Endpoint::CreateRepository {
                    repo: repo("acme", "app"),
                    description: None,
                    upstreams: vec![
                        Upstream { repository: r("bb"), view: None },
                        Upstream { repository: r("c1"), view: Some(RepositoryView::Release) },
                    ],
                    tags: vec![],
                },
            ),
            (
                "PUT",
                "/v1/repository",
                "domain=acme&repository=app",
                r#"{"description":"x"}"#,
                Endpoint::UpdateRepository {
                    repo: repo("acme", "app"),
                    description: Some("x".into()),
                    upstreams: None,
                },
            ),
            (
                "POST",
                "/v1/repository/external-connection",
                "domain=acme&repository=app&external-connection=public%3Anpmjs",
                "",
                Endpoint::AssociateExternalConnection { repo: repo("acme", "app"), connection: "public:npmjs".into() },
            ),
            (
                "GET",
                "/v1/repository/endpoint",
                "domain=acme&repository=app&format=npm",
                "",
                Endpoint::GetRepositoryEndpoint { repo: repo("acme", "app"), format: PackageFormat::Npm },
            ),
            (
                "POST",
                "/v1/authorization-token",
                "domain=acme&duration=900",
                "",
                Endpoint::GetAuthorizationToken { domain: d("acme"), owner: None, duration_seconds: 900 },
            ),
            (
                "POST",
                "/v1/repositories",
                "repository-prefix=a&max-results=2",
                "",
                Endpoint::ListRepositories { prefix: Some("a".into()), max_results: Some(2), next_token: None },
            ),
            ("GET", "/v1/external-connections", "", "", Endpoint::ExternalConnections),
        ];
        for (method, path, query, body, expected) in cases {
            let got = Endpoint::parse(method, path, query, body.as_bytes());
            assert_eq!(format!("{got:?}"), format!("{:?}", Ok::<_, ServiceError>(expected)), "{method} {path}?{query}");
        }
    }
}
