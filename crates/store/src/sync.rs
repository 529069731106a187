//! Sync tasks (docs/ARCHITECTURE.md, "Sync tasks"): rows claimed by one worker at a time, under
//! a lease, so replicas share the work and a dead worker's task is taken up again.

use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use tributary_model::{PackageCoordinates, PackageFormat};

use crate::entity::sync_tasks;
use crate::{Result, Store, StoreError};

/// Where a sync task stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncState {
    /// Queued.
    Waiting,
    /// A worker holds it.
    Processing,
    /// Every version asked for was ingested (or was there).
    Done,
    /// It ended with errors (its log says which).
    Failed,
}

impl SyncState {
    /// Its wire name (cnpmcore's).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Waiting => "waiting",
            Self::Processing => "processing",
            Self::Done => "success",
            Self::Failed => "fail",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        [Self::Waiting, Self::Processing, Self::Done, Self::Failed].into_iter().find(|s| s.as_str() == text)
    }
}

/// A sync task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncTask {
    /// Its id.
    pub id: String,
    /// Its domain's id.
    pub domain_id: String,
    /// The repository whose search order it reads.
    pub repository: String,
    /// The package.
    pub coordinates: PackageCoordinates,
    /// The versions asked for; empty for all.
    pub versions: Vec<String>,
    /// Where it stands.
    pub state: SyncState,
    /// What it did, a line per step.
    pub log: String,
    /// How many times a worker took it.
    pub attempts: i32,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<sync_tasks::Model> for SyncTask {
    type Error = StoreError;

    fn try_from(m: sync_tasks::Model) -> Result<Self> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("sync task `{}`: {what}", m.id));
        let format = PackageFormat::parse(&m.format).ok_or_else(|| corrupt("unknown format"))?;
        Ok(Self {
            state: SyncState::parse(&m.state).ok_or_else(|| corrupt("unknown state"))?,
            versions: serde_json::from_str(&m.versions).map_err(|_| corrupt("its versions are not a JSON list"))?,
            coordinates: PackageCoordinates { format, namespace: m.namespace, name: m.name },
            id: m.id,
            domain_id: m.domain_id,
            repository: m.repository,
            log: m.log,
            attempts: m.attempts,
            created_at: m.created_at,
            updated_at: m.updated_at,
        })
    }
}

impl Store {
    /// Queues a sync of `coordinates` (`versions`, or all when empty) through `repository`.
    pub async fn queue_sync(
        &self,
        domain_id: &str,
        repository: &str,
        coordinates: &PackageCoordinates,
        versions: &[String],
        now: DateTime<Utc>,
    ) -> Result<SyncTask> {
        let model = sync_tasks::ActiveModel {
            id: Set(uuid::Uuid::new_v4().simple().to_string()),
            domain_id: Set(domain_id.to_owned()),
            repository: Set(repository.to_owned()),
            format: Set(coordinates.format.as_str().to_owned()),
            namespace: Set(coordinates.namespace.clone()),
            name: Set(coordinates.name.clone()),
            versions: Set(serde_json::to_string(versions).unwrap_or_else(|_| "[]".to_owned())),
            state: Set(SyncState::Waiting.as_str().to_owned()),
            log: Set(String::new()),
            attempts: Set(0),
            claimed_by: Set(None),
            lease_until: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&self.db)
        .await?;
        SyncTask::try_from(model)
    }

    /// The sync task `id`.
    pub async fn sync_task(&self, id: &str) -> Result<Option<SyncTask>> {
        sync_tasks::Entity::find_by_id(id.to_owned()).one(&self.db).await?.map(SyncTask::try_from).transpose()
    }

    /// Claims the oldest task that is waiting, or whose worker's lease ended, for `worker` until
    /// `now + lease`. Replicas never claim one task together: on PostgreSQL the candidate row is
    /// locked `FOR UPDATE SKIP LOCKED` (a replica passes over rows another is claiming); on
    /// SQLite the one writer serializes claims.
    pub async fn claim_sync_task(
        &self,
        worker: &str,
        lease: TimeDelta,
        now: DateTime<Utc>,
    ) -> Result<Option<SyncTask>> {
        let claimable = || {
            Condition::any().add(sync_tasks::Column::State.eq(SyncState::Waiting.as_str())).add(
                Condition::all()
                    .add(sync_tasks::Column::State.eq(SyncState::Processing.as_str()))
                    .add(sync_tasks::Column::LeaseUntil.lt(now)),
            )
        };
        // Workers look every second: most looks find nothing, and take no write lock for it.
        let any = sync_tasks::Entity::find().select_only().column(sync_tasks::Column::Id).filter(claimable());
        if any.into_tuple::<String>().one(&self.reads).await?.is_none() {
            return Ok(None);
        }
        let txn = self.begin_write().await?;
        let claimable = claimable();
        let mut query =
            sync_tasks::Entity::find().filter(claimable).order_by_asc(sync_tasks::Column::CreatedAt).limit(1);
        if self.db.get_database_backend() == DbBackend::Postgres {
            query = query
                .lock_with_behavior(sea_orm::sea_query::LockType::Update, sea_orm::sea_query::LockBehavior::SkipLocked);
        }
        let Some(found) = query.one(&txn).await? else {
            txn.commit().await?;
            return Ok(None);
        };
        sync_tasks::Entity::update_many()
            .col_expr(sync_tasks::Column::State, Expr::value(SyncState::Processing.as_str()))
            .col_expr(sync_tasks::Column::ClaimedBy, Expr::value(worker))
            .col_expr(sync_tasks::Column::LeaseUntil, Expr::value(now + lease))
            .col_expr(sync_tasks::Column::Attempts, Expr::col(sync_tasks::Column::Attempts).add(1))
            .col_expr(sync_tasks::Column::UpdatedAt, Expr::value(now))
            .filter(sync_tasks::Column::Id.eq(found.id.clone()))
            .exec(&txn)
            .await?;
        let claimed = sync_tasks::Entity::find_by_id(found.id).one(&txn).await?;
        txn.commit().await?;
        claimed.map(SyncTask::try_from).transpose()
    }

    /// Appends `line` to the log of the task `id` held by `worker`, and extends its lease to
    /// `lease_until`; whether the worker still holds it.
    pub async fn log_sync(&self, id: &str, worker: &str, line: &str, lease_until: DateTime<Utc>) -> Result<bool> {
        // Appended in the database (`log || line`, SQL's concatenation on both backends): a long
        // log is not read and written again for each line.
        let appended = Expr::col(sync_tasks::Column::Log)
            .binary(sea_orm::sea_query::BinOper::Custom("||"), Expr::value(format!("{line}\n")));
        let done = sync_tasks::Entity::update_many()
            .col_expr(sync_tasks::Column::Log, appended)
            .col_expr(sync_tasks::Column::LeaseUntil, Expr::value(lease_until))
            .col_expr(sync_tasks::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(sync_tasks::Column::Id.eq(id))
            .filter(sync_tasks::Column::ClaimedBy.eq(worker))
            .exec(&self.db)
            .await?;
        Ok(done.rows_affected > 0)
    }

    /// Ends the task `id` held by `worker` in `state`.
    pub async fn finish_sync(&self, id: &str, worker: &str, state: SyncState, now: DateTime<Utc>) -> Result<()> {
        sync_tasks::Entity::update_many()
            .col_expr(sync_tasks::Column::State, Expr::value(state.as_str()))
            .col_expr(sync_tasks::Column::LeaseUntil, Expr::value(Option::<DateTime<Utc>>::None))
            .col_expr(sync_tasks::Column::UpdatedAt, Expr::value(now))
            .filter(sync_tasks::Column::Id.eq(id))
            .filter(sync_tasks::Column::ClaimedBy.eq(worker))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// How many tasks wait or run.
    pub async fn pending_syncs(&self) -> Result<u64> {
        use sea_orm::PaginatorTrait;
        Ok(sync_tasks::Entity::find()
            .filter(sync_tasks::Column::State.is_in([SyncState::Waiting.as_str(), SyncState::Processing.as_str()]))
            .count(&self.reads)
            .await?)
    }
}

/// A gateway following its registry's `_changes` feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangesFollower {
    /// The gateway.
    pub repository_id: String,
    /// The external connection whose feed it reads: empty for the gateway's own, else one made
    /// in the domain.
    pub connection: String,
    /// Its domain.
    pub domain_id: String,
    /// `exist` (sync the packages it holds) or `all`.
    pub mode: String,
    /// Whether it is paused.
    pub paused: bool,
    /// The feed, when not the registry's own `/_changes`.
    pub changes_url: Option<String>,
    /// The sequence read up to.
    pub since: String,
    /// What went wrong last, if the last read failed.
    pub last_error: Option<String>,
    /// When it last moved.
    pub updated_at: DateTime<Utc>,
}

impl From<crate::entity::changes_followers::Model> for ChangesFollower {
    fn from(m: crate::entity::changes_followers::Model) -> Self {
        Self {
            repository_id: m.repository_id,
            connection: m.connection,
            domain_id: m.domain_id,
            mode: m.mode,
            paused: m.paused,
            changes_url: m.changes_url,
            since: m.since,
            last_error: m.last_error,
            updated_at: m.updated_at,
        }
    }
}

impl Store {
    /// Sets the follower of the gateway `follower.repository_id` for `follower.connection` (its
    /// `since` kept when it exists and `since` is not given).
    pub async fn set_changes_follower(&self, follower: &ChangesFollower, since_given: bool) -> Result<ChangesFollower> {
        use crate::entity::changes_followers;
        let key = (follower.repository_id.clone(), follower.connection.clone());
        let existing = changes_followers::Entity::find_by_id(key.clone()).one(&self.db).await?;
        let since = match (&existing, since_given) {
            (Some(found), false) => found.since.clone(),
            _ => follower.since.clone(),
        };
        changes_followers::Entity::delete_by_id(key).exec(&self.db).await?;
        let model = changes_followers::ActiveModel {
            repository_id: Set(follower.repository_id.clone()),
            connection: Set(follower.connection.clone()),
            domain_id: Set(follower.domain_id.clone()),
            mode: Set(follower.mode.clone()),
            paused: Set(follower.paused),
            changes_url: Set(follower.changes_url.clone()),
            since: Set(since),
            last_error: Set(None),
            updated_at: Set(Utc::now()),
        }
        .insert(&self.db)
        .await?;
        Ok(ChangesFollower::from(model))
    }

    /// The follower of the gateway `repository_id` for `connection` (empty: its own), if any.
    pub async fn changes_follower(&self, repository_id: &str, connection: &str) -> Result<Option<ChangesFollower>> {
        use crate::entity::changes_followers;
        let key = (repository_id.to_owned(), connection.to_owned());
        Ok(changes_followers::Entity::find_by_id(key).one(&self.db).await?.map(Into::into))
    }

    /// Every follower that is not paused.
    pub async fn active_changes_followers(&self) -> Result<Vec<ChangesFollower>> {
        use crate::entity::changes_followers;
        let found = changes_followers::Entity::find()
            .filter(changes_followers::Column::Paused.eq(false))
            .all(&self.reads)
            .await?;
        Ok(found.into_iter().map(Into::into).collect())
    }

    /// Records that the follower of `repository_id` for `connection` read up to `since` (or
    /// failed with `error`).
    pub async fn advance_changes_follower(
        &self,
        repository_id: &str,
        connection: &str,
        since: &str,
        error: Option<&str>,
    ) -> Result<()> {
        use crate::entity::changes_followers;
        changes_followers::Entity::update_many()
            .col_expr(changes_followers::Column::Since, Expr::value(since))
            .col_expr(changes_followers::Column::LastError, Expr::value(error.map(str::to_owned)))
            .col_expr(changes_followers::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(changes_followers::Column::RepositoryId.eq(repository_id))
            .filter(changes_followers::Column::Connection.eq(connection))
            .exec(&self.db)
            .await?;
        Ok(())
    }
}
