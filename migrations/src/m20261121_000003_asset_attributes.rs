//! Per-file attributes: what a format knows of one file of a version beyond its bytes (PyPI:
//! `requires-python`, yanked, upload time, the wheel its core metadata belongs to). A JSON
//! object, `{}` for none; the store treats it as opaque.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Assets {
    Table,
    Attributes,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Assets::Table)
                    .add_column(ColumnDef::new(Assets::Attributes).text().not_null().default("{}"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(Assets::Table).drop_column(Assets::Attributes).to_owned()).await
    }
}
