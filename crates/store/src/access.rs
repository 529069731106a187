//! What access control stores (docs/ARCHITECTURE.md, "Who may call what"): the permission
//! policies of domains and repositories, the public repositories, and the principals' keys.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use tributary_model::{ResourceType, ServiceError};

use tributary_model::release_age::ReleaseAgePolicy;

use crate::entity::{permission_policies, principals, public_repositories, release_age_policies, trusted_publishers};
use crate::{Principal, Result, Store, StoreError};

/// A resource policy as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyRecord {
    /// The repository's id, or `None` for the domain's policy.
    pub repository_id: Option<String>,
    /// The policy document, as the caller wrote it.
    pub document: String,
    /// Its revision: changes at every write.
    pub revision: String,
    /// When it was written.
    pub updated_at: DateTime<Utc>,
}

impl From<permission_policies::Model> for PolicyRecord {
    fn from(m: permission_policies::Model) -> Self {
        Self { repository_id: m.repository_id, document: m.document, revision: m.revision, updated_at: m.updated_at }
    }
}

/// Everything that decides who may do what in one domain, read at once (it is cached whole).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DomainAccessRecord {
    /// The domain's policy and the repositories' policies.
    pub policies: Vec<PolicyRecord>,
    /// The ids of the domain's public repositories.
    pub public_repositories: Vec<String>,
    /// The domain's trusted publishers.
    pub trusted_publishers: Vec<TrustedPublisherRecord>,
    /// The repositories' release-age policies, by repository id.
    pub release_ages: Vec<(String, ReleaseAgePolicy)>,
    /// The external connections made in the domain.
    pub connections: Vec<crate::CustomConnectionRecord>,
    /// The scopes bound to them.
    pub scope_bindings: Vec<crate::ScopeBindingRecord>,
}

/// An OIDC issuer a domain trusts for CI publishing, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedPublisherRecord {
    /// Its name in the domain.
    pub name: String,
    /// The issuer (`iss`).
    pub issuer: String,
    /// Where its keys are, when not found by discovery.
    pub jwks_url: Option<String>,
    /// The audience (`aud`) its tokens must name.
    pub audience: String,
    /// Claim name → pattern.
    pub claims: std::collections::BTreeMap<String, String>,
    /// The repositories its tokens may read and publish to, by name.
    pub repositories: Vec<String>,
    /// When it was set.
    pub created_at: DateTime<Utc>,
}

impl TryFrom<trusted_publishers::Model> for TrustedPublisherRecord {
    type Error = StoreError;

    fn try_from(m: trusted_publishers::Model) -> Result<Self> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("trusted publisher `{}`: {what}", m.name));
        Ok(Self {
            claims: serde_json::from_str(&m.claims).map_err(|_| corrupt("its claims are not a JSON object"))?,
            repositories: serde_json::from_str(&m.repositories)
                .map_err(|_| corrupt("its repositories are not a JSON array"))?,
            name: m.name,
            issuer: m.issuer,
            jwks_url: m.jwks_url,
            audience: m.audience,
            created_at: m.created_at,
        })
    }
}

/// Where a policy is attached.
#[derive(Debug, Clone, Copy)]
pub struct PolicyTarget<'a> {
    /// The domain's id.
    pub domain_id: &'a str,
    /// The repository's id, `None` for the domain itself.
    pub repository_id: Option<&'a str>,
    /// Its name, for messages.
    pub name: &'a str,
}

impl PolicyTarget<'_> {
    fn id(&self) -> &str {
        self.repository_id.unwrap_or(self.domain_id)
    }

    fn kind(&self) -> ResourceType {
        if self.repository_id.is_some() { ResourceType::Repository } else { ResourceType::Domain }
    }

    fn revision_conflict(&self, expected: &str) -> StoreError {
        StoreError::Rejected(ServiceError::conflict(
            self.kind(),
            self.name,
            format!(
                "the policy of `{}` is not at revision `{expected}`: it was changed, or never set; read it again (`get-{}-permissions-policy`) and retry with its revision",
                self.name,
                self.kind().as_str()
            ),
        ))
    }
}

/// A new policy revision: 122 random bits.
fn new_revision() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

impl Store {
    /// The policies and public repositories of the domain `domain_id`.
    pub async fn domain_access(&self, domain_id: &str) -> Result<DomainAccessRecord> {
        let policies = permission_policies::Entity::find()
            .filter(permission_policies::Column::DomainId.eq(domain_id))
            .all(&self.reads)
            .await?
            .into_iter()
            .map(PolicyRecord::from)
            .collect();
        let public_repositories = public_repositories::Entity::find()
            .filter(public_repositories::Column::DomainId.eq(domain_id))
            .all(&self.reads)
            .await?
            .into_iter()
            .map(|r| r.repository_id)
            .collect();
        let trusted_publishers = self.trusted_publishers(domain_id).await?;
        let mut release_ages = Vec::new();
        for row in release_age_policies::Entity::find()
            .filter(release_age_policies::Column::DomainId.eq(domain_id))
            .all(&self.reads)
            .await?
        {
            let policy = serde_json::from_str(&row.policy).map_err(|e| {
                StoreError::Corrupt(format!("the release-age policy of repository `{}`: {e}", row.repository_id))
            })?;
            release_ages.push((row.repository_id, policy));
        }
        let connections = self.custom_connections(domain_id).await?;
        let scope_bindings = self.scope_bindings(domain_id).await?;
        Ok(DomainAccessRecord {
            policies,
            public_repositories,
            trusted_publishers,
            release_ages,
            connections,
            scope_bindings,
        })
    }

    /// Sets (or, with `None`, removes) the release-age policy of the repository `repository_id`
    /// of the domain `domain_id`.
    pub async fn set_release_age(
        &self,
        domain_id: &str,
        repository_id: &str,
        policy: Option<&ReleaseAgePolicy>,
    ) -> Result<()> {
        release_age_policies::Entity::delete_by_id(repository_id.to_owned()).exec(&self.db).await?;
        if let Some(policy) = policy {
            release_age_policies::ActiveModel {
                repository_id: Set(repository_id.to_owned()),
                domain_id: Set(domain_id.to_owned()),
                policy: Set(serde_json::to_string(policy).unwrap_or_else(|_| "{}".to_owned())),
                updated_at: Set(Utc::now()),
            }
            .insert(&self.db)
            .await?;
        }
        Ok(())
    }

    /// The trusted publishers of the domain `domain_id`, by name.
    pub async fn trusted_publishers(&self, domain_id: &str) -> Result<Vec<TrustedPublisherRecord>> {
        trusted_publishers::Entity::find()
            .filter(trusted_publishers::Column::DomainId.eq(domain_id))
            .order_by_asc(trusted_publishers::Column::Name)
            .all(&self.reads)
            .await?
            .into_iter()
            .map(TrustedPublisherRecord::try_from)
            .collect()
    }

    /// Sets the trusted publisher `publisher.name` of the domain `domain_id` (replacing one of
    /// that name).
    pub async fn put_trusted_publisher(&self, domain_id: &str, publisher: &TrustedPublisherRecord) -> Result<()> {
        let model = trusted_publishers::ActiveModel {
            domain_id: Set(domain_id.to_owned()),
            name: Set(publisher.name.clone()),
            issuer: Set(publisher.issuer.clone()),
            jwks_url: Set(publisher.jwks_url.clone()),
            audience: Set(publisher.audience.clone()),
            claims: Set(serde_json::to_string(&publisher.claims).unwrap_or_else(|_| "{}".to_owned())),
            repositories: Set(serde_json::to_string(&publisher.repositories).unwrap_or_else(|_| "[]".to_owned())),
            created_at: Set(publisher.created_at),
        };
        trusted_publishers::Entity::insert(model)
            .on_conflict(
                OnConflict::columns([trusted_publishers::Column::DomainId, trusted_publishers::Column::Name])
                    .update_columns([
                        trusted_publishers::Column::Issuer,
                        trusted_publishers::Column::JwksUrl,
                        trusted_publishers::Column::Audience,
                        trusted_publishers::Column::Claims,
                        trusted_publishers::Column::Repositories,
                        trusted_publishers::Column::CreatedAt,
                    ])
                    .to_owned(),
            )
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// Deletes the trusted publisher `name` of the domain `domain_id`; whether there was one.
    pub async fn delete_trusted_publisher(&self, domain_id: &str, name: &str) -> Result<bool> {
        let deleted = trusted_publishers::Entity::delete_many()
            .filter(trusted_publishers::Column::DomainId.eq(domain_id))
            .filter(trusted_publishers::Column::Name.eq(name))
            .exec(&self.db)
            .await?;
        Ok(deleted.rows_affected > 0)
    }

    /// The policy attached to `target`, if any.
    pub async fn policy(&self, target: PolicyTarget<'_>) -> Result<Option<PolicyRecord>> {
        Ok(permission_policies::Entity::find_by_id(target.id()).one(&self.db).await?.map(PolicyRecord::from))
    }

    /// Sets the policy of `target` to `document`. With `expected_revision`, only if the policy
    /// is at that revision now (else a conflict, and nothing changes); without, whatever it was.
    pub async fn put_policy(
        &self,
        target: PolicyTarget<'_>,
        document: &str,
        expected_revision: Option<&str>,
    ) -> Result<PolicyRecord> {
        let now = Utc::now();
        let revision = new_revision();
        match expected_revision {
            Some(expected) => {
                let updated = permission_policies::Entity::update_many()
                    .col_expr(permission_policies::Column::Document, document.into())
                    .col_expr(permission_policies::Column::Revision, revision.clone().into())
                    .col_expr(permission_policies::Column::UpdatedAt, now.into())
                    .filter(permission_policies::Column::Id.eq(target.id()))
                    .filter(permission_policies::Column::Revision.eq(expected))
                    .exec(&self.db)
                    .await?;
                if updated.rows_affected != 1 {
                    return Err(target.revision_conflict(expected));
                }
            }
            None => {
                let model = permission_policies::ActiveModel {
                    id: Set(target.id().to_owned()),
                    domain_id: Set(target.domain_id.to_owned()),
                    repository_id: Set(target.repository_id.map(str::to_owned)),
                    document: Set(document.to_owned()),
                    revision: Set(revision.clone()),
                    updated_at: Set(now),
                };
                permission_policies::Entity::insert(model)
                    .on_conflict(
                        OnConflict::column(permission_policies::Column::Id)
                            .update_columns([
                                permission_policies::Column::Document,
                                permission_policies::Column::Revision,
                                permission_policies::Column::UpdatedAt,
                            ])
                            .to_owned(),
                    )
                    .exec(&self.db)
                    .await?;
            }
        }
        Ok(PolicyRecord {
            repository_id: target.repository_id.map(str::to_owned),
            document: document.to_owned(),
            revision,
            updated_at: now,
        })
    }

    /// Deletes the policy of `target` (only if at `expected_revision`, when given). Returns the
    /// deleted policy; `None` when there was none.
    pub async fn delete_policy(
        &self,
        target: PolicyTarget<'_>,
        expected_revision: Option<&str>,
    ) -> Result<Option<PolicyRecord>> {
        let Some(current) = self.policy(target).await? else {
            return match expected_revision {
                Some(expected) => Err(target.revision_conflict(expected)),
                None => Ok(None),
            };
        };
        let mut delete =
            permission_policies::Entity::delete_many().filter(permission_policies::Column::Id.eq(target.id()));
        let expected = expected_revision.unwrap_or(&current.revision);
        delete = delete.filter(permission_policies::Column::Revision.eq(expected));
        if delete.exec(&self.db).await?.rows_affected != 1 {
            return Err(target.revision_conflict(expected));
        }
        Ok(Some(current))
    }

    /// Makes the repository `repository_id` of `domain_id` public (anyone may read it without
    /// credentials), or private again.
    pub async fn set_public(&self, domain_id: &str, repository_id: &str, public: bool) -> Result<()> {
        if public {
            let model = public_repositories::ActiveModel {
                repository_id: Set(repository_id.to_owned()),
                domain_id: Set(domain_id.to_owned()),
                made_public_at: Set(Utc::now()),
            };
            public_repositories::Entity::insert(model)
                .on_conflict(OnConflict::column(public_repositories::Column::RepositoryId).do_nothing().to_owned())
                .do_nothing()
                .exec(&self.db)
                .await?;
        } else {
            public_repositories::Entity::delete_by_id(repository_id).exec(&self.db).await?;
        }
        Ok(())
    }

    // ----- tags -----

    /// Replaces the tags of the domain `domain_id`.
    pub async fn set_domain_tags(&self, domain_id: &str, tags: &[crate::Tag]) -> Result<()> {
        crate::entity::domains::Entity::update_many()
            .col_expr(crate::entity::domains::Column::Tags, crate::records::tags_to_json(tags).into())
            .filter(crate::entity::domains::Column::Id.eq(domain_id))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// Replaces the tags of the repository `repository_id`.
    pub async fn set_repository_tags(&self, repository_id: &str, tags: &[crate::Tag]) -> Result<()> {
        crate::entity::repositories::Entity::update_many()
            .col_expr(crate::entity::repositories::Column::Tags, crate::records::tags_to_json(tags).into())
            .filter(crate::entity::repositories::Column::Id.eq(repository_id))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    // ----- principals -----

    /// Every principal, by name.
    pub async fn list_principals(&self) -> Result<Vec<Principal>> {
        let found = principals::Entity::find().order_by_asc(principals::Column::Name).all(&self.reads).await?;
        Ok(found.into_iter().map(Principal::from).collect())
    }

    /// The principal called `name`.
    pub async fn principal_by_name(&self, name: &str) -> Result<Option<Principal>> {
        let found = principals::Entity::find().filter(principals::Column::Name.eq(name)).one(&self.db).await?;
        Ok(found.map(Principal::from))
    }

    /// Gives the principal called `name` a new access key in place of its current one (which
    /// stops working). Returns the principal as it was before, and as it is now.
    pub async fn replace_access_key(
        &self,
        name: &str,
        access_key_id: &str,
        secret_access_key: &str,
    ) -> Result<Option<(Principal, Principal)>> {
        let Some(before) = principals::Entity::find().filter(principals::Column::Name.eq(name)).one(&self.db).await?
        else {
            return Ok(None);
        };
        let mut model: principals::ActiveModel = before.clone().into();
        model.access_key_id = Set(access_key_id.to_owned());
        model.secret_access_key = Set(secret_access_key.to_owned());
        let after = model.update(&self.db).await.map_err(|e| {
            StoreError::conflict_on_unique(e, ResourceType::Domain, name, "the new access key id is taken; retry")
        })?;
        Ok(Some((Principal::from(before), Principal::from(after))))
    }

    /// Deletes the principal called `name`; returns it, or `None` if there was none.
    pub async fn delete_principal(&self, name: &str) -> Result<Option<Principal>> {
        let Some(found) = principals::Entity::find().filter(principals::Column::Name.eq(name)).one(&self.db).await?
        else {
            return Ok(None);
        };
        principals::Entity::delete_by_id(found.id.clone()).exec(&self.db).await?;
        Ok(Some(Principal::from(found)))
    }
}
