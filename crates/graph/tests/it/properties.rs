//! Properties on random graphs, checked against the naive model in `reference`.

use std::collections::BTreeSet;

use proptest::prelude::*;
use proptest::sample::Index;
use tributary_graph::{GraphError, MAX_SEARCHED_REPOSITORIES, RepoGraph, RepoNode};

use crate::reference::{self, Nodes, has_cycle, local_error, nodes_of, reachable, too_large};

const CONNECTION: &str = "public:npmjs";

/// A random DAG: repository `rNN` lists upstreams among the repositories before it, in random
/// order; some repositories without upstreams are gateways.
fn dag() -> impl Strategy<Value = Nodes> {
    let repo = (prop::collection::vec(any::<Index>(), 0..5), prop::bool::weighted(0.2));
    prop::collection::vec(repo, 1..30).prop_map(|repos| {
        let mut nodes = Nodes::new();
        for (i, (picks, gateway)) in repos.into_iter().enumerate() {
            let mut upstreams: Vec<String> = Vec::new();
            for pick in picks.iter().filter(|_| i > 0) {
                let upstream = format!("r{:02}", pick.index(i));
                if !upstreams.contains(&upstream) {
                    upstreams.push(upstream);
                }
            }
            let external_connection = (gateway && upstreams.is_empty()).then(|| CONNECTION.to_owned());
            nodes.insert(format!("r{i:02}"), RepoNode { upstreams, external_connection });
        }
        nodes
    })
}

/// One random change: an existing repository (or a new one), upstreams picked among the existing
/// repositories (so self links and repeats happen), sometimes a stranger or a connection. A new
/// repository often lists the newest one first, so chains grow long enough to meet the limit.
#[derive(Debug, Clone)]
struct Op {
    target: Option<Index>,
    follow_newest: bool,
    upstreams: Vec<Index>,
    /// Keep self links and repeats among the picks (otherwise dropped, so the graph grows).
    raw: bool,
    stranger: bool,
    gateway: bool,
}

fn op() -> impl Strategy<Value = Op> {
    let upstreams = prop_oneof![6 => prop::collection::vec(any::<Index>(), 1..4), 1 => prop::collection::vec(any::<Index>(), 0..13)];
    let target = prop::option::weighted(0.4, any::<Index>());
    let flags =
        (prop::bool::weighted(0.5), prop::bool::weighted(0.1), prop::bool::weighted(0.03), prop::bool::weighted(0.1));
    (target, upstreams, flags).prop_map(|(target, upstreams, (follow_newest, raw, stranger, gateway))| Op {
        target,
        follow_newest,
        upstreams,
        raw,
        stranger,
        gateway,
    })
}

/// The repository and node an op asks for, given the current repositories (new ones are named
/// `nNNN` by op number, so the newest sorts last).
fn apply(op: &Op, nodes: &Nodes, fresh: usize) -> (String, RepoNode) {
    let names: Vec<&String> = nodes.keys().collect();
    let pick = |index: &Index| names[index.index(names.len())].clone();
    let (repo, newest) = match &op.target {
        Some(index) if !names.is_empty() => (pick(index), None),
        _ => (format!("n{fresh:03}"), names.last().filter(|_| op.follow_newest)),
    };
    let picked = op.upstreams.iter().filter(|_| !names.is_empty()).map(pick);
    let mut upstreams: Vec<String> = Vec::new();
    for upstream in newest.map(|name| (*name).clone()).into_iter().chain(picked) {
        if op.raw || (upstream != repo && !upstreams.contains(&upstream)) {
            upstreams.push(upstream);
        }
    }
    if op.stranger {
        upstreams.push("stranger".to_owned());
    }
    let external_connection = op.gateway.then(|| CONNECTION.to_owned());
    (repo, RepoNode { upstreams, external_connection })
}

/// A reported cycle starts and ends at `repo` and follows upstream links of `nodes`.
fn is_cycle_of(path: &[String], repo: &str, nodes: &Nodes) -> bool {
    path.len() >= 3
        && path.first().is_some_and(|first| first == repo)
        && path.last().is_some_and(|last| last == repo)
        && path.windows(2).all(|pair| nodes.get(&pair[0]).is_some_and(|node| node.upstreams.contains(&pair[1])))
}

proptest! {
    #[test]
    fn search_order_on_random_dags(nodes in dag()) {
        let graph = RepoGraph::new(nodes.clone());
        for (repo, node) in &nodes {
            let steps = graph.search_order(repo).expect("known repository");
            let order: Vec<String> = steps.iter().map(|step| step.repository.clone()).collect();
            prop_assert_eq!(&order[0], repo);
            let distinct: BTreeSet<String> = order.iter().cloned().collect();
            prop_assert_eq!(distinct.len(), order.len(), "no repository twice in {:?}", order);
            prop_assert_eq!(&distinct, &reachable(&nodes, repo));
            for (k, name) in order.iter().enumerate().skip(1) {
                prop_assert!(
                    order[..k].iter().any(|earlier| nodes[earlier].upstreams.contains(name)),
                    "`{}` at {} of {:?} comes after none of its downstreams", name, k, order
                );
            }
            prop_assert_eq!(&order, &reference::order(&nodes, repo));
            for step in &steps {
                prop_assert_eq!(&step.external_connection, &nodes[&step.repository].external_connection);
            }
            prop_assert_eq!(graph.node(repo), Some(node));

            let direct: Vec<String> =
                nodes.iter().filter(|(_, other)| other.upstreams.contains(repo)).map(|(name, _)| name.clone()).collect();
            prop_assert_eq!(graph.direct_downstreams(repo), direct);
            let all: Vec<String> =
                nodes.keys().filter(|other| *other != repo && reachable(&nodes, other).contains(repo)).cloned().collect();
            prop_assert_eq!(graph.all_downstreams(repo), all);
        }
    }

    #[test]
    fn with_change_never_accepts_a_cycle(
        nodes in dag(),
        target in any::<Index>(),
        picks in prop::collection::vec(any::<Index>(), 0..5),
    ) {
        let graph = RepoGraph::new(nodes.clone());
        let names: Vec<&String> = nodes.keys().collect();
        let repo = names[target.index(names.len())].clone();
        let upstreams: Vec<String> = picks.iter().map(|pick| names[pick.index(names.len())].clone()).collect();
        let node = RepoNode { upstreams, external_connection: None };
        let mut proposed = nodes.clone();
        proposed.insert(repo.clone(), node.clone());

        let result = graph.with_change(&repo, node.clone());
        if let Ok(changed) = &result {
            prop_assert!(!has_cycle(&nodes_of(changed)), "accepted a cycle: {:?}", nodes_of(changed));
            prop_assert_eq!(nodes_of(changed), proposed.clone());
        }
        if local_error(&nodes, &repo, &node).is_none() {
            let refused_as_cycle = matches!(&result, Err(GraphError::Cycle { .. }));
            prop_assert_eq!(refused_as_cycle, has_cycle(&proposed), "result {:?}", result);
        }
        if let Err(GraphError::Cycle { path }) = &result {
            prop_assert!(is_cycle_of(path, &repo, &proposed), "bad cycle {:?}", path);
        }
    }
}

proptest! {
    // Each case applies up to 100 changes, each checked against the reference: fewer cases.
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn changes_from_empty_follow_the_reference_model(ops in prop::collection::vec(op(), 1..100)) {
        let mut graph = RepoGraph::default();
        let mut nodes = Nodes::new();
        for (fresh, op) in ops.iter().enumerate() {
            let (repo, node) = apply(op, &nodes, fresh);
            let mut proposed = nodes.clone();
            proposed.insert(repo.clone(), node.clone());
            let result = graph.with_change(&repo, node.clone());

            if let Ok(changed) = &result {
                let after = nodes_of(changed);
                prop_assert!(!has_cycle(&after), "accepted a cycle");
                for name in after.keys() {
                    let len = changed.search_order(name).map_or(0, |order| order.len());
                    prop_assert!(len <= MAX_SEARCHED_REPOSITORIES, "accepted a search of {} for `{}`", len, name);
                }
            }

            if let Some(expected) = local_error(&nodes, &repo, &node) {
                prop_assert_eq!(result.err(), Some(expected));
            } else if has_cycle(&proposed) {
                match &result {
                    Err(GraphError::Cycle { path }) => prop_assert!(is_cycle_of(path, &repo, &proposed), "bad cycle {:?}", path),
                    other => prop_assert!(false, "expected a cycle, got {:?}", other),
                }
            } else if let Some(first) = too_large(&proposed).into_iter().next() {
                let large = too_large(&proposed);
                match &result {
                    Err(GraphError::SearchTooLarge { repository, count }) => {
                        prop_assert!(large.contains(repository), "`{}` is within the limit", repository);
                        prop_assert_eq!(*count, reference::order(&proposed, repository).len());
                        if large.contains(&repo) {
                            prop_assert_eq!(repository, &repo);
                        } else {
                            prop_assert_eq!(repository, &first);
                        }
                    }
                    other => prop_assert!(false, "expected a search too large, got {:?}", other),
                }
            } else {
                match result {
                    Ok(changed) => {
                        prop_assert_eq!(nodes_of(&changed), proposed.clone());
                        graph = changed;
                        nodes = proposed;
                    }
                    Err(error) => prop_assert!(false, "refused a valid change: {}", error),
                }
            }
        }
    }
}
