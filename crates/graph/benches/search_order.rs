//! Search order on a 25-repository graph (the largest search allowed), and validating a change
//! against it.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use tributary_graph::{MAX_SEARCHED_REPOSITORIES, RepoGraph, RepoNode};

/// `app` → 4 team repositories, each listing the same shared chain first (diamonds), then 4
/// libraries of their own; the shared chain ends in a gateway. `app` searches 1 + 4 + 4 + 16 = 25
/// repositories; `spare` is outside that search.
fn graph() -> RepoGraph {
    let node = |upstreams: &[String]| RepoNode { upstreams: upstreams.to_vec(), external_connection: None };
    let mut repos = vec![
        ("shared-a".to_owned(), node(&["shared-b".to_owned()])),
        ("shared-b".to_owned(), node(&["shared-c".to_owned()])),
        ("shared-c".to_owned(), node(&["npm-store".to_owned()])),
        (
            "npm-store".to_owned(),
            RepoNode { upstreams: Vec::new(), external_connection: Some("public:npmjs".to_owned()) },
        ),
        ("spare".to_owned(), RepoNode::default()),
    ];
    let mut teams = Vec::new();
    for team in 0..4 {
        let name = format!("team-{team}");
        let mut upstreams = vec!["shared-a".to_owned()];
        for own in 0..4 {
            let own = format!("team-{team}-lib-{own}");
            repos.push((own.clone(), RepoNode::default()));
            upstreams.push(own);
        }
        repos.push((name.clone(), node(&upstreams)));
        teams.push(name);
    }
    repos.push(("app".to_owned(), node(&teams)));
    RepoGraph::new(repos)
}

fn bench(c: &mut Criterion) {
    let graph = graph();
    assert_eq!(graph.search_order("app").map(|order| order.len()), Some(MAX_SEARCHED_REPOSITORIES));
    assert_eq!(graph.validate(), Ok(()));

    c.bench_function("search_order/25 repositories", |b| b.iter(|| black_box(&graph).search_order(black_box("app"))));
    c.bench_function("with_change/leaf of a 25-repository search", |b| {
        b.iter(|| black_box(&graph).with_change(black_box("spare"), RepoNode::default()))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(50);
    targets = bench
}
criterion_main!(benches);
