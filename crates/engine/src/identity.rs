//! Who is calling: SigV4-signed requests (access keys) and bearer tokens (from
//! GetAuthorizationToken), and the admin principal created on first start.

use std::future::Future;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use tributary_auth::{AuthError, SignedRequest};
use tributary_model::{DomainName, ErrorKind, ServiceError};
use tributary_store::{NewPrincipal, Principal};

use crate::Service;
use crate::caches::{PrincipalKey, get_or_try_init};

/// An authenticated caller, or the anonymous reader of a public repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The principal's id (empty for an anonymous caller).
    pub principal_id: String,
    /// The principal's name, as policies name it (`arn:aws:iam::OWNER:user/NAME`).
    pub name: String,
    /// Whether the principal may do everything.
    pub is_admin: bool,
    /// For a bearer token: the one domain it opens. `None` for access keys.
    pub domain_scope: Option<String>,
    /// For a trusted publisher's token: the only repositories it opens (it may read and publish
    /// there, nothing else; docs/ARCHITECTURE.md, "Trusted publishing").
    pub repositories: Option<Vec<String>>,
    /// For a read-only token: it may only read (docs/ARCHITECTURE.md, "Tokens").
    pub read_only: bool,
}

impl Caller {
    /// The caller of a request without credentials to a public repository of `domain`.
    pub fn anonymous(domain: &DomainName) -> Self {
        Caller {
            principal_id: String::new(),
            name: String::new(),
            is_admin: false,
            domain_scope: Some(domain.to_string()),
            repositories: None,
            read_only: true,
        }
    }

    /// The caller `principal` is, with a token's `domain_scope` (`None` for access keys).
    pub(crate) fn of_principal(principal: &Principal, domain_scope: Option<String>) -> Self {
        Caller {
            principal_id: principal.id.clone(),
            name: principal.name.clone(),
            is_admin: principal.is_admin,
            domain_scope,
            repositories: None,
            read_only: false,
        }
    }

    /// The server itself, doing work queued by a caller already checked (a sync task).
    pub(crate) fn system() -> Self {
        Caller {
            principal_id: "tributary".to_owned(),
            name: "tributary".to_owned(),
            is_admin: true,
            domain_scope: None,
            repositories: None,
            read_only: false,
        }
    }

    /// Whether the caller sent no credentials.
    pub fn is_anonymous(&self) -> bool {
        self.principal_id.is_empty()
    }

    /// How messages name the caller.
    pub fn display_name(&self) -> &str {
        if self.is_anonymous() { "an anonymous caller" } else { &self.name }
    }

    /// Refuses a caller whose token is scoped to another domain than `domain`.
    pub fn check_domain(&self, domain: &DomainName) -> Result<(), ServiceError> {
        match &self.domain_scope {
            Some(scope) if scope != domain.as_str() => Err(ServiceError::new(
                ErrorKind::AccessDenied,
                format!(
                    "this authorization token is for domain `{scope}`, not `{domain}`; get a token for `{domain}` with `aws codeartifact get-authorization-token --domain {domain}`"
                ),
            )),
            _ => Ok(()),
        }
    }

    /// Refuses a bearer-token caller: the operation needs access keys (it is not about one domain).
    pub fn check_access_keys(&self, operation: &str) -> Result<(), ServiceError> {
        match &self.domain_scope {
            Some(_) => Err(ServiceError::new(
                ErrorKind::AccessDenied,
                format!(
                    "`{operation}` needs a request signed with access keys; an authorization token opens one domain only"
                ),
            )),
            None => Ok(()),
        }
    }
}

/// What the first start created: the admin's access key, to be shown once.
#[derive(Debug, Clone)]
pub struct AdminBootstrap {
    /// The access key id.
    pub access_key_id: String,
    /// The secret access key.
    pub secret_access_key: String,
    /// Whether the key was generated (and so must be printed), rather than configured.
    pub generated: bool,
}

impl Service {
    /// On an empty database, creates the admin principal with `configured` keys, or generated ones.
    /// Returns what was created; `None` when principals already exist.
    pub async fn bootstrap_admin(
        &self,
        configured: Option<(String, String)>,
    ) -> Result<Option<AdminBootstrap>, ServiceError> {
        if self.store.principal_count().await? > 0 {
            return Ok(None);
        }
        let (access_key_id, secret_access_key, generated) = match configured {
            Some((id, secret)) => (id, secret, false),
            None => (tributary_auth::generate_access_key_id(), tributary_auth::generate_secret_access_key(), true),
        };
        let created = self
            .store
            .create_principal(NewPrincipal {
                name: "admin".to_owned(),
                access_key_id: access_key_id.clone(),
                secret_access_key: secret_access_key.clone(),
                is_admin: true,
            })
            .await;
        match created {
            Ok(_) => Ok(Some(AdminBootstrap { access_key_id, secret_access_key, generated })),
            // Servers of a fleet started together race to make it: one did.
            Err(_) if self.store.principal_count().await? > 0 => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    pub(crate) async fn principal_by_access_key(
        &self,
        access_key_id: &str,
    ) -> Result<Option<Arc<Principal>>, ServiceError> {
        self.cached_principal(PrincipalKey::AccessKey(access_key_id.to_owned()), || {
            self.store.principal_by_access_key(access_key_id)
        })
        .await
    }

    /// The principal with id `id`, cached like access keys (every data-plane request asks).
    pub(crate) async fn principal_by_id(&self, id: &str) -> Result<Option<Arc<Principal>>, ServiceError> {
        self.cached_principal(PrincipalKey::Id(id.to_owned()), || self.store.principal_by_id(id)).await
    }

    /// A principal from the cache, else from `load`; concurrent misses for one key make one
    /// query (every request in flight when the entry expires asks at once). An unknown
    /// principal is not cached: it may be created the next moment.
    async fn cached_principal<F>(
        &self,
        key: PrincipalKey,
        load: impl FnOnce() -> F,
    ) -> Result<Option<Arc<Principal>>, ServiceError>
    where
        F: Future<Output = Result<Option<Principal>, tributary_store::StoreError>>,
    {
        let loaded = get_or_try_init(&self.caches.principals, &key, || async {
            match load().await {
                Ok(Some(found)) => Ok(Arc::new(found)),
                Ok(None) => Err(None),
                Err(e) => Err(Some(ServiceError::from(e))),
            }
        })
        .await;
        match loaded {
            Ok(found) => Ok(Some(found)),
            Err(e) => match &*e {
                None => Ok(None),
                Some(e) => Err(e.clone()),
            },
        }
    }

    /// Authenticates a request signed with AWS Signature Version 4.
    pub async fn authenticate_sigv4(
        &self,
        authorization: &str,
        request: &SignedRequest<'_>,
        now: DateTime<Utc>,
    ) -> Result<Caller, ServiceError> {
        let parsed = tributary_auth::parse_authorization(authorization).map_err(auth_error)?;
        let principal = self.principal_by_access_key(&parsed.access_key_id).await?.ok_or_else(|| {
            ServiceError::new(
                ErrorKind::UnrecognizedClient,
                format!(
                    "the access key id `{}` is not known to this server; check `aws configure list`",
                    parsed.access_key_id
                ),
            )
        })?;
        tributary_auth::check_region(&parsed, &self.settings.region).map_err(auth_error)?;
        tributary_auth::verify_sigv4(request, &parsed, &principal.secret_access_key, now).map_err(auth_error)?;
        Ok(Caller::of_principal(&principal, None))
    }

    /// Authenticates a bearer token from GetAuthorizationToken.
    pub async fn authenticate_token(&self, token: &str, now: DateTime<Utc>) -> Result<Caller, ServiceError> {
        // A token's signature is checked once; then its claims are kept, and only its lifetime
        // is checked again (the HMAC, base64 and JSON of a verification were 8% of a warm
        // download's CPU).
        let claims = match self.caches.verified_tokens.get(token).await {
            Some(claims) => {
                tributary_auth::check_lifetime(&claims, now).map_err(auth_error)?;
                claims
            }
            None => {
                let claims = Arc::new(self.tokens.verify(token, now).map_err(auth_error)?);
                self.caches.verified_tokens.insert(token.to_owned(), claims.clone()).await;
                claims
            }
        };
        if claims.console {
            return Err(ServiceError::new(
                ErrorKind::UnrecognizedClient,
                "this is a web console session, not a token; get a token with `aws codeartifact get-authorization-token` or `tributary login`",
            ));
        }
        if self.is_revoked(&claims.jti) {
            return Err(ServiceError::new(
                ErrorKind::UnrecognizedClient,
                "this token was revoked; log in again (`npm login`, `aws codeartifact login`) for a new one",
            ));
        }
        if let Some(publisher) = &claims.publisher {
            return self.trusted_publisher_caller(&claims, publisher).await;
        }
        let principal = self.principal_by_id(&claims.sub).await?.ok_or_else(|| {
            ServiceError::new(ErrorKind::AccessDenied, "the principal of this authorization token no longer exists")
        })?;
        let mut caller = Caller::of_principal(&principal, Some(claims.domain.clone()));
        caller.read_only = claims.read_only;
        Ok(caller)
    }
}

/// Maps an authentication failure to the client error AWS clients expect.
fn auth_error(err: AuthError) -> ServiceError {
    let kind = match err {
        AuthError::MissingAuthentication => ErrorKind::MissingAuthentication,
        AuthError::UnknownAccessKey(_) => ErrorKind::UnrecognizedClient,
        AuthError::InvalidTokenDuration(_) => ErrorKind::Validation,
        AuthError::MalformedAuthorization(_) => ErrorKind::InvalidSignature,
        AuthError::SignatureMismatch
        | AuthError::RequestExpired { .. }
        | AuthError::PayloadHashMismatch { .. }
        | AuthError::WrongRegion { .. }
        | AuthError::UnsignedPayload => ErrorKind::InvalidSignature,
        _ => ErrorKind::AccessDenied,
    };
    ServiceError::new(kind, err.to_string())
}
