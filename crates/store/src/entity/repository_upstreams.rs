//! `repository_upstreams`: a repository's ordered upstream list, one row a position.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "repository_upstreams")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub repository_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub position: i32,
    pub upstream_id: String,
    /// The view the entry names (`release` of `shared@release`), if any.
    pub view: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
