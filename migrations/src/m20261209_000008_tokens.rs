//! Revocable tokens and npm's web login (docs/ARCHITECTURE.md, "Tokens"):
//!
//! - `tokens`: every token the server issued, by its id (the JWT's `jti`), with the SHA-256 of
//!   its value (never the value), whose it is, for which domain, until when, and when it was
//!   revoked; deleted with its domain;
//! - `web_logins`: an `npm login` waiting for its person to sign in on the login page: the id in
//!   the page's URL, the SHA-256 of the secret in the URL npm polls, the domain and repository it
//!   is for (by name), and, once signed in, the principal; gone ten minutes after it began.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Tokens {
    Table,
    Id,
    PrincipalId,
    DomainId,
    TokenSha256,
    Kind,
    Name,
    ReadOnly,
    CreatedAt,
    ExpiresAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum WebLogins {
    Table,
    Id,
    DoneSha256,
    Domain,
    Repository,
    PrincipalId,
    CreatedAt,
    ExpiresAt,
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
                    .table(Tokens::Table)
                    .col(ColumnDef::new(Tokens::Id).string().not_null().primary_key())
                    .col(ColumnDef::new(Tokens::PrincipalId).string().not_null())
                    .col(ColumnDef::new(Tokens::DomainId).string().not_null())
                    .col(ColumnDef::new(Tokens::TokenSha256).string().not_null().unique_key())
                    .col(ColumnDef::new(Tokens::Kind).string().not_null())
                    .col(ColumnDef::new(Tokens::Name).string().null())
                    .col(ColumnDef::new(Tokens::ReadOnly).boolean().not_null().default(false))
                    .col(ColumnDef::new(Tokens::CreatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(Tokens::ExpiresAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(Tokens::RevokedAt).timestamp_with_time_zone().null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_tokens_domain")
                            .from(Tokens::Table, Tokens::DomainId)
                            .to(Domains::Table, Domains::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("idx_tokens_principal").table(Tokens::Table).col(Tokens::PrincipalId).to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("idx_tokens_revoked").table(Tokens::Table).col(Tokens::RevokedAt).to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WebLogins::Table)
                    .col(ColumnDef::new(WebLogins::Id).string().not_null().primary_key())
                    .col(ColumnDef::new(WebLogins::DoneSha256).string().not_null().unique_key())
                    .col(ColumnDef::new(WebLogins::Domain).string().not_null())
                    .col(ColumnDef::new(WebLogins::Repository).string().not_null())
                    .col(ColumnDef::new(WebLogins::PrincipalId).string().null())
                    .col(ColumnDef::new(WebLogins::CreatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(WebLogins::ExpiresAt).timestamp_with_time_zone().not_null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(WebLogins::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Tokens::Table).to_owned()).await
    }
}
