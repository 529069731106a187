//! A naive reference model of the graph rules, written independently of the crate: plain maps,
//! recursion, no petgraph.

use std::collections::{BTreeMap, BTreeSet};

use tributary_graph::{GraphError, MAX_DIRECT_UPSTREAMS, MAX_SEARCHED_REPOSITORIES, RepoGraph, RepoNode};

pub type Nodes = BTreeMap<String, RepoNode>;

/// The repositories of a graph, as a map.
pub fn nodes_of(graph: &RepoGraph) -> Nodes {
    graph
        .names()
        .into_iter()
        .map(|name| (name.to_owned(), graph.node(name).cloned().expect("listed name has a node")))
        .collect()
}

/// Depth-first pre-order search following upstream lists, each repository once.
pub fn order(nodes: &Nodes, repo: &str) -> Vec<String> {
    fn visit(nodes: &Nodes, repo: &str, seen: &mut BTreeSet<String>, out: &mut Vec<String>) {
        if !seen.insert(repo.to_owned()) {
            return;
        }
        out.push(repo.to_owned());
        if let Some(node) = nodes.get(repo) {
            for upstream in &node.upstreams {
                if nodes.contains_key(upstream) {
                    visit(nodes, upstream, seen, out);
                }
            }
        }
    }
    let mut out = Vec::new();
    visit(nodes, repo, &mut BTreeSet::new(), &mut out);
    out
}

/// Every repository reachable from `repo` through upstream links, `repo` included.
pub fn reachable(nodes: &Nodes, repo: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::from([repo.to_owned()]);
    let mut todo = vec![repo.to_owned()];
    while let Some(current) = todo.pop() {
        for upstream in nodes.get(&current).map(|node| node.upstreams.as_slice()).unwrap_or_default() {
            if nodes.contains_key(upstream) && seen.insert(upstream.clone()) {
                todo.push(upstream.clone());
            }
        }
    }
    seen
}

/// Whether some repository can reach itself through one or more upstream links.
pub fn has_cycle(nodes: &Nodes) -> bool {
    nodes.iter().any(|(name, node)| {
        node.upstreams.iter().any(|upstream| nodes.contains_key(upstream) && reachable(nodes, upstream).contains(name))
    })
}

/// The error of the checks that need only the node and the set of names, in their documented
/// order.
pub fn local_error(nodes: &Nodes, repo: &str, node: &RepoNode) -> Option<GraphError> {
    let repository = repo.to_owned();
    if node.upstreams.iter().any(|upstream| upstream == repo) {
        return Some(GraphError::SelfUpstream { repository });
    }
    for (i, upstream) in node.upstreams.iter().enumerate() {
        if node.upstreams[..i].contains(upstream) {
            return Some(GraphError::DuplicateUpstream { repository, upstream: upstream.clone() });
        }
    }
    if node.upstreams.len() > MAX_DIRECT_UPSTREAMS {
        return Some(GraphError::TooManyUpstreams { repository, count: node.upstreams.len() });
    }
    if let Some(name) = node.upstreams.iter().find(|upstream| !nodes.contains_key(*upstream)) {
        return Some(GraphError::UnknownUpstream { repository, name: name.clone() });
    }
    match (&node.external_connection, node.upstreams.is_empty()) {
        (Some(connection), false) => {
            Some(GraphError::UpstreamsAndExternalConnection { repository, external_connection: connection.clone() })
        }
        _ => None,
    }
}

/// The repositories whose search order exceeds the limit.
pub fn too_large(nodes: &Nodes) -> BTreeSet<String> {
    nodes.keys().filter(|name| order(nodes, name).len() > MAX_SEARCHED_REPOSITORIES).cloned().collect()
}
