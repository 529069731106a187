//! Tokens (docs/ARCHITECTURE.md, "Tokens"): GetAuthorizationToken and the logins that issue
//! them; every token recorded by id and SHA-256 (never its value) so that it can be listed and
//! revoked (`npm token`, the extension API); the revoked ones refused by every replica within
//! seconds without a query per request; and npm's web login.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};
use tributary_model::{AccountId, DomainName, ErrorKind, RepositoryName, ServiceError};
use tributary_store::{Domain, TokenRecord, WebLogin};

use crate::access::{Permission, Resource, actions};
use crate::{Caller, Service};

/// `tokens.kind` of a token from GetAuthorizationToken or a login.
pub const AUTHORIZATION_TOKEN: &str = "authorization";
/// `tokens.kind` of a token from `npm token create`.
pub const NPM_TOKEN: &str = "npm";

/// How long a web login waits for its person to sign in.
pub const WEB_LOGIN_SECONDS: i64 = 600;

/// A web login just begun: the id of its page and the secret of the URL npm polls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebLoginStart {
    /// In the login page's URL (shown to the person).
    pub login_id: String,
    /// In the URL npm polls (known to npm only): whoever holds it receives the token.
    pub done_secret: String,
}

/// Where a web login stands, as the URL npm polls answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebLoginState {
    /// Nobody signed in yet: ask again.
    Waiting,
    /// Signed in: the token, handed out this once.
    Done(String),
}

impl Service {
    /// Issues a token for `domain`, valid `duration_seconds` (0 or 900..=43200; 0 means 12 hours).
    pub async fn authorization_token(
        &self,
        caller: &Caller,
        domain: &DomainName,
        owner: Option<&AccountId>,
        duration_seconds: u64,
        now: DateTime<Utc>,
    ) -> Result<(String, DateTime<Utc>), ServiceError> {
        caller.check_access_keys("GetAuthorizationToken")?;
        let domain = self.domain(domain, owner).await?;
        let issued = self
            .tokens
            .issue(&caller.principal_id, &domain.name, &domain.owner, duration_seconds, now)
            .map_err(|e| ServiceError::validation(e.to_string()))?;
        self.record_issued(&issued.0, &domain, AUTHORIZATION_TOKEN, None, now).await?;
        Ok(issued)
    }

    /// `npm login` and HTTP Basic: exchanges an access key id and its secret for a token of
    /// `domain` (12 hours).
    pub async fn token_for_keys(
        &self,
        domain: &DomainName,
        access_key_id: &str,
        secret: &str,
        now: DateTime<Utc>,
    ) -> Result<(String, DateTime<Utc>), ServiceError> {
        let principal_id = self.signed_in(domain, access_key_id, secret).await?;
        let (token, record) = self.issue_recorded(&principal_id, domain, AUTHORIZATION_TOKEN, None, false, now).await?;
        Ok((token, record.expires_at))
    }

    /// The principal holding `access_key_id` and `secret`, if it may get tokens for `domain`.
    async fn signed_in(&self, domain: &DomainName, access_key_id: &str, secret: &str) -> Result<String, ServiceError> {
        // Wrong credentials ask for others (npm answers a 401 by asking again), unlike a known
        // caller refused by policy.
        let denied = || {
            ServiceError::new(
                ErrorKind::UnrecognizedClient,
                "the access key id or secret is wrong; log in with an access key id as the user name and its secret as the password",
            )
        };
        let principal = self.store.principal_by_access_key(access_key_id).await?.ok_or_else(denied)?;
        let matches: bool =
            subtle::ConstantTimeEq::ct_eq(principal.secret_access_key.as_bytes(), secret.as_bytes()).into();
        if !matches {
            return Err(denied());
        }
        let caller = Caller::of_principal(&principal, None);
        let permission = Permission { action: actions::GET_AUTHORIZATION_TOKEN, resource: Resource::Domain(domain) };
        self.authorize(&caller, permission).await?;
        Ok(principal.id)
    }

    /// Issues a 12-hour token of `principal_id` for `domain` and records it.
    async fn issue_recorded(
        &self,
        principal_id: &str,
        domain: &DomainName,
        kind: &str,
        name: Option<String>,
        read_only: bool,
        now: DateTime<Utc>,
    ) -> Result<(String, TokenRecord), ServiceError> {
        let domain = self.domain(domain, None).await?;
        let (token, _) = self
            .tokens
            .issue_with(principal_id, &domain.name, &domain.owner, 0, now, read_only)
            .map_err(|e| ServiceError::internal(e.to_string()))?;
        let record = self.record_issued(&token, &domain, kind, name, now).await?;
        Ok((token, record))
    }

    /// Records a token just issued for `domain`: its id and SHA-256, never its value. Returns
    /// the record.
    async fn record_issued(
        &self,
        token: &str,
        domain: &Domain,
        kind: &str,
        name: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<TokenRecord, ServiceError> {
        let claims = self.tokens.verify(token, now).map_err(|e| ServiceError::internal(e.to_string()))?;
        let expires_at = DateTime::<Utc>::from_timestamp(claims.exp, 0).unwrap_or(now);
        let record = TokenRecord {
            id: claims.jti,
            principal_id: claims.sub,
            domain_id: domain.id.clone(),
            token_sha256: sha256_hex(token),
            kind: kind.to_owned(),
            name,
            read_only: claims.read_only,
            created_at: now,
            expires_at,
            revoked_at: None,
        };
        self.store.record_token(&record).await?;
        Ok(record)
    }

    /// `npm token create`: a new token of the caller's (a principal's, by its token) for the
    /// domain its token opens, once `password`, the principal's secret access key, proves it is
    /// the person; read-only if asked.
    pub async fn create_token(
        &self,
        caller: &Caller,
        domain: &DomainName,
        password: &str,
        read_only: bool,
        name: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<(String, TokenRecord), ServiceError> {
        if caller.is_anonymous() || caller.repositories.is_some() {
            return Err(ServiceError::new(ErrorKind::AccessDenied, "only a principal's token makes tokens"));
        }
        // What GetAuthorizationToken needs: a principal refused tokens makes none this way.
        let permission = Permission { action: actions::GET_AUTHORIZATION_TOKEN, resource: Resource::Domain(domain) };
        self.authorize(&Caller { read_only: false, ..caller.clone() }, permission).await?;
        let principal = self
            .principal_by_id(&caller.principal_id)
            .await?
            .ok_or_else(|| ServiceError::new(ErrorKind::UnrecognizedClient, "the principal of this token is gone"))?;
        let matches: bool =
            subtle::ConstantTimeEq::ct_eq(principal.secret_access_key.as_bytes(), password.as_bytes()).into();
        if !matches {
            return Err(ServiceError::new(
                ErrorKind::AccessDenied,
                "the password is not your secret access key; `npm token create` asks for it",
            ));
        }
        // A read-only token makes no token that writes.
        let read_only = read_only || caller.read_only;
        self.issue_recorded(&principal.id, domain, NPM_TOKEN, name, read_only, now).await
    }

    /// The caller's tokens that are neither expired nor revoked, newest first (`npm token list`,
    /// `tributary token list`).
    pub async fn tokens_of_caller(
        &self,
        caller: &Caller,
        now: DateTime<Utc>,
    ) -> Result<Vec<TokenRecord>, ServiceError> {
        if caller.is_anonymous() {
            return Err(ServiceError::new(ErrorKind::MissingAuthentication, "log in to list your tokens"));
        }
        Ok(self.store.live_tokens_of(&caller.principal_id, now).await?)
    }

    /// Revokes a token, named by its id or by its value (`npm token revoke` sends either): the
    /// caller's own, or any for an administrator. It stops working on this replica at once, on
    /// the others within [`REVOCATION_REFRESH_SECONDS`].
    pub async fn revoke_token(
        &self,
        caller: &Caller,
        key: &str,
        now: DateTime<Utc>,
    ) -> Result<TokenRecord, ServiceError> {
        if caller.read_only {
            return Err(ServiceError::new(ErrorKind::AccessDenied, "a read-only token revokes no token"));
        }
        let id = match self.tokens.verify(key, now) {
            Ok(claims) => claims.jti,
            Err(_) => key.to_owned(),
        };
        let not_found =
            || ServiceError::new(ErrorKind::NotFound, "no token of yours has that id (`npm token list` shows them)");
        let record = self.store.token(&id).await?.ok_or_else(not_found)?;
        if record.principal_id != caller.principal_id && !caller.is_admin {
            return Err(not_found());
        }
        self.store.revoke_token(&id, now).await?;
        self.note_revoked(&id);
        self.caches.outbox.send(crate::fleet::Invalidation::Revoked { token_id: id.clone() });
        Ok(TokenRecord { revoked_at: Some(now), ..record })
    }

    /// Reloads the revoked tokens (a replica calls it every [`REVOCATION_REFRESH_SECONDS`]).
    pub async fn refresh_revocations(&self, now: DateTime<Utc>) -> Result<(), ServiceError> {
        let mut revoked: HashSet<String> = self.store.revoked_token_ids(now).await?.into_iter().collect();
        // A revocation made here while the read ran may be missing from it: those of the last
        // refreshes' time are kept whatever it read.
        {
            let mut here = self.caches.revoked_here.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            let keep = std::time::Duration::from_secs(4 * REVOCATION_REFRESH_SECONDS);
            here.retain(|(when, _)| when.elapsed() < keep);
            revoked.extend(here.iter().map(|(_, id)| id.clone()));
        }
        let mut slot = self.caches.revoked_tokens.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        *slot = Arc::new(revoked);
        Ok(())
    }

    pub(crate) fn note_revoked(&self, id: &str) {
        self.caches
            .revoked_here
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push((std::time::Instant::now(), id.to_owned()));
        let mut slot = self.caches.revoked_tokens.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut revoked = HashSet::clone(&slot);
        revoked.insert(id.to_owned());
        *slot = Arc::new(revoked);
    }

    /// Whether the token `id` was revoked (as of the last refresh, or on this replica since).
    pub(crate) fn is_revoked(&self, id: &str) -> bool {
        let slot = self.caches.revoked_tokens.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        !slot.is_empty() && slot.contains(id)
    }

    /// `POST /-/v1/login` of `repository`'s npm endpoint: a login waiting
    /// [`WEB_LOGIN_SECONDS`] for its person to sign in on its page.
    pub async fn start_web_login(
        &self,
        domain: &DomainName,
        repository: &RepositoryName,
        now: DateTime<Utc>,
    ) -> Result<WebLoginStart, ServiceError> {
        let found = self.domain(domain, None).await?;
        self.store
            .repository(&found, repository.as_str())
            .await?
            .ok_or_else(|| tributary_store::repository_not_found(domain.as_str(), repository.as_str()))?;
        let start = WebLoginStart { login_id: random_hex(), done_secret: random_hex() };
        let login = WebLogin {
            id: start.login_id.clone(),
            domain: domain.to_string(),
            repository: repository.to_string(),
            principal_id: None,
            expires_at: now + TimeDelta::seconds(WEB_LOGIN_SECONDS),
        };
        self.store.create_web_login(&login, &sha256_hex(&start.done_secret), now).await?;
        Ok(start)
    }

    /// The web login whose page is `login_id`, while it waits.
    pub async fn web_login(&self, login_id: &str, now: DateTime<Utc>) -> Result<WebLogin, ServiceError> {
        match self.store.web_login(login_id).await? {
            Some(login) if login.expires_at > now && login.principal_id.is_none() => Ok(login),
            Some(login) if login.principal_id.is_some() => {
                Err(ServiceError::new(ErrorKind::Conflict, "this login is done"))
            }
            _ => Err(ServiceError::new(ErrorKind::NotFound, "this login expired or never was; run `npm login` again")),
        }
    }

    /// The login page's form: the person signs `login_id` in with an access key and its secret
    /// (a principal that may get tokens for the domain).
    pub async fn sign_in_web_login(
        &self,
        login_id: &str,
        access_key_id: &str,
        secret: &str,
        now: DateTime<Utc>,
    ) -> Result<WebLogin, ServiceError> {
        let login = self.web_login(login_id, now).await?;
        let domain = DomainName::parse(&login.domain)?;
        let principal_id = self.signed_in(&domain, access_key_id, secret).await?;
        if !self.store.sign_in_web_login(login_id, &principal_id).await? {
            return Err(ServiceError::new(ErrorKind::Conflict, "this login is done"));
        }
        Ok(login)
    }

    /// The URL npm polls: waiting, or the token once signed in (handed out once).
    pub async fn poll_web_login(&self, done_secret: &str, now: DateTime<Utc>) -> Result<WebLoginState, ServiceError> {
        let gone = || {
            ServiceError::new(
                ErrorKind::NotFound,
                "this login expired, was completed, or never was; run `npm login` again",
            )
        };
        let login = self.store.poll_web_login(&sha256_hex(done_secret)).await?.ok_or_else(gone)?;
        if login.expires_at <= now {
            return Err(gone());
        }
        let Some(principal_id) = login.principal_id else { return Ok(WebLoginState::Waiting) };
        let domain = DomainName::parse(&login.domain)?;
        let (token, _) = self.issue_recorded(&principal_id, &domain, AUTHORIZATION_TOKEN, None, false, now).await?;
        Ok(WebLoginState::Done(token))
    }
}

/// How often a replica reloads the revoked tokens.
pub const REVOCATION_REFRESH_SECONDS: u64 = 2;

/// The SHA-256 of `text`, hex.
fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// 128 random bits, hex.
fn random_hex() -> String {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}
