//! Metadata store: domains, repositories and their upstream lists, principals and server
//! secrets, on sea-orm. The same code runs on SQLite (the embedded default) and PostgreSQL.
//!
//! Invariants kept here:
//! - every change of a domain's repository graph runs in one transaction that first bumps the
//!   domain's `graph_revision` (a write lock on SQLite, a row lock on PostgreSQL), then hands the
//!   graph as stored to the caller's validation, then writes; so concurrent changes cannot
//!   together make what each alone was refused (a cycle, a search over the limit);
//! - uniqueness (domain names, repository names in a domain, access keys) is a database
//!   constraint, reported as a conflict.

mod access;
mod bus;
mod cleanup;
mod collections;
mod connections;
mod entity;
mod error;
mod leases;
mod package_groups;
mod packages;
mod records;
mod sync;
mod tokens;
mod upstream_documents;
mod views;

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction,
    DbBackend, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait,
};
use tributary_migrations::{Migrator, MigratorTrait};
use tributary_model::{ResourceType, ServiceError};

pub use access::{DomainAccessRecord, PolicyRecord, PolicyTarget, TrustedPublisherRecord};
pub use cleanup::{CleanupCandidate, CleanupPolicy};
pub use connections::{CustomConnectionRecord, ScopeBindingRecord};
use entity::{domains, principals, repositories, repository_upstreams, server_secrets};
pub use error::StoreError;
pub use package_groups::{PackageGroupRecord, package_group_not_found};
pub use packages::{AssetRecord, NewVersion, PackageRecord, PutOutcome, StatusOutcome, VersionRecord};
pub use records::{GraphRecord, NewPrincipal, Principal, RepositoryChange};
pub use sync::{ChangesFollower, SyncState, SyncTask};
pub use tokens::{TokenRecord, WebLogin};
pub use tributary_model::records::{Domain, Repository, Tag};
pub use upstream_documents::SharedDocument;

/// The metadata store.
#[derive(Debug, Clone)]
pub struct Store {
    /// Every write, and every read inside a write's transaction.
    pub(crate) db: DatabaseConnection,
    /// Reads outside a transaction. On SQLite a pool of read-only connections beside the one
    /// writer (WAL lets them read while it writes), so a burst of reads does not queue behind
    /// the writer nor behind each other; on PostgreSQL the same pool as `db`.
    pub(crate) reads: DatabaseConnection,
    /// How many statements were sent to the database (both pools, transactions included).
    statements: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

/// How many read-only connections a SQLite store keeps beside its writer.
const SQLITE_READERS: u32 = 4;

/// `url` (a SQLite URL) opened read-only: its `mode` set to `ro`.
fn read_only_sqlite_url(url: &str) -> String {
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    let mut parts: Vec<&str> = query.split('&').filter(|p| !p.is_empty() && !p.starts_with("mode=")).collect();
    parts.push("mode=ro");
    format!("{path}?{}", parts.join("&"))
}

/// Counts each statement `db` sends into `counter`.
fn count_statements(db: &mut DatabaseConnection, counter: &std::sync::Arc<std::sync::atomic::AtomicU64>) {
    let counter = counter.clone();
    db.set_metric_callback(move |_| {
        counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    });
}

type Result<T, E = StoreError> = std::result::Result<T, E>;

impl Store {
    /// Connects to `url`: `sqlite://PATH?mode=rwc` or `postgres://...`.
    pub async fn connect(url: &str) -> Result<Self> {
        let mut options = ConnectOptions::new(url.to_owned());
        options.sqlx_logging(false);
        let statements = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        if !url.starts_with("sqlite:") {
            let mut db = Database::connect(options).await?;
            count_statements(&mut db, &statements);
            return Ok(Self { reads: db.clone(), db, statements });
        }
        // One writing connection: SQLite has one writer anyway, and a deferred transaction that
        // reads then writes fails with `database is locked` when another connection wrote in
        // between.
        options.max_connections(1).min_connections(1);
        let db = Database::connect(options).await?;
        // WAL lets readers go on while the writer writes; foreign keys are on by sqlx default.
        db.execute_unprepared("PRAGMA journal_mode = WAL").await?;
        db.execute_unprepared("PRAGMA synchronous = NORMAL").await?;
        // The readers open the file the writer created, read-only, so no code path can write
        // through them by mistake.
        let mut read_options = ConnectOptions::new(read_only_sqlite_url(url));
        read_options.sqlx_logging(false).max_connections(SQLITE_READERS).min_connections(1);
        let mut reads = Database::connect(read_options).await?;
        let mut db = db;
        count_statements(&mut db, &statements);
        count_statements(&mut reads, &statements);
        Ok(Self { db, reads, statements })
    }

    /// How many statements this store sent to its database since it connected (for `/metrics`,
    /// and the benches' round trips per request).
    pub fn statements(&self) -> u64 {
        self.statements.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Begins a transaction that writes. On SQLite it takes the write lock at once (a no-op
    /// `UPDATE` as its first statement, what `BEGIN IMMEDIATE` does): a transaction that read
    /// first and wrote later would fail with `database is locked` (SQLITE_BUSY_SNAPSHOT, which
    /// no busy timeout waits out) whenever another process, a `tributary gc` beside the server,
    /// wrote in between. Waiting for the lock is then the busy timeout's job.
    pub(crate) async fn begin_write(&self) -> Result<DatabaseTransaction> {
        let txn = self.db.begin().await?;
        if self.db.get_database_backend() == DbBackend::Sqlite {
            txn.execute_unprepared("UPDATE server_secrets SET name = name WHERE 0").await?;
        }
        Ok(txn)
    }

    /// Runs every pending migration.
    pub async fn migrate(&self) -> Result<()> {
        Migrator::up(&self.db, None).await?;
        Ok(())
    }

    /// Checks the database answers (for `/readyz`).
    pub async fn ping(&self) -> Result<()> {
        self.db.ping().await?;
        Ok(())
    }

    // ----- principals and secrets -----

    /// How many principals exist.
    pub async fn principal_count(&self) -> Result<u64> {
        Ok(principals::Entity::find().count(&self.reads).await?)
    }

    /// Creates a principal.
    pub async fn create_principal(&self, new: NewPrincipal) -> Result<Principal> {
        let model = principals::ActiveModel {
            id: Set(uuid::Uuid::new_v4().to_string()),
            name: Set(new.name),
            access_key_id: Set(new.access_key_id),
            secret_access_key: Set(new.secret_access_key),
            is_admin: Set(new.is_admin),
            created_at: Set(Utc::now()),
        }
        .insert(&self.db)
        .await
        .map_err(|e| {
            StoreError::conflict_on_unique(
                e,
                ResourceType::Domain,
                "principal",
                "a principal of that name exists, or the access key id is taken",
            )
        })?;
        Ok(Principal::from(model))
    }

    /// The principal holding `access_key_id`.
    pub async fn principal_by_access_key(&self, access_key_id: &str) -> Result<Option<Principal>> {
        let found = principals::Entity::find()
            .filter(principals::Column::AccessKeyId.eq(access_key_id))
            .one(&self.reads)
            .await?;
        Ok(found.map(Principal::from))
    }

    /// The principal with id `id`.
    pub async fn principal_by_id(&self, id: &str) -> Result<Option<Principal>> {
        Ok(principals::Entity::find_by_id(id).one(&self.reads).await?.map(Principal::from))
    }

    /// The secret called `name`, created with `generate()` if absent. Every replica ends with the
    /// same value: the first writer wins, the others read it.
    pub async fn secret_or_insert(&self, name: &str, generate: impl FnOnce() -> String) -> Result<String> {
        if let Some(found) = server_secrets::Entity::find_by_id(name).one(&self.db).await? {
            return Ok(found.value);
        }
        let model = server_secrets::ActiveModel { name: Set(name.to_owned()), value: Set(generate()) };
        server_secrets::Entity::insert(model)
            .on_conflict(OnConflict::column(server_secrets::Column::Name).do_nothing().to_owned())
            .do_nothing()
            .exec(&self.db)
            .await?;
        let stored = server_secrets::Entity::find_by_id(name).one(&self.db).await?;
        stored.map(|s| s.value).ok_or_else(|| StoreError::Corrupt(format!("secret `{name}` vanished after insert")))
    }

    // ----- domains -----

    /// Creates a domain; a conflict if the name is taken.
    pub async fn create_domain(
        &self,
        name: &str,
        owner: &str,
        encryption_key: Option<String>,
        tags: &[Tag],
    ) -> Result<Domain> {
        let model = domains::ActiveModel {
            id: Set(uuid::Uuid::new_v4().simple().to_string()),
            name: Set(name.to_owned()),
            owner: Set(owner.to_owned()),
            encryption_key: Set(encryption_key),
            tags: Set(records::tags_to_json(tags)),
            graph_revision: Set(0),
            created_at: Set(Utc::now()),
        }
        .insert(&self.db)
        .await
        .map_err(|e| {
            StoreError::conflict_on_unique(e, ResourceType::Domain, name, &format!("domain `{name}` already exists"))
        })?;
        Ok(records::domain_record(model, 0))
    }

    /// The domain called `name`, with its repository count.
    pub async fn domain(&self, name: &str) -> Result<Option<Domain>> {
        let model = domains::Entity::find().filter(domains::Column::Name.eq(name)).one(&self.reads).await?;
        self.with_repository_count(model).await
    }

    /// The domain whose id is `id`.
    pub async fn domain_by_id(&self, id: &str) -> Result<Option<Domain>> {
        let model = domains::Entity::find_by_id(id.to_owned()).one(&self.reads).await?;
        self.with_repository_count(model).await
    }

    /// A domain row as a record, with the number of its repositories.
    async fn with_repository_count(&self, model: Option<domains::Model>) -> Result<Option<Domain>> {
        let Some(model) = model else { return Ok(None) };
        let count = repositories::Entity::find()
            .filter(repositories::Column::DomainId.eq(model.id.clone()))
            .count(&self.reads)
            .await?;
        Ok(Some(records::domain_record(model, count)))
    }

    /// Domains ordered by name, after `after` (keyset pagination), at most `limit`.
    pub async fn list_domains(&self, after: Option<&str>, limit: u64) -> Result<Vec<Domain>> {
        let mut query = domains::Entity::find().order_by_asc(domains::Column::Name).limit(limit);
        if let Some(after) = after {
            query = query.filter(domains::Column::Name.gt(after));
        }
        let models = query.all(&self.reads).await?;
        let counts = self.repository_counts(models.iter().map(|m| m.id.clone()).collect()).await?;
        Ok(models
            .into_iter()
            .map(|m| {
                let count = counts.get(&m.id).copied().unwrap_or(0);
                records::domain_record(m, count)
            })
            .collect())
    }

    async fn repository_counts(&self, domain_ids: Vec<String>) -> Result<HashMap<String, u64>> {
        if domain_ids.is_empty() {
            return Ok(HashMap::new());
        }
        let rows: Vec<(String, i64)> = repositories::Entity::find()
            .select_only()
            .column(repositories::Column::DomainId)
            .column_as(repositories::Column::Id.count(), "count")
            .filter(repositories::Column::DomainId.is_in(domain_ids))
            .group_by(repositories::Column::DomainId)
            .into_tuple()
            .all(&self.reads)
            .await?;
        Ok(rows.into_iter().map(|(id, n)| (id, u64::try_from(n).unwrap_or(0))).collect())
    }

    /// Deletes the domain `name`; refused while it holds repositories. Returns it as it was.
    pub async fn delete_domain(&self, name: &str) -> Result<Domain> {
        let txn = self.begin_write().await?;
        let domain = lock_domain(&txn, name).await?;
        let count = repositories::Entity::find()
            .filter(repositories::Column::DomainId.eq(domain.id.clone()))
            .count(&txn)
            .await?;
        if count > 0 {
            return Err(StoreError::Rejected(ServiceError::conflict(
                ResourceType::Domain,
                name,
                format!("domain `{name}` still holds {count} repositories; delete them first"),
            )));
        }
        domains::Entity::delete_by_id(domain.id.clone()).exec(&txn).await?;
        txn.commit().await?;
        Ok(records::domain_record(domain, 0))
    }

    // ----- repositories -----

    /// The graph of a domain as stored: every repository with its upstream names in order.
    pub async fn domain_graph(&self, domain_id: &str) -> Result<Vec<GraphRecord>> {
        graph_records(&self.reads, domain_id).await
    }

    /// One repository of a domain.
    pub async fn repository(&self, domain: &Domain, name: &str) -> Result<Option<Repository>> {
        let Some(model) = find_repository(&self.reads, &domain.id, name).await? else {
            return Ok(None);
        };
        let upstreams = upstream_names(&self.reads, &model.id).await?;
        Ok(Some(records::repository_record(model, &domain.name, &domain.owner, upstreams)))
    }

    /// Repositories ordered by (domain name, repository name) after `after`, at most `limit`;
    /// only of `domain` when given, only names starting with `prefix` when given.
    pub async fn list_repositories(
        &self,
        domain: Option<&Domain>,
        prefix: Option<&str>,
        after: Option<(&str, &str)>,
        limit: u64,
    ) -> Result<Vec<Repository>> {
        let domains: HashMap<String, domains::Model> = match domain {
            Some(d) => domains::Entity::find_by_id(d.id.clone()).all(&self.reads).await?,
            None => domains::Entity::find().all(&self.reads).await?,
        }
        .into_iter()
        .map(|d| (d.id.clone(), d))
        .collect();
        let mut query =
            repositories::Entity::find().filter(repositories::Column::DomainId.is_in(domains.keys().cloned()));
        if let Some(prefix) = prefix {
            query = query.filter(repositories::Column::Name.starts_with(prefix));
        }
        // Few domains: sort by domain name in memory, paginate on (domain name, repository name).
        let mut rows: Vec<(String, repositories::Model)> = query
            .order_by_asc(repositories::Column::Name)
            .all(&self.reads)
            .await?
            .into_iter()
            .filter_map(|r| domains.get(&r.domain_id).map(|d| (d.name.clone(), r)))
            .collect();
        rows.sort_by(|a, b| (a.0.as_str(), a.1.name.as_str()).cmp(&(b.0.as_str(), b.1.name.as_str())));
        let mut out = Vec::new();
        for (domain_name, model) in rows {
            if let Some(after) = after
                && (domain_name.as_str(), model.name.as_str()) <= after
            {
                continue;
            }
            if out.len() as u64 >= limit {
                break;
            }
            let owner = domains.get(&model.domain_id).map(|d| d.owner.clone()).unwrap_or_default();
            out.push(records::repository_record(model, &domain_name, &owner, Vec::new()));
        }
        Ok(out)
    }

    /// Applies `change` to the repositories of `domain` in one transaction: locks the domain's
    /// graph, hands the graph as stored to `validate` (which sees the change too), then writes.
    /// Returns the repository as it is after the change (as it was, for a delete).
    pub async fn change_repository(
        &self,
        domain: &Domain,
        change: RepositoryChange,
        validate: impl FnOnce(&[GraphRecord]) -> std::result::Result<(), ServiceError>,
    ) -> Result<Repository> {
        let txn = self.begin_write().await?;
        lock_domain(&txn, &domain.name).await?;
        let graph = graph_records(&txn, &domain.id).await?;
        validate(&graph).map_err(StoreError::Rejected)?;
        let ids: HashMap<&str, &str> = graph.iter().map(|r| (r.name.as_str(), r.id.as_str())).collect();
        let name = change.name().to_owned();
        let existing = find_repository(&txn, &domain.id, &name).await?;
        let repo_id = match (&change, existing) {
            (RepositoryChange::Create { description, upstreams, tags, .. }, None) => {
                let id = uuid::Uuid::new_v4().simple().to_string();
                repositories::ActiveModel {
                    id: Set(id.clone()),
                    domain_id: Set(domain.id.clone()),
                    name: Set(name.clone()),
                    description: Set(description.clone()),
                    external_connection: Set(None),
                    tags: Set(records::tags_to_json(tags)),
                    created_at: Set(Utc::now()),
                }
                .insert(&txn)
                .await
                .map_err(|e| {
                    StoreError::conflict_on_unique(
                        e,
                        ResourceType::Repository,
                        &name,
                        &format!("repository `{name}` already exists in domain `{}`", domain.name),
                    )
                })?;
                write_upstreams(&txn, &id, upstreams, &ids).await?;
                id
            }
            (RepositoryChange::Create { .. }, Some(_)) => {
                return Err(StoreError::Rejected(ServiceError::conflict(
                    ResourceType::Repository,
                    &name,
                    format!("repository `{name}` already exists in domain `{}`", domain.name),
                )));
            }
            (_, None) => return Err(StoreError::Rejected(repository_not_found(&domain.name, &name))),
            (RepositoryChange::Update { description, upstreams, .. }, Some(model)) => {
                let id = model.id.clone();
                if let Some(description) = description {
                    let mut active: repositories::ActiveModel = model.into();
                    active.description = Set(description.clone());
                    active.update(&txn).await?;
                }
                if let Some(upstreams) = upstreams {
                    write_upstreams(&txn, &id, upstreams, &ids).await?;
                }
                id
            }
            (RepositoryChange::SetExternalConnection { connection, .. }, Some(model)) => {
                let id = model.id.clone();
                // A connection made in the domain must still be there (its deletion takes the
                // same lock).
                if let Some(custom) =
                    connection.as_deref().filter(|c| tributary_model::ExternalConnection::find(c).is_none())
                    && entity::custom_connections::Entity::find_by_id((domain.id.clone(), custom.to_owned()))
                        .one(&txn)
                        .await?
                        .is_none()
                {
                    return Err(StoreError::Rejected(ServiceError::new(
                        tributary_model::ErrorKind::NotFound,
                        format!("external connection `{custom}` does not exist in domain `{}`", domain.name),
                    )));
                }
                let mut active: repositories::ActiveModel = model.into();
                active.external_connection = Set(connection.clone());
                active.update(&txn).await?;
                id
            }
            (RepositoryChange::Delete { .. }, Some(model)) => {
                let upstreams = upstream_names(&txn, &model.id).await?;
                let before = records::repository_record(model.clone(), &domain.name, &domain.owner, upstreams);
                repository_upstreams::Entity::delete_many()
                    .filter(repository_upstreams::Column::RepositoryId.eq(model.id.clone()))
                    .exec(&txn)
                    .await?;
                repositories::Entity::delete_by_id(model.id).exec(&txn).await.map_err(|e| {
                    // A concurrent writer made it an upstream: the foreign key refuses the delete.
                    StoreError::conflict_on_foreign_key(
                        e,
                        ResourceType::Repository,
                        &name,
                        &format!("repository `{name}` is an upstream of another repository"),
                    )
                })?;
                txn.commit().await?;
                return Ok(before);
            }
        };
        let model = repositories::Entity::find_by_id(repo_id.clone())
            .one(&txn)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("repository `{name}` vanished inside its transaction")))?;
        let upstreams = upstream_names(&txn, &repo_id).await?;
        txn.commit().await?;
        Ok(records::repository_record(model, &domain.name, &domain.owner, upstreams))
    }

    /// The graph revision of a domain: it grows with every repository change.
    pub async fn graph_revision(&self, domain_id: &str) -> Result<Option<i64>> {
        Ok(domains::Entity::find_by_id(domain_id).one(&self.reads).await?.map(|d| d.graph_revision))
    }
}

/// The not-found error for a repository.
pub fn repository_not_found(domain: &str, name: &str) -> ServiceError {
    ServiceError::not_found(
        ResourceType::Repository,
        name,
        format!("repository `{name}` does not exist in domain `{domain}`"),
    )
}

/// Bumps the domain's graph revision, which takes the domain's write lock, and returns the row.
pub(crate) async fn lock_domain(txn: &DatabaseTransaction, name: &str) -> Result<domains::Model> {
    let updated = domains::Entity::update_many()
        .col_expr(domains::Column::GraphRevision, Expr::col(domains::Column::GraphRevision).add(1))
        .filter(domains::Column::Name.eq(name))
        .exec(txn)
        .await?;
    if updated.rows_affected == 0 {
        return Err(StoreError::Rejected(ServiceError::not_found(
            ResourceType::Domain,
            name,
            format!("domain `{name}` does not exist"),
        )));
    }
    domains::Entity::find()
        .filter(domains::Column::Name.eq(name))
        .one(txn)
        .await?
        .ok_or_else(|| StoreError::Corrupt(format!("domain `{name}` vanished inside its transaction")))
}

async fn find_repository(
    db: &impl ConnectionTrait,
    domain_id: &str,
    name: &str,
) -> Result<Option<repositories::Model>> {
    Ok(repositories::Entity::find()
        .filter(repositories::Column::DomainId.eq(domain_id))
        .filter(repositories::Column::Name.eq(name))
        .one(db)
        .await?)
}

async fn upstream_names(db: &impl ConnectionTrait, repository_id: &str) -> Result<Vec<String>> {
    let links = repository_upstreams::Entity::find()
        .filter(repository_upstreams::Column::RepositoryId.eq(repository_id))
        .order_by_asc(repository_upstreams::Column::Position)
        .all(db)
        .await?;
    let ids: Vec<String> = links.iter().map(|l| l.upstream_id.clone()).collect();
    let names: HashMap<String, String> = repositories::Entity::find()
        .filter(repositories::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.id, r.name))
        .collect();
    Ok(links.iter().filter_map(|l| names.get(&l.upstream_id).map(|name| upstream_entry(name, l))).collect())
}

/// An upstream list entry as the graph and the API write it: `NAME`, or `NAME@VIEW`.
fn upstream_entry(name: &str, link: &repository_upstreams::Model) -> String {
    match &link.view {
        Some(view) => format!("{name}@{view}"),
        None => name.to_owned(),
    }
}

async fn graph_records(db: &impl ConnectionTrait, domain_id: &str) -> Result<Vec<GraphRecord>> {
    let repos = repositories::Entity::find()
        .filter(repositories::Column::DomainId.eq(domain_id))
        .order_by_asc(repositories::Column::Name)
        .all(db)
        .await?;
    let names: HashMap<&str, &str> = repos.iter().map(|r| (r.id.as_str(), r.name.as_str())).collect();
    let links = repository_upstreams::Entity::find()
        .filter(repository_upstreams::Column::RepositoryId.is_in(repos.iter().map(|r| r.id.clone())))
        .order_by_asc(repository_upstreams::Column::RepositoryId)
        .order_by_asc(repository_upstreams::Column::Position)
        .all(db)
        .await?;
    let mut upstreams: HashMap<&str, Vec<String>> = HashMap::new();
    for link in &links {
        if let Some(name) = names.get(link.upstream_id.as_str()) {
            upstreams.entry(link.repository_id.as_str()).or_default().push(upstream_entry(name, link));
        }
    }
    Ok(repos
        .iter()
        .map(|r| GraphRecord {
            id: r.id.clone(),
            name: r.name.clone(),
            upstreams: upstreams.remove(r.id.as_str()).unwrap_or_default(),
            external_connection: r.external_connection.clone(),
        })
        .collect())
}

async fn write_upstreams(
    txn: &DatabaseTransaction,
    repository_id: &str,
    upstreams: &[String],
    ids: &HashMap<&str, &str>,
) -> Result<()> {
    repository_upstreams::Entity::delete_many()
        .filter(repository_upstreams::Column::RepositoryId.eq(repository_id))
        .exec(txn)
        .await?;
    let mut rows = Vec::with_capacity(upstreams.len());
    for (position, entry) in upstreams.iter().enumerate() {
        let (name, view) = tributary_model::view::Upstream::parts(entry);
        let upstream_id = ids.get(name).ok_or_else(|| {
            StoreError::Corrupt(format!("upstream `{name}` passed validation but is not in the domain"))
        })?;
        rows.push(repository_upstreams::ActiveModel {
            repository_id: Set(repository_id.to_owned()),
            position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
            upstream_id: Set((*upstream_id).to_owned()),
            view: Set(view.map(str::to_owned)),
        });
    }
    if !rows.is_empty() {
        repository_upstreams::Entity::insert_many(rows).exec(txn).await?;
    }
    Ok(())
}
