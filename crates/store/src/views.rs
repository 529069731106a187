//! The versions promoted into a repository's views (docs/DESIGN.md §2, "Views").

use std::collections::HashSet;

use chrono::Utc;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};
use tributary_model::view::RepositoryView;

use crate::entity::version_views;
use crate::{Result, Store};

impl Store {
    /// Promotes the version `version_id` into `view` (promoting it again changes nothing).
    pub async fn promote(&self, version_id: &str, view: RepositoryView) -> Result<()> {
        let model = version_views::ActiveModel {
            version_id: Set(version_id.to_owned()),
            view: Set(view.as_str().to_owned()),
            promoted_at: Set(Utc::now()),
        };
        version_views::Entity::insert(model)
            .on_conflict(
                OnConflict::columns([version_views::Column::VersionId, version_views::Column::View])
                    .do_nothing()
                    .to_owned(),
            )
            .do_nothing()
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// Those of `version_ids` promoted into `view`.
    pub async fn promoted_among(&self, version_ids: &[String], view: RepositoryView) -> Result<HashSet<String>> {
        let rows = version_views::Entity::find()
            .filter(version_views::Column::VersionId.is_in(version_ids.iter().cloned()))
            .filter(version_views::Column::View.eq(view.as_str()))
            .all(&self.reads)
            .await?;
        Ok(rows.into_iter().map(|r| r.version_id).collect())
    }

    /// The ids of the packages of the repository `repository_id` with a version promoted into
    /// `view`.
    pub async fn packages_promoted_into(&self, repository_id: &str, view: RepositoryView) -> Result<HashSet<String>> {
        use sea_orm::{ConnectionTrait as _, DbBackend, FromQueryResult, Statement};
        #[derive(FromQueryResult)]
        struct Row {
            package_id: String,
        }
        let backend = self.reads.get_database_backend();
        let (first, second) = if backend == DbBackend::Postgres { ("$1", "$2") } else { ("?", "?") };
        let sql = format!(
            "SELECT DISTINCT v.package_id FROM version_views w JOIN package_versions v ON w.version_id = v.id \
             JOIN packages p ON v.package_id = p.id WHERE p.repository_id = {first} AND w.view = {second}"
        );
        let values = [repository_id.into(), view.as_str().into()];
        let rows =
            Row::find_by_statement(Statement::from_sql_and_values(backend, sql, values)).all(&self.reads).await?;
        Ok(rows.into_iter().map(|r| r.package_id).collect())
    }

    /// The views the version `version_id` was promoted into.
    pub async fn views_of(&self, version_id: &str) -> Result<Vec<RepositoryView>> {
        let rows = version_views::Entity::find()
            .filter(version_views::Column::VersionId.eq(version_id))
            .all(&self.reads)
            .await?;
        let mut views: Vec<RepositoryView> = rows.iter().filter_map(|r| RepositoryView::parse(&r.view)).collect();
        views.sort();
        Ok(views)
    }
}
