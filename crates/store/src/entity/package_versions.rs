//! `package_versions`: one row per (package, version); never removed (`Deleted` burns the number).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "package_versions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub package_id: String,
    pub version: String,
    pub status: String,
    pub revision: String,
    pub origin_type: String,
    pub origin_repository: Option<String>,
    pub origin_external_connection: Option<String>,
    pub summary: Option<String>,
    pub home_page: Option<String>,
    pub source_code_repository: Option<String>,
    pub licenses: String,
    pub dependencies: String,
    pub readme: Option<String>,
    pub metadata: String,
    pub published_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
