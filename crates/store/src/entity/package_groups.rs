//! `package_groups`: a domain's package groups, by pattern.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "package_groups")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub domain_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub pattern: String,
    pub description: Option<String>,
    pub contact_info: Option<String>,
    /// A JSON object: origin rule (`PUBLISH`, ...) → mode (`ALLOW`, ...).
    pub rules: String,
    /// A JSON object: origin rule → the repository names it allows.
    pub allowed_repositories: String,
    pub created_at: ChronoDateTimeUtc,
    /// A JSON array of `{key, value}`.
    pub tags: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
