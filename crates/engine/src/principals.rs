//! Principals: the users and machine identities that hold access keys (a Tributary extension of
//! the API; docs/ARCHITECTURE.md, "Who may call what"). Only administrators manage them; the
//! secret access key is returned once, when it is made.

use chrono::{DateTime, Utc};
use tributary_model::{ErrorKind, ResourceType, ServiceError};
use tributary_store::{NewPrincipal, Principal};

use crate::caches::PrincipalKey;
use crate::{Caller, Service};

/// A principal as the API shows it (never its secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrincipalInfo {
    /// Its name.
    pub name: String,
    /// Its ARN, as policies name it.
    pub arn: String,
    /// Its access key id.
    pub access_key_id: String,
    /// Whether it is an administrator.
    pub is_admin: bool,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

/// A new access key: the principal and the secret, shown this once.
#[derive(Debug, Clone)]
pub struct IssuedKey {
    /// The principal.
    pub principal: PrincipalInfo,
    /// The secret access key.
    pub secret_access_key: String,
}

/// Checks a principal name: 1 to 64 characters of `A-Z a-z 0-9 + = , . @ _ -` (IAM's user names).
pub fn check_principal_name(name: &str) -> Result<(), ServiceError> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c);
    if name.is_empty() || name.len() > 64 || !name.chars().all(allowed) {
        return Err(ServiceError::validation(format!(
            "principal name `{name}` is not valid: use 1 to 64 characters of letters, digits and `+=,.@_-`"
        )));
    }
    Ok(())
}

fn not_found(name: &str) -> ServiceError {
    ServiceError::new(
        ErrorKind::NotFound,
        format!("there is no principal `{name}`; `tributary principal list` lists them"),
    )
    .with_resource(ResourceType::Domain, name)
}

impl Service {
    fn info(&self, principal: &Principal) -> PrincipalInfo {
        PrincipalInfo {
            name: principal.name.clone(),
            arn: crate::access::principal_arn(&self.settings, &principal.name),
            access_key_id: principal.access_key_id.clone(),
            is_admin: principal.is_admin,
            created_at: principal.created_at,
        }
    }

    /// Creates a principal with a new access key.
    pub async fn create_principal(&self, caller: &Caller, name: &str, admin: bool) -> Result<IssuedKey, ServiceError> {
        caller.check_access_keys("CreatePrincipal")?;
        check_principal_name(name)?;
        let secret_access_key = tributary_auth::generate_secret_access_key();
        let created = self
            .store
            .create_principal(NewPrincipal {
                name: name.to_owned(),
                access_key_id: tributary_auth::generate_access_key_id(),
                secret_access_key: secret_access_key.clone(),
                is_admin: admin,
            })
            .await?;
        Ok(IssuedKey { principal: self.info(&created), secret_access_key })
    }

    /// Every principal, by name.
    pub async fn list_principals(&self, caller: &Caller) -> Result<Vec<PrincipalInfo>, ServiceError> {
        caller.check_access_keys("ListPrincipals")?;
        Ok(self.store.list_principals().await?.iter().map(|p| self.info(p)).collect())
    }

    /// Gives a principal a new access key; the old one stops working at once (on this server;
    /// other replicas within a minute, docs/ARCHITECTURE.md).
    pub async fn rotate_access_key(&self, caller: &Caller, name: &str) -> Result<IssuedKey, ServiceError> {
        caller.check_access_keys("RotateAccessKey")?;
        let secret_access_key = tributary_auth::generate_secret_access_key();
        let access_key_id = tributary_auth::generate_access_key_id();
        let (before, after) = self
            .store
            .replace_access_key(name, &access_key_id, &secret_access_key)
            .await?
            .ok_or_else(|| not_found(name))?;
        self.caches.principals.invalidate(&PrincipalKey::AccessKey(before.access_key_id)).await;
        self.caches.principals.invalidate(&PrincipalKey::Id(before.id)).await;
        self.caches.outbox.send(crate::fleet::Invalidation::Principals);
        Ok(IssuedKey { principal: self.info(&after), secret_access_key })
    }

    /// Deletes a principal: its access key and every token it holds stop working. The caller
    /// cannot delete itself (nor so the last administrator).
    pub async fn delete_principal(&self, caller: &Caller, name: &str) -> Result<PrincipalInfo, ServiceError> {
        caller.check_access_keys("DeletePrincipal")?;
        if name == caller.name {
            return Err(ServiceError::new(
                ErrorKind::Conflict,
                "a principal cannot delete itself; ask another administrator",
            )
            .with_resource(ResourceType::Domain, name));
        }
        let deleted = self.store.delete_principal(name).await?.ok_or_else(|| not_found(name))?;
        self.caches.principals.invalidate(&PrincipalKey::AccessKey(deleted.access_key_id.clone())).await;
        self.caches.principals.invalidate(&PrincipalKey::Id(deleted.id.clone())).await;
        self.caches.outbox.send(crate::fleet::Invalidation::Principals);
        Ok(self.info(&deleted))
    }
}
