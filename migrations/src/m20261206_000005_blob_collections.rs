//! Blob collections: the blobs a garbage collection is deleting or has deleted, per domain.
//!
//! A row is written, under the domain's lock, only for a blob no asset refers to; while it is
//! there, a version that would refer to that blob is refused (or, once the deletion is done and
//! the blob was uploaded again, let through). This is what makes collecting safe on an object
//! store with no atomic rename (docs/ARCHITECTURE.md, "Garbage collection").

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum BlobCollections {
    Table,
    DomainId,
    Sha256,
    Collector,
    MarkedAtMs,
    DeletedAtMs,
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
                    .table(BlobCollections::Table)
                    .col(ColumnDef::new(BlobCollections::DomainId).text().not_null())
                    .col(ColumnDef::new(BlobCollections::Sha256).text().not_null())
                    .col(ColumnDef::new(BlobCollections::Collector).text().not_null())
                    .col(ColumnDef::new(BlobCollections::MarkedAtMs).big_integer().not_null())
                    .col(ColumnDef::new(BlobCollections::DeletedAtMs).big_integer().null())
                    .primary_key(Index::create().col(BlobCollections::DomainId).col(BlobCollections::Sha256))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_blob_collections_domain")
                            .from(BlobCollections::Table, BlobCollections::DomainId)
                            .to(Domains::Table, Domains::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(BlobCollections::Table).to_owned()).await
    }
}
