//! Fetch leases: which replica is fetching one upstream file right now, until when. The other
//! replicas of a fleet wait for it instead of fetching the same file too (design.md §4).
//! A lease is renewed while its fetch runs and lapses on its own if the replica dies.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum FetchLeases {
    Table,
    Key,
    Holder,
    ExpiresAtMs,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(FetchLeases::Table)
                    .col(ColumnDef::new(FetchLeases::Key).text().not_null().primary_key())
                    .col(ColumnDef::new(FetchLeases::Holder).text().not_null())
                    .col(ColumnDef::new(FetchLeases::ExpiresAtMs).big_integer().not_null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(FetchLeases::Table).to_owned()).await
    }
}
