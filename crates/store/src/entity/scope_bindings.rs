//! `scope_bindings`: the scopes a domain reads from one of its custom connections.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "scope_bindings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub domain_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub format: String,
    /// For npm, `@scope`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub scope: String,
    pub connection: String,
    pub created_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
