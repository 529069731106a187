//! Retention targets: which repositories newly store a version served through a chain.

use tributary_graph::{FoundAt, SearchStep, retention_targets};

fn step(repository: &str, external_connection: Option<&str>) -> SearchStep {
    SearchStep {
        repository: repository.to_owned(),
        external_connection: external_connection.map(str::to_owned),
        view: None,
    }
}

#[test]
fn retention_targets_table() {
    // app → team → (npm-store = public:npmjs), shared
    let chain = [step("app", None), step("team", None), step("npm-store", Some("public:npmjs")), step("shared", None)];
    let gateway_alone = [step("npm-store", Some("public:npmjs"))];
    let gateway_asking = [step("edge", Some("public:npmjs")), step("other", None)];
    // (search order, where the version was found, expected targets)
    let cases: &[(&[SearchStep], FoundAt, &[&str])] = &[
        // Stored in the asking repository: nothing new.
        (&chain, FoundAt::Stored { index: 0 }, &[]),
        // Stored in an upstream: only the asking repository, never the intermediates.
        (&chain, FoundAt::Stored { index: 1 }, &["app"]),
        (&chain, FoundAt::Stored { index: 2 }, &["app"]),
        (&chain, FoundAt::Stored { index: 3 }, &["app"]),
        // Through an external connection: the asking repository and the gateway, not `team`.
        (&chain, FoundAt::External { index: 2 }, &["app", "npm-store"]),
        // The asking repository is the gateway: stored there once.
        (&gateway_alone, FoundAt::External { index: 0 }, &["npm-store"]),
        (&gateway_asking, FoundAt::External { index: 0 }, &["edge"]),
        (&gateway_asking, FoundAt::Stored { index: 1 }, &["edge"]),
        // Nonsense input gives no gateway: past the end, or an empty search order.
        (&chain, FoundAt::External { index: 9 }, &["app"]),
        (&[], FoundAt::Stored { index: 0 }, &[]),
        (&[], FoundAt::External { index: 0 }, &[]),
    ];
    for (order, found, expected) in cases {
        assert_eq!(retention_targets(order, found), *expected, "found at {found:?} of {order:?}");
    }
}
