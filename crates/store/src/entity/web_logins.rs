//! `web_logins`: `npm login`s waiting for their person to sign in.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "web_logins")]
pub struct Model {
    /// The id in the login page's URL.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// The SHA-256 (hex) of the secret in the URL npm polls.
    pub done_sha256: String,
    /// The domain's name.
    pub domain: String,
    pub repository: String,
    /// Set once the person signed in.
    pub principal_id: Option<String>,
    pub created_at: ChronoDateTimeUtc,
    pub expires_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
