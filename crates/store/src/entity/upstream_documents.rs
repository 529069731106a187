//! `upstream_documents`: a registry's metadata document as a fleet last read it.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "upstream_documents")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    pub found: bool,
    pub etag: Option<String>,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
    pub pages: Option<Vec<u8>>,
    pub fetched_at_ms: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
