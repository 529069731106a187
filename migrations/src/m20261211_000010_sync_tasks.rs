//! Sync tasks (docs/ARCHITECTURE.md, "Sync tasks"): `sync_tasks`, one row per queued sync of a
//! package from a repository's search order, claimed by one worker at a time (a lease: a task
//! whose worker died is claimed again once its lease ends), with its log; deleted with its domain.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SyncTasks {
    Table,
    Id,
    DomainId,
    Repository,
    Format,
    Namespace,
    Name,
    Versions,
    State,
    Log,
    Attempts,
    ClaimedBy,
    LeaseUntil,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Domains {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SyncTasks::Table)
                    .col(ColumnDef::new(SyncTasks::Id).string().not_null().primary_key())
                    .col(ColumnDef::new(SyncTasks::DomainId).string().not_null())
                    .col(ColumnDef::new(SyncTasks::Repository).string().not_null())
                    .col(ColumnDef::new(SyncTasks::Format).string().not_null())
                    .col(ColumnDef::new(SyncTasks::Namespace).string().not_null())
                    .col(ColumnDef::new(SyncTasks::Name).string().not_null())
                    .col(ColumnDef::new(SyncTasks::Versions).text().not_null())
                    .col(ColumnDef::new(SyncTasks::State).string().not_null())
                    .col(ColumnDef::new(SyncTasks::Log).text().not_null())
                    .col(ColumnDef::new(SyncTasks::Attempts).integer().not_null().default(0))
                    .col(ColumnDef::new(SyncTasks::ClaimedBy).string().null())
                    .col(ColumnDef::new(SyncTasks::LeaseUntil).timestamp_with_time_zone().null())
                    .col(ColumnDef::new(SyncTasks::CreatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(SyncTasks::UpdatedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_sync_tasks_domain")
                            .from(SyncTasks::Table, SyncTasks::DomainId)
                            .to(Domains::Table, Domains::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_sync_tasks_state")
                    .table(SyncTasks::Table)
                    .col(SyncTasks::State)
                    .col(SyncTasks::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(SyncTasks::Table).to_owned()).await
    }
}
