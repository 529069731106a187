//! `packages`: one row per (repository, format, namespace, name), with its origin controls.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "packages")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub repository_id: String,
    pub format: String,
    pub namespace: String,
    pub name: String,
    pub display_name: String,
    pub origin_publish: String,
    pub origin_upstream: String,
    pub created_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
