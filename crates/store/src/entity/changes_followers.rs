//! `changes_followers`: gateways following their registry's `_changes` feed.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "changes_followers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub repository_id: String,
    /// The connection followed: empty for the gateway's own.
    #[sea_orm(primary_key, auto_increment = false)]
    pub connection: String,
    pub domain_id: String,
    /// `exist` or `all`.
    pub mode: String,
    pub paused: bool,
    pub changes_url: Option<String>,
    /// The feed's sequence read up to (CouchDB's `since`; a number or a string).
    pub since: String,
    pub last_error: Option<String>,
    pub updated_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
