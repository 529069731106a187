//! `public_repositories`: the repositories anyone may read without credentials.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "public_repositories")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub repository_id: String,
    pub domain_id: String,
    pub made_public_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
