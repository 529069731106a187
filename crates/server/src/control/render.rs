//! JSON shapes of the CodeArtifact API model: `DomainDescription`, `RepositoryDescription`, ...
//! Timestamps are epoch seconds, as rest-json sends them.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use tributary_engine::Settings;
use tributary_graph::SearchStep;
use tributary_model::{ExternalConnection, KNOWN_EXTERNAL_CONNECTIONS};
use tributary_store::{Domain, Repository};

/// Epoch seconds with milliseconds.
pub(crate) fn timestamp(t: DateTime<Utc>) -> f64 {
    t.timestamp_millis() as f64 / 1000.0
}

fn domain_arn(settings: &Settings, name: &str) -> String {
    format!("arn:aws:codeartifact:{}:{}:domain/{name}", settings.region, settings.owner)
}

fn repository_arn(settings: &Settings, domain: &str, name: &str) -> String {
    format!("arn:aws:codeartifact:{}:{}:repository/{domain}/{name}", settings.region, settings.owner)
}

/// `DomainDescription`.
pub(crate) fn domain(d: &Domain, settings: &Settings) -> Value {
    let mut v = json!({
        "name": d.name,
        "owner": d.owner,
        "arn": domain_arn(settings, &d.name),
        "status": "Active",
        "createdTime": timestamp(d.created_at),
        "repositoryCount": d.repository_count,
        "assetSizeBytes": 0,
    });
    if let Some(key) = &d.encryption_key {
        v["encryptionKey"] = key.clone().into();
    }
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

/// `RepositoryDescription`.
pub(crate) fn repository(r: &Repository, settings: &Settings) -> Value {
    let connections: Vec<Value> = r
        .external_connection
        .iter()
        .map(|name| {
            json!({
                "externalConnectionName": name,
                "packageFormat": ExternalConnection::find(name).map(|c| c.format.as_str()),
                "status": "Available",
            })
        })
        .collect();
    let mut v = json!({
        "name": r.name,
        "administratorAccount": r.domain_owner,
        "domainName": r.domain_name,
        "domainOwner": r.domain_owner,
        "arn": repository_arn(settings, &r.domain_name, &r.name),
        "upstreams": r.upstreams.iter().map(|u| json!({ "repositoryName": u })).collect::<Vec<_>>(),
        "externalConnections": connections,
        "createdTime": timestamp(r.created_at),
    });
    if let Some(description) = &r.description {
        v["description"] = description.clone().into();
    }
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
        .map(|s| match &s.external_connection {
            Some(c) => json!({ "repositoryName": s.repository, "externalConnectionName": c }),
            None => json!({ "repositoryName": s.repository }),
        })
        .collect();
    json!({ "searchOrder": steps })
}

/// The external-connections extension: every known connection with its format, URL and health.
pub(crate) fn external_connections(service: &tributary_engine::Service) -> Value {
    let health = service.connection_health();
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
                    "lastErrorMessage": h.last_error.map(|(_, m)| m),
                },
            })
        })
        .collect();
    json!({ "externalConnections": list })
}
