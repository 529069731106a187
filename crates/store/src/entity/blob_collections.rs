//! `blob_collections`: blobs a garbage collection is deleting (`deleted_at_ms` null) or has
//! deleted, per domain.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "blob_collections")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub domain_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub sha256: String,
    /// The collection run that marked it (a takeover writes its own).
    pub collector: String,
    pub marked_at_ms: i64,
    pub deleted_at_ms: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
