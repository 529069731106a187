//! Views as upstreams and package group tags:
//!
//! - `repository_upstreams.view`: the view an upstream list entry names (`shared@release`:
//!   `release`), null for the repository itself (docs/DESIGN.md §2, "Views");
//! - `package_groups.tags`: a package group's tags, a JSON array of `{key, value}`, as
//!   `repositories.tags` keeps a repository's;
//! - an index of a package's versions by publish time, the order ListPackageVersions pages in.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RepositoryUpstreams {
    Table,
    View,
}

#[derive(DeriveIden)]
enum PackageGroups {
    Table,
    Tags,
}

#[derive(DeriveIden)]
enum PackageVersions {
    Table,
    PackageId,
    PublishedAt,
    Version,
}

const VERSIONS_BY_TIME: &str = "ix_versions_package_published";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(RepositoryUpstreams::Table)
                    .add_column(ColumnDef::new(RepositoryUpstreams::View).string().null())
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(PackageGroups::Table)
                    .add_column(ColumnDef::new(PackageGroups::Tags).text().not_null().default("[]"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(VERSIONS_BY_TIME)
                    .table(PackageVersions::Table)
                    .col(PackageVersions::PackageId)
                    .col(PackageVersions::PublishedAt)
                    .col(PackageVersions::Version)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name(VERSIONS_BY_TIME).table(PackageVersions::Table).to_owned()).await?;
        manager
            .alter_table(Table::alter().table(PackageGroups::Table).drop_column(PackageGroups::Tags).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter().table(RepositoryUpstreams::Table).drop_column(RepositoryUpstreams::View).to_owned(),
            )
            .await
    }
}
