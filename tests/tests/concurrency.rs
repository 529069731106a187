//! Concurrent graph changes that each pass validation alone but together would close a cycle:
//! the store serializes them per domain, so at most one wins and the stored graph stays acyclic.

use aws_sdk_codeartifact::Client;
use tributary_tests::{
    TestServer, both_backends, create_domain, create_repository, sdk_error, token_for, upstream_info, upstreams_of,
};

/// Sets the upstream list of `repository` to `[upstream]`; `Ok` or the (error type, message).
async fn set_upstream(sdk: &Client, repository: &str, upstream: &str) -> Result<(), (String, String)> {
    match sdk.update_repository().domain("race").repository(repository).upstreams(upstream_info(upstream)).send().await
    {
        Ok(_) => Ok(()),
        Err(err) => Err(sdk_error(&err)),
    }
}

/// A refusal must be the cycle refusal, not an error of the storage under contention.
#[track_caller]
fn assert_cycle_refusal(result: &Result<(), (String, String)>) {
    if let Err((code, message)) = result {
        assert_eq!(code, "ValidationException", "a concurrent change failed otherwise than as a cycle: {message}");
        assert!(message.contains("cycle"), "{message}");
    }
}

async fn concurrent_changes_never_make_a_cycle(server: TestServer) {
    let sdk = server.sdk_client();
    let other = server.sdk_client();
    create_domain(&sdk, "race").await;

    // Pairs: a -> b and b -> a at the same time.
    const PAIRS: usize = 20;
    for i in 0..PAIRS {
        let (a, b) = (format!("a{i:02}"), format!("b{i:02}"));
        create_repository(&sdk, "race", &a, &[]).await;
        create_repository(&sdk, "race", &b, &[]).await;
        let (ab, ba) = tokio::join!(set_upstream(&sdk, &a, &b), set_upstream(&other, &b, &a));
        assert_cycle_refusal(&ab);
        assert_cycle_refusal(&ba);
        assert!(!(ab.is_ok() && ba.is_ok()), "both `{a}` -> `{b}` and `{b}` -> `{a}` were accepted");
    }

    // Triangles: x -> y, y -> z and z -> x at the same time.
    const TRIANGLES: usize = 8;
    let third = server.sdk_client();
    for i in 0..TRIANGLES {
        let (x, y, z) = (format!("x{i:02}"), format!("y{i:02}"), format!("z{i:02}"));
        for name in [&x, &y, &z] {
            create_repository(&sdk, "race", name, &[]).await;
        }
        let results =
            tokio::join!(set_upstream(&sdk, &x, &y), set_upstream(&other, &y, &z), set_upstream(&third, &z, &x));
        for result in [&results.0, &results.1, &results.2] {
            assert_cycle_refusal(result);
        }
        let accepted = [&results.0, &results.1, &results.2].iter().filter(|r| r.is_ok()).count();
        assert!(accepted <= 2, "all three links of the triangle `{x}`, `{y}`, `{z}` were accepted");
    }

    // As stored: every search order ends (no repository is reached twice) and no link pair closes.
    let mut stored = std::collections::BTreeMap::new();
    let listed: Vec<String> = sdk
        .list_repositories_in_domain()
        .domain("race")
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .expect("list")
        .iter()
        .filter_map(|r| r.name().map(str::to_owned))
        .collect();
    assert_eq!(listed.len(), 2 * PAIRS + 3 * TRIANGLES);
    for name in &listed {
        stored.insert(name.clone(), upstreams_of(&sdk, "race", name).await);
    }
    let token = token_for(&sdk, "race").await;
    for (name, upstreams) in &stored {
        for upstream in upstreams {
            assert!(
                !stored[upstream].contains(name),
                "stored cycle: `{name}` -> `{upstream}` -> `{name}` ({stored:?})"
            );
        }
        // Walk the stored links by hand: a cycle would bring the walk back to `name`.
        let mut seen = vec![name.clone()];
        let mut frontier = upstreams.clone();
        while let Some(next) = frontier.pop() {
            assert_ne!(&next, name, "stored cycle through `{name}`: {stored:?}");
            if !seen.contains(&next) {
                seen.push(next.clone());
                frontier.extend(stored[&next].iter().cloned());
            }
        }
        let order = server.search_order(&token, "race", name).await;
        assert_eq!(order.len(), seen.len(), "search order of `{name}`: {order:?}");
    }
}
both_backends!(concurrent_changes_never_make_a_cycle);
