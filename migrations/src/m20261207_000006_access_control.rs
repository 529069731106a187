//! Access control (docs/ARCHITECTURE.md, "Who may call what"):
//!
//! - `permission_policies`: the resource policy of a domain (`repository_id` null) or of a
//!   repository, keyed by the id of what it is attached to, with its revision for optimistic
//!   locking; deleted with its domain or repository;
//! - `public_repositories`: the repositories anyone may read without credentials (an explicit
//!   choice, never a default);
//! - `trusted_publishers`: the OIDC issuers a domain trusts for CI publishing, by name, with
//!   their rule and the repositories their tokens open (docs/ARCHITECTURE.md, "Trusted
//!   publishing"); deleted with the domain;
//! - `package_groups`: a domain's package groups, by pattern, with their origin rules and the
//!   repositories those allow (docs/DESIGN.md §2, "Package groups"); deleted with the domain;
//! - `cleanup_policies`: per repository, which versions a cleanup disposes (issue 15; docs/DESIGN.md
//!   §2, "Cleanup"); `package_versions.last_downloaded_at`: when a version was last downloaded
//!   from its repository (stamped at most once a day a replica), what cleanup goes by;
//! - `version_views`: the versions promoted into a repository's `@prerelease` or `@release`
//!   view (docs/DESIGN.md §2, "Views");
//! - principal names are unique, as the API names principals by them.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PermissionPolicies {
    Table,
    Id,
    DomainId,
    RepositoryId,
    Document,
    Revision,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum PublicRepositories {
    Table,
    RepositoryId,
    DomainId,
    MadePublicAt,
}

#[derive(DeriveIden)]
enum TrustedPublishers {
    Table,
    DomainId,
    Name,
    Issuer,
    JwksUrl,
    Audience,
    Claims,
    Repositories,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PackageGroups {
    Table,
    DomainId,
    Pattern,
    Description,
    ContactInfo,
    Rules,
    AllowedRepositories,
    CreatedAt,
}

#[derive(DeriveIden)]
enum CleanupPolicies {
    Table,
    RepositoryId,
    UnusedDays,
    KeepNewest,
    IncludePublished,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum PackageVersions {
    Table,
    Id,
    LastDownloadedAt,
}

#[derive(DeriveIden)]
enum VersionViews {
    Table,
    VersionId,
    View,
    PromotedAt,
}

#[derive(DeriveIden)]
enum Domains {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Repositories {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Principals {
    Table,
    Name,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PermissionPolicies::Table)
                    .col(ColumnDef::new(PermissionPolicies::Id).text().not_null().primary_key())
                    .col(ColumnDef::new(PermissionPolicies::DomainId).text().not_null())
                    .col(ColumnDef::new(PermissionPolicies::RepositoryId).text().null())
                    .col(ColumnDef::new(PermissionPolicies::Document).text().not_null())
                    .col(ColumnDef::new(PermissionPolicies::Revision).text().not_null())
                    .col(ColumnDef::new(PermissionPolicies::UpdatedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_permission_policies_domain")
                            .from(PermissionPolicies::Table, PermissionPolicies::DomainId)
                            .to(Domains::Table, Domains::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_permission_policies_repository")
                            .from(PermissionPolicies::Table, PermissionPolicies::RepositoryId)
                            .to(Repositories::Table, Repositories::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_permission_policies_domain")
                    .table(PermissionPolicies::Table)
                    .col(PermissionPolicies::DomainId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PublicRepositories::Table)
                    .col(ColumnDef::new(PublicRepositories::RepositoryId).text().not_null().primary_key())
                    .col(ColumnDef::new(PublicRepositories::DomainId).text().not_null())
                    .col(ColumnDef::new(PublicRepositories::MadePublicAt).timestamp_with_time_zone().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_public_repositories_repository")
                            .from(PublicRepositories::Table, PublicRepositories::RepositoryId)
                            .to(Repositories::Table, Repositories::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_public_repositories_domain")
                            .from(PublicRepositories::Table, PublicRepositories::DomainId)
                            .to(Domains::Table, Domains::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TrustedPublishers::Table)
                    .col(ColumnDef::new(TrustedPublishers::DomainId).text().not_null())
                    .col(ColumnDef::new(TrustedPublishers::Name).text().not_null())
                    .col(ColumnDef::new(TrustedPublishers::Issuer).text().not_null())
                    .col(ColumnDef::new(TrustedPublishers::JwksUrl).text().null())
                    .col(ColumnDef::new(TrustedPublishers::Audience).text().not_null())
                    .col(ColumnDef::new(TrustedPublishers::Claims).text().not_null())
                    .col(ColumnDef::new(TrustedPublishers::Repositories).text().not_null())
                    .col(ColumnDef::new(TrustedPublishers::CreatedAt).timestamp_with_time_zone().not_null())
                    .primary_key(Index::create().col(TrustedPublishers::DomainId).col(TrustedPublishers::Name))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_trusted_publishers_domain")
                            .from(TrustedPublishers::Table, TrustedPublishers::DomainId)
                            .to(Domains::Table, Domains::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PackageGroups::Table)
                    .col(ColumnDef::new(PackageGroups::DomainId).text().not_null())
                    .col(ColumnDef::new(PackageGroups::Pattern).text().not_null())
                    .col(ColumnDef::new(PackageGroups::Description).text().null())
                    .col(ColumnDef::new(PackageGroups::ContactInfo).text().null())
                    .col(ColumnDef::new(PackageGroups::Rules).text().not_null())
                    .col(ColumnDef::new(PackageGroups::AllowedRepositories).text().not_null())
                    .col(ColumnDef::new(PackageGroups::CreatedAt).timestamp_with_time_zone().not_null())
                    .primary_key(Index::create().col(PackageGroups::DomainId).col(PackageGroups::Pattern))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_package_groups_domain")
                            .from(PackageGroups::Table, PackageGroups::DomainId)
                            .to(Domains::Table, Domains::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CleanupPolicies::Table)
                    .col(ColumnDef::new(CleanupPolicies::RepositoryId).text().not_null().primary_key())
                    .col(ColumnDef::new(CleanupPolicies::UnusedDays).big_integer().null())
                    .col(ColumnDef::new(CleanupPolicies::KeepNewest).big_integer().null())
                    .col(ColumnDef::new(CleanupPolicies::IncludePublished).boolean().not_null())
                    .col(ColumnDef::new(CleanupPolicies::UpdatedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_cleanup_policies_repository")
                            .from(CleanupPolicies::Table, CleanupPolicies::RepositoryId)
                            .to(Repositories::Table, Repositories::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(VersionViews::Table)
                    .col(ColumnDef::new(VersionViews::VersionId).text().not_null())
                    .col(ColumnDef::new(VersionViews::View).text().not_null())
                    .col(ColumnDef::new(VersionViews::PromotedAt).timestamp_with_time_zone().not_null())
                    .primary_key(Index::create().col(VersionViews::VersionId).col(VersionViews::View))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_version_views_version")
                            .from(VersionViews::Table, VersionViews::VersionId)
                            .to(PackageVersions::Table, PackageVersions::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(PackageVersions::Table)
                    .add_column(ColumnDef::new(PackageVersions::LastDownloadedAt).timestamp_with_time_zone().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_principals_name")
                    .table(Principals::Table)
                    .col(Principals::Name)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name("ux_principals_name").table(Principals::Table).to_owned()).await?;
        manager
            .alter_table(
                Table::alter().table(PackageVersions::Table).drop_column(PackageVersions::LastDownloadedAt).to_owned(),
            )
            .await?;
        manager.drop_table(Table::drop().table(VersionViews::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(CleanupPolicies::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(PackageGroups::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(TrustedPublishers::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(PublicRepositories::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(PermissionPolicies::Table).to_owned()).await
    }
}
