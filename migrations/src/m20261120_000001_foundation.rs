//! The foundation: principals, server secrets, domains, repositories and their upstream lists.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Principals {
    Table,
    Id,
    Name,
    AccessKeyId,
    SecretAccessKey,
    IsAdmin,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ServerSecrets {
    Table,
    Name,
    Value,
}

#[derive(DeriveIden)]
enum Domains {
    Table,
    Id,
    Name,
    Owner,
    EncryptionKey,
    Tags,
    GraphRevision,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Repositories {
    Table,
    Id,
    DomainId,
    Name,
    Description,
    ExternalConnection,
    Tags,
    CreatedAt,
}

#[derive(DeriveIden)]
enum RepositoryUpstreams {
    Table,
    RepositoryId,
    Position,
    UpstreamId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Principals::Table)
                    .col(ColumnDef::new(Principals::Id).string().not_null().primary_key())
                    .col(ColumnDef::new(Principals::Name).string().not_null())
                    .col(ColumnDef::new(Principals::AccessKeyId).string().not_null().unique_key())
                    .col(ColumnDef::new(Principals::SecretAccessKey).string().not_null())
                    .col(ColumnDef::new(Principals::IsAdmin).boolean().not_null())
                    .col(ColumnDef::new(Principals::CreatedAt).timestamp_with_time_zone().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ServerSecrets::Table)
                    .col(ColumnDef::new(ServerSecrets::Name).string().not_null().primary_key())
                    .col(ColumnDef::new(ServerSecrets::Value).string().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Domains::Table)
                    .col(ColumnDef::new(Domains::Id).string().not_null().primary_key())
                    .col(ColumnDef::new(Domains::Name).string().not_null().unique_key())
                    .col(ColumnDef::new(Domains::Owner).string().not_null())
                    .col(ColumnDef::new(Domains::EncryptionKey).string().null())
                    .col(ColumnDef::new(Domains::Tags).text().not_null())
                    .col(ColumnDef::new(Domains::GraphRevision).big_integer().not_null().default(0))
                    .col(ColumnDef::new(Domains::CreatedAt).timestamp_with_time_zone().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Repositories::Table)
                    .col(ColumnDef::new(Repositories::Id).string().not_null().primary_key())
                    .col(ColumnDef::new(Repositories::DomainId).string().not_null())
                    .col(ColumnDef::new(Repositories::Name).string().not_null())
                    .col(ColumnDef::new(Repositories::Description).text().null())
                    .col(ColumnDef::new(Repositories::ExternalConnection).string().null())
                    .col(ColumnDef::new(Repositories::Tags).text().not_null())
                    .col(ColumnDef::new(Repositories::CreatedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_repositories_domain")
                            .from(Repositories::Table, Repositories::DomainId)
                            .to(Domains::Table, Domains::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_repositories_domain_name")
                    .table(Repositories::Table)
                    .col(Repositories::DomainId)
                    .col(Repositories::Name)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RepositoryUpstreams::Table)
                    .col(ColumnDef::new(RepositoryUpstreams::RepositoryId).string().not_null())
                    .col(ColumnDef::new(RepositoryUpstreams::Position).integer().not_null())
                    .col(ColumnDef::new(RepositoryUpstreams::UpstreamId).string().not_null())
                    .primary_key(
                        Index::create().col(RepositoryUpstreams::RepositoryId).col(RepositoryUpstreams::Position),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_upstreams_repository")
                            .from(RepositoryUpstreams::Table, RepositoryUpstreams::RepositoryId)
                            .to(Repositories::Table, Repositories::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_upstreams_upstream")
                            .from(RepositoryUpstreams::Table, RepositoryUpstreams::UpstreamId)
                            .to(Repositories::Table, Repositories::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_upstreams_upstream")
                    .table(RepositoryUpstreams::Table)
                    .col(RepositoryUpstreams::UpstreamId)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(RepositoryUpstreams::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Repositories::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Domains::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(ServerSecrets::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Principals::Table).to_owned()).await?;
        Ok(())
    }
}
