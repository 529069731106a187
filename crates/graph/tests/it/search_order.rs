//! Search order, downstreams, deletion: tables over small graphs.

use tributary_graph::{GraphError, RepoGraph, RepoNode};

use crate::spec::{graph, order, repos, upstream_node};

const CODEARTIFACT_EXAMPLE: &str = "my_repo: A B; A: C D; D: E";

#[test]
fn search_order_table() {
    // (graph, asking repository, expected search order)
    let cases: &[(&str, &str, &str)] = &[
        // CodeArtifact's documented example.
        (CODEARTIFACT_EXAMPLE, "my_repo", "my_repo A C D E B"),
        // From the middle of the same graph.
        (CODEARTIFACT_EXAMPLE, "A", "A C D E"),
        (CODEARTIFACT_EXAMPLE, "E", "E"),
        // No upstreams.
        ("a", "a", "a"),
        // The list order counts, not the names.
        ("a: z y x", "a", "a z y x"),
        // Diamond: `d` is reached twice, visited once, at its first pre-order position.
        ("a: b c; b: d; c: d", "a", "a b d c"),
        // `d` is a direct upstream of `a`, but is reached earlier, deeper through `b`.
        ("a: b d; b: c; c: d; d: e", "a", "a b c d e"),
        // Two diamonds sharing a bottom.
        ("top: l r; l: m; r: m; m: x y; x: z; y: z", "top", "top l m x z y r"),
        // A gateway's external connection comes right after its own stored versions.
        (
            "app: team; team: npm-store pypi-store; npm-store = public:npmjs; pypi-store = public:pypi",
            "app",
            "app team npm-store(public:npmjs) pypi-store(public:pypi)",
        ),
        // The asking repository is itself a gateway.
        ("npm-store = public:npmjs", "npm-store", "npm-store(public:npmjs)"),
        // A gateway reached twice is searched once.
        ("a: b c; b: g; c: g; g = public:npmjs", "a", "a b g(public:npmjs) c"),
        // A gateway before a plain repository in the list.
        ("a: g b; g = public:pypi", "a", "a g(public:pypi) b"),
        // An entry naming a view searches that view only: not the repository's upstreams, not
        // its external connection.
        ("a: b@release c; b: d; c", "a", "a b@release c"),
        ("a: g@prerelease; g = public:npmjs", "a", "a g@prerelease"),
        // A view searched first does not stop the repository itself being searched later...
        ("a: b@release c; c: b; b: d", "a", "a b@release c b d"),
        // ...but a view after the repository itself adds nothing, and a view is searched once.
        ("a: b c; c: b@release", "a", "a b c"),
        ("a: b@release c; c: b@release", "a", "a b@release c"),
        // Two views of one repository reached different ways are two steps.
        ("a: b@release c; c: b@prerelease", "a", "a b@release c b@prerelease"),
        // Unknown repository.
        (CODEARTIFACT_EXAMPLE, "nope", "-"),
    ];
    for (spec, repo, expected) in cases {
        assert_eq!(order(&graph(spec), repo), *expected, "graph `{spec}`, search from `{repo}`");
    }
}

#[test]
fn search_order_ignores_unknown_self_and_repeated_upstreams() {
    let graph = RepoGraph::new([
        ("a".to_owned(), upstream_node(&["ghost", "a", "b", "c", "b"])),
        ("b".to_owned(), RepoNode::default()),
        ("c".to_owned(), RepoNode::default()),
    ]);
    assert_eq!(order(&graph, "a"), "a b c");
    assert!(!graph.contains("ghost"));
    assert_eq!(graph.direct_downstreams("a"), Vec::<String>::new());
    assert_eq!(graph.validate(), Err(GraphError::SelfUpstream { repository: "a".to_owned() }));
}

#[test]
fn search_order_terminates_on_a_cycle_in_unvalidated_data() {
    let graph = graph("a: b; b: c; c: a");
    assert_eq!(order(&graph, "a"), "a b c");
    assert_eq!(order(&graph, "c"), "c a b");
    assert_eq!(graph.validate(), Err(GraphError::Cycle { path: names(&["a", "b", "c", "a"]) }));
}

#[test]
fn later_duplicate_name_wins() {
    let graph = RepoGraph::new([
        ("a".to_owned(), upstream_node(&["b"])),
        ("b".to_owned(), RepoNode::default()),
        ("a".to_owned(), RepoNode { upstreams: Vec::new(), external_connection: Some("public:npmjs".to_owned()) }),
    ]);
    assert_eq!(graph.len(), 2);
    assert_eq!(order(&graph, "a"), "a(public:npmjs)");
}

#[test]
fn contains_node_names() {
    let graph = graph("b: a; c = public:npmjs");
    assert!(graph.contains("a") && graph.contains("b") && graph.contains("c"));
    assert!(!graph.contains("d"));
    assert_eq!(graph.node("b"), Some(&upstream_node(&["a"])));
    assert!(graph.node("c").is_some_and(RepoNode::is_gateway));
    assert_eq!(graph.node("d"), None);
    assert_eq!(graph.names(), ["a", "b", "c"]);
    assert_eq!(graph.len(), 3);
    assert!(!graph.is_empty());
    assert!(RepoGraph::default().is_empty());
}

#[test]
fn downstreams_table() {
    let spec = "z: b; y: b; b: c; c: d; a: d; d; other";
    // (repository, direct downstreams, all downstreams)
    let cases: &[(&str, &[&str], &[&str])] = &[
        ("d", &["a", "c"], &["a", "b", "c", "y", "z"]),
        ("c", &["b"], &["b", "y", "z"]),
        ("b", &["y", "z"], &["y", "z"]),
        ("z", &[], &[]),
        ("other", &[], &[]),
        ("unknown", &[], &[]),
    ];
    let graph = graph(spec);
    for (repo, direct, all) in cases {
        assert_eq!(graph.direct_downstreams(repo), names(direct), "direct downstreams of `{repo}`");
        assert_eq!(graph.all_downstreams(repo), names(all), "all downstreams of `{repo}`");
    }
}

#[test]
fn all_downstreams_excludes_the_repository_in_a_cycle() {
    let graph = graph("a: b; b: a; c: a");
    assert_eq!(graph.all_downstreams("a"), names(&["b", "c"]));
}

#[test]
fn check_delete_table() {
    let graph = graph("z: b; y: b; b: c; c");
    assert_eq!(graph.check_delete("z"), Ok(()));
    assert_eq!(
        graph.check_delete("b"),
        Err(GraphError::InUseAsUpstream { repository: "b".to_owned(), downstreams: names(&["y", "z"]) })
    );
    assert_eq!(
        graph.check_delete("c"),
        Err(GraphError::InUseAsUpstream { repository: "c".to_owned(), downstreams: names(&["b"]) })
    );
    assert_eq!(graph.check_delete("nope"), Err(GraphError::UnknownRepository { name: "nope".to_owned() }));
}

#[test]
fn without_removes_the_repository_and_links_to_it() {
    let before = graph("z: b; y: b x; b: c; c; x");
    let after = before.without("z");
    assert!(!after.contains("z"));
    assert_eq!(after.direct_downstreams("b"), names(&["y"]));
    assert_eq!(order(&after, "y"), "y b c x");

    let forced = before.without("b");
    assert_eq!(forced.node("y"), Some(&upstream_node(&["x"])));
    assert_eq!(order(&forced, "z"), "z");
    assert_eq!(forced.direct_downstreams("c"), Vec::<String>::new());

    assert_eq!(before.without("nope").names(), before.names());
}

#[test]
fn spec_helper_keeps_declaration_order() {
    let repos = repos("b: a; c");
    let names: Vec<&str> = repos.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names, ["b", "c", "a"]);
}

pub fn names(names: &[&str]) -> Vec<String> {
    names.iter().map(|name| (*name).to_owned()).collect()
}

#[test]
fn blocked_repositories_are_searched_but_not_beyond() {
    // app → [mid, other]; mid → [gw]; other → [gw]; gw has public:npmjs.
    let graph = RepoGraph::new([
        ("app".to_owned(), RepoNode { upstreams: vec!["mid".into(), "other".into()], external_connection: None }),
        ("mid".to_owned(), RepoNode { upstreams: vec!["gw".into()], external_connection: None }),
        ("other".to_owned(), RepoNode { upstreams: vec!["gw".into()], external_connection: None }),
        ("gw".to_owned(), RepoNode { upstreams: vec![], external_connection: Some("public:npmjs".into()) }),
    ]);
    let names = |steps: Vec<tributary_graph::SearchStep>| {
        steps
            .into_iter()
            .map(|s| format!("{}{}", s.repository, if s.external_connection.is_some() { "+ext" } else { "" }))
            .collect::<Vec<_>>()
    };
    let all = graph.search_order_with("app", |_| false).expect("known");
    assert_eq!(names(all), ["app", "mid", "gw+ext", "other"]);
    // `mid` blocks: gw is still reached through `other`.
    let mid_blocks = graph.search_order_with("app", |n| n == "mid").expect("known");
    assert_eq!(names(mid_blocks), ["app", "mid", "other", "gw+ext"]);
    // The gateway blocks: its own versions count, its connection does not.
    let gw_blocks = graph.search_order_with("app", |n| n == "gw").expect("known");
    assert_eq!(names(gw_blocks), ["app", "mid", "gw", "other"]);
    // The asking repository blocks: nothing beyond it.
    assert_eq!(names(graph.search_order_with("app", |n| n == "app").expect("known")), ["app"]);
    assert!(graph.search_order_with("nope", |_| false).is_none());
}
