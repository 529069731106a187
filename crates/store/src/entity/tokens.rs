//! `tokens`: every token the server issued, by id, with the SHA-256 of its value.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tokens")]
pub struct Model {
    /// The JWT's `jti`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub principal_id: String,
    pub domain_id: String,
    pub token_sha256: String,
    /// `authorization` (GetAuthorizationToken, a login) or `npm` (`npm token create`).
    pub kind: String,
    pub name: Option<String>,
    pub read_only: bool,
    pub created_at: ChronoDateTimeUtc,
    pub expires_at: ChronoDateTimeUtc,
    pub revoked_at: Option<ChronoDateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
