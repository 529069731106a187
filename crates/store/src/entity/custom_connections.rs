//! `custom_connections`: external connections made in a domain.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "custom_connections")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub domain_id: String,
    /// `FORMAT:LABEL`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub name: String,
    pub format: String,
    pub url: String,
    pub changes_url: Option<String>,
    pub auth_token: Option<String>,
    pub username: Option<String>,
    pub password: Option<String>,
    pub created_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
