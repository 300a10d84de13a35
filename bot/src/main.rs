//! The `commandpost` binary: parses the command line and hands over to startup.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use tokio::sync::watch;

use commandpost::chat::console::{self, ConsoleOutput};
use commandpost::clock::SystemClock;
use commandpost::config::Config;
use commandpost::startup::{self, App};
use commandpost::{check, telemetry};

/// Incident command for managed service providers, from Slack, Discord or this terminal.
#[derive(Debug, Parser)]
#[command(name = "commandpost", version, about)]
struct Cli {
    /// Configuration file (TOML). Without it the console runs on a built-in sample configuration.
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Subcommand_>,
}

#[derive(Debug, Subcommand)]
enum Subcommand_ {
    /// Run every adapter the configuration enables, the HTTP server and the timers until SIGINT/SIGTERM.
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Validate the configuration and templates; print every problem with file and line.
    Check,
    /// Print the Slack app manifest (YAML) for this build, with request URLs from `http.public_url`.
    SlackManifest {
        /// Socket Mode: no public request URLs (set `slack.app_token`).
        #[arg(long)]
        socket_mode: bool,
    },
    /// Print the Discord application-command JSON for this build (what `serve` registers).
    DiscordCommands,
    /// Measure speed and memory targets (not part of the tests: this machine is shared and noisy).
    #[command(subcommand)]
    Bench(BenchCommand),
    /// The knowledge base from the shell.
    #[command(subcommand)]
    Kb(KbCommand),
}

#[derive(Debug, Subcommand)]
enum KbCommand {
    /// Search as `/help` would for a client.
    Search {
        text: String,
        /// The asking client; without it only articles visible to every client are searched.
        #[arg(long)]
        client: Option<String>,
        /// The knowledge base directory (default: `kb_dir` of --config, else ./kb).
        #[arg(long)]
        kb: Option<PathBuf>,
        #[arg(long, default_value_t = 3)]
        limit: usize,
        /// Print `[{"slug","title","score"}]`, best first; `[]` when nothing is a confident match.
        #[arg(long)]
        json: bool,
        /// Sentence-embedding model folder (default: `triage.model_dir` of --config): hybrid search.
        #[arg(long)]
        model: Option<PathBuf>,
    },
    /// Top-1/top-3 hit rate, correct escalation and cross-client leaks on an evaluation set,
    /// words-only and hybrid side by side.
    Eval {
        #[arg(long, default_value = "crates/knowledge/eval/kb")]
        kb: PathBuf,
        #[arg(long, default_value = "crates/knowledge/eval/questions.toml")]
        questions: PathBuf,
        /// Sentence-embedding model folder for the hybrid column.
        #[arg(long, default_value = "models/all-MiniLM-L6-v2")]
        model: PathBuf,
    },
    /// Phrasings learned from "This solved it", per client (needs --config for the database).
    Learned {
        #[arg(long)]
        client: Option<String>,
        /// Remove the learned phrasing with this id.
        #[arg(long)]
        remove: Option<i64>,
    },
}

#[derive(Debug, Subcommand)]
enum BenchCommand {
    /// Open incidents whose nudges and escalations fall due over a spread of time: lateness and memory.
    Timers {
        #[arg(long, default_value_t = 10_000)]
        incidents: usize,
        /// `sqlite` (a temporary file) or `postgres` (a throwaway local cluster).
        #[arg(long, default_value = "sqlite")]
        backend: String,
        /// Over how long the incidents' timers fall due (a 30-minute cadence spreads them over 30 minutes).
        #[arg(long, default_value = "30m", value_parser = humantime::parse_duration)]
        spread: std::time::Duration,
        /// How long to run the worker and watch.
        #[arg(long, default_value = "90s", value_parser = humantime::parse_duration)]
        window: std::time::Duration,
    },
    /// A year of incidents in the store: how fast `/incidents` and a monthly report render.
    Pages {
        #[arg(long, default_value_t = 100_000)]
        incidents: usize,
        /// `sqlite` (a temporary file) or `postgres` (a throwaway local cluster).
        #[arg(long, default_value = "sqlite")]
        backend: String,
        /// Requests per list page measured (the report gets a quarter as many).
        #[arg(long, default_value_t = 400)]
        samples: usize,
    },
    /// Knowledge-base search latency over generated articles.
    Kb {
        #[arg(long, default_value_t = 50_000)]
        articles: usize,
        #[arg(long, default_value_t = 5_000)]
        queries: usize,
        /// Also measure hybrid search with this sentence-embedding model folder.
        #[arg(long)]
        model: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("commandpost: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("commandpost: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn required_config(cli: &Cli, command: &str) -> anyhow::Result<Config> {
    let Some(path) = cli.config.as_deref() else {
        bail!("`commandpost {command}` needs --config FILE");
    };
    Ok(Config::load(Some(path))?)
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match &cli.command {
        None => {
            telemetry::init_logging("warn");
            run_console(cli.config.as_deref()).await
        }
        Some(Subcommand_::Serve) => {
            telemetry::init_logging("info");
            let config = required_config(&cli, "serve")?;
            serve(config).await
        }
        Some(Subcommand_::Migrate) => {
            telemetry::init_logging("info");
            let config = required_config(&cli, "migrate")?;
            startup::open_store(&config).await?;
            println!(
                "migrations applied to {}",
                startup::redact_url(&config.database_url)
            );
            Ok(ExitCode::SUCCESS)
        }
        Some(Subcommand_::Bench(BenchCommand::Timers {
            incidents,
            backend,
            spread,
            window,
        })) => {
            telemetry::init_logging("warn");
            let dir = tempfile::tempdir()?;
            let url = match backend.as_str() {
                "sqlite" => format!("sqlite://{}/bench.db", dir.path().display()),
                "postgres" => commandpost::testing::postgres::fresh_database().await,
                other => bail!("--backend must be sqlite or postgres, not `{other}`"),
            };
            let report =
                commandpost::bench::timers::run(&url, *incidents, *spread, *window).await?;
            println!("{report}");
            Ok(ExitCode::SUCCESS)
        }
        Some(Subcommand_::Bench(BenchCommand::Pages {
            incidents,
            backend,
            samples,
        })) => {
            telemetry::init_logging("warn");
            let dir = tempfile::tempdir()?;
            let url = match backend.as_str() {
                "sqlite" => format!("sqlite://{}/bench.db", dir.path().display()),
                "postgres" => commandpost::testing::postgres::fresh_database().await,
                other => bail!("--backend must be sqlite or postgres, not `{other}`"),
            };
            let report = commandpost::bench::pages::run(&url, *incidents, *samples).await?;
            println!("{report}");
            Ok(ExitCode::SUCCESS)
        }
        Some(Subcommand_::SlackManifest { socket_mode }) => {
            let config = Config::load(cli.config.as_deref())?;
            print!(
                "{}",
                commandpost::chat::slack::manifest::manifest(&config, *socket_mode)
            );
            Ok(ExitCode::SUCCESS)
        }
        Some(Subcommand_::DiscordCommands) => {
            let commands = commandpost::chat::discord::command_definitions();
            println!("{}", serde_json::to_string_pretty(&commands)?);
            Ok(ExitCode::SUCCESS)
        }
        Some(Subcommand_::Bench(BenchCommand::Kb {
            articles,
            queries,
            model,
        })) => {
            println!(
                "{}",
                commandpost::kb::cli::bench(*articles, *queries, model.as_deref())?
            );
            Ok(ExitCode::SUCCESS)
        }
        Some(Subcommand_::Kb(KbCommand::Search {
            text,
            client,
            kb,
            limit,
            json,
            model,
        })) => {
            let config = cli
                .config
                .as_deref()
                .map(|p| Config::load(Some(p)))
                .transpose()?;
            let dir = kb
                .clone()
                .or_else(|| config.as_ref().map(|c| c.kb_dir.clone()));
            let model = model
                .clone()
                .or_else(|| config.and_then(|c| c.triage.model_dir));
            let search = commandpost::kb::cli::Search {
                kb_dir: dir.unwrap_or_else(|| PathBuf::from("kb")),
                model,
                client: client.clone(),
                limit: *limit,
                json: *json,
            };
            println!("{}", search.run(text)?);
            Ok(ExitCode::SUCCESS)
        }
        Some(Subcommand_::Kb(KbCommand::Eval {
            kb,
            questions,
            model,
        })) => {
            println!("{}", commandpost::kb::cli::eval(kb, questions, model)?);
            Ok(ExitCode::SUCCESS)
        }
        Some(Subcommand_::Kb(KbCommand::Learned { client, remove })) => {
            let config = required_config(&cli, "kb learned")?;
            println!(
                "{}",
                commandpost::kb::cli::learned(&config, client.as_deref(), *remove).await?
            );
            Ok(ExitCode::SUCCESS)
        }
        Some(Subcommand_::Check) => {
            let path = cli
                .config
                .as_deref()
                .context("`commandpost check` needs --config FILE")?;
            check_config(path)
        }
    }
}

fn check_config(path: &Path) -> anyhow::Result<ExitCode> {
    let config = match Config::load(Some(path)) {
        Ok(config) => config,
        Err(error) => {
            println!("{error}");
            return Ok(ExitCode::FAILURE);
        }
    };
    for warning in config.warnings() {
        println!("{}: warning: {warning}", path.display());
    }
    let mut problems = check::problems(&config, &config.templates_dir);
    problems.extend(commandpost::kb::cli::problems(&config.kb_dir));
    if let Some(dir) = &config.triage.model_dir {
        if let Err(error) = commandpost_knowledge::Embedder::load(dir) {
            problems.push(format!("triage.model_dir: {error}"));
        }
    }
    for problem in &problems {
        println!("{problem}");
    }
    if problems.is_empty() {
        println!(
            "{}: configuration, templates and knowledge base are valid",
            path.display()
        );
        Ok(ExitCode::SUCCESS)
    } else {
        println!("{} problem(s) found", problems.len());
        Ok(ExitCode::FAILURE)
    }
}

async fn run_console(path: Option<&Path>) -> anyhow::Result<ExitCode> {
    let mut config = Config::load(path)?;
    let user = config
        .console
        .as_ref()
        .and_then(|console| console.user.clone())
        .or_else(|| std::env::var("USER").ok().filter(|u| !u.is_empty()))
        .unwrap_or_else(|| "operator".into())
        .to_ascii_lowercase();
    // The terminal is the chat here, whatever the file says about the console.
    config
        .console
        .get_or_insert(commandpost::config::ConsoleConfig {
            enabled: true,
            user: None,
        })
        .enabled = true;
    let clock = Arc::new(SystemClock);
    let output = Arc::new(ConsoleOutput::stdout(config.timezone, clock.clone()));
    let listen = config.http.listen;
    let app = App::build(config, clock, Some(output.clone()), Vec::new()).await?;
    let (stop, stopped) = watch::channel(false);
    let workers = app.spawn_workers(stopped.clone());
    let web = match startup::bind(listen).await {
        Ok(listener) => {
            output.info(&format!(
                "Web pages on http://{}",
                listener.local_addr().unwrap_or(listen)
            ));
            Some(tokio::spawn(startup::serve_http(
                listener,
                app.router(),
                stopped,
            )))
        }
        Err(error) => {
            output.info(&format!("(no web pages: {error})"));
            None
        }
    };
    let console = app.console.as_ref().context("the console adapter is on")?;
    tokio::select! {
        result = console::run(app.engine.clone(), console.platform.clone(), console.output.clone(), user, path.is_none()) => result?,
        _ = startup::shutdown_signal() => {}
    }
    let _ = stop.send(true);
    let _ = workers.await;
    if let Some(web) = web {
        let _ = web.await;
    }
    Ok(ExitCode::SUCCESS)
}

async fn serve(config: Config) -> anyhow::Result<ExitCode> {
    let listen = config.http.listen;
    let metrics_listen = config.http.metrics_listen;
    let console_output = config.console_enabled().then(|| {
        Arc::new(ConsoleOutput::stdout(
            config.timezone,
            Arc::new(SystemClock),
        ))
    });
    let app = App::build(config, Arc::new(SystemClock), console_output, Vec::new()).await?;
    let listener = startup::bind(listen).await?;
    tracing::info!(addr = %listener.local_addr()?, "listening");
    let metrics_listener = startup::bind(metrics_listen).await?;
    tracing::info!(addr = %metrics_listener.local_addr()?, "metrics listening");
    let (stop, stopped) = watch::channel(false);
    let workers = app.spawn_workers(stopped.clone());
    let connections = app.spawn_connections(stopped.clone());
    let metrics_web = tokio::spawn(startup::serve_http(
        metrics_listener,
        app.metrics_router(),
        stopped.clone(),
    ));
    let web = tokio::spawn(startup::serve_http(listener, app.router(), stopped));
    startup::shutdown_signal().await;
    tracing::info!("shutting down: finishing work in flight");
    let _ = stop.send(true);
    let _ = workers.await;
    for connection in connections {
        let _ = connection.await;
    }
    web.await??;
    metrics_web.await??;
    app.store.close().await;
    Ok(ExitCode::SUCCESS)
}
