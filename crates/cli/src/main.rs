//! `tributary`: the server binary.
//!
//! - `tributary serve`: runs migrations, creates the admin on an empty database, serves.
//! - `tributary migrate`: runs migrations alone.
//! - `tributary gc [--dry-run]`: collects (or lists) the blobs no version refers to.
//! - `tributary go publish DIR --version V --endpoint URL`: publishes a Go module.
//! - `tributary principal create|list|rotate|delete`: manages principals through the API.
//! - `tributary token list|revoke`: the caller's tokens, through the API.
//! - `tributary npm sync --from FILE|-`: bulk sync of npm packages, with a progress bar.

mod clients;
mod config;
mod go_publish;
mod login;
mod manage;
mod npm_sync;
mod principal;
mod profile;
mod progress;
mod quick_start;
mod token;

use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};
use tributary_blob::{BlobStore, FsBlobStore, S3BlobStore};
use tributary_engine::{Service, Settings, UpstreamSettings};
use tributary_server::{AppState, Metrics};
use tributary_store::Store;

use config::{BlobConfig, Config, Overrides};

/// jemalloc, for the whole process (C code too): under steady mixed traffic glibc's malloc kept
/// a growing share of freed memory resident, where jemalloc returns it (docs/benchmarks.md,
/// "Where the memory goes").
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[derive(Debug, Parser)]
#[command(name = "tributary", version, about = "A self-hosted artifact repository with upstream chains")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server. On its first start with an empty database it makes the quick start's
    /// domain and repositories (`default`, a gateway per public registry, and `public`) and
    /// prints how to point each client at them.
    Serve {
        /// Make nothing on the first start: no domain, no repository (only the admin).
        #[arg(long, env = "TRIBUTARY_NO_DEFAULTS", value_parser = clap::builder::BoolishValueParser::new())]
        no_defaults: bool,
        #[command(flatten)]
        overrides: Box<Overrides>,
    },
    /// Point a package manager at a repository: writes the client's own configuration with a
    /// token (`--dry-run` prints it).
    Login(Box<login::LoginArgs>),
    /// Run database migrations and exit.
    Migrate(#[command(flatten)] Box<Overrides>),
    /// Delete the blobs no version refers to (idle for `blob_gc_grace_seconds`), as the server
    /// does at start and hourly; with `--dry-run`, only list them.
    Gc {
        /// List what would be deleted; delete nothing.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        overrides: Box<Overrides>,
    },
    /// Go modules.
    #[command(subcommand)]
    Go(GoCommand),
    /// Principals: the users and machines that hold access keys (an administrator's keys sign).
    #[command(subcommand)]
    Principal(principal::PrincipalCommand),
    /// Your tokens: list them, revoke one.
    #[command(subcommand)]
    Token(token::TokenCommand),
    /// npm: bulk sync.
    #[command(subcommand)]
    Npm(NpmCommand),
    /// Domains: list, create, describe, delete.
    #[command(subcommand)]
    Domain(manage::DomainCommand),
    /// Repositories: list, create, describe, delete, set upstreams, connect to a public registry.
    #[command(subcommand)]
    Repo(manage::RepoCommand),
    /// Packages: list, describe, delete.
    #[command(subcommand)]
    Package(manage::PackageCommand),
    /// Package versions: list, describe, change status, delete.
    #[command(subcommand)]
    Version(manage::VersionCommand),
    /// The order in which a repository searches itself, its upstreams and their connections.
    SearchOrder(manage::SearchOrderArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell), e.g.
    /// `tributary completions bash > /etc/bash_completion.d/tributary`.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Subcommand)]
enum NpmCommand {
    /// Queue a sync task per package name of a file (or standard input) through a repository's
    /// npm endpoint, rate-limited, and follow them with a progress bar; resumable with `--state`.
    Sync(npm_sync::SyncArgs),
}

#[derive(Debug, Subcommand)]
enum GoCommand {
    /// Zip the module in DIR and publish it as VERSION to a repository's module proxy.
    Publish(go_publish::PublishArgs),
}

fn main() -> anyhow::Result<()> {
    use std::io::IsTerminal as _;
    // Logs go to standard error (coloured only on a terminal); standard output carries only what
    // is meant for the operator to read once, such as the generated admin key.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("TRIBUTARY_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let cli = Cli::parse();
    actix_web::rt::System::new().block_on(async move {
        match cli.command {
            Command::Serve { no_defaults, overrides } => serve(Config::load(*overrides)?, !no_defaults).await,
            Command::Login(args) => login::run(*args).await,
            Command::Domain(command) => manage::domain(command).await,
            Command::Repo(command) => manage::repo(command).await,
            Command::Package(command) => manage::package(command).await,
            Command::Version(command) => manage::version(command).await,
            Command::SearchOrder(args) => manage::search_order(args).await,
            Command::Completions { shell } => {
                use clap::CommandFactory as _;
                clap_complete::generate(shell, &mut Cli::command(), "tributary", &mut std::io::stdout());
                Ok(())
            }
            Command::Go(GoCommand::Publish(args)) => go_publish::publish(args).await,
            Command::Principal(command) => principal::run(command).await,
            Command::Token(command) => token::run(command).await,
            Command::Npm(NpmCommand::Sync(args)) => npm_sync::run(args).await,
            Command::Gc { dry_run, overrides } => collect_garbage(Config::load(*overrides)?, dry_run).await,
            Command::Migrate(o) => {
                let config = Config::load(*o)?;
                open_store(&config).await?;
                tracing::info!("migrations applied");
                Ok(())
            }
        }
    })
}

async fn open_store(config: &Config) -> anyhow::Result<Store> {
    if config.database_url.starts_with("sqlite:") {
        std::fs::create_dir_all(&config.data_dir)
            .with_context(|| format!("cannot create the data directory `{}`", config.data_dir.display()))?;
    }
    let store = Store::connect(&config.database_url).await.context("cannot connect to the metadata database")?;
    store.migrate().await.context("database migrations failed")?;
    Ok(store)
}

/// On SQLite, one server per database (docs/ARCHITECTURE.md, "Garbage collection"): an
/// exclusive lock on `DATABASE.serve-lock`, held while the returned file is open (the OS drops it
/// when the process ends, however it ends). A second server on the same file would take the
/// first one's fetch leases for a dead run's and void them. Commands such as `tributary gc` do
/// not take it: they may run beside the server.
fn hold_sqlite_alone(config: &Config) -> anyhow::Result<Option<std::fs::File>> {
    let Some(rest) = config.database_url.strip_prefix("sqlite://") else { return Ok(None) };
    let path = format!("{}.serve-lock", rest.split('?').next().unwrap_or(rest));
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("cannot open `{path}`"))?;
    match file.try_lock() {
        Ok(()) => Ok(Some(file)),
        Err(std::fs::TryLockError::WouldBlock) => anyhow::bail!(
            "another `tributary serve` uses the SQLite database of `{path}`; one server serves a SQLite database (run replicas on PostgreSQL)"
        ),
        Err(std::fs::TryLockError::Error(e)) => Err(e).with_context(|| format!("cannot lock `{path}`")),
    }
}

/// `tributary gc`: one garbage collection (or its preview) against the configured database and
/// blob store; safe while servers run (docs/ARCHITECTURE.md, "Garbage collection").
async fn collect_garbage(config: Config, dry_run: bool) -> anyhow::Result<()> {
    let store = open_store(&config).await?;
    let blobs = open_blobs(&config)?;
    blobs.check().await.context("the blob store is not usable")?;
    let settings = Settings { owner: tributary_model::AccountId::parse(&config.owner)?, region: config.region.clone() };
    let service = Service::new(store, blobs, settings, UpstreamSettings::default(), tributary_server::formats())
        .await
        .map_err(|e| anyhow::anyhow!("{}", e.message))?;
    let grace = config.blob_gc_grace;
    if dry_run {
        let found = service.garbage_preview(grace).await.map_err(|e| anyhow::anyhow!("{}", e.message))?;
        for (domain, sha256) in &found {
            println!("{domain} {sha256}");
        }
        println!("{} blobs no version refers to, idle for {} s, would be deleted", found.len(), grace.as_secs());
    } else {
        let spinner = progress::spinner("collecting blobs no version refers to");
        let report = service.collect_garbage(grace).await.map_err(|e| anyhow::anyhow!("{}", e.message));
        spinner.finish_and_clear();
        let report = report?;
        println!("{} blobs deleted ({} idle blobs looked at)", report.deleted, report.idle);
    }
    Ok(())
}

fn open_blobs(config: &Config) -> anyhow::Result<Arc<dyn BlobStore>> {
    Ok(match &config.blob {
        BlobConfig::Fs(path) => Arc::new(FsBlobStore::new(path.clone())),
        BlobConfig::S3(s3) => Arc::new(S3BlobStore::new(s3.clone()).context("invalid S3 blob store settings")?),
    })
}

async fn serve(config: Config, defaults: bool) -> anyhow::Result<()> {
    // Every connection, blob and database handle is a file descriptor: take all the system
    // allows (the soft limit is often 1,024, the hard one far higher).
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => tracing::info!(limit, "open-files limit"),
        Err(e) => tracing::warn!(error = %e, "cannot raise the open-files limit"),
    }
    let store = open_store(&config).await?;
    let _only_server = hold_sqlite_alone(&config)?;
    store.void_leases_of_a_previous_run().await.context("cannot void the fetch leases of a previous run")?;
    let blobs = open_blobs(&config)?;
    blobs.check().await.context("the blob store is not usable")?;
    let settings = Settings { owner: tributary_model::AccountId::parse(&config.owner)?, region: config.region.clone() };
    // The Go origin fetcher, on a loopback port of its own, read through `public:go-origin`
    // (unless that connection is pointed elsewhere).
    let origin = std::net::TcpListener::bind("127.0.0.1:0").context("cannot bind the Go origin fetcher's port")?;
    let mut urls = config.external_urls.clone();
    let origin_url = format!("http://{}", origin.local_addr()?);
    urls.entry("public:go-origin".to_owned()).or_insert(origin_url);
    let origin_settings = tributary_format_go::origin::OriginSettings {
        go: config.go_binary.clone(),
        work_dir: config.data_dir.join("go-origin"),
        env: origin_env(&config),
        timeout: std::time::Duration::from_secs(600),
    };
    actix_web::rt::spawn(async move {
        if let Err(e) = tributary_server::origin::run(origin, origin_settings).await {
            tracing::error!(error = %e, "the Go origin fetcher stopped");
        }
    });
    let upstream = UpstreamSettings {
        urls,
        metadata_ttl: std::time::Duration::from_secs(config.metadata_ttl_seconds),
        read_timeout: config.upstream_read_timeout,
        outbound_proxy: config.outbound_proxy.clone(),
        // The server's own loopback services (the origin fetcher) are never reached through a proxy.
        direct_hosts: vec!["127.0.0.1".to_owned()],
        checks: config.go_sumdb.iter().map(|key| ("public:go-proxy".to_owned(), key.clone())).collect(),
        allow_local_connections: config.allow_local_connections,
        ..UpstreamSettings::default()
    };
    let service = Service::new(store, blobs.clone(), settings, upstream, tributary_server::formats())
        .await
        .map_err(|e| anyhow::anyhow!("{}", e.message))?;
    // The admin's secret and the quick start are printed once: not before it is known that the
    // address can be listened on (a start that fails on a taken port would print them for nothing).
    drop(std::net::TcpListener::bind(&config.listen).with_context(|| format!("cannot listen on `{}`", config.listen))?);
    if let Some(admin) =
        service.bootstrap_admin(config.admin_keys.clone()).await.map_err(|e| anyhow::anyhow!("{}", e.message))?
    {
        print_admin(&admin, &config);
        if defaults {
            let made = service.create_quick_start(&admin.access_key_id, chrono::Utc::now()).await;
            let made =
                made.map_err(|e| anyhow::anyhow!("cannot make the quick start's repositories: {}", e.message))?;
            quick_start::print(&made, &config);
        }
    }
    housekeeping(service.clone(), blobs, config.blob_gc_grace);
    follow_revocations(service.clone()).await?;
    let fleet = join_fleet(service.clone());
    work_sync_tasks(service.clone());
    let state = AppState {
        service,
        public_url: config.public_url.clone(),
        metrics: Arc::new(Metrics::default()),
        max_upload_bytes: config.max_upload_bytes,
        limits: config.limits,
    };
    tracing::info!(listen = %config.listen, "tributary is serving");
    if let Some(tls) = &config.tls {
        tracing::info!(listen = %tls.listen, "tributary is serving HTTPS");
    }
    let served = tributary_server::run(state, &config.listen, config.tls.as_ref()).await;
    // The fleet's listening connection is let go inside the runtime (dropped after it, its
    // connection pool would abort the process).
    fleet.abort();
    let _ = fleet.await;
    served.context("the HTTP server failed")
}

/// What the go command is given for an origin fetch, besides its sandbox: `PATH`; the proxies
/// (`outbound_proxy` for both schemes when set, else the environment's), each in both cases, as
/// git reads the lowercase ones; and what reaches private repositories: git's configuration and
/// netrc (the environment's, else the user's own files), SSH, `GOPRIVATE`, `GOINSECURE`, `GOVCS`.
fn origin_env(config: &Config) -> Vec<(String, String)> {
    const PASSED: &[&str] = &[
        "PATH",
        "NO_PROXY",
        "no_proxy",
        "ALL_PROXY",
        "all_proxy",
        "GIT_CONFIG_SYSTEM",
        "GIT_CONFIG_NOSYSTEM",
        "GIT_SSH_COMMAND",
        "SSH_AUTH_SOCK",
        "GOPRIVATE",
        "GONOSUMDB",
        "GOINSECURE",
        "GOVCS",
        "GOAUTH",
        "SSL_CERT_FILE",
        "SSL_CERT_DIR",
    ];
    let mut env: Vec<(String, String)> =
        PASSED.iter().filter_map(|name| std::env::var(name).ok().map(|v| ((*name).to_owned(), v))).collect();
    for (upper, lower) in [("HTTP_PROXY", "http_proxy"), ("HTTPS_PROXY", "https_proxy")] {
        let value =
            config.outbound_proxy.clone().or_else(|| std::env::var(upper).ok()).or_else(|| std::env::var(lower).ok());
        if let Some(value) = value {
            env.push((upper.to_owned(), value.clone()));
            env.push((lower.to_owned(), value));
        }
    }
    let home = std::env::var_os("HOME").map(std::path::PathBuf::from);
    for (name, file) in [("GIT_CONFIG_GLOBAL", ".gitconfig"), ("NETRC", ".netrc")] {
        let value = std::env::var(name).ok().or_else(|| {
            let path = home.as_ref()?.join(file);
            path.exists().then(|| path.to_string_lossy().into_owned())
        });
        if let Some(value) = value {
            env.push((name.to_owned(), value));
        }
    }
    env
}

/// What the blob store accumulates, removed at start and then every hour:
/// - what killed uploads left: at start every leftover (an upload of this store runs in this
///   process only, and none has started yet), later those idle for an hour (a live upload
///   writes at least once per body read timeout);
/// - blobs no version refers to (refused uploads, a kill between blob and version) that were
///   not written for `grace` ([`Service::collect_garbage`]).
fn housekeeping(service: Service, blobs: Arc<dyn BlobStore>, grace: std::time::Duration) {
    const EVERY: std::time::Duration = std::time::Duration::from_secs(3600);
    actix_web::rt::spawn(async move {
        let mut idle_uploads = std::time::Duration::ZERO;
        loop {
            // Each job runs on one server of a fleet per hour (the first to claim it).
            let claimed = |job: &'static str| {
                let service = service.clone();
                async move {
                    service.claim_periodic_job(job, EVERY).await.unwrap_or_else(|e| {
                        tracing::warn!(error.message = %e.message, job, "cannot claim a periodic job");
                        false
                    })
                }
            };
            // A server's own abandoned uploads (its local temporary files) are its own to remove.
            match blobs.remove_abandoned_uploads(idle_uploads).await {
                Ok(0) => {}
                Ok(freed) => tracing::info!(freed_bytes = freed, "removed abandoned uploads"),
                Err(e) => tracing::warn!(error = %e, "cannot remove abandoned uploads"),
            }
            if claimed("cleanup").await {
                match service.clean_up_all(chrono::Utc::now()).await {
                    Ok(0) => {}
                    Ok(disposed) => tracing::info!(disposed, "cleanup policies disposed versions"),
                    Err(e) => tracing::warn!(error.message = %e.message, "cannot run the cleanup policies"),
                }
                match service.forget_unread_documents().await {
                    Ok(0) => {}
                    Ok(forgotten) => tracing::info!(forgotten, "deleted the fleet's unread registry documents"),
                    Err(e) => tracing::warn!(error.message = %e.message, "cannot delete unread registry documents"),
                }
            }
            if claimed("gc").await {
                match service.collect_garbage(grace).await {
                    Ok(report) if report.deleted > 0 => {
                        tracing::info!(deleted = report.deleted, idle = report.idle, "removed unreferenced blobs");
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error.message = %e.message, "cannot collect unreferenced blobs"),
                }
            }
            idle_uploads = EVERY;
            actix_web::rt::time::sleep(EVERY).await;
        }
    });
}

/// Runs the queued sync tasks, one at a time, as one of the fleet's workers (docs/ARCHITECTURE.md,
/// "Sync tasks"): claims the oldest, runs it, and looks again every second when none waits; and
/// reads the changes feeds of the gateways that follow one, every two seconds.
fn work_sync_tasks(service: Service) {
    let worker = format!("worker-{}-{}", std::process::id(), chrono::Utc::now().timestamp_micros());
    let follower = service.clone();
    actix_web::rt::spawn(async move {
        loop {
            match service.run_one_sync(&worker).await {
                Ok(true) => continue,
                Ok(false) => {}
                Err(e) => tracing::warn!(error.message = %e.message, "cannot run a sync task"),
            }
            actix_web::rt::time::sleep(std::time::Duration::from_secs(1)).await;
        }
    });
    let reader = format!("changes-{}-{}", std::process::id(), chrono::Utc::now().timestamp_micros());
    actix_web::rt::spawn(async move {
        loop {
            if let Err(e) = follower.follow_changes_once(&reader).await {
                tracing::warn!(error.message = %e.message, "cannot follow the changes feeds");
            }
            actix_web::rt::time::sleep(std::time::Duration::from_secs(2)).await;
        }
    });
}

/// Loads the revoked tokens, then reloads them every few seconds, so that a token revoked through
/// another server is refused here too (docs/ARCHITECTURE.md, "Tokens").
async fn follow_revocations(service: Service) -> anyhow::Result<()> {
    // A server that cannot tell which tokens were revoked takes none.
    service
        .refresh_revocations(chrono::Utc::now())
        .await
        .map_err(|e| anyhow::anyhow!("cannot load the revoked tokens: {}", e.message))?;
    actix_web::rt::spawn(async move {
        let every = std::time::Duration::from_secs(tributary_engine::REVOCATION_REFRESH_SECONDS);
        loop {
            actix_web::rt::time::sleep(every).await;
            if let Err(e) = service.refresh_revocations(chrono::Utc::now()).await {
                tracing::warn!(error.message = %e.message, "cannot reload the revoked tokens");
            }
        }
    });
    Ok(())
}

/// On PostgreSQL, tells the other servers what this one changes and retires what they change
/// (docs/ARCHITECTURE.md, "A fleet"); without it, their changes show here once cached entries
/// expire.
fn join_fleet(service: Service) -> actix_web::rt::task::JoinHandle<()> {
    actix_web::rt::spawn(async move { service.run_fleet().await })
}

/// Shows the generated admin key once, with the lines that configure the aws CLI for it.
fn print_admin(admin: &tributary_engine::AdminBootstrap, config: &Config) {
    if !admin.generated {
        tracing::info!(access_key_id = %admin.access_key_id, "created the admin principal with the configured access key");
        return;
    }
    let url = quick_start::base_url(config);
    println!(
        "\nCreated the admin principal. Its secret is shown this once; keep it.\n\n    \
         aws configure set aws_access_key_id {}\n    \
         aws configure set aws_secret_access_key {}\n    \
         aws configure set region {}\n\nThen: aws codeartifact --endpoint-url {url} list-domains\n\
         Or sign in to the web console, {url}/ui/, with this key.\n",
        admin.access_key_id, admin.secret_access_key, config.region
    );
}
