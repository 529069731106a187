//! JSON shapes of the CodeArtifact API model: `DomainDescription`, `RepositoryDescription`, ...
//! Timestamps are epoch seconds, as rest-json sends them.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use tributary_engine::SearchStep;
use tributary_engine::Settings;
use tributary_engine::VersionList;
use tributary_model::KNOWN_EXTERNAL_CONNECTIONS;
use tributary_model::records::{Domain, PackageRecord, Repository, StatusOutcome, VersionRecord};

/// Epoch seconds with milliseconds.
pub(crate) fn timestamp(t: DateTime<Utc>) -> f64 {
    t.timestamp_millis() as f64 / 1000.0
}

use tributary_engine::access::{domain_arn, repository_arn};

/// `value` without the members that are `null`, at every depth: the API omits an absent
/// optional member (a strict client, or one that validates against the model, refuses `null`).
pub(crate) fn without_nulls(value: Value) -> Value {
    match value {
        Value::Object(members) => Value::Object(
            members.into_iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| (k, without_nulls(v))).collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(without_nulls).collect()),
        other => other,
    }
}

/// `ResourcePolicy`, in its envelope.
pub(crate) fn policy(p: &tributary_engine::ResourcePolicy) -> Value {
    json!({ "policy": { "resourceArn": p.resource_arn, "revision": p.revision, "document": p.document } })
}

/// `PackageGroupDescription` of the group `pattern` (which `groups` holds) of `domain`: its
/// origin rules as set, as they apply, and where they are inherited from.
pub(crate) fn package_group(
    domain: &Domain,
    groups: &tributary_engine::PackageGroups,
    pattern: &tributary_model::package_group::PackageGroupPattern,
    settings: &Settings,
) -> Value {
    use tributary_model::package_group::OriginRule;
    let arn = |p: &tributary_model::package_group::PackageGroupPattern| {
        format!("arn:aws:codeartifact:{}:{}:package-group/{}{p}", settings.region, settings.owner, domain.name)
    };
    let reference =
        |g: &tributary_engine::PackageGroup| json!({ "arn": arn(&g.pattern), "pattern": g.pattern.to_string() });
    let Some(group) = groups.get(pattern) else {
        return json!({ "pattern": pattern.to_string(), "arn": arn(pattern) });
    };
    let mut restrictions = serde_json::Map::new();
    for rule in OriginRule::ALL {
        let state = groups.rule(group, rule);
        let mut restriction = json!({
            "mode": state.mode.as_str(),
            "effectiveMode": state.effective.as_str(),
            "repositoriesCount": state.deciding.allowed(rule).len(),
        });
        if let Some(from) = state.inherited_from {
            restriction["inheritedFrom"] = reference(from);
        }
        restrictions.insert(rule.as_str().to_owned(), restriction);
    }
    let created =
        if group.record.created_at == DateTime::UNIX_EPOCH { domain.created_at } else { group.record.created_at };
    let mut v = json!({
        "arn": arn(pattern),
        "pattern": pattern.to_string(),
        "domainName": domain.name,
        "domainOwner": domain.owner,
        "createdTime": timestamp(created),
        "contactInfo": group.record.contact_info,
        "description": group.record.description,
        "originConfiguration": { "restrictions": restrictions },
    });
    if let Some(parent) = groups.parent_of(pattern) {
        v["parent"] = reference(parent);
    }
    v
}

/// The views a version is in (Tributary extension): `@local` always, and those it was promoted
/// into.
pub(crate) fn version_views(
    p: &PackageRecord,
    v: &VersionRecord,
    views: &[tributary_model::view::RepositoryView],
) -> Value {
    let mut out = version_header(p, v);
    let mut names = vec!["local"];
    names.extend(views.iter().map(|view| view.as_str()));
    out["views"] = names.into();
    out
}

/// A repository's cleanup policy (Tributary extension): `{}` without one.
pub(crate) fn cleanup_policy(policy: Option<&tributary_engine::CleanupPolicy>) -> Value {
    match policy {
        None => json!({}),
        Some(p) => json!({ "cleanupPolicy": {
            "unusedDays": p.unused_days,
            "keepNewest": p.keep_newest,
            "includePublished": p.include_published,
        } }),
    }
}

/// What a cleanup disposed, or would (Tributary extension).
pub(crate) fn cleanup(chosen: &[tributary_engine::CleanupCandidate], dry_run: bool) -> Value {
    let versions: Vec<Value> = chosen
        .iter()
        .map(|c| {
            json!({
                "format": c.coordinates.format.as_str(),
                "namespace": Some(c.coordinates.namespace.as_str()).filter(|n| !n.is_empty()),
                "package": c.coordinates.name,
                "version": c.version,
                "status": c.status,
                "originType": c.origin_type,
                "lastUsedTime": timestamp(c.last_used_at),
            })
        })
        .collect();
    json!({ "dryRun": dry_run, "versions": versions })
}

/// A gateway's changes follower (Tributary extension).
pub(crate) fn changes_follower(f: &tributary_engine::ChangesFollower) -> Value {
    json!({
        "mode": f.mode,
        "paused": f.paused,
        "changesUrl": f.changes_url,
        "externalConnection": (!f.connection.is_empty()).then_some(&f.connection),
        "since": f.since,
        "lastError": f.last_error,
        "updatedTime": timestamp(f.updated_at),
    })
}

/// An external connection made in a domain (Tributary extension): never its credentials.
pub(crate) fn custom_connection(c: &tributary_engine::ConnectionInfo) -> Value {
    json!({
        "name": c.name,
        "packageFormat": c.format.as_str(),
        "url": c.url,
        "changesUrl": c.changes_url,
        "hasCredentials": c.has_credentials,
        "createdTime": timestamp(c.created_at),
    })
}

/// A scope bound to an external connection (Tributary extension).
pub(crate) fn scope_binding(b: &tributary_engine::ScopeBinding) -> Value {
    json!({
        "scope": b.scope,
        "externalConnection": b.connection,
        "packageFormat": b.format,
        "createdTime": timestamp(b.created_at),
    })
}

/// A token (Tributary extension): never its value.
pub(crate) fn token(t: &tributary_engine::TokenRecord) -> Value {
    json!({
        "id": t.id,
        "kind": t.kind,
        "name": t.name,
        "readOnly": t.read_only,
        "createdTime": timestamp(t.created_at),
        "expirationTime": timestamp(t.expires_at),
        "revokedTime": t.revoked_at.map(timestamp),
    })
}

/// A trusted publisher (Tributary extension).
pub(crate) fn trusted_publisher(p: &tributary_engine::TrustedPublisherRecord) -> Value {
    json!({
        "name": p.name,
        "issuer": p.issuer,
        "jwksUrl": p.jwks_url,
        "audience": p.audience,
        "claims": p.claims,
        "repositories": p.repositories,
        "createdTime": timestamp(p.created_at),
    })
}

/// A principal (Tributary extension): never its secret.
pub(crate) fn principal(p: &tributary_engine::PrincipalInfo) -> Value {
    json!({
        "name": p.name,
        "arn": p.arn,
        "accessKeyId": p.access_key_id,
        "admin": p.is_admin,
        "createdTime": timestamp(p.created_at),
    })
}

/// A new access key: the principal, and its secret, shown this once.
pub(crate) fn issued_key(k: &tributary_engine::IssuedKey) -> Value {
    json!({ "principal": principal(&k.principal), "secretAccessKey": k.secret_access_key })
}

/// `DomainDescription`: the summary plus counts, and the bytes its blobs take.
pub(crate) fn domain(d: &Domain, settings: &Settings, asset_size_bytes: u64) -> Value {
    let mut v = domain_summary(d, settings);
    v["repositoryCount"] = d.repository_count.into();
    v["assetSizeBytes"] = asset_size_bytes.into();
    v
}

/// `DomainSummary`.
pub(crate) fn domain_summary(d: &Domain, settings: &Settings) -> Value {
    let mut v = json!({
        "name": d.name,
        "owner": d.owner,
        "arn": domain_arn(settings, &d.name),
        "status": "Active",
        "createdTime": timestamp(d.created_at),
    });
    if let Some(key) = &d.encryption_key {
        v["encryptionKey"] = key.clone().into();
    }
    v
}

/// `RepositoryDescription`: the summary plus upstreams and external connections.
pub(crate) fn repository(r: &Repository, settings: &Settings) -> Value {
    let connections: Vec<Value> = r
        .external_connection
        .iter()
        .map(|name| {
            json!({
                "externalConnectionName": name,
                "packageFormat": tributary_model::connection_format(name).map(|f| f.as_str()),
                "status": "Available",
            })
        })
        .collect();
    let mut v = repository_summary(r, settings);
    v["upstreams"] = r.upstreams.iter().map(|u| json!({ "repositoryName": u })).collect::<Vec<_>>().into();
    v["externalConnections"] = connections.into();
    v
}

/// `RepositorySummary`.
pub(crate) fn repository_summary(r: &Repository, settings: &Settings) -> Value {
    let mut v = json!({
        "name": r.name,
        "administratorAccount": r.domain_owner,
        "domainName": r.domain_name,
        "domainOwner": r.domain_owner,
        "arn": repository_arn(settings, &r.domain_name, &r.name),
        "createdTime": timestamp(r.created_at),
    });
    if let Some(description) = &r.description {
        v["description"] = description.clone().into();
    }
    v
}

/// A page: `{key: items, nextToken?}`.
pub(crate) fn page(key: &str, items: Vec<Value>, next_token: Option<String>) -> Value {
    let mut v = json!({ key: items });
    if let Some(token) = next_token {
        v["nextToken"] = token.into();
    }
    v
}

/// The search-order extension.
pub(crate) fn search_order(steps: &[SearchStep]) -> Value {
    let steps: Vec<Value> = steps
        .iter()
        .map(|s| match (&s.external_connection, &s.view) {
            (Some(c), _) => json!({ "repositoryName": s.repository, "externalConnectionName": c }),
            (None, Some(view)) => json!({ "repositoryName": s.repository, "view": view }),
            (None, None) => json!({ "repositoryName": s.repository }),
        })
        .collect();
    json!({ "searchOrder": steps })
}

/// The external-connections extension: every known connection with its format, URL (never
/// with the credentials a mirror URL may carry) and health. Only an administrator sees the last
/// error's message (it names the packages other domains asked for), and only through access
/// keys: a token is for one domain, whoever it belongs to.
pub(crate) fn external_connections(service: &tributary_engine::Service, caller: &tributary_engine::Caller) -> Value {
    let health = service.connection_health();
    let sees_messages = caller.is_admin && caller.domain_scope.is_none();
    let list: Vec<Value> = KNOWN_EXTERNAL_CONNECTIONS
        .iter()
        .map(|c| {
            let h = health.get(c.name).cloned().unwrap_or_default();
            json!({
                "externalConnectionName": c.name,
                "packageFormat": c.format.as_str(),
                "url": service.connection_url(c.name),
                "status": "Available",
                "health": {
                    "lastSuccess": h.last_success.map(timestamp),
                    "lastError": h.last_error.as_ref().map(|(at, _)| timestamp(*at)),
                    "lastErrorMessage": h.last_error.filter(|_| sees_messages).map(|(_, m)| m),
                },
            })
        })
        .collect();
    json!({ "externalConnections": list })
}

/// `PackageOriginConfiguration`.
pub(crate) fn origin_configuration(p: &PackageRecord) -> Value {
    json!({ "restrictions": {
        "publish": p.restrictions.publish.as_str(),
        "upstream": p.restrictions.upstream.as_str(),
    } })
}

fn namespace(p: &PackageRecord) -> Option<&str> {
    Some(p.coordinates.namespace.as_str()).filter(|n| !n.is_empty())
}

/// `PackageSummary`.
pub(crate) fn package_summary(p: &PackageRecord) -> Value {
    json!({
        "format": p.coordinates.format.as_str(),
        "namespace": namespace(p),
        "package": p.coordinates.name,
        "originConfiguration": origin_configuration(p),
    })
}

/// `PackageDescription`.
pub(crate) fn package_description(p: &PackageRecord) -> Value {
    json!({
        "format": p.coordinates.format.as_str(),
        "namespace": namespace(p),
        "name": p.coordinates.name,
        "originConfiguration": origin_configuration(p),
    })
}

fn origin(v: &VersionRecord) -> Value {
    let entry = match (&v.origin.external_connection, &v.origin.repository) {
        (Some(c), Some(r)) => json!({ "repositoryName": r, "externalConnectionName": c }),
        (Some(c), None) => json!({ "externalConnectionName": c }),
        (None, Some(r)) => json!({ "repositoryName": r }),
        (None, None) => json!({}),
    };
    json!({ "domainEntryPoint": entry, "originType": v.origin.origin_type.as_str() })
}

/// `ListPackageVersionsResult`.
pub(crate) fn version_list(list: &VersionList) -> Value {
    let p = &list.package;
    let versions: Vec<Value> = list
        .page
        .items
        .iter()
        .map(|v| json!({ "version": v.version, "revision": v.revision, "status": v.status.as_str(), "origin": origin(v) }))
        .collect();
    let mut out = json!({
        "defaultDisplayVersion": list.default_display_version,
        "format": p.coordinates.format.as_str(),
        "namespace": namespace(p),
        "package": p.coordinates.name,
        "versions": versions,
    });
    if let Some(token) = &list.page.next_token {
        out["nextToken"] = token.clone().into();
    }
    out
}

/// `PackageVersionDescription`.
pub(crate) fn version_description(p: &PackageRecord, v: &VersionRecord) -> Value {
    json!({
        "format": p.coordinates.format.as_str(),
        "namespace": namespace(p),
        "packageName": p.coordinates.name,
        "displayName": p.display_name,
        "version": v.version,
        "summary": v.metadata.summary,
        "homePage": v.metadata.home_page,
        "sourceCodeRepository": v.metadata.source_code_repository,
        "publishedTime": timestamp(v.published_at),
        "licenses": v.metadata.licenses.iter().map(|l| json!({ "name": l.name, "url": l.url })).collect::<Vec<_>>(),
        "revision": v.revision,
        "status": v.status.as_str(),
        "origin": origin(v),
    })
}

fn version_header(p: &PackageRecord, v: &VersionRecord) -> Value {
    json!({
        "format": p.coordinates.format.as_str(),
        "namespace": namespace(p),
        "package": p.coordinates.name,
        "version": v.version,
        "versionRevision": v.revision,
    })
}

/// `ListPackageVersionAssetsResult`.
pub(crate) fn version_assets(p: &PackageRecord, v: &VersionRecord) -> Value {
    let mut out = version_header(p, v);
    out["assets"] = v
        .assets
        .iter()
        .map(|a| {
            json!({
                "name": a.name,
                "size": a.size,
                "hashes": {
                    "MD5": a.md5.to_hex(),
                    "SHA-1": a.sha1.to_hex(),
                    "SHA-256": a.sha256.to_hex(),
                    "SHA-512": a.sha512.to_hex(),
                },
            })
        })
        .collect::<Vec<_>>()
        .into();
    out
}

/// `PublishPackageVersionResult`.
pub(crate) fn published_version(
    address: &tributary_engine::PackageAddress,
    v: &VersionRecord,
    asset: &tributary_model::records::AssetRecord,
) -> Value {
    json!({
        "format": address.coordinates.format.as_str(),
        "namespace": address.coordinates.namespace,
        "package": address.coordinates.name,
        "version": v.version,
        "versionRevision": v.revision,
        "status": v.status.as_str(),
        "asset": {
            "name": asset.name,
            "size": asset.size,
            "hashes": {
                "MD5": asset.md5.to_hex(),
                "SHA-1": asset.sha1.to_hex(),
                "SHA-256": asset.sha256.to_hex(),
                "SHA-512": asset.sha512.to_hex(),
            },
        },
    })
}

/// `GetPackageVersionReadmeResult`.
pub(crate) fn version_readme(p: &PackageRecord, v: &VersionRecord) -> Value {
    let mut out = version_header(p, v);
    out["readme"] = v.metadata.readme.clone().unwrap_or_default().into();
    out
}

/// `ListPackageVersionDependenciesResult`.
pub(crate) fn version_dependencies(p: &PackageRecord, v: &VersionRecord) -> Value {
    let mut out = version_header(p, v);
    out["dependencies"] = v
        .metadata
        .dependencies
        .iter()
        .map(|d| {
            json!({
                "namespace": Some(d.namespace.as_str()).filter(|n| !n.is_empty()),
                "package": d.package,
                "dependencyType": d.dependency_type,
                "versionRequirement": d.version_requirement,
            })
        })
        .collect::<Vec<_>>()
        .into();
    out
}

/// `successfulVersions` / `failedVersions`.
pub(crate) fn status_outcomes(outcomes: &std::collections::BTreeMap<String, StatusOutcome>) -> Value {
    let mut ok = serde_json::Map::new();
    let mut failed = serde_json::Map::new();
    for (version, outcome) in outcomes {
        match outcome {
            StatusOutcome::Done { revision, status } => {
                ok.insert(version.clone(), json!({ "revision": revision, "status": status.as_str() }));
            }
            StatusOutcome::Failed { code, message } => {
                failed.insert(version.clone(), json!({ "errorCode": code, "errorMessage": message }));
            }
        }
    }
    json!({ "successfulVersions": ok, "failedVersions": failed })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absent_members_are_omitted_at_every_depth() {
        let rendered = without_nulls(json!({
            "namespace": null,
            "package": "p",
            "versions": [{ "origin": { "repositoryName": null, "externalConnectionName": "c" }, "summary": null }],
            "empty": {},
        }));
        assert_eq!(
            rendered,
            json!({ "package": "p", "versions": [{ "origin": { "externalConnectionName": "c" } }], "empty": {} })
        );
    }
}
