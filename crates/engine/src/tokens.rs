//! GetAuthorizationToken.

use chrono::{DateTime, Utc};
use tributary_model::{AccountId, DomainName, ServiceError};

use crate::access::{Permission, Resource, actions};
use crate::{Caller, Service};

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
        self.tokens
            .issue(&caller.principal_id, &domain.name, &domain.owner, duration_seconds, now)
            .map_err(|e| ServiceError::validation(e.to_string()))
    }
}

impl Service {
    /// `npm login` and HTTP Basic: exchanges an access key id and its secret for a token of
    /// `domain` (12 hours).
    pub async fn token_for_keys(
        &self,
        domain: &DomainName,
        access_key_id: &str,
        secret: &str,
        now: DateTime<Utc>,
    ) -> Result<(String, DateTime<Utc>), ServiceError> {
        // Wrong credentials ask for others (npm answers a 401 by asking again), unlike a known
        // caller refused by policy.
        let denied = || {
            ServiceError::new(
                tributary_model::ErrorKind::UnrecognizedClient,
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
        let domain = self.domain(domain, None).await?;
        self.tokens
            .issue(&principal.id, &domain.name, &domain.owner, 0, now)
            .map_err(|e| ServiceError::internal(e.to_string()))
    }
}
