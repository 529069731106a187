//! A small text form for graphs, so tests are data.
//!
//! `"my_repo: A B; A: C D; npm = public:npmjs"`: entries separated by `;`, `name: upstreams…` for
//! upstreams in order, `name = connection` for a gateway, a bare `name` for a repository without
//! either; `name@view` among upstreams names a view. Upstream names that are not declared become
//! repositories without upstreams.

use tributary_graph::{RepoGraph, RepoNode, upstream_parts};

/// The repositories of a spec, in declaration order.
pub fn repos(spec: &str) -> Vec<(String, RepoNode)> {
    let mut repos: Vec<(String, RepoNode)> = Vec::new();
    for entry in spec.split(';').map(str::trim).filter(|entry| !entry.is_empty()) {
        let (name, node) = if let Some((name, connection)) = entry.split_once('=') {
            let node = RepoNode { upstreams: Vec::new(), external_connection: Some(connection.trim().to_owned()) };
            (name.trim(), node)
        } else if let Some((name, upstreams)) = entry.split_once(':') {
            (name.trim(), upstream_node(&upstreams.split_whitespace().collect::<Vec<_>>()))
        } else {
            (entry, RepoNode::default())
        };
        match repos.iter_mut().find(|(existing, _)| existing == name) {
            Some((_, existing)) => *existing = node,
            None => repos.push((name.to_owned(), node)),
        }
    }
    let mentioned: Vec<String> = repos
        .iter()
        .flat_map(|(_, node)| node.upstreams.iter().map(|upstream| upstream_parts(upstream).0.to_owned()))
        .collect();
    for name in mentioned {
        if !repos.iter().any(|(existing, _)| *existing == name) {
            repos.push((name, RepoNode::default()));
        }
    }
    repos
}

/// The graph of a spec.
pub fn graph(spec: &str) -> RepoGraph {
    RepoGraph::new(repos(spec))
}

/// A node with these upstreams and no external connection.
pub fn upstream_node(upstreams: &[&str]) -> RepoNode {
    RepoNode { upstreams: upstreams.iter().map(|name| (*name).to_owned()).collect(), external_connection: None }
}

/// A linear chain `prefix01: prefix02; …; prefix{n}` (the last without upstreams).
pub fn chain(prefix: &str, n: usize) -> String {
    (1..=n)
        .map(|i| if i < n { format!("{prefix}{i:02}: {prefix}{:02}", i + 1) } else { format!("{prefix}{i:02}") })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The search order of `repo` as text: `a b@release npm(public:npmjs)`; `-` if `repo` is unknown.
pub fn order(graph: &RepoGraph, repo: &str) -> String {
    match graph.search_order(repo) {
        None => "-".to_owned(),
        Some(steps) => steps
            .iter()
            .map(|step| match (&step.external_connection, &step.view) {
                (Some(connection), _) => format!("{}({connection})", step.repository),
                (None, Some(view)) => format!("{}@{view}", step.repository),
                (None, None) => step.repository.clone(),
            })
            .collect::<Vec<_>>()
            .join(" "),
    }
}
