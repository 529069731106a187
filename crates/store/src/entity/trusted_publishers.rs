//! `trusted_publishers`: the OIDC issuers a domain trusts for CI publishing.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "trusted_publishers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub domain_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub name: String,
    pub issuer: String,
    pub jwks_url: Option<String>,
    pub audience: String,
    /// A JSON object: claim name → pattern.
    pub claims: String,
    /// A JSON array of repository names.
    pub repositories: String,
    pub created_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
