//! The quick start (docs/ARCHITECTURE.md, "Quick start"): what the first start of a server on an
//! empty database makes, so that every package manager can go through it at once: the domain
//! [`DEFAULT_DOMAIN`], a gateway repository per known external connection (`npmjs-store`,
//! `pypi-store`, ...), and the repository [`PUBLIC_REPOSITORY`], whose upstreams are all of them
//! (one per connection: ten, the most a repository may have).

use chrono::{DateTime, Utc};
use tributary_model::view::Upstream;
use tributary_model::{DomainName, KNOWN_EXTERNAL_CONNECTIONS, RepositoryName, ServiceError};

use crate::identity::Caller;
use crate::{NewRepository, RepoRef, Service};

/// The domain the quick start makes.
pub const DEFAULT_DOMAIN: &str = "default";
/// The repository of that domain that reads every public registry.
pub const PUBLIC_REPOSITORY: &str = "public";
/// How long the quick start's token lasts: 12 hours, the longest GetAuthorizationToken gives.
const TOKEN_SECONDS: u64 = 12 * 3600;

/// What the quick start made.
#[derive(Debug, Clone)]
pub struct QuickStart {
    /// The domain.
    pub domain: String,
    /// The repository to point package managers at.
    pub repository: String,
    /// The gateway repositories, each with its external connection, in `repository`'s order.
    pub gateways: Vec<(String, String)>,
    /// A token of the domain for the admin, and when it expires.
    pub token: (String, DateTime<Utc>),
}

/// The gateway repository of the known connection `connection` (`public:npmjs` → `npmjs-store`).
pub fn gateway_name(connection: &str) -> String {
    format!("{}-store", connection.trim_start_matches("public:"))
}

impl Service {
    /// Makes the quick start's domain and repositories as the principal holding
    /// `admin_access_key_id`, and a token for it. Meant for an empty database: it fails,
    /// changing nothing, when the domain exists.
    pub async fn create_quick_start(
        &self,
        admin_access_key_id: &str,
        now: DateTime<Utc>,
    ) -> Result<QuickStart, ServiceError> {
        let principal = self
            .store
            .principal_by_access_key(admin_access_key_id)
            .await?
            .ok_or_else(|| ServiceError::internal(format!("no principal holds `{admin_access_key_id}`")))?;
        let caller = Caller::of_principal(&principal, None);
        let domain = DomainName::parse(DEFAULT_DOMAIN)?;
        self.create_domain(&caller, &domain, None, None, &[]).await?;
        let mut gateways = Vec::new();
        for connection in KNOWN_EXTERNAL_CONNECTIONS {
            let name = gateway_name(connection.name);
            let repo = RepoRef { domain: domain.clone(), owner: None, repository: RepositoryName::parse(&name)? };
            let description = format!("Gateway to {} ({})", connection.name, connection.format);
            let new = NewRepository { description: Some(description), ..NewRepository::default() };
            self.create_repository(&caller, &repo, new).await?;
            self.associate_external_connection(&caller, &repo, connection.name).await?;
            gateways.push((name, connection.name.to_owned()));
        }
        let upstreams = gateways
            .iter()
            .map(|(name, _)| Ok(Upstream { repository: RepositoryName::parse(name)?, view: None }))
            .collect::<Result<Vec<_>, ServiceError>>()?;
        let public =
            RepoRef { domain: domain.clone(), owner: None, repository: RepositoryName::parse(PUBLIC_REPOSITORY)? };
        let description = "Every public registry, through its gateway".to_owned();
        self.create_repository(
            &caller,
            &public,
            NewRepository { description: Some(description), upstreams, tags: vec![] },
        )
        .await?;
        let token = self.authorization_token(&caller, &domain, None, TOKEN_SECONDS, now).await?;
        Ok(QuickStart { domain: DEFAULT_DOMAIN.to_owned(), repository: PUBLIC_REPOSITORY.to_owned(), gateways, token })
    }
}
