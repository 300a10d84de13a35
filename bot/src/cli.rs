//! The binary's command line (clap): subcommands, their flags and help. `main.rs` runs them.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Incident command for managed service providers, from Slack, Discord or this terminal.
#[derive(Debug, Parser)]
#[command(name = "commandpost", version, about)]
pub struct Cli {
    /// Configuration file (TOML) for the console. Without it the console runs on a built-in
    /// sample configuration.
    #[arg(long, value_name = "FILE", env = "COMMANDPOST_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Subcommand_>,
}

#[derive(Debug, Subcommand)]
pub enum Subcommand_ {
    /// Run every adapter the configuration enables, the HTTP server and the timers until SIGINT/SIGTERM.
    Serve {
        /// Configuration file (TOML): adapters, database, listen addresses, clients. Relative
        /// paths in it are relative to its folder.
        #[arg(long, value_name = "FILE", env = "COMMANDPOST_CONFIG")]
        config: PathBuf,
    },
    /// Apply pending database migrations and exit.
    Migrate {
        /// Configuration file (TOML) whose `database_url` is migrated.
        #[arg(long, value_name = "FILE", env = "COMMANDPOST_CONFIG")]
        config: PathBuf,
    },
    /// Validate the configuration, templates and knowledge base; print every problem as
    /// `file:line: key: message`.
    Check {
        /// Configuration file (TOML) to check, with the templates, knowledge base and model it names.
        #[arg(long, value_name = "FILE", env = "COMMANDPOST_CONFIG")]
        config: PathBuf,
    },
    /// Copy the SQLite database to a new file, consistently, while `serve` keeps running
    /// (PostgreSQL: use pg_dump, see the README, Backups).
    Backup {
        /// Configuration file (TOML) whose `database_url` is backed up.
        #[arg(long, value_name = "FILE", env = "COMMANDPOST_CONFIG")]
        config: PathBuf,
        /// Where to write the backup; the file must not exist yet.
        #[arg(long, value_name = "FILE")]
        to: PathBuf,
    },
    /// Put a backup in place of the SQLite database, migrated to this build's schema (stop
    /// `serve` first). Refuses a backup from a newer schema or a damaged one.
    Restore {
        /// Configuration file (TOML) whose `database_url` is restored into.
        #[arg(long, value_name = "FILE", env = "COMMANDPOST_CONFIG")]
        config: PathBuf,
        /// The backup file (`commandpost backup --to`).
        #[arg(long, value_name = "FILE")]
        from: PathBuf,
        /// Restore over a database that already holds incidents; that file is renamed aside
        /// (`<db>.before-restore-<time>`), not deleted.
        #[arg(long)]
        replace: bool,
    },
    /// Print the Slack app manifest (YAML) for this build, with request URLs from `http.public_url`.
    SlackManifest {
        /// Socket Mode: no public request URLs (set `slack.app_token`).
        #[arg(long)]
        socket_mode: bool,
        /// Configuration file (TOML) whose `http.public_url` the request URLs use (default: the
        /// built-in sample's).
        #[arg(long, value_name = "FILE", env = "COMMANDPOST_CONFIG")]
        config: Option<PathBuf>,
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
pub enum KbCommand {
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
        /// Configuration file (TOML) for the default `kb_dir` and `triage.model_dir`.
        #[arg(long, value_name = "FILE", env = "COMMANDPOST_CONFIG")]
        config: Option<PathBuf>,
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
    /// Phrasings learned from "This solved it", per client.
    Learned {
        /// Configuration file (TOML) whose database holds the learned phrasings.
        #[arg(long, value_name = "FILE", env = "COMMANDPOST_CONFIG")]
        config: PathBuf,
        #[arg(long)]
        client: Option<String>,
        /// Remove the learned phrasing with this id.
        #[arg(long)]
        remove: Option<i64>,
    },
}

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
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
    /// Alerts posted over HTTP by several senders while open incidents' timers fall due:
    /// alerts/s accepted, request latency, timer lateness.
    Alerts {
        #[arg(long, default_value = "30s", value_parser = humantime::parse_duration)]
        duration: std::time::Duration,
        /// Open incidents whose nudges fall due during the run.
        #[arg(long, default_value_t = 1_000)]
        incidents: usize,
        /// `sqlite` (a temporary file) or `postgres` (a throwaway local cluster).
        #[arg(long, default_value = "sqlite")]
        backend: String,
    },
    /// Client updates across many clients, some of whose webhooks never answer: publish to
    /// confirmed delivery for the healthy ones, with the real worker and outbox.
    Delivery {
        #[arg(long, default_value_t = 500)]
        clients: usize,
        #[arg(long, default_value_t = 1_000)]
        updates: usize,
        /// Share of clients whose webhook accepts the connection and never answers.
        #[arg(long, default_value_t = 0.05)]
        black_holed: f64,
        /// `sqlite` (a temporary file) or `postgres` (a throwaway local cluster).
        #[arg(long, default_value = "sqlite")]
        backend: String,
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
        /// With --model: embed only this many articles and reuse their vectors for the rest (the
        /// time and memory of a large knowledge base without hours of embedding first).
        #[arg(long)]
        embed_at_most: Option<usize>,
    },
}
