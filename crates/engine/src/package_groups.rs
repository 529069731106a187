//! Package groups (docs/DESIGN.md §2, "Package groups"): CreatePackageGroup and the rest of
//! CodeArtifact's operations on them, and what they decide: whether a package may be published
//! to a repository (`PUBLISH`), and whether a repository sees its versions from external
//! connections (`EXTERNAL_UPSTREAM`) and from upstream repositories (`INTERNAL_UPSTREAM`). The
//! patterns and their order are `tributary_model::package_group`'s; a domain's groups are read
//! at once and kept a few seconds, like its repository graph.

use std::collections::BTreeMap;
use std::sync::Arc;

use tributary_model::package_group::{OriginRule, PackageGroupPattern, RuleMode};
use tributary_model::{AccountId, DomainName, ErrorKind, PackageCoordinates, ServiceError};
use tributary_store::{Domain, PackageGroupRecord, Tag, package_group_not_found};

use crate::domains::check_tags;
use crate::repositories::check_text;
use crate::{Caller, Service};

/// One group, parsed.
#[derive(Debug, Clone)]
pub struct PackageGroup {
    /// Its pattern.
    pub pattern: PackageGroupPattern,
    /// As stored.
    pub record: PackageGroupRecord,
}

impl PackageGroup {
    fn mode(&self, rule: OriginRule) -> RuleMode {
        self.record.rules.get(rule.as_str()).and_then(|m| RuleMode::parse(m)).unwrap_or(if self.pattern.is_root() {
            RuleMode::Allow
        } else {
            RuleMode::Inherit
        })
    }

    /// The repositories `rule` allows when it is `ALLOW_SPECIFIC_REPOSITORIES`.
    pub fn allowed(&self, rule: OriginRule) -> &[String] {
        self.record.allowed_repositories.get(rule.as_str()).map_or(&[], Vec::as_slice)
    }
}

/// A domain's groups, with the root (stored or not).
#[derive(Debug, Clone)]
pub struct PackageGroups {
    groups: Vec<PackageGroup>,
}

/// An origin rule of a group: its own mode, what it comes to, and the group it comes from.
#[derive(Debug, Clone)]
pub struct RuleState<'a> {
    /// The group's own mode.
    pub mode: RuleMode,
    /// What applies (never `INHERIT`).
    pub effective: RuleMode,
    /// The group whose mode applies, when it is an ancestor.
    pub inherited_from: Option<&'a PackageGroup>,
    /// The group whose mode applies.
    pub deciding: &'a PackageGroup,
}

impl PackageGroups {
    fn new(records: Vec<PackageGroupRecord>) -> Result<Self, ServiceError> {
        let mut groups = Vec::with_capacity(records.len() + 1);
        for record in records {
            let pattern = PackageGroupPattern::parse(&record.pattern).map_err(ServiceError::internal)?;
            groups.push(PackageGroup { pattern, record });
        }
        if !groups.iter().any(|g| g.pattern.is_root()) {
            groups.push(PackageGroup {
                pattern: PackageGroupPattern::root(),
                record: PackageGroupRecord {
                    pattern: "/*".to_owned(),
                    created_at: chrono::DateTime::UNIX_EPOCH,
                    ..PackageGroupRecord::default()
                },
            });
        }
        Ok(Self { groups })
    }

    /// Every group.
    pub fn all(&self) -> &[PackageGroup] {
        &self.groups
    }

    /// The group called `pattern`.
    pub fn get(&self, pattern: &PackageGroupPattern) -> Option<&PackageGroup> {
        self.groups.iter().find(|g| g.pattern == *pattern)
    }

    /// The group `package` belongs to: the most specific that matches it (the root at least).
    pub fn associated(&self, package: &PackageCoordinates) -> &PackageGroup {
        let mut best = self.root();
        for group in &self.groups {
            if group.pattern.matches(package) && group.pattern.specificity() > best.pattern.specificity() {
                best = group;
            }
        }
        best
    }

    fn root(&self) -> &PackageGroup {
        // `new` always adds one.
        self.groups.iter().find(|g| g.pattern.is_root()).unwrap_or(&self.groups[0])
    }

    /// The parent of the group with `pattern` (which need not exist yet): the most specific
    /// other group that covers it.
    pub fn parent_of(&self, pattern: &PackageGroupPattern) -> Option<&PackageGroup> {
        self.groups.iter().filter(|g| g.pattern.covers(pattern)).max_by_key(|g| g.pattern.specificity())
    }

    /// The groups whose parent is `pattern`'s group.
    pub fn children_of(&self, pattern: &PackageGroupPattern) -> Vec<&PackageGroup> {
        self.groups.iter().filter(|g| self.parent_of(&g.pattern).is_some_and(|p| p.pattern == *pattern)).collect()
    }

    /// `rule` as it stands for `group`.
    pub fn rule<'a>(&'a self, group: &'a PackageGroup, rule: OriginRule) -> RuleState<'a> {
        let mode = group.mode(rule);
        let mut deciding = group;
        // Each step goes to a less specific group: at most six.
        while deciding.mode(rule) == RuleMode::Inherit {
            match self.parent_of(&deciding.pattern) {
                Some(parent) => deciding = parent,
                None => break,
            }
        }
        let effective = match deciding.mode(rule) {
            RuleMode::Inherit => RuleMode::Allow,
            decided => decided,
        };
        let inherited_from = (!std::ptr::eq(deciding, group)).then_some(deciding);
        RuleState { mode, effective, inherited_from, deciding }
    }

    /// Whether `rule` lets `package` into (or be published to) `repository`; when not, why:
    /// the package's group and the group whose mode it is.
    pub fn refusal(&self, package: &PackageCoordinates, rule: OriginRule, repository: &str) -> Option<String> {
        let group = self.associated(package);
        let state = self.rule(group, rule);
        let refused = match state.effective {
            RuleMode::Allow | RuleMode::Inherit => false,
            RuleMode::Block => true,
            RuleMode::AllowSpecificRepositories => !state.deciding.allowed(rule).iter().any(|r| r == repository),
        };
        refused.then(|| match state.inherited_from {
            None => format!("package group `{}` ({}={})", group.pattern, rule.as_str(), state.effective.as_str()),
            Some(from) => format!(
                "package group `{}` ({}={}, inherited from `{}`)",
                group.pattern,
                rule.as_str(),
                state.effective.as_str(),
                from.pattern
            ),
        })
    }
}

/// What CreatePackageGroup and UpdatePackageGroup set.
#[derive(Debug, Clone, Default)]
pub struct PackageGroupDetails {
    /// The description.
    pub description: Option<String>,
    /// Contact information.
    pub contact_info: Option<String>,
}

/// What UpdatePackageGroupOriginConfiguration changes.
#[derive(Debug, Clone, Default)]
pub struct OriginConfigurationUpdate {
    /// New modes.
    pub restrictions: BTreeMap<OriginRule, RuleMode>,
    /// Repositories to add to a rule's list.
    pub add: Vec<(OriginRule, String)>,
    /// Repositories to remove from it.
    pub remove: Vec<(OriginRule, String)>,
}

fn pattern_of(text: &str) -> Result<PackageGroupPattern, ServiceError> {
    PackageGroupPattern::parse(text).map_err(ServiceError::validation)
}

impl Service {
    /// The package groups of `domain`, cached a few seconds.
    pub(crate) async fn package_groups(&self, domain: &Domain) -> Result<Arc<PackageGroups>, ServiceError> {
        crate::caches::get_or_try_init(&self.caches.package_groups, domain.id.as_str(), || async {
            Ok::<_, ServiceError>(Arc::new(self.groups_read(domain).await?))
        })
        .await
        .map_err(|e: Arc<ServiceError>| (*e).clone())
    }

    /// The groups of `name`, read now (for an operation on them).
    async fn groups_now(
        &self,
        caller: &Caller,
        name: &DomainName,
        owner: Option<&AccountId>,
    ) -> Result<(Domain, PackageGroups), ServiceError> {
        caller.check_domain(name)?;
        let domain = self.domain(name, owner).await?;
        let groups = self.groups_read(&domain).await?;
        Ok((domain, groups))
    }

    /// The groups of `domain` as stored now (an operation on them answers with these, not the
    /// cached ones).
    async fn groups_read(&self, domain: &Domain) -> Result<PackageGroups, ServiceError> {
        PackageGroups::new(self.store.package_groups(&domain.id).await?)
    }

    async fn groups_changed(&self, domain: &Domain) {
        self.caches.package_groups.invalidate(&domain.id).await;
        self.caches.outbox.send(crate::fleet::Invalidation::PackageGroups { domain_id: domain.id.clone() });
        self.caches.graph_changed(&domain.id).await;
    }

    /// CreatePackageGroup: every origin rule `INHERIT`.
    pub async fn create_package_group(
        &self,
        caller: &Caller,
        name: &DomainName,
        owner: Option<&AccountId>,
        pattern: &str,
        details: PackageGroupDetails,
        tags: Vec<Tag>,
    ) -> Result<(Domain, PackageGroups, PackageGroupPattern), ServiceError> {
        let pattern = pattern_of(pattern)?;
        check_text("description", details.description.as_deref())?;
        check_text("contactInfo", details.contact_info.as_deref())?;
        let (domain, groups) = self.groups_now(caller, name, owner).await?;
        // The root `/*` is always there, as CodeArtifact makes it with the domain.
        if groups.get(&pattern).is_some() {
            return Err(ServiceError::conflict(
                tributary_model::ResourceType::Package,
                pattern.to_string(),
                format!("package group `{pattern}` already exists"),
            ));
        }
        check_tags(&tags)?;
        let record = PackageGroupRecord {
            pattern: pattern.to_string(),
            description: details.description,
            contact_info: details.contact_info,
            created_at: chrono::Utc::now(),
            tags,
            ..PackageGroupRecord::default()
        };
        self.store.create_package_group(&domain.id, &record).await?;
        self.groups_changed(&domain).await;
        let groups = self.groups_read(&domain).await?;
        Ok((domain, groups, pattern))
    }

    /// DescribePackageGroup (and what the other operations answer with).
    pub async fn describe_package_group(
        &self,
        caller: &Caller,
        name: &DomainName,
        owner: Option<&AccountId>,
        pattern: &str,
    ) -> Result<(Domain, PackageGroups, PackageGroupPattern), ServiceError> {
        let pattern = pattern_of(pattern)?;
        let (domain, groups) = self.groups_now(caller, name, owner).await?;
        if groups.get(&pattern).is_none() {
            return Err(package_group_not_found(&pattern.to_string()));
        }
        Ok((domain, groups, pattern))
    }

    /// UpdatePackageGroup: its description and contact information.
    pub async fn update_package_group(
        &self,
        caller: &Caller,
        name: &DomainName,
        owner: Option<&AccountId>,
        pattern: &str,
        details: PackageGroupDetails,
    ) -> Result<(Domain, PackageGroups, PackageGroupPattern), ServiceError> {
        check_text("description", details.description.as_deref())?;
        check_text("contactInfo", details.contact_info.as_deref())?;
        let (domain, groups, pattern) = self.describe_package_group(caller, name, owner, pattern).await?;
        let mut record = groups
            .get(&pattern)
            .map(|g| g.record.clone())
            .ok_or_else(|| package_group_not_found(&pattern.to_string()))?;
        if details.description.is_some() {
            record.description = details.description;
        }
        if details.contact_info.is_some() {
            record.contact_info = details.contact_info;
        }
        self.save_group(&domain, record).await?;
        let groups = self.groups_read(&domain).await?;
        Ok((domain, groups, pattern))
    }

    /// The tags of the package group `pattern` of `domain` (the tag operations' door; they
    /// check the caller).
    pub(crate) async fn package_group_tags(&self, domain: &Domain, pattern: &str) -> Result<Vec<Tag>, ServiceError> {
        let pattern = pattern_of(pattern)?;
        let groups = self.groups_read(domain).await?;
        let group = groups.get(&pattern).ok_or_else(|| package_group_not_found(&pattern.to_string()))?;
        Ok(group.record.tags.clone())
    }

    /// Replaces the tags of the package group `pattern` of `domain`.
    pub(crate) async fn set_package_group_tags(
        &self,
        domain: &Domain,
        pattern: &str,
        tags: Vec<Tag>,
    ) -> Result<(), ServiceError> {
        let pattern = pattern_of(pattern)?;
        let groups = self.groups_read(domain).await?;
        let mut record = groups
            .get(&pattern)
            .map(|g| g.record.clone())
            .ok_or_else(|| package_group_not_found(&pattern.to_string()))?;
        record.tags = tags;
        self.save_group(domain, record).await
    }

    /// Stores `record`, creating the root's row the first time it is changed.
    async fn save_group(&self, domain: &Domain, mut record: PackageGroupRecord) -> Result<(), ServiceError> {
        if record.created_at == chrono::DateTime::UNIX_EPOCH {
            record.created_at = domain.created_at;
            self.store.create_package_group(&domain.id, &record).await?;
        } else if !self.store.update_package_group(&domain.id, &record).await? {
            return Err(package_group_not_found(&record.pattern));
        }
        self.groups_changed(domain).await;
        Ok(())
    }

    /// DeletePackageGroup: not the root, nor a group with sub-groups. Its packages then belong to
    /// its parent.
    pub async fn delete_package_group(
        &self,
        caller: &Caller,
        name: &DomainName,
        owner: Option<&AccountId>,
        pattern: &str,
    ) -> Result<(Domain, PackageGroups, PackageGroupPattern), ServiceError> {
        let (domain, groups, pattern) = self.describe_package_group(caller, name, owner, pattern).await?;
        if pattern.is_root() {
            return Err(ServiceError::validation("the root package group `/*` cannot be deleted"));
        }
        let children = groups.children_of(&pattern);
        if let Some(child) = children.first() {
            return Err(ServiceError::conflict(
                tributary_model::ResourceType::Package,
                pattern.to_string(),
                format!("package group `{pattern}` has sub-groups (`{}`); delete them first", child.pattern),
            ));
        }
        self.store.delete_package_group(&domain.id, &pattern.to_string()).await?;
        self.groups_changed(&domain).await;
        Ok((domain, groups, pattern))
    }

    /// UpdatePackageGroupOriginConfiguration. Returns the repositories added and removed per rule.
    pub async fn update_group_origin_configuration(
        &self,
        caller: &Caller,
        name: &DomainName,
        owner: Option<&AccountId>,
        pattern: &str,
        update: OriginConfigurationUpdate,
    ) -> Result<
        (Domain, PackageGroups, PackageGroupPattern, BTreeMap<OriginRule, (Vec<String>, Vec<String>)>),
        ServiceError,
    > {
        let (domain, groups, pattern) = self.describe_package_group(caller, name, owner, pattern).await?;
        if pattern.is_root() && update.restrictions.values().any(|m| *m == RuleMode::Inherit) {
            return Err(ServiceError::validation("the root package group has no parent to inherit from"));
        }
        let graph = self.graph(&domain).await?;
        for (_, repository) in update.add.iter().chain(&update.remove) {
            if !graph.ids.contains_key(repository) {
                return Err(tributary_store::repository_not_found(&domain.name, repository));
            }
        }
        let mut record = groups
            .get(&pattern)
            .map(|g| g.record.clone())
            .ok_or_else(|| package_group_not_found(&pattern.to_string()))?;
        for (rule, mode) in &update.restrictions {
            record.rules.insert(rule.as_str().to_owned(), mode.as_str().to_owned());
        }
        let mut changes: BTreeMap<OriginRule, (Vec<String>, Vec<String>)> = BTreeMap::new();
        for (rule, repository) in &update.add {
            let list = record.allowed_repositories.entry(rule.as_str().to_owned()).or_default();
            if !list.contains(repository) {
                list.push(repository.clone());
                changes.entry(*rule).or_default().0.push(repository.clone());
            }
        }
        for (rule, repository) in &update.remove {
            let list = record.allowed_repositories.entry(rule.as_str().to_owned()).or_default();
            if let Some(at) = list.iter().position(|r| r == repository) {
                list.remove(at);
                changes.entry(*rule).or_default().1.push(repository.clone());
            }
        }
        record.allowed_repositories.retain(|_, list| !list.is_empty());
        self.save_group(&domain, record).await?;
        let groups = self.groups_read(&domain).await?;
        Ok((domain, groups, pattern, changes))
    }

    /// The groups of a domain, for the list operations.
    pub async fn list_package_groups(
        &self,
        caller: &Caller,
        name: &DomainName,
        owner: Option<&AccountId>,
    ) -> Result<(Domain, PackageGroups), ServiceError> {
        self.groups_now(caller, name, owner).await
    }

    /// GetAssociatedPackageGroup: the group `package` belongs to.
    pub async fn associated_package_group(
        &self,
        caller: &Caller,
        name: &DomainName,
        owner: Option<&AccountId>,
        package: &PackageCoordinates,
    ) -> Result<(Domain, PackageGroups, PackageGroupPattern), ServiceError> {
        let (domain, groups) = self.groups_now(caller, name, owner).await?;
        let pattern = groups.associated(&self.formats.normalize(package)).pattern.clone();
        Ok((domain, groups, pattern))
    }

    /// ListAssociatedPackages: the packages stored in the domain that belong to the group
    /// `pattern` (with `preview`, the group need not exist: those it would hold).
    pub async fn associated_packages(
        &self,
        caller: &Caller,
        name: &DomainName,
        owner: Option<&AccountId>,
        pattern: &str,
        preview: bool,
    ) -> Result<Vec<PackageCoordinates>, ServiceError> {
        let pattern = pattern_of(pattern)?;
        let (domain, mut groups) = self.groups_now(caller, name, owner).await?;
        if groups.get(&pattern).is_none() {
            if !preview {
                return Err(package_group_not_found(&pattern.to_string()));
            }
            groups.groups.push(PackageGroup {
                pattern: pattern.clone(),
                record: PackageGroupRecord {
                    pattern: pattern.to_string(),
                    created_at: chrono::Utc::now(),
                    ..PackageGroupRecord::default()
                },
            });
        }
        let graph = self.graph(&domain).await?;
        let ids: Vec<String> = graph.ids.values().cloned().collect();
        let packages = self.store.package_coordinates_in(&ids).await?;
        Ok(packages.into_iter().filter(|p| groups.associated(p).pattern == pattern).collect())
    }

    /// Refuses to publish `package` to `repository` when its package group's `PUBLISH` rule
    /// does not allow it.
    pub(crate) async fn check_group_publish(
        &self,
        domain: &Domain,
        package: &PackageCoordinates,
        repository: &str,
    ) -> Result<(), ServiceError> {
        let groups = self.package_groups(domain).await?;
        match groups.refusal(package, OriginRule::Publish, repository) {
            None => Ok(()),
            Some(why) => Err(ServiceError::new(
                ErrorKind::AccessDenied,
                format!(
                    "publishing {package} to `{repository}` is blocked by {why}; an administrator can change it with `aws codeartifact update-package-group-origin-configuration`"
                ),
            )),
        }
    }
}
