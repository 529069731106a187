//! The web console's sessions (docs/ARCHITECTURE.md, "The web console"): a person signs in with
//! an access key id and its secret and gets a session token, which the console keeps in a cookie.
//! A session acts as the principal's access keys would (it may change what a policy lets that
//! principal change), lasts [`CONSOLE_SESSION_SECONDS`] or until the principal's access key is
//! rotated, and is recorded so that signing out revokes it on every replica, as a revoked token
//! is.

use chrono::{DateTime, Utc};
use tributary_model::{ErrorKind, ServiceError};

use crate::{Caller, Service};

/// How long a console session lasts: a working day.
pub const CONSOLE_SESSION_SECONDS: u64 = 8 * 3600;

impl Service {
    /// Signs a person in with an access key id and its secret: a new session token and when it
    /// expires.
    pub async fn console_sign_in(
        &self,
        access_key_id: &str,
        secret: &str,
        now: DateTime<Utc>,
    ) -> Result<(String, DateTime<Utc>), ServiceError> {
        let wrong = || {
            ServiceError::new(
                ErrorKind::UnrecognizedClient,
                "the access key id or the secret access key is wrong (the server printed the administrator's on its first start; `tributary principal` makes others)",
            )
        };
        let principal = self.principal_by_access_key(access_key_id.trim()).await?.ok_or_else(wrong)?;
        let matches: bool =
            subtle::ConstantTimeEq::ct_eq(principal.secret_access_key.as_bytes(), secret.trim().as_bytes()).into();
        if !matches {
            return Err(wrong());
        }
        let (session, expires_at) = self
            .tokens
            .issue_console_session(&principal.id, &principal.access_key_id, CONSOLE_SESSION_SECONDS, now)
            .map_err(|e| ServiceError::internal(e.to_string()))?;
        let claims = self.tokens.verify(&session, now).map_err(|e| ServiceError::internal(e.to_string()))?;
        self.store.record_console_session(&claims.jti, &principal.id, now, expires_at).await?;
        Ok((session, expires_at))
    }

    /// The caller a console session acts as: its principal, as with access keys.
    pub async fn console_caller(&self, session: &str, now: DateTime<Utc>) -> Result<Caller, ServiceError> {
        let expired = || ServiceError::new(ErrorKind::MissingAuthentication, "sign in to the console");
        let claims = self.tokens.verify(session, now).map_err(|_| expired())?;
        if !claims.console || self.is_revoked(&claims.jti) {
            return Err(expired());
        }
        let principal = self.principal_by_id(&claims.sub).await?.ok_or_else(expired)?;
        // A key rotated since the sign-in ends the session.
        if claims.access_key_id.as_deref() != Some(principal.access_key_id.as_str()) {
            return Err(expired());
        }
        Ok(Caller::of_principal(&principal, None))
    }

    /// Signs a console session out: it stops working here at once, on the other replicas
    /// within [`crate::REVOCATION_REFRESH_SECONDS`].
    pub async fn console_sign_out(&self, session: &str, now: DateTime<Utc>) -> Result<(), ServiceError> {
        let Ok(claims) = self.tokens.verify(session, now) else { return Ok(()) };
        if !claims.console {
            return Ok(());
        }
        self.store.revoke_console_session(&claims.jti, now).await?;
        self.note_revoked(&claims.jti);
        self.caches.outbox.send(crate::fleet::Invalidation::Revoked { token_id: claims.jti });
        Ok(())
    }
}
