//! `release_age_policies`: a repository's release-age quarantine.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "release_age_policies")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub repository_id: String,
    pub domain_id: String,
    /// JSON: `tributary_model::release_age::ReleaseAgePolicy`.
    pub policy: String,
    pub updated_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
