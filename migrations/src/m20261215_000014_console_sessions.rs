//! `console_sessions`: the web console's signed-in sessions (docs/ARCHITECTURE.md, "The web
//! console"). A session is a token the console keeps in a cookie; the row records it by id (the
//! JWT's `jti`), whose it is and until when, so that signing out revokes it on every replica.
//! Unlike `tokens`, a session opens no one domain, so it has a table of its own.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ConsoleSessions {
    Table,
    Id,
    PrincipalId,
    CreatedAt,
    ExpiresAt,
    RevokedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ConsoleSessions::Table)
                    .col(ColumnDef::new(ConsoleSessions::Id).string().not_null().primary_key())
                    .col(ColumnDef::new(ConsoleSessions::PrincipalId).string().not_null())
                    .col(ColumnDef::new(ConsoleSessions::CreatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(ConsoleSessions::ExpiresAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(ConsoleSessions::RevokedAt).timestamp_with_time_zone().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_console_sessions_revoked")
                    .table(ConsoleSessions::Table)
                    .col(ConsoleSessions::RevokedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(ConsoleSessions::Table).to_owned()).await
    }
}
