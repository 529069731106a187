//! `permission_policies`: the resource policy of a domain or of one of its repositories.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "permission_policies")]
pub struct Model {
    /// The id of the domain (for the domain's policy) or of the repository it is attached to.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub domain_id: String,
    pub repository_id: Option<String>,
    pub document: String,
    pub revision: String,
    pub updated_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
