//! Blob collections: the marks that make garbage collection safe on any blob store
//! (docs/ARCHITECTURE.md, "Garbage collection").
//!
//! A blob is content addressed, so an upload of bytes already stored may find the blob there and
//! not write it (the S3 store skips a multipart upload whose object exists). A collection that
//! checked "no asset refers to it" and then deleted it could so lose the blob of a version that
//! committed in between. The marks close that gap with the database as the arbiter:
//!
//! - a collection marks a blob (a `blob_collections` row) in a transaction that holds the domain's
//!   exclusive lock and finds no asset referring to it; only then deletes it, and records when it
//!   is gone (`deleted_at_ms`);
//! - writing a version takes the domain's shared lock and is refused while one of its files is
//!   marked: [`StoreError::BlobCollected`]. When the deletion is finished, the engine checks
//!   whether the bytes were uploaded again since; if so it drops the mark
//!   ([`Store::blob_uploaded_again`]) and writes the version;
//! - a mark of a finished deletion lives for the grace period (the longest a version may take to
//!   be written after its blob), so no upload that found the blob before it was deleted can commit
//!   without seeing it.
//!
//! On SQLite the one writer serializes these transactions; on PostgreSQL the domain row's
//! `FOR UPDATE` / `FOR KEY SHARE` locks do.

use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set};

use crate::entity::{assets, blob_collections, domains, package_versions, packages, repositories};
use crate::{Result, Store, StoreError};

/// How many blobs one marking transaction looks at: the domain's writes wait while it runs.
const MARK_BATCH: usize = 500;

impl Store {
    /// The bytes the blobs of the domain `domain_id` take, each counted once however many
    /// assets refer to it (DescribeDomain's `assetSizeBytes`).
    pub async fn domain_asset_bytes(&self, domain_id: &str) -> Result<u64> {
        use sea_orm::{DbBackend, FromQueryResult, Statement};
        #[derive(FromQueryResult)]
        struct Total {
            total: Option<i64>,
        }
        let backend = self.reads.get_database_backend();
        let parameter = if backend == DbBackend::Postgres { "$1" } else { "?" };
        let sql = format!(
            "SELECT CAST(SUM(size) AS BIGINT) AS total FROM (SELECT DISTINCT a.sha256, a.size FROM assets a \
             JOIN package_versions v ON a.version_id = v.id JOIN packages p ON v.package_id = p.id \
             JOIN repositories r ON p.repository_id = r.id WHERE r.domain_id = {parameter}) blobs"
        );
        let found = Total::find_by_statement(Statement::from_sql_and_values(backend, sql, [domain_id.into()]))
            .one(&self.reads)
            .await?;
        Ok(found.and_then(|t| t.total).and_then(|t| u64::try_from(t).ok()).unwrap_or(0))
    }

    /// Those of `candidates` (hex SHA-256s) no asset of the domain `domain_id` refers to now.
    /// Only a look: nothing is marked (`tributary gc --dry-run`).
    pub async fn unreferenced_among(&self, domain_id: &str, candidates: &[String]) -> Result<Vec<String>> {
        let mut found = Vec::new();
        for batch in candidates.chunks(MARK_BATCH) {
            let referenced = referenced_among(&self.reads, domain_id, batch).await?;
            found.extend(batch.iter().filter(|sha256| !referenced.contains(*sha256)).cloned());
        }
        Ok(found)
    }

    /// Marks for deletion by `collector` those of `candidates` (SHA-256s in hex) that no asset
    /// of the domain refers to, and returns them (with those `collector` had marked already).
    /// A candidate another collection marked is left to it.
    pub async fn mark_blobs_for_deletion(
        &self,
        domain_id: &str,
        candidates: &[String],
        collector: &str,
        now_ms: i64,
    ) -> Result<Vec<String>> {
        let mut marked = Vec::new();
        for batch in candidates.chunks(MARK_BATCH) {
            // Most idle blobs are referred to: find those on a reader first, and lock the domain
            // only for the rest (checked again under the lock).
            let referenced = referenced_among(&self.reads, domain_id, batch).await?;
            let batch: Vec<String> = batch.iter().filter(|sha256| !referenced.contains(*sha256)).cloned().collect();
            if batch.is_empty() {
                continue;
            }
            let txn = self.begin_write().await?;
            domains::Entity::find_by_id(domain_id).lock_exclusive().one(&txn).await?;
            let referenced = referenced_among(&txn, domain_id, &batch).await?;
            let rows: Vec<blob_collections::ActiveModel> = batch
                .iter()
                .filter(|sha256| !referenced.contains(*sha256))
                .map(|sha256| blob_collections::ActiveModel {
                    domain_id: Set(domain_id.to_owned()),
                    sha256: Set(sha256.clone()),
                    collector: Set(collector.to_owned()),
                    marked_at_ms: Set(now_ms),
                    deleted_at_ms: Set(None),
                })
                .collect();
            if !rows.is_empty() {
                blob_collections::Entity::insert_many(rows)
                    .on_conflict(
                        OnConflict::columns([blob_collections::Column::DomainId, blob_collections::Column::Sha256])
                            .do_nothing()
                            .to_owned(),
                    )
                    .exec_without_returning(&txn)
                    .await?;
            }
            let mine: Vec<String> = blob_collections::Entity::find()
                .select_only()
                .column(blob_collections::Column::Sha256)
                .filter(blob_collections::Column::DomainId.eq(domain_id))
                .filter(blob_collections::Column::Sha256.is_in(batch.iter().cloned()))
                .filter(blob_collections::Column::Collector.eq(collector))
                .filter(blob_collections::Column::DeletedAtMs.is_null())
                .into_tuple()
                .all(&txn)
                .await?;
            txn.commit().await?;
            marked.extend(mine);
        }
        Ok(marked)
    }

    /// Takes over for `collector` the marks made before `stale_before_ms` whose deletion never
    /// finished (their collection died), and returns their SHA-256s. No version can refer to
    /// them while they are marked: they are to be deleted.
    pub async fn take_over_unfinished_deletions(
        &self,
        domain_id: &str,
        collector: &str,
        now_ms: i64,
        stale_before_ms: i64,
    ) -> Result<Vec<String>> {
        blob_collections::Entity::update_many()
            .col_expr(blob_collections::Column::Collector, Expr::value(collector))
            .col_expr(blob_collections::Column::MarkedAtMs, Expr::value(now_ms))
            .filter(blob_collections::Column::DomainId.eq(domain_id))
            .filter(blob_collections::Column::DeletedAtMs.is_null())
            .filter(blob_collections::Column::MarkedAtMs.lt(stale_before_ms))
            .exec(&self.db)
            .await?;
        Ok(blob_collections::Entity::find()
            .select_only()
            .column(blob_collections::Column::Sha256)
            .filter(blob_collections::Column::DomainId.eq(domain_id))
            .filter(blob_collections::Column::Collector.eq(collector))
            .filter(blob_collections::Column::DeletedAtMs.is_null())
            .into_tuple()
            .all(&self.db)
            .await?)
    }

    /// Whether `collector` still holds its mark of `sha256`, its deletion not done: checked
    /// right before deleting, so a run taken over (it was slow, not dead) deletes nothing more.
    pub async fn still_marked_by(&self, domain_id: &str, sha256: &str, collector: &str) -> Result<bool> {
        Ok(blob_collections::Entity::find()
            .filter(blob_collections::Column::DomainId.eq(domain_id))
            .filter(blob_collections::Column::Sha256.eq(sha256))
            .filter(blob_collections::Column::Collector.eq(collector))
            .filter(blob_collections::Column::DeletedAtMs.is_null())
            .one(&self.db)
            .await?
            .is_some())
    }

    /// Records that `collector` deleted `sha256`.
    pub async fn blob_deleted(&self, domain_id: &str, sha256: &str, collector: &str, now_ms: i64) -> Result<()> {
        blob_collections::Entity::update_many()
            .col_expr(blob_collections::Column::DeletedAtMs, Expr::value(now_ms))
            .filter(blob_collections::Column::DomainId.eq(domain_id))
            .filter(blob_collections::Column::Sha256.eq(sha256))
            .filter(blob_collections::Column::Collector.eq(collector))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// Drops `collector`'s mark of a blob it did not delete (written again since it was listed).
    pub async fn unmark_blob(&self, domain_id: &str, sha256: &str, collector: &str) -> Result<()> {
        blob_collections::Entity::delete_many()
            .filter(blob_collections::Column::DomainId.eq(domain_id))
            .filter(blob_collections::Column::Sha256.eq(sha256))
            .filter(blob_collections::Column::Collector.eq(collector))
            .filter(blob_collections::Column::DeletedAtMs.is_null())
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// Forgets the deletions finished before `before_ms`; returns how many.
    pub async fn forget_deletions(&self, domain_id: &str, before_ms: i64) -> Result<u64> {
        let done = blob_collections::Entity::delete_many()
            .filter(blob_collections::Column::DomainId.eq(domain_id))
            .filter(blob_collections::Column::DeletedAtMs.lt(before_ms))
            .exec(&self.db)
            .await?;
        Ok(done.rows_affected)
    }

    /// Forgets that `sha256` was deleted: its bytes were stored again after the deletion
    /// finished, so versions may refer to it. A deletion still running keeps its mark.
    pub async fn blob_uploaded_again(&self, domain_id: &str, sha256: &str) -> Result<()> {
        blob_collections::Entity::delete_many()
            .filter(blob_collections::Column::DomainId.eq(domain_id))
            .filter(blob_collections::Column::Sha256.eq(sha256))
            .filter(blob_collections::Column::DeletedAtMs.is_not_null())
            .exec(&self.db)
            .await?;
        Ok(())
    }
}

/// Inside a version's write: takes the shared lock of the domain of `repository_id` and
/// refuses the write when one of `sha256s` is marked by a collection.
pub(crate) async fn refuse_collected(
    txn: &impl ConnectionTrait,
    repository_id: &str,
    sha256s: impl Iterator<Item = String>,
) -> Result<()> {
    let sha256s: Vec<String> = sha256s.collect();
    if sha256s.is_empty() {
        return Ok(());
    }
    let domain_id: Option<String> = repositories::Entity::find_by_id(repository_id)
        .select_only()
        .column(repositories::Column::DomainId)
        .into_tuple()
        .one(txn)
        .await?;
    let Some(domain_id) = domain_id else { return Ok(()) };
    // `FOR KEY SHARE`: conflicts with the collection's `FOR UPDATE`, not with other writers nor
    // with a graph change's update of the row.
    domains::Entity::find_by_id(domain_id.clone()).lock(sea_orm::sea_query::LockType::KeyShare).one(txn).await?;
    let marked = blob_collections::Entity::find()
        .filter(blob_collections::Column::DomainId.eq(domain_id))
        .filter(blob_collections::Column::Sha256.is_in(sha256s))
        .one(txn)
        .await?;
    match marked {
        Some(mark) => Err(StoreError::BlobCollected { sha256: mark.sha256, finished: mark.deleted_at_ms.is_some() }),
        None => Ok(()),
    }
}

/// Those of `sha256s` an asset of the domain refers to.
async fn referenced_among(
    db: &impl ConnectionTrait,
    domain_id: &str,
    sha256s: &[String],
) -> Result<std::collections::HashSet<String>> {
    let found: Vec<String> = assets::Entity::find()
        .select_only()
        .column(assets::Column::Sha256)
        .distinct()
        .filter(assets::Column::Sha256.is_in(sha256s.iter().cloned()))
        .filter(assets::Column::VersionId.in_subquery(versions_of_domain(domain_id)))
        .into_tuple()
        .all(db)
        .await?;
    Ok(found.into_iter().collect())
}

/// The ids of the versions stored in the repositories of a domain.
fn versions_of_domain(domain_id: &str) -> sea_orm::sea_query::SelectStatement {
    use sea_orm::sea_query::Query;
    let repositories = Query::select()
        .column(repositories::Column::Id)
        .from(repositories::Entity)
        .and_where(repositories::Column::DomainId.eq(domain_id))
        .to_owned();
    let packages = Query::select()
        .column(packages::Column::Id)
        .from(packages::Entity)
        .and_where(packages::Column::RepositoryId.in_subquery(repositories))
        .to_owned();
    Query::select()
        .column(package_versions::Column::Id)
        .from(package_versions::Entity)
        .and_where(package_versions::Column::PackageId.in_subquery(packages))
        .to_owned()
}
