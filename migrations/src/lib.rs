//! Database migrations, run at start-up by `tributary serve` and alone by `tributary migrate`.
//! The same migrations serve SQLite and PostgreSQL.

pub use sea_orm_migration::prelude::*;

mod m20261120_000001_foundation;
mod m20261121_000002_packages;
mod m20261121_000003_asset_attributes;
mod m20261121_000004_fetch_leases;
mod m20261206_000005_blob_collections;
mod m20261207_000006_access_control;
mod m20261208_000007_upstream_views;
mod m20261209_000008_tokens;
mod m20261210_000009_release_age;
mod m20261211_000010_sync_tasks;
mod m20261212_000011_changes_followers;
mod m20261213_000012_custom_connections;
mod m20261214_000013_upstream_documents;
mod m20261215_000014_console_sessions;

/// The ordered list of migrations.
#[derive(Debug)]
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261120_000001_foundation::Migration),
            Box::new(m20261121_000002_packages::Migration),
            Box::new(m20261121_000003_asset_attributes::Migration),
            Box::new(m20261121_000004_fetch_leases::Migration),
            Box::new(m20261206_000005_blob_collections::Migration),
            Box::new(m20261207_000006_access_control::Migration),
            Box::new(m20261208_000007_upstream_views::Migration),
            Box::new(m20261209_000008_tokens::Migration),
            Box::new(m20261210_000009_release_age::Migration),
            Box::new(m20261211_000010_sync_tasks::Migration),
            Box::new(m20261212_000011_changes_followers::Migration),
            Box::new(m20261213_000012_custom_connections::Migration),
            Box::new(m20261214_000013_upstream_documents::Migration),
            Box::new(m20261215_000014_console_sessions::Migration),
        ]
    }
}
