//! `dist_tags`: npm's named pointers to versions, per package.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "dist_tags")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub package_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub tag: String,
    pub version: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
