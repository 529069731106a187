//! Trusted publishing (docs/ARCHITECTURE.md, "Trusted publishing"): a domain trusts an OIDC
//! issuer with a rule, and a CI job exchanges its OIDC token for a short-lived Tributary token
//! that may read and publish in the rule's repositories only. The token checks are
//! `tributary_auth::oidc`'s; here are the I/O (the issuer's keys, fetched and kept a few
//! minutes) and the bookkeeping.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use tributary_auth::oidc::{self, IssuerKeys, TrustRule};
use tributary_model::{DomainName, ErrorKind, ResourceType, ServiceError};
use tributary_store::TrustedPublisherRecord;

use crate::principals::check_principal_name;
use crate::{Caller, Service};

/// The default and longest lifetime of a trusted publisher's token: 15 minutes and 1 hour.
pub const PUBLISHER_TOKEN_SECONDS: (u64, u64) = (900, 3600);

/// The largest JWKS or discovery document read.
const MAX_KEYS_BYTES: usize = 256 * 1024;

/// A refusal of an OIDC token (403, with the reason: the CI job's log shows it).
fn refused(message: impl std::fmt::Display) -> ServiceError {
    ServiceError::new(ErrorKind::AccessDenied, format!("the OIDC token is refused: {message}"))
}

impl Service {
    /// Sets a trusted publisher of `domain` (replacing one of its name).
    pub async fn put_trusted_publisher(
        &self,
        caller: &Caller,
        domain: &DomainName,
        publisher: TrustedPublisherRecord,
    ) -> Result<TrustedPublisherRecord, ServiceError> {
        caller.check_access_keys("PutTrustedPublisher")?;
        check_principal_name(&publisher.name)?;
        let url = |what: &str, value: &str| match url::Url::parse(value) {
            Ok(parsed) if matches!(parsed.scheme(), "https" | "http") => Ok(()),
            _ => Err(ServiceError::validation(format!("`{what}` must be an http(s) URL, not `{value}`"))),
        };
        url("issuer", &publisher.issuer)?;
        if let Some(jwks) = &publisher.jwks_url {
            url("jwksUrl", jwks)?;
        }
        if publisher.audience.trim().is_empty() {
            return Err(ServiceError::validation("`audience` is required: the `aud` the CI job asks its tokens for"));
        }
        if publisher.claims.is_empty() || publisher.claims.iter().any(|(k, v)| k.is_empty() || v.is_empty()) {
            return Err(ServiceError::validation(
                "`claims` must name at least one claim and its pattern (such as `repository`), or any job of the issuer could publish",
            ));
        }
        if publisher.repositories.is_empty() {
            return Err(ServiceError::validation(
                "`repositories` must name the repositories its tokens may publish to",
            ));
        }
        let found = self.domain(domain, None).await?;
        let graph = self.graph(&found).await?;
        if let Some(missing) = publisher.repositories.iter().find(|r| !graph.ids.contains_key(r.as_str())) {
            return Err(tributary_store::repository_not_found(&found.name, missing));
        }
        self.store.put_trusted_publisher(&found.id, &publisher).await?;
        self.forget_access(&found).await;
        Ok(publisher)
    }

    /// The trusted publishers of `domain`.
    pub async fn trusted_publishers(
        &self,
        caller: &Caller,
        domain: &DomainName,
    ) -> Result<Vec<TrustedPublisherRecord>, ServiceError> {
        caller.check_domain(domain)?;
        let found = self.domain(domain, None).await?;
        Ok(self.store.trusted_publishers(&found.id).await?)
    }

    /// Deletes the trusted publisher `name` of `domain`: the tokens it was given stop working.
    pub async fn delete_trusted_publisher(
        &self,
        caller: &Caller,
        domain: &DomainName,
        name: &str,
    ) -> Result<(), ServiceError> {
        caller.check_access_keys("DeleteTrustedPublisher")?;
        let found = self.domain(domain, None).await?;
        if !self.store.delete_trusted_publisher(&found.id, name).await? {
            return Err(ServiceError::not_found(
                ResourceType::Domain,
                name,
                format!("domain `{domain}` has no trusted publisher `{name}`"),
            ));
        }
        self.forget_access(&found).await;
        Ok(())
    }

    /// Exchanges a CI job's OIDC token for a token of `domain` that opens the repositories of
    /// the trusted publisher whose rule it fits, for `duration_seconds` (0: 15 minutes; at most
    /// an hour). Returns the token, its expiry and the publisher.
    pub async fn exchange_oidc_token(
        &self,
        domain: &DomainName,
        token: &str,
        duration_seconds: u64,
        now: DateTime<Utc>,
    ) -> Result<(String, DateTime<Utc>, TrustedPublisherRecord), ServiceError> {
        let (default_seconds, max_seconds) = PUBLISHER_TOKEN_SECONDS;
        let seconds = match duration_seconds {
            0 => default_seconds,
            s if (tributary_auth::token::MIN_TOKEN_SECONDS..=max_seconds).contains(&s) => s,
            s => {
                return Err(ServiceError::validation(format!(
                    "`durationSeconds` must be 0 or from {} to {max_seconds}, not {s}",
                    tributary_auth::token::MIN_TOKEN_SECONDS
                )));
            }
        };
        let issuer = oidc::claimed_issuer(token).map_err(refused)?;
        let found = self.cached_domain(domain).await?;
        let access = self.domain_access(&found).await?;
        let candidates: Vec<&TrustedPublisherRecord> =
            access.trusted_publishers.values().filter(|p| p.issuer == issuer).collect();
        if candidates.is_empty() {
            return Err(refused(format!("domain `{domain}` trusts no publisher of issuer `{issuer}`")));
        }
        let mut first_refusal = None;
        for publisher in candidates {
            let rule = TrustRule {
                issuer: publisher.issuer.clone(),
                audience: publisher.audience.clone(),
                claims: publisher.claims.clone(),
            };
            let keys = self.issuer_keys(publisher, oidc::key_id(token).as_deref()).await?;
            match oidc::verify(token, &keys, &rule) {
                Ok(_) => {
                    let (issued, expiration) = self
                        .tokens
                        .issue_for_publisher(
                            &publisher.name,
                            &found.name,
                            &found.owner,
                            &publisher.repositories,
                            seconds,
                            now,
                        )
                        .map_err(|e| ServiceError::internal(e.to_string()))?;
                    return Ok((issued, expiration, publisher.clone()));
                }
                Err(e) => {
                    first_refusal.get_or_insert(format!("{e} (trusted publisher `{}`)", publisher.name));
                }
            }
        }
        Err(refused(first_refusal.unwrap_or_default()))
    }

    /// The keys of `publisher`'s issuer: its `jwksUrl`, else found through OpenID Connect
    /// discovery. Kept five minutes, and fetched again for a key id they lack (the issuer
    /// rotated its keys), at most once a minute.
    async fn issuer_keys(
        &self,
        publisher: &TrustedPublisherRecord,
        key_id: Option<&str>,
    ) -> Result<Arc<IssuerKeys>, ServiceError> {
        let location = publisher.jwks_url.clone().unwrap_or_else(|| publisher.issuer.clone());
        if let Some(keys) = self.caches.issuer_keys.get(&location).await {
            // A key id the keys lack is fetched again at most once a minute: tokens with made-up
            // key ids must not make this server hammer the issuer.
            let recently_fetched = self.caches.issuer_keys_fetched.contains_key(&location);
            if key_id.is_none_or(|kid| keys.has_key(kid)) || recently_fetched {
                return Ok(keys);
            }
        }
        let unreachable = |why: String| {
            ServiceError::new(
                ErrorKind::BadGateway,
                format!("the keys of OIDC issuer `{}` cannot be read: {why}", publisher.issuer),
            )
        };
        let jwks_url = match &publisher.jwks_url {
            Some(url) => url.clone(),
            None => {
                let discovery = format!("{}/.well-known/openid-configuration", publisher.issuer.trim_end_matches('/'));
                let document = self
                    .upstreams
                    .json_document(&discovery, MAX_KEYS_BYTES)
                    .await
                    .map_err(unreachable)?
                    .ok_or_else(|| unreachable(format!("`{discovery}` is not there")))?;
                let document: serde_json::Value = serde_json::from_slice(&document)
                    .map_err(|e| unreachable(format!("`{discovery}` is not JSON: {e}")))?;
                document
                    .get("jwks_uri")
                    .and_then(|v| v.as_str())
                    .map(str::to_owned)
                    .ok_or_else(|| unreachable(format!("`{discovery}` names no `jwks_uri`")))?
            }
        };
        let bytes = self
            .upstreams
            .json_document(&jwks_url, MAX_KEYS_BYTES)
            .await
            .map_err(unreachable)?
            .ok_or_else(|| unreachable(format!("`{jwks_url}` is not there")))?;
        let keys = Arc::new(IssuerKeys::parse(&bytes).map_err(|e| unreachable(format!("`{jwks_url}`: {e}")))?);
        self.caches.issuer_keys_fetched.insert(location.clone(), ()).await;
        self.caches.issuer_keys.insert(location, keys.clone()).await;
        Ok(keys)
    }

    /// The caller of a trusted publisher's token: refused once the publisher is deleted; the
    /// repositories it opens are those the token names that the publisher still names (a
    /// publisher narrowed narrows the tokens it was given).
    pub(crate) async fn trusted_publisher_caller(
        &self,
        claims: &tributary_auth::TokenClaims,
        publisher: &str,
    ) -> Result<Caller, ServiceError> {
        let domain = DomainName::parse(&claims.domain)
            .map_err(|_| ServiceError::new(ErrorKind::AccessDenied, "this token names no valid domain"))?;
        let found = self.cached_domain(&domain).await?;
        let access = self.domain_access(&found).await?;
        let Some(current) = access.trusted_publishers.get(publisher) else {
            return Err(ServiceError::new(
                ErrorKind::AccessDenied,
                format!("trusted publisher `{publisher}` of domain `{domain}` was removed; its tokens no longer work"),
            ));
        };
        let repositories =
            claims.repositories.iter().flatten().filter(|r| current.repositories.contains(r)).cloned().collect();
        Ok(Caller {
            principal_id: claims.sub.clone(),
            name: claims.sub.clone(),
            is_admin: false,
            domain_scope: Some(claims.domain.clone()),
            repositories: Some(repositories),
            read_only: false,
        })
    }
}
