//! Validation of upstream changes: each error, the limits at their exact edges, the order of the
//! checks, and the messages.

use tributary_graph::{GraphError, MAX_DIRECT_UPSTREAMS, MAX_SEARCHED_REPOSITORIES, RepoGraph, RepoNode};

use crate::search_order::names;
use crate::spec::{chain, graph, order, upstream_node};

fn gateway(connection: &str) -> RepoNode {
    RepoNode { upstreams: Vec::new(), external_connection: Some(connection.to_owned()) }
}

/// `count` repositories `u01…` without upstreams, as a spec.
fn leaves(count: usize) -> String {
    (1..=count).map(|i| format!("u{i:02}")).collect::<Vec<_>>().join("; ")
}

fn leaf_names(count: usize) -> Vec<String> {
    (1..=count).map(|i| format!("u{i:02}")).collect()
}

fn with_upstreams(graph: &RepoGraph, repo: &str, upstreams: &[&str]) -> Result<RepoGraph, GraphError> {
    graph.with_change(repo, upstream_node(upstreams))
}

#[test]
fn accepted_change_returns_the_changed_graph() {
    let before = graph("a; b; c");
    let after = with_upstreams(&before, "a", &["c", "b"]).expect("valid change");
    assert_eq!(order(&after, "a"), "a c b");
    assert_eq!(order(&before, "a"), "a", "the original graph is unchanged");

    let added = after.with_change("new", upstream_node(&["a"])).expect("new repository");
    assert_eq!(order(&added, "new"), "new a c b");
    assert_eq!(added.direct_downstreams("a"), names(&["new"]));

    let gateway = added.with_change("c", gateway("public:npmjs")).expect("leaf becomes a gateway");
    assert_eq!(order(&gateway, "new"), "new a c(public:npmjs) b");

    let cleared = gateway.with_change("a", RepoNode::default()).expect("removing upstreams");
    assert_eq!(order(&cleared, "new"), "new a");
}

#[test]
fn self_upstream() {
    assert_eq!(
        with_upstreams(&graph("b"), "a", &["b", "a"]).err(),
        Some(GraphError::SelfUpstream { repository: "a".to_owned() })
    );
}

#[test]
fn views_count_as_their_repository() {
    let before = graph("b; c; d: a");
    assert_eq!(
        with_upstreams(&before, "a", &["a@release"]).err(),
        Some(GraphError::SelfUpstream { repository: "a".to_owned() })
    );
    assert_eq!(
        with_upstreams(&before, "a", &["b", "b@release"]).err(),
        Some(GraphError::DuplicateUpstream { repository: "a".to_owned(), upstream: "b".to_owned() })
    );
    assert_eq!(
        with_upstreams(&before, "a", &["ghost@release"]).err(),
        Some(GraphError::UnknownUpstream { repository: "a".to_owned(), name: "ghost".to_owned() })
    );
    // A cycle through a view is a cycle: `d` lists `a`, `a` cannot list `d`'s view.
    assert!(matches!(with_upstreams(&before, "a", &["d@release"]), Err(GraphError::Cycle { .. })));
    let after = with_upstreams(&before, "a", &["c@release", "b"]).expect("views are upstreams");
    assert_eq!(order(&after, "d"), "d a c@release b");
    assert_eq!(after.direct_downstreams("c"), names(&["a"]));
    assert_eq!(
        after.check_delete("c"),
        Err(GraphError::InUseAsUpstream { repository: "c".to_owned(), downstreams: names(&["a"]) })
    );
    assert_eq!(order(&after.without("c"), "d"), "d a b");
}

#[test]
fn duplicate_upstream() {
    assert_eq!(
        with_upstreams(&graph("b; c"), "a", &["b", "c", "c", "b"]).err(),
        Some(GraphError::DuplicateUpstream { repository: "a".to_owned(), upstream: "c".to_owned() })
    );
}

#[test]
fn ten_direct_upstreams_are_accepted_eleven_refused() {
    let graph = graph(&leaves(MAX_DIRECT_UPSTREAMS + 1));
    let ten = leaf_names(MAX_DIRECT_UPSTREAMS);
    let eleven = leaf_names(MAX_DIRECT_UPSTREAMS + 1);

    let accepted = graph.with_change("a", RepoNode { upstreams: ten, external_connection: None });
    assert_eq!(accepted.map(|graph| graph.search_order("a").map(|order| order.len())), Ok(Some(11)));

    assert_eq!(
        graph.with_change("a", RepoNode { upstreams: eleven, external_connection: None }).err(),
        Some(GraphError::TooManyUpstreams { repository: "a".to_owned(), count: 11 })
    );
}

#[test]
fn unknown_upstream() {
    assert_eq!(
        with_upstreams(&graph("b; c"), "a", &["b", "elsewhere", "c", "gone"]).err(),
        Some(GraphError::UnknownUpstream { repository: "a".to_owned(), name: "elsewhere".to_owned() })
    );
}

#[test]
fn upstreams_and_external_connection() {
    let node = RepoNode { upstreams: names(&["b"]), external_connection: Some("public:pypi".to_owned()) };
    assert_eq!(
        graph("b").with_change("a", node).err(),
        Some(GraphError::UpstreamsAndExternalConnection {
            repository: "a".to_owned(),
            external_connection: "public:pypi".to_owned(),
        })
    );
}

#[test]
fn checks_come_in_the_documented_order() {
    let graph = graph(&leaves(12));
    let many_with = |extra: &[&str]| {
        let mut upstreams = leaf_names(11);
        upstreams.extend(extra.iter().map(|name| (*name).to_owned()));
        upstreams
    };
    let error = |upstreams: Vec<String>, connection: Option<&str>| {
        graph.with_change("a", RepoNode { upstreams, external_connection: connection.map(str::to_owned) }).err()
    };
    let a = || "a".to_owned();
    // Self beats duplicate, too many, unknown and both.
    assert_eq!(
        error(many_with(&["u01", "ghost", "a"]), Some("public:npmjs")),
        Some(GraphError::SelfUpstream { repository: a() })
    );
    // Duplicate beats too many, unknown and both.
    assert_eq!(
        error(many_with(&["u01", "ghost"]), Some("public:npmjs")),
        Some(GraphError::DuplicateUpstream { repository: a(), upstream: "u01".to_owned() })
    );
    // Too many beats unknown and both.
    assert_eq!(
        error(many_with(&["ghost"]), Some("public:npmjs")),
        Some(GraphError::TooManyUpstreams { repository: a(), count: 12 })
    );
    // Unknown beats both.
    assert_eq!(
        error(names(&["u01", "ghost"]), Some("public:npmjs")),
        Some(GraphError::UnknownUpstream { repository: a(), name: "ghost".to_owned() })
    );
}

#[test]
fn both_beats_cycle_and_cycle_beats_search_size() {
    // `b` leads back to `a`, and through a long chain, so the change makes a cycle and a search
    // of more than 25; the cycle is reported.
    let spec = format!("b: a c01; {}", chain("c", 30));
    let graph = graph(&spec);
    assert_eq!(with_upstreams(&graph, "a", &["b"]).err(), Some(GraphError::Cycle { path: names(&["a", "b", "a"]) }));
    let both = RepoNode { upstreams: names(&["b"]), external_connection: Some("public:npmjs".to_owned()) };
    assert!(matches!(graph.with_change("a", both), Err(GraphError::UpstreamsAndExternalConnection { .. })));
}

#[test]
fn cycles() {
    // (graph, repository, new upstreams, expected cycle)
    let cases: &[(&str, &str, &[&str], &[&str])] = &[
        // Length 2.
        ("b: a", "a", &["b"], &["a", "b", "a"]),
        // Length 3.
        ("b: c; c: a", "a", &["b"], &["a", "b", "c", "a"]),
        // Length 3, closed by a change in the middle of a chain.
        ("a: b; c: a", "b", &["c"], &["b", "c", "a", "b"]),
        // Reached through the second upstream.
        ("x; b: c; c: a", "a", &["x", "b"], &["a", "b", "c", "a"]),
        // The shortest cycle through the repository is reported.
        ("b: c; c: d; d: a; e: a", "a", &["b", "e"], &["a", "e", "a"]),
    ];
    for (spec, repo, upstreams, expected) in cases {
        assert_eq!(
            with_upstreams(&graph(spec), repo, upstreams).err(),
            Some(GraphError::Cycle { path: names(expected) }),
            "graph `{spec}`, setting `{repo}` to {upstreams:?}"
        );
    }
}

#[test]
fn a_diamond_is_not_a_cycle() {
    let graph = graph("b: d; c: d; d");
    let changed = with_upstreams(&graph, "a", &["b", "c"]).expect("a diamond is fine");
    assert_eq!(order(&changed, "a"), "a b d c");
}

#[test]
fn search_of_exactly_25_is_accepted_26_refused() {
    // `r` plus a chain of 24 is 25 repositories.
    let fits = graph(&chain("c", MAX_SEARCHED_REPOSITORIES - 1));
    let accepted = with_upstreams(&fits, "r", &["c01"]).expect("25 repositories fit");
    assert_eq!(accepted.search_order("r").map(|order| order.len()), Some(25));

    let too_long = graph(&chain("c", MAX_SEARCHED_REPOSITORIES));
    assert_eq!(
        with_upstreams(&too_long, "r", &["c01"]).err(),
        Some(GraphError::SearchTooLarge { repository: "r".to_owned(), count: 26 })
    );
}

#[test]
fn external_connections_do_not_count_towards_the_search_limit() {
    let spec = format!("{}; c24 = public:npmjs", chain("c", 24));
    let accepted = with_upstreams(&graph(&spec), "r", &["c01"]).expect("25 repositories fit");
    let order = accepted.search_order("r").expect("known repository");
    assert_eq!(order.len(), 25);
    assert_eq!(order.last().and_then(|step| step.external_connection.as_deref()), Some("public:npmjs"));
}

#[test]
fn diamonds_count_once_towards_the_search_limit() {
    // r → l, m; both reach the same chain of 23: 1 + 2 + 23 = 26 distinct repositories; with a
    // chain of 22 it is 25.
    let fits = graph(&format!("l: c01; m: c01; {}", chain("c", 22)));
    assert!(with_upstreams(&fits, "r", &["l", "m"]).is_ok());
    let too_many = graph(&format!("l: c01; m: c01; {}", chain("c", 23)));
    assert_eq!(
        with_upstreams(&too_many, "r", &["l", "m"]).err(),
        Some(GraphError::SearchTooLarge { repository: "r".to_owned(), count: 26 })
    );
}

#[test]
fn search_growth_through_a_downstream_is_refused() {
    // top → mid → x. Giving `x` a chain of 22 makes top's search 3 + 22 = 25: fine. A chain of
    // 23 makes it 26, while `x` (24) and `mid` (25) stay within the limit: `top` is named.
    let fits = graph(&format!("top: mid; mid: x; x; {}", chain("c", 22)));
    let accepted = with_upstreams(&fits, "x", &["c01"]).expect("25 repositories fit");
    assert_eq!(accepted.search_order("top").map(|order| order.len()), Some(25));

    let too_long = graph(&format!("top: mid; mid: x; x; {}", chain("c", 23)));
    assert_eq!(
        with_upstreams(&too_long, "x", &["c01"]).err(),
        Some(GraphError::SearchTooLarge { repository: "top".to_owned(), count: 26 })
    );
}

#[test]
fn the_changed_repository_is_named_first_then_downstreams_by_name() {
    // Everything exceeds: `x` itself is named.
    let spec = format!("zed: x; alpha: mid; mid: x; x; {}", chain("c", 30));
    assert_eq!(
        with_upstreams(&graph(&spec), "x", &["c01"]).err(),
        Some(GraphError::SearchTooLarge { repository: "x".to_owned(), count: 31 })
    );
    // `x` fits (25); zed and mid (26) and alpha (27) exceed: `alpha` comes first by name.
    let spec = format!("zed: x; alpha: mid; mid: x; x; {}", chain("c", 24));
    assert_eq!(
        with_upstreams(&graph(&spec), "x", &["c01"]).err(),
        Some(GraphError::SearchTooLarge { repository: "alpha".to_owned(), count: 27 })
    );
}

#[test]
fn a_new_repository_linked_from_stale_references_is_checked() {
    // `b` still lists `a` (unvalidated data); creating `a` with upstream `b` closes the cycle.
    let graph = RepoGraph::new([("b".to_owned(), upstream_node(&["a"]))]);
    assert_eq!(graph.search_order("b").map(|order| order.len()), Some(1));
    assert_eq!(with_upstreams(&graph, "a", &["b"]).err(), Some(GraphError::Cycle { path: names(&["a", "b", "a"]) }));
}

#[test]
fn a_cycle_elsewhere_in_unvalidated_data_does_not_block_other_changes() {
    // Only cycles through the changed repository are the change's doing; `validate` reports the rest.
    let graph = graph("b: c; c: b");
    let changed = with_upstreams(&graph, "a", &["b"]).expect("the change makes no cycle");
    assert_eq!(order(&changed, "a"), "a b c");
    assert_eq!(changed.validate(), Err(GraphError::Cycle { path: names(&["b", "c", "b"]) }));
}

#[test]
fn validate_the_whole_graph() {
    let cases: &[(&str, Option<GraphError>)] = &[
        ("a: b c; b: c", None),
        ("a: b; b: a", Some(GraphError::Cycle { path: names(&["a", "b", "a"]) })),
        ("a: b b", Some(GraphError::DuplicateUpstream { repository: "a".to_owned(), upstream: "b".to_owned() })),
    ];
    for (spec, expected) in cases {
        assert_eq!(graph(spec).validate().err(), *expected, "graph `{spec}`");
    }
    let unknown = RepoGraph::new([("a".to_owned(), upstream_node(&["ghost"]))]);
    assert_eq!(
        unknown.validate(),
        Err(GraphError::UnknownUpstream { repository: "a".to_owned(), name: "ghost".to_owned() })
    );
    let long = graph(&format!("r: c01; {}", chain("c", 25)));
    assert_eq!(long.validate(), Err(GraphError::SearchTooLarge { repository: "r".to_owned(), count: 26 }));
}

#[test]
fn messages() {
    let s = |name: &str| name.to_owned();
    let cases: Vec<(GraphError, &str)> = vec![
        (
            GraphError::UnknownRepository { name: s("a") },
            "repository `a` does not exist in this domain; check the name",
        ),
        (
            GraphError::SelfUpstream { repository: s("a") },
            "repository `a` cannot be an upstream repository of itself; remove `a` from its upstream list",
        ),
        (
            GraphError::DuplicateUpstream { repository: s("a"), upstream: s("b") },
            "repository `a` lists upstream repository `b` more than once; list each upstream repository once",
        ),
        (
            GraphError::TooManyUpstreams { repository: s("a"), count: 11 },
            "repository `a` cannot have 11 direct upstream repositories; the limit is 10",
        ),
        (
            GraphError::UnknownUpstream { repository: s("a"), name: s("b") },
            "upstream repository `b` of `a` does not exist in this domain; create it first \
             (upstream repositories must be in the same domain)",
        ),
        (
            GraphError::UpstreamsAndExternalConnection { repository: s("a"), external_connection: s("public:npmjs") },
            "repository `a` cannot have both upstream repositories and the external connection \
             `public:npmjs`; a repository has one or more upstream repositories, or an external connection",
        ),
        (
            GraphError::Cycle { path: names(&["a", "b", "a"]) },
            "this change would make a cycle of upstream repositories: `a` -> `b` -> `a`; \
             remove one of these links",
        ),
        (
            GraphError::SearchTooLarge { repository: s("r"), count: 26 },
            "the search order of repository `r` would contain 26 repositories; the limit is 25; \
             remove upstream repositories from the chain",
        ),
        (
            GraphError::InUseAsUpstream { repository: s("a"), downstreams: names(&["b", "c"]) },
            "repository `a` is an upstream repository of `b`, `c`; remove it from their upstream lists first",
        ),
    ];
    for (error, expected) in cases {
        assert_eq!(error.to_string(), expected);
    }
}
