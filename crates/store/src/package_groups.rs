//! A domain's package groups (docs/DESIGN.md §2, "Package groups"), stored as the API gives
//! them; the engine parses the patterns and decides.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use tributary_model::{ResourceType, ServiceError};

use crate::entity::package_groups;
use crate::{Result, Store, StoreError};

/// A package group as stored.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PackageGroupRecord {
    /// Its pattern, as written by `PackageGroupPattern`'s `Display` (its identity).
    pub pattern: String,
    /// Its description.
    pub description: Option<String>,
    /// Who to ask about it.
    pub contact_info: Option<String>,
    /// Origin rule → mode, by wire names.
    pub rules: BTreeMap<String, String>,
    /// Origin rule → the repositories it allows (for `ALLOW_SPECIFIC_REPOSITORIES`).
    pub allowed_repositories: BTreeMap<String, Vec<String>>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// Its tags.
    pub tags: Vec<crate::Tag>,
}

impl TryFrom<package_groups::Model> for PackageGroupRecord {
    type Error = StoreError;

    fn try_from(m: package_groups::Model) -> Result<Self> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("package group `{}`: {what}", m.pattern));
        Ok(Self {
            rules: serde_json::from_str(&m.rules).map_err(|_| corrupt("its rules are not a JSON object"))?,
            allowed_repositories: serde_json::from_str(&m.allowed_repositories)
                .map_err(|_| corrupt("its allowed repositories are not a JSON object"))?,
            pattern: m.pattern,
            description: m.description,
            contact_info: m.contact_info,
            created_at: m.created_at,
            tags: crate::records::tags_from_json(&m.tags),
        })
    }
}

fn active(domain_id: &str, group: &PackageGroupRecord) -> package_groups::ActiveModel {
    package_groups::ActiveModel {
        domain_id: Set(domain_id.to_owned()),
        pattern: Set(group.pattern.clone()),
        description: Set(group.description.clone()),
        contact_info: Set(group.contact_info.clone()),
        rules: Set(serde_json::to_string(&group.rules).unwrap_or_else(|_| "{}".to_owned())),
        allowed_repositories: Set(
            serde_json::to_string(&group.allowed_repositories).unwrap_or_else(|_| "{}".to_owned())
        ),
        created_at: Set(group.created_at),
        tags: Set(crate::records::tags_to_json(&group.tags)),
    }
}

impl Store {
    /// The packages stored in any of `repository_ids` (each once, sorted): what
    /// ListAssociatedPackages sorts into groups.
    pub async fn package_coordinates_in(
        &self,
        repository_ids: &[String],
    ) -> Result<Vec<tributary_model::PackageCoordinates>> {
        use crate::entity::packages;
        let rows = packages::Entity::find()
            .filter(packages::Column::RepositoryId.is_in(repository_ids.iter().cloned()))
            .all(&self.reads)
            .await?;
        let mut found = std::collections::BTreeSet::new();
        for row in rows {
            let format = tributary_model::PackageFormat::parse(&row.format).ok_or_else(|| {
                StoreError::Corrupt(format!("package `{}` has unknown format `{}`", row.id, row.format))
            })?;
            found.insert((format.as_str(), row.namespace, row.name, format));
        }
        Ok(found
            .into_iter()
            .map(|(_, namespace, name, format)| tributary_model::PackageCoordinates { format, namespace, name })
            .collect())
    }

    /// Every package group of the domain `domain_id`.
    pub async fn package_groups(&self, domain_id: &str) -> Result<Vec<PackageGroupRecord>> {
        package_groups::Entity::find()
            .filter(package_groups::Column::DomainId.eq(domain_id))
            .all(&self.reads)
            .await?
            .into_iter()
            .map(PackageGroupRecord::try_from)
            .collect()
    }

    /// Creates a package group; a conflict if its pattern is taken.
    pub async fn create_package_group(&self, domain_id: &str, group: &PackageGroupRecord) -> Result<()> {
        active(domain_id, group).insert(&self.db).await.map_err(|e| {
            StoreError::conflict_on_unique(
                e,
                ResourceType::Package,
                &group.pattern,
                &format!("package group `{}` already exists", group.pattern),
            )
        })?;
        Ok(())
    }

    /// Replaces a package group (found by its pattern); whether it was there.
    pub async fn update_package_group(&self, domain_id: &str, group: &PackageGroupRecord) -> Result<bool> {
        let found =
            package_groups::Entity::find_by_id((domain_id.to_owned(), group.pattern.clone())).one(&self.db).await?;
        if found.is_none() {
            return Ok(false);
        }
        active(domain_id, group).update(&self.db).await?;
        Ok(true)
    }

    /// Deletes the package group `pattern`; whether it was there.
    pub async fn delete_package_group(&self, domain_id: &str, pattern: &str) -> Result<bool> {
        let deleted = package_groups::Entity::delete_many()
            .filter(package_groups::Column::DomainId.eq(domain_id))
            .filter(package_groups::Column::Pattern.eq(pattern))
            .exec(&self.db)
            .await?;
        Ok(deleted.rows_affected > 0)
    }
}

/// A package group that does not exist.
pub fn package_group_not_found(pattern: &str) -> ServiceError {
    ServiceError::not_found(
        ResourceType::Package,
        pattern,
        format!("package group `{pattern}` does not exist; `aws codeartifact list-package-groups` lists them"),
    )
}
