//! `sync_tasks`: queued syncs of packages, claimed by one worker at a time.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sync_tasks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub domain_id: String,
    /// The repository whose search order the sync reads, by name.
    pub repository: String,
    pub format: String,
    pub namespace: String,
    pub name: String,
    /// JSON array of the versions asked for; empty for all.
    pub versions: String,
    /// `waiting`, `processing`, `done` or `failed`.
    pub state: String,
    pub log: String,
    pub attempts: i32,
    pub claimed_by: Option<String>,
    pub lease_until: Option<ChronoDateTimeUtc>,
    pub created_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
