//! `upstream_documents`: the metadata documents a fleet's replicas read from registries, shared
//! so that the fleet asks a registry once per metadata TTL (docs/DESIGN.md §4, "One fleet, one
//! request"). A row is one document as the registry last answered it (or its "not found"), with
//! the pages it links to; only a fleet (PostgreSQL) writes them, and rows unread for a day are
//! deleted by the hourly cleanup.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum UpstreamDocuments {
    Table,
    Key,
    Found,
    Etag,
    ContentType,
    Body,
    Pages,
    FetchedAtMs,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(UpstreamDocuments::Table)
                    .col(ColumnDef::new(UpstreamDocuments::Key).text().not_null().primary_key())
                    .col(ColumnDef::new(UpstreamDocuments::Found).boolean().not_null())
                    .col(ColumnDef::new(UpstreamDocuments::Etag).text().null())
                    .col(ColumnDef::new(UpstreamDocuments::ContentType).text().null())
                    .col(ColumnDef::new(UpstreamDocuments::Body).binary().not_null())
                    .col(ColumnDef::new(UpstreamDocuments::Pages).binary().null())
                    .col(ColumnDef::new(UpstreamDocuments::FetchedAtMs).big_integer().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_upstream_documents_fetched")
                    .table(UpstreamDocuments::Table)
                    .col(UpstreamDocuments::FetchedAtMs)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(UpstreamDocuments::Table).to_owned()).await
    }
}
