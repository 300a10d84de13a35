//! The `commandpost` binary: parses the command line and hands over to startup.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{bail, Context};
use clap::Parser;
use tokio::sync::watch;

use commandpost::chat::console::{self, ConsoleConfig, ConsoleOutput};
use commandpost::clock::SystemClock;
use commandpost::config::{Config, LogFormat};
use commandpost::startup::{self, App};
use commandpost::{check, telemetry};

mod cli;
use cli::{BenchCommand, Cli, KbCommand, Subcommand_};

fn main() -> ExitCode {
    let cli = Cli::parse();
    // One thread per embedding: on the small machines this runs on, a question is embedded
    // faster on one thread than split over two (5,000 articles, release build: p50 12.9 ms
    // against 16.9 ms), and the other core stays free to acknowledge chat commands. Set before
    // any other thread exists; an operator's RAYON_NUM_THREADS wins.
    if std::env::var_os("RAYON_NUM_THREADS").is_none() {
        std::env::set_var("RAYON_NUM_THREADS", "1");
    }
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
            telemetry::report_fatal(&format!("{error:#}"));
            ExitCode::FAILURE
        }
    }
}

/// Loads the configuration, then starts logging in the format it asks for.
fn load_and_log(path: Option<&Path>, default_level: &str) -> anyhow::Result<Config> {
    let config = Config::load(path)?;
    telemetry::init_logging(default_level, config.log.format);
    Ok(config)
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let Some(command) = cli.command else {
        let path = cli.config.as_deref();
        let config = load_and_log(path, "warn")?;
        return run_console(config, path.is_none()).await;
    };
    match command {
        Subcommand_::Serve { config } => serve(load_and_log(Some(&config), "info")?).await,
        Subcommand_::Migrate { config } => {
            let config = load_and_log(Some(&config), "info")?;
            startup::open_store(&config).await?;
            println!(
                "migrations applied to {}",
                startup::redact_url(&config.database_url)
            );
            Ok(ExitCode::SUCCESS)
        }
        Subcommand_::Backup { config, to } => {
            let config = load_and_log(Some(&config), "warn")?;
            let contents = commandpost::backup::backup(&config.database_url, &to).await?;
            println!("backed up to {}: {contents}", to.display());
            Ok(ExitCode::SUCCESS)
        }
        Subcommand_::Restore {
            config,
            from,
            replace,
        } => {
            let config = load_and_log(Some(&config), "warn")?;
            let restored =
                commandpost::backup::restore(&config.database_url, &from, replace).await?;
            println!("{restored}");
            Ok(ExitCode::SUCCESS)
        }
        Subcommand_::Check { config } => {
            let report = check::report(&config);
            for line in &report.lines {
                println!("{line}");
            }
            Ok(if report.valid {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Subcommand_::Bench(bench) => {
            telemetry::init_logging("warn", LogFormat::from_env());
            run_bench(bench).await
        }
        Subcommand_::SlackManifest {
            socket_mode,
            config,
        } => {
            let config = Config::load(config.as_deref())?;
            print!(
                "{}",
                commandpost::chat::slack::manifest::manifest(&config, socket_mode)
            );
            Ok(ExitCode::SUCCESS)
        }
        Subcommand_::DiscordCommands => {
            let commands = commandpost::chat::discord::command_definitions();
            println!("{}", serde_json::to_string_pretty(&commands)?);
            Ok(ExitCode::SUCCESS)
        }
        Subcommand_::Kb(kb) => run_kb(kb).await,
    }
}

async fn run_bench(command: BenchCommand) -> anyhow::Result<ExitCode> {
    let dir = commandpost::bench::scratch::ScratchDir::new("commandpost-bench-")?;
    let backend = match &command {
        BenchCommand::Timers { backend, .. }
        | BenchCommand::Alerts { backend, .. }
        | BenchCommand::Delivery { backend, .. }
        | BenchCommand::Pages { backend, .. } => Some(backend.as_str()),
        BenchCommand::Kb { .. } => None,
    };
    // The store a benchmark runs on: a scratch SQLite file or a throwaway PostgreSQL database.
    let url = match backend {
        Some("sqlite") => format!("sqlite://{}/bench.db", dir.path().display()),
        Some("postgres") => commandpost::bench::postgres::fresh_database().await,
        Some(other) => bail!("--backend must be sqlite or postgres, not `{other}`"),
        None => String::new(),
    };
    use commandpost::bench;
    let report = match command {
        BenchCommand::Timers {
            incidents,
            spread,
            window,
            ..
        } => bench::timers::run(&url, incidents, spread, window)
            .await?
            .to_string(),
        BenchCommand::Alerts {
            duration,
            incidents,
            ..
        } => bench::alerts::run(&url, duration, incidents)
            .await?
            .to_string(),
        BenchCommand::Delivery {
            clients,
            updates,
            black_holed,
            ..
        } => bench::delivery::run(&url, clients, updates, black_holed)
            .await?
            .to_string(),
        BenchCommand::Pages {
            incidents, samples, ..
        } => bench::pages::run(&url, incidents, samples)
            .await?
            .to_string(),
        BenchCommand::Kb {
            articles,
            queries,
            model,
            embed_at_most,
        } => commandpost::kb_cli::bench(articles, queries, model.as_deref(), embed_at_most)?
            .to_string(),
    };
    println!("{report}");
    Ok(ExitCode::SUCCESS)
}

async fn run_kb(command: KbCommand) -> anyhow::Result<ExitCode> {
    let printed = match command {
        KbCommand::Search {
            text,
            client,
            kb,
            limit,
            json,
            model,
            config,
        } => {
            let config = config
                .as_deref()
                .map(|p| Config::load(Some(p)))
                .transpose()?;
            let dir = kb.or_else(|| config.as_ref().map(|c| c.kb_dir.clone()));
            let model = model.or_else(|| config.and_then(|c| c.triage.model_dir));
            let search = commandpost::kb_cli::Search {
                kb_dir: dir.unwrap_or_else(|| PathBuf::from("kb")),
                model,
                client,
                limit,
                json,
            };
            search.run(&text)?.to_string()
        }
        KbCommand::Eval {
            kb,
            questions,
            model,
        } => commandpost::kb_cli::eval(&kb, &questions, &model)?.to_string(),
        KbCommand::Learned {
            config,
            client,
            remove,
        } => {
            let config = Config::load(Some(&config))?;
            commandpost::kb_cli::learned(&config, client.as_deref(), remove)
                .await?
                .to_string()
        }
    };
    println!("{printed}");
    Ok(ExitCode::SUCCESS)
}

async fn run_console(mut config: Config, sample: bool) -> anyhow::Result<ExitCode> {
    let user = config
        .chat::<ConsoleConfig>()
        .and_then(|console| console.user.clone())
        .or_else(|| std::env::var("USER").ok().filter(|u| !u.is_empty()))
        .unwrap_or_else(|| "operator".into())
        .to_ascii_lowercase();
    ConsoleConfig::turn_on(&mut config);
    let clock = Arc::new(SystemClock);
    let output = Arc::new(ConsoleOutput::stdout(config.timezone, clock.clone()));
    let listen = config.http.listen;
    let app = App::build(config, clock, Some(output.clone()), Vec::new()).await?;
    let (stop, stopped) = watch::channel(false);
    let workers = app.spawn_workers(stopped.clone());
    let knowledge = app.spawn_knowledge_watcher(stopped.clone());
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
        result = console::run(app.engine.clone(), console.platform.clone(), console.output.clone(), user, sample) => result?,
        _ = startup::shutdown_signal() => {}
    }
    let _ = stop.send(true);
    let _ = workers.await;
    let _ = knowledge.await;
    if let Some(web) = web {
        let _ = web.await;
    }
    Ok(ExitCode::SUCCESS)
}

async fn serve(config: Config) -> anyhow::Result<ExitCode> {
    let stop_signal = startup::shutdown_signal();
    let listen = config.http.listen;
    let metrics_listen = config.http.metrics_listen;
    let console_output = ConsoleConfig::enabled_in(&config).then(|| {
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
    let knowledge = app.spawn_knowledge_watcher(stopped.clone());
    let connections = app.spawn_connections(stopped.clone());
    let metrics_web = tokio::spawn(startup::serve_http(
        metrics_listener,
        app.metrics_router(),
        stopped.clone(),
    ));
    let web = tokio::spawn(startup::serve_http(listener, app.router(), stopped));
    stop_signal.await;
    tracing::info!("shutting down: finishing work in flight");
    let _ = stop.send(true);
    let _ = workers.await;
    let _ = knowledge.await;
    for connection in connections {
        let _ = connection.await;
    }
    web.await??;
    metrics_web.await??;
    app.store.close().await;
    Ok(ExitCode::SUCCESS)
}
