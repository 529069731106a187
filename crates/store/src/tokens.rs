//! Issued tokens (revocable; the store keeps an id and a hash, never a value) and npm's pending
//! web logins (docs/ARCHITECTURE.md, "Tokens").

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::entity::{console_sessions, tokens, web_logins};
use crate::{Result, Store};

/// A token the server issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    /// Its id (the JWT's `jti`).
    pub id: String,
    /// Whose it is: a principal's id, or `trusted-publisher/NAME`.
    pub principal_id: String,
    /// The domain it opens.
    pub domain_id: String,
    /// The SHA-256 (hex) of its value.
    pub token_sha256: String,
    /// `authorization` (GetAuthorizationToken, a login) or `npm` (`npm token create`).
    pub kind: String,
    /// A name its creator gave it.
    pub name: Option<String>,
    /// Whether it only reads.
    pub read_only: bool,
    /// When it was issued.
    pub created_at: DateTime<Utc>,
    /// When it expires.
    pub expires_at: DateTime<Utc>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<tokens::Model> for TokenRecord {
    fn from(m: tokens::Model) -> Self {
        Self {
            id: m.id,
            principal_id: m.principal_id,
            domain_id: m.domain_id,
            token_sha256: m.token_sha256,
            kind: m.kind,
            name: m.name,
            read_only: m.read_only,
            created_at: m.created_at,
            expires_at: m.expires_at,
            revoked_at: m.revoked_at,
        }
    }
}

/// An `npm login` waiting for (or past) its sign-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebLogin {
    /// The id in the login page's URL.
    pub id: String,
    /// The name of the domain it logs into.
    pub domain: String,
    /// The repository whose endpoint npm logs into.
    pub repository: String,
    /// Who signed in, once someone did.
    pub principal_id: Option<String>,
    /// Until when the login can be completed.
    pub expires_at: DateTime<Utc>,
}

impl From<web_logins::Model> for WebLogin {
    fn from(m: web_logins::Model) -> Self {
        Self {
            id: m.id,
            domain: m.domain,
            repository: m.repository,
            principal_id: m.principal_id,
            expires_at: m.expires_at,
        }
    }
}

impl Store {
    /// Records an issued token.
    pub async fn record_token(&self, token: &TokenRecord) -> Result<()> {
        tokens::ActiveModel {
            id: Set(token.id.clone()),
            principal_id: Set(token.principal_id.clone()),
            domain_id: Set(token.domain_id.clone()),
            token_sha256: Set(token.token_sha256.clone()),
            kind: Set(token.kind.clone()),
            name: Set(token.name.clone()),
            read_only: Set(token.read_only),
            created_at: Set(token.created_at),
            expires_at: Set(token.expires_at),
            revoked_at: Set(token.revoked_at),
        }
        .insert(&self.db)
        .await?;
        Ok(())
    }

    /// The tokens of `principal_id` neither expired nor revoked at `now`, newest first.
    pub async fn live_tokens_of(&self, principal_id: &str, now: DateTime<Utc>) -> Result<Vec<TokenRecord>> {
        let found = tokens::Entity::find()
            .filter(tokens::Column::PrincipalId.eq(principal_id))
            .filter(tokens::Column::RevokedAt.is_null())
            .filter(tokens::Column::ExpiresAt.gt(now))
            .order_by_desc(tokens::Column::CreatedAt)
            .order_by_asc(tokens::Column::Id)
            .all(&self.reads)
            .await?;
        Ok(found.into_iter().map(TokenRecord::from).collect())
    }

    /// The token `id`.
    pub async fn token(&self, id: &str) -> Result<Option<TokenRecord>> {
        Ok(tokens::Entity::find_by_id(id.to_owned()).one(&self.db).await?.map(TokenRecord::from))
    }

    /// Revokes the token `id` at `when`; whether it was live until then.
    pub async fn revoke_token(&self, id: &str, when: DateTime<Utc>) -> Result<bool> {
        let done = tokens::Entity::update_many()
            .col_expr(tokens::Column::RevokedAt, sea_orm::sea_query::Expr::value(when))
            .filter(tokens::Column::Id.eq(id))
            .filter(tokens::Column::RevokedAt.is_null())
            .exec(&self.db)
            .await?;
        Ok(done.rows_affected > 0)
    }

    /// The ids of the revoked tokens and console sessions that have not expired at `now`: all a
    /// replica must refuse beyond what a token's signature and lifetime say.
    pub async fn revoked_token_ids(&self, now: DateTime<Utc>) -> Result<Vec<String>> {
        let found = tokens::Entity::find()
            .filter(tokens::Column::RevokedAt.is_not_null())
            .filter(tokens::Column::ExpiresAt.gt(now))
            .all(&self.reads)
            .await?;
        let sessions = console_sessions::Entity::find()
            .filter(console_sessions::Column::RevokedAt.is_not_null())
            .filter(console_sessions::Column::ExpiresAt.gt(now))
            .all(&self.reads)
            .await?;
        Ok(found.into_iter().map(|t| t.id).chain(sessions.into_iter().map(|s| s.id)).collect())
    }

    /// Records a console session just begun by `principal_id` (docs/ARCHITECTURE.md, "The web
    /// console"); sessions expired before `now` go as new ones come.
    pub async fn record_console_session(
        &self,
        id: &str,
        principal_id: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<()> {
        console_sessions::Entity::delete_many()
            .filter(console_sessions::Column::ExpiresAt.lt(now))
            .exec(&self.db)
            .await?;
        console_sessions::ActiveModel {
            id: Set(id.to_owned()),
            principal_id: Set(principal_id.to_owned()),
            created_at: Set(now),
            expires_at: Set(expires_at),
            revoked_at: Set(None),
        }
        .insert(&self.db)
        .await?;
        Ok(())
    }

    /// Revokes the console session `id` (signing out); whether it was live until then.
    pub async fn revoke_console_session(&self, id: &str, when: DateTime<Utc>) -> Result<bool> {
        let done = console_sessions::Entity::update_many()
            .col_expr(console_sessions::Column::RevokedAt, sea_orm::sea_query::Expr::value(when))
            .filter(console_sessions::Column::Id.eq(id))
            .filter(console_sessions::Column::RevokedAt.is_null())
            .exec(&self.db)
            .await?;
        Ok(done.rows_affected > 0)
    }

    /// Starts a web login.
    pub async fn create_web_login(&self, login: &WebLogin, done_sha256: &str, now: DateTime<Utc>) -> Result<()> {
        // Logins nobody completed go as new ones come.
        web_logins::Entity::delete_many().filter(web_logins::Column::ExpiresAt.lt(now)).exec(&self.db).await?;
        web_logins::ActiveModel {
            id: Set(login.id.clone()),
            done_sha256: Set(done_sha256.to_owned()),
            domain: Set(login.domain.clone()),
            repository: Set(login.repository.clone()),
            principal_id: Set(login.principal_id.clone()),
            created_at: Set(now),
            expires_at: Set(login.expires_at),
        }
        .insert(&self.db)
        .await?;
        Ok(())
    }

    /// The web login whose page is `id`.
    pub async fn web_login(&self, id: &str) -> Result<Option<WebLogin>> {
        Ok(web_logins::Entity::find_by_id(id.to_owned()).one(&self.db).await?.map(WebLogin::from))
    }

    /// Records that `principal_id` signed in to the web login `id` (not yet signed in); whether
    /// it was waiting.
    pub async fn sign_in_web_login(&self, id: &str, principal_id: &str) -> Result<bool> {
        let done = web_logins::Entity::update_many()
            .col_expr(web_logins::Column::PrincipalId, sea_orm::sea_query::Expr::value(principal_id))
            .filter(web_logins::Column::Id.eq(id))
            .filter(web_logins::Column::PrincipalId.is_null())
            .exec(&self.db)
            .await?;
        Ok(done.rows_affected > 0)
    }

    /// The web login npm polls with the secret whose SHA-256 is `done_sha256`. One signed in is
    /// handed out once: it is deleted as it is read.
    pub async fn poll_web_login(&self, done_sha256: &str) -> Result<Option<WebLogin>> {
        let Some(found) =
            web_logins::Entity::find().filter(web_logins::Column::DoneSha256.eq(done_sha256)).one(&self.db).await?
        else {
            return Ok(None);
        };
        if found.principal_id.is_some() {
            let deleted = web_logins::Entity::delete_many()
                .filter(web_logins::Column::Id.eq(found.id.clone()))
                .exec(&self.db)
                .await?;
            if deleted.rows_affected == 0 {
                // Another poll took it.
                return Ok(None);
            }
        }
        Ok(Some(WebLogin::from(found)))
    }
}
