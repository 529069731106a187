//! Cleanup (docs/DESIGN.md §2, "Cleanup"): a repository's policy, when its versions were last
//! downloaded, and the versions a cleanup weighs.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, Query};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, Set};
use tributary_model::{PackageCoordinates, PackageFormat};

use crate::entity::{cleanup_policies, package_versions, packages};
use crate::{Result, Store, StoreError};

/// Which versions of a repository a cleanup disposes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CleanupPolicy {
    /// Versions not downloaded (nor brought in) for this many days.
    pub unused_days: Option<u32>,
    /// Never the newest this many versions of a package.
    pub keep_newest: Option<u32>,
    /// Versions published to the repository too; else only those that came from upstream.
    pub include_published: bool,
}

/// A version as a cleanup weighs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CleanupCandidate {
    /// Its package.
    pub coordinates: PackageCoordinates,
    /// The version.
    pub version: String,
    /// Its status, by wire name.
    pub status: String,
    /// `INTERNAL` or `EXTERNAL`.
    pub origin_type: String,
    /// When it was published.
    pub published_at: DateTime<Utc>,
    /// When it was last downloaded from this repository, else when it last changed (came in).
    pub last_used_at: DateTime<Utc>,
}

#[derive(FromQueryResult)]
struct CandidateRow {
    format: String,
    namespace: String,
    name: String,
    version: String,
    status: String,
    origin_type: String,
    published_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    last_downloaded_at: Option<DateTime<Utc>>,
}

impl Store {
    /// The cleanup policy of the repository `repository_id`, if it has one.
    pub async fn cleanup_policy(&self, repository_id: &str) -> Result<Option<CleanupPolicy>> {
        let found = cleanup_policies::Entity::find_by_id(repository_id).one(&self.reads).await?;
        Ok(found.map(|m| CleanupPolicy {
            unused_days: m.unused_days.and_then(|d| u32::try_from(d).ok()),
            keep_newest: m.keep_newest.and_then(|k| u32::try_from(k).ok()),
            include_published: m.include_published,
        }))
    }

    /// Sets (or, with `None`, removes) the cleanup policy of the repository `repository_id`.
    pub async fn set_cleanup_policy(&self, repository_id: &str, policy: Option<CleanupPolicy>) -> Result<()> {
        cleanup_policies::Entity::delete_by_id(repository_id).exec(&self.db).await?;
        if let Some(policy) = policy {
            cleanup_policies::ActiveModel {
                repository_id: Set(repository_id.to_owned()),
                unused_days: Set(policy.unused_days.map(i64::from)),
                keep_newest: Set(policy.keep_newest.map(i64::from)),
                include_published: Set(policy.include_published),
                updated_at: Set(Utc::now()),
            }
            .insert(&self.db)
            .await?;
        }
        Ok(())
    }

    /// The domain the repository `repository_id` is in.
    pub async fn domain_of_repository(&self, repository_id: &str) -> Result<Option<crate::Domain>> {
        let Some(repository) = crate::entity::repositories::Entity::find_by_id(repository_id).one(&self.reads).await?
        else {
            return Ok(None);
        };
        self.domain_by_id(&repository.domain_id).await
    }

    /// The repositories that have a cleanup policy.
    pub async fn repositories_with_cleanup(&self) -> Result<Vec<String>> {
        Ok(cleanup_policies::Entity::find().all(&self.reads).await?.into_iter().map(|m| m.repository_id).collect())
    }

    /// Records that `version` of `coordinates` was downloaded from the repository
    /// `repository_id` at `when`.
    pub async fn stamp_download(
        &self,
        repository_id: &str,
        coordinates: &PackageCoordinates,
        version: &str,
        when: DateTime<Utc>,
    ) -> Result<()> {
        let package = Query::select()
            .column(packages::Column::Id)
            .from(packages::Entity)
            .and_where(packages::Column::RepositoryId.eq(repository_id))
            .and_where(packages::Column::Format.eq(coordinates.format.as_str()))
            .and_where(packages::Column::Namespace.eq(coordinates.namespace.as_str()))
            .and_where(packages::Column::Name.eq(coordinates.name.as_str()))
            .to_owned();
        let update = Query::update()
            .table(package_versions::Entity)
            .value(Alias::new("last_downloaded_at"), when)
            .and_where(package_versions::Column::PackageId.in_subquery(package))
            .and_where(package_versions::Column::Version.eq(version))
            .to_owned();
        let backend = self.db.get_database_backend();
        self.db.execute(backend.build(&update)).await?;
        Ok(())
    }

    /// Every version of the repository `repository_id` that is not Deleted or Disposed, as a
    /// cleanup weighs it.
    pub async fn cleanup_candidates(&self, repository_id: &str) -> Result<Vec<CleanupCandidate>> {
        let query = Query::select()
            .columns([
                (packages::Entity, packages::Column::Format),
                (packages::Entity, packages::Column::Namespace),
                (packages::Entity, packages::Column::Name),
            ])
            .columns([
                (package_versions::Entity, package_versions::Column::Version),
                (package_versions::Entity, package_versions::Column::Status),
                (package_versions::Entity, package_versions::Column::OriginType),
                (package_versions::Entity, package_versions::Column::PublishedAt),
                (package_versions::Entity, package_versions::Column::UpdatedAt),
            ])
            .expr_as(
                Expr::col((package_versions::Entity, Alias::new("last_downloaded_at"))),
                Alias::new("last_downloaded_at"),
            )
            .from(package_versions::Entity)
            .inner_join(
                packages::Entity,
                Expr::col((packages::Entity, packages::Column::Id))
                    .equals((package_versions::Entity, package_versions::Column::PackageId)),
            )
            .and_where(Expr::col((packages::Entity, packages::Column::RepositoryId)).eq(repository_id))
            .and_where(
                Expr::col((package_versions::Entity, package_versions::Column::Status))
                    .is_not_in(["Deleted", "Disposed"]),
            )
            .to_owned();
        let backend = self.reads.get_database_backend();
        let rows = CandidateRow::find_by_statement(backend.build(&query)).all(&self.reads).await?;
        rows.into_iter()
            .map(|r| {
                let format = PackageFormat::parse(&r.format)
                    .ok_or_else(|| StoreError::Corrupt(format!("unknown format `{}`", r.format)))?;
                Ok(CleanupCandidate {
                    coordinates: PackageCoordinates { format, namespace: r.namespace, name: r.name },
                    version: r.version,
                    status: r.status,
                    origin_type: r.origin_type,
                    published_at: r.published_at,
                    last_used_at: r.last_downloaded_at.unwrap_or(r.updated_at).max(r.updated_at),
                })
            })
            .collect()
    }
}
