//! `tributary npm sync --from FILE|-`: bulk sync (docs/ARCHITECTURE.md, "Sync tasks"): queues a
//! sync task per package name through a repository's npm endpoint, at most `--rate` a second,
//! then follows them to the end with a progress bar. With `--state FILE` it is resumable: each
//! name's task is recorded there as it is queued, and a run again skips the names whose task
//! succeeded and follows those still running.

use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

/// `tributary npm sync`.
#[derive(Debug, Args)]
pub struct SyncArgs {
    /// The repository's npm endpoint, e.g. `http://127.0.0.1:8080/npm/acme/app/`.
    #[arg(long)]
    pub registry: String,
    /// The package names, one a line (`#` starts a comment); `-` reads them from standard input.
    #[arg(long)]
    pub from: String,
    /// An authorization token (`aws codeartifact get-authorization-token`).
    #[arg(long, env = "CODEARTIFACT_AUTH_TOKEN", hide_env_values = true)]
    pub token: String,
    /// At most this many tasks queued a second.
    #[arg(long, default_value_t = 20.0)]
    pub rate: f64,
    /// Where to record each name's task, to resume an interrupted run.
    #[arg(long)]
    pub state: Option<PathBuf>,
}

/// A sync task's state, as the endpoint answers it.
fn state_of(answer: &serde_json::Value) -> &str {
    answer.get("state").and_then(|s| s.as_str()).unwrap_or("")
}

/// `name` as one path segment (`@scope/name` → `@scope%2fname`).
fn segment(name: &str) -> String {
    name.replace('/', "%2f")
}

/// Runs a bulk sync; fails when a task failed (after following all of them).
pub async fn run(args: SyncArgs) -> anyhow::Result<()> {
    if args.rate.is_nan() || args.rate <= 0.0 {
        bail!("`--rate` must be above 0");
    }
    let mut text = String::new();
    if args.from == "-" {
        std::io::stdin().read_to_string(&mut text).context("cannot read the names from standard input")?;
    } else {
        text = std::fs::read_to_string(&args.from).with_context(|| format!("cannot read `{}`", args.from))?;
    }
    let names: Vec<String> = text
        .lines()
        .map(|line| line.split('#').next().unwrap_or("").trim().to_owned())
        .filter(|name| !name.is_empty())
        .collect();
    let mut tasks: BTreeMap<String, String> = match &args.state {
        Some(path) if path.exists() => serde_json::from_slice(&std::fs::read(path)?)
            .with_context(|| format!("`{}` is not a state this command wrote", path.display()))?,
        _ => BTreeMap::new(),
    };
    let base = args.registry.trim_end_matches('/').to_owned();
    let client = reqwest::Client::new();
    let get = |name: &str, id: &str| {
        let url = format!("{base}/-/package/{}/syncs/{id}", segment(name));
        let request = client.get(url).bearer_auth(&args.token);
        async move {
            let answer = request.send().await?;
            let status = answer.status();
            let body: serde_json::Value = answer.json().await.unwrap_or_default();
            anyhow::Ok((status, body))
        }
    };

    let bar = ProgressBar::new(names.len() as u64);
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg:10} [{bar:40}] {pos}/{len} ({per_sec}, {eta} left)")
            .context("a progress template")?
            .progress_chars("=> "),
    );
    // Queue what has no task yet, or whose task is gone or failed.
    bar.set_message("queuing");
    let pause = Duration::from_secs_f64(1.0 / args.rate);
    for name in &names {
        if let Some(id) = tasks.get(name) {
            let (status, answer) = get(name, id).await?;
            if status.is_success() && state_of(&answer) != "fail" {
                bar.inc(1);
                continue;
            }
        }
        let url = format!("{base}/-/package/{}/syncs", segment(name));
        let answer =
            client.put(url).bearer_auth(&args.token).send().await.with_context(|| format!("cannot reach `{base}`"))?;
        let status = answer.status();
        let body: serde_json::Value = answer.json().await.unwrap_or_default();
        if !status.is_success() {
            bail!(
                "queuing `{name}` was refused ({status}): {}",
                body.get("error").and_then(|e| e.as_str()).unwrap_or("")
            );
        }
        let id = body.get("id").and_then(|i| i.as_str()).context("the server answered no task id")?.to_owned();
        tasks.insert(name.clone(), id);
        if let Some(path) = &args.state {
            std::fs::write(path, serde_json::to_vec_pretty(&tasks)?)
                .with_context(|| format!("cannot write `{}`", path.display()))?;
        }
        bar.inc(1);
        tokio::time::sleep(pause).await;
    }

    // Follow every task to its end.
    bar.set_message("syncing");
    bar.set_position(0);
    let mut pending: Vec<&String> = names.iter().collect();
    let mut failed = Vec::new();
    while !pending.is_empty() {
        let mut still = Vec::new();
        for name in pending {
            let id = &tasks[name];
            let (status, answer) = get(name, id).await?;
            if !status.is_success() {
                bail!("following `{name}`'s task was refused ({status}); run again to resume");
            }
            match state_of(&answer) {
                "success" => bar.inc(1),
                "fail" => {
                    failed.push(name.clone());
                    bar.inc(1);
                }
                _ => still.push(name),
            }
        }
        pending = still;
        if !pending.is_empty() {
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
    bar.finish_with_message("done");
    println!("{} synced, {} failed", names.len() - failed.len(), failed.len());
    if !failed.is_empty() {
        bail!("these failed (their logs: {base}/-/package/NAME/syncs/ID/log): {}", failed.join(", "));
    }
    Ok(())
}
