//! Packages, their versions and assets, npm dist-tags.
//!
//! A package is stored per repository: (repository, format, namespace, name) is unique, with the
//! repository's origin controls for it. A version row exists in every repository that holds it
//! (published there, or retained after a fetch through the chain); its assets point at blobs by
//! SHA-256, stored once per domain. Versions are never removed: `Deleted` keeps the number burned.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Repositories {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Packages {
    Table,
    Id,
    RepositoryId,
    Format,
    Namespace,
    Name,
    DisplayName,
    OriginPublish,
    OriginUpstream,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PackageVersions {
    Table,
    Id,
    PackageId,
    Version,
    Status,
    Revision,
    OriginType,
    OriginRepository,
    OriginExternalConnection,
    Summary,
    HomePage,
    SourceCodeRepository,
    Licenses,
    Dependencies,
    Readme,
    Metadata,
    PublishedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Assets {
    Table,
    Id,
    VersionId,
    Name,
    Size,
    Sha256,
    Sha1,
    Md5,
    Sha512,
    CreatedAt,
}

#[derive(DeriveIden)]
enum DistTags {
    Table,
    PackageId,
    Tag,
    Version,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Packages::Table)
                    .col(ColumnDef::new(Packages::Id).string().not_null().primary_key())
                    .col(ColumnDef::new(Packages::RepositoryId).string().not_null())
                    .col(ColumnDef::new(Packages::Format).string().not_null())
                    .col(ColumnDef::new(Packages::Namespace).string().not_null())
                    .col(ColumnDef::new(Packages::Name).string().not_null())
                    .col(ColumnDef::new(Packages::DisplayName).string().not_null())
                    .col(ColumnDef::new(Packages::OriginPublish).string().not_null())
                    .col(ColumnDef::new(Packages::OriginUpstream).string().not_null())
                    .col(ColumnDef::new(Packages::CreatedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_packages_repository")
                            .from(Packages::Table, Packages::RepositoryId)
                            .to(Repositories::Table, Repositories::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_packages_repository_coordinates")
                    .table(Packages::Table)
                    .col(Packages::RepositoryId)
                    .col(Packages::Format)
                    .col(Packages::Namespace)
                    .col(Packages::Name)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PackageVersions::Table)
                    .col(ColumnDef::new(PackageVersions::Id).string().not_null().primary_key())
                    .col(ColumnDef::new(PackageVersions::PackageId).string().not_null())
                    .col(ColumnDef::new(PackageVersions::Version).string().not_null())
                    .col(ColumnDef::new(PackageVersions::Status).string().not_null())
                    .col(ColumnDef::new(PackageVersions::Revision).string().not_null())
                    .col(ColumnDef::new(PackageVersions::OriginType).string().not_null())
                    .col(ColumnDef::new(PackageVersions::OriginRepository).string().null())
                    .col(ColumnDef::new(PackageVersions::OriginExternalConnection).string().null())
                    .col(ColumnDef::new(PackageVersions::Summary).text().null())
                    .col(ColumnDef::new(PackageVersions::HomePage).text().null())
                    .col(ColumnDef::new(PackageVersions::SourceCodeRepository).text().null())
                    .col(ColumnDef::new(PackageVersions::Licenses).text().not_null())
                    .col(ColumnDef::new(PackageVersions::Dependencies).text().not_null())
                    .col(ColumnDef::new(PackageVersions::Readme).text().null())
                    .col(ColumnDef::new(PackageVersions::Metadata).text().not_null())
                    .col(ColumnDef::new(PackageVersions::PublishedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(PackageVersions::UpdatedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_versions_package")
                            .from(PackageVersions::Table, PackageVersions::PackageId)
                            .to(Packages::Table, Packages::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_versions_package_version")
                    .table(PackageVersions::Table)
                    .col(PackageVersions::PackageId)
                    .col(PackageVersions::Version)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Assets::Table)
                    .col(ColumnDef::new(Assets::Id).string().not_null().primary_key())
                    .col(ColumnDef::new(Assets::VersionId).string().not_null())
                    .col(ColumnDef::new(Assets::Name).string().not_null())
                    .col(ColumnDef::new(Assets::Size).big_integer().not_null())
                    .col(ColumnDef::new(Assets::Sha256).string().not_null())
                    .col(ColumnDef::new(Assets::Sha1).string().not_null())
                    .col(ColumnDef::new(Assets::Md5).string().not_null())
                    .col(ColumnDef::new(Assets::Sha512).string().not_null())
                    .col(ColumnDef::new(Assets::CreatedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_assets_version")
                            .from(Assets::Table, Assets::VersionId)
                            .to(PackageVersions::Table, PackageVersions::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_assets_version_name")
                    .table(Assets::Table)
                    .col(Assets::VersionId)
                    .col(Assets::Name)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(Index::create().name("ix_assets_sha256").table(Assets::Table).col(Assets::Sha256).to_owned())
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(DistTags::Table)
                    .col(ColumnDef::new(DistTags::PackageId).string().not_null())
                    .col(ColumnDef::new(DistTags::Tag).string().not_null())
                    .col(ColumnDef::new(DistTags::Version).string().not_null())
                    .primary_key(Index::create().col(DistTags::PackageId).col(DistTags::Tag))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_dist_tags_package")
                            .from(DistTags::Table, DistTags::PackageId)
                            .to(Packages::Table, Packages::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(DistTags::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Assets::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(PackageVersions::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Packages::Table).to_owned()).await?;
        Ok(())
    }
}
