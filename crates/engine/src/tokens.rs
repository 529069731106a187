//! GetAuthorizationToken.

use chrono::{DateTime, Utc};
use tributary_model::{AccountId, DomainName, ServiceError};

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
