//! Changes-stream followers (docs/ARCHITECTURE.md, "Sync tasks"): `changes_followers`, a
//! gateway's subscription to a registry's CouchDB-style `_changes` feed, one per external
//! connection it follows (`connection`: empty for the gateway's own; else a connection made in
//! the domain, whose packages it reads for the scopes bound to it): which packages it syncs
//! (`exist`: those it holds; `all`), whether it is paused, the feed's URL when not the
//! registry's own, and the sequence it has read up to; deleted with the repository.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ChangesFollowers {
    Table,
    RepositoryId,
    Connection,
    DomainId,
    Mode,
    Paused,
    ChangesUrl,
    Since,
    LastError,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Repositories {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ChangesFollowers::Table)
                    .col(ColumnDef::new(ChangesFollowers::RepositoryId).string().not_null())
                    .col(ColumnDef::new(ChangesFollowers::Connection).string().not_null().default(""))
                    .col(ColumnDef::new(ChangesFollowers::DomainId).string().not_null())
                    .col(ColumnDef::new(ChangesFollowers::Mode).string().not_null())
                    .col(ColumnDef::new(ChangesFollowers::Paused).boolean().not_null().default(false))
                    .col(ColumnDef::new(ChangesFollowers::ChangesUrl).text().null())
                    .col(ColumnDef::new(ChangesFollowers::Since).string().not_null())
                    .col(ColumnDef::new(ChangesFollowers::LastError).text().null())
                    .col(ColumnDef::new(ChangesFollowers::UpdatedAt).timestamp_with_time_zone().not_null())
                    .primary_key(Index::create().col(ChangesFollowers::RepositoryId).col(ChangesFollowers::Connection))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_changes_followers_repository")
                            .from(ChangesFollowers::Table, ChangesFollowers::RepositoryId)
                            .to(Repositories::Table, Repositories::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(ChangesFollowers::Table).to_owned()).await
    }
}
