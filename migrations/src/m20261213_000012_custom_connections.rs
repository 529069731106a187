//! External connections made in a domain (docs/DESIGN.md §4, "Custom external connections"):
//! `custom_connections`, a registry of one format at any URL (`FORMAT:LABEL`, e.g. `npm:corp`),
//! with the credentials sent to it and its changes feed; and `scope_bindings`, the scopes whose
//! packages are read from one of them instead of the search order's own connection. Both are
//! deleted with the domain.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CustomConnections {
    Table,
    DomainId,
    Name,
    Format,
    Url,
    ChangesUrl,
    AuthToken,
    Username,
    Password,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ScopeBindings {
    Table,
    DomainId,
    Format,
    Scope,
    Connection,
    CreatedAt,
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
                    .table(CustomConnections::Table)
                    .col(ColumnDef::new(CustomConnections::DomainId).string().not_null())
                    .col(ColumnDef::new(CustomConnections::Name).string().not_null())
                    .col(ColumnDef::new(CustomConnections::Format).string().not_null())
                    .col(ColumnDef::new(CustomConnections::Url).text().not_null())
                    .col(ColumnDef::new(CustomConnections::ChangesUrl).text().null())
                    .col(ColumnDef::new(CustomConnections::AuthToken).text().null())
                    .col(ColumnDef::new(CustomConnections::Username).text().null())
                    .col(ColumnDef::new(CustomConnections::Password).text().null())
                    .col(ColumnDef::new(CustomConnections::CreatedAt).timestamp_with_time_zone().not_null())
                    .primary_key(Index::create().col(CustomConnections::DomainId).col(CustomConnections::Name))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_custom_connections_domain")
                            .from(CustomConnections::Table, CustomConnections::DomainId)
                            .to(Domains::Table, Domains::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ScopeBindings::Table)
                    .col(ColumnDef::new(ScopeBindings::DomainId).string().not_null())
                    .col(ColumnDef::new(ScopeBindings::Format).string().not_null())
                    .col(ColumnDef::new(ScopeBindings::Scope).string().not_null())
                    .col(ColumnDef::new(ScopeBindings::Connection).string().not_null())
                    .col(ColumnDef::new(ScopeBindings::CreatedAt).timestamp_with_time_zone().not_null())
                    .primary_key(
                        Index::create()
                            .col(ScopeBindings::DomainId)
                            .col(ScopeBindings::Format)
                            .col(ScopeBindings::Scope),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_scope_bindings_domain")
                            .from(ScopeBindings::Table, ScopeBindings::DomainId)
                            .to(Domains::Table, Domains::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(ScopeBindings::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(CustomConnections::Table).to_owned()).await
    }
}
