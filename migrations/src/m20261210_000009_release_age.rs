//! Release-age quarantine (docs/DESIGN.md §2, "Release age"): `release_age_policies`, a
//! repository's policy (JSON: `minimumAgeSeconds`, `exceptions`), with its domain for the
//! domain-wide read; deleted with the repository.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ReleaseAgePolicies {
    Table,
    RepositoryId,
    DomainId,
    Policy,
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
                    .table(ReleaseAgePolicies::Table)
                    .col(ColumnDef::new(ReleaseAgePolicies::RepositoryId).string().not_null().primary_key())
                    .col(ColumnDef::new(ReleaseAgePolicies::DomainId).string().not_null())
                    .col(ColumnDef::new(ReleaseAgePolicies::Policy).text().not_null())
                    .col(ColumnDef::new(ReleaseAgePolicies::UpdatedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_release_age_policies_repository")
                            .from(ReleaseAgePolicies::Table, ReleaseAgePolicies::RepositoryId)
                            .to(Repositories::Table, Repositories::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_release_age_policies_domain")
                    .table(ReleaseAgePolicies::Table)
                    .col(ReleaseAgePolicies::DomainId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(ReleaseAgePolicies::Table).to_owned()).await
    }
}
