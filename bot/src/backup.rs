//! `commandpost backup` and `restore` for SQLite: a consistent copy taken with `VACUUM INTO` while
//! `serve` keeps writing (one read transaction, so the copy is one moment of the database), and a
//! restore that checks the copy before it replaces anything. PostgreSQL has `pg_dump`/`pg_restore`.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Connection, Row, SqliteConnection};
use thiserror::Error;

use crate::store::{Backend, StoreError};

#[derive(Debug, Error)]
pub enum BackupError {
    #[error("the database is PostgreSQL: back it up with `pg_dump --format=custom --file=FILE DATABASE_URL` and restore with `pg_restore --clean --if-exists --dbname=DATABASE_URL FILE` (see the README, Backups)")]
    Postgres,
    #[error("`{0}` is not a SQLite file database; nothing to back up or restore")]
    NotAFile(String),
    #[error("there is no database at {0}")]
    NoDatabase(PathBuf),
    #[error("{0} already exists; choose a new file (a backup never overwrites one)")]
    Exists(PathBuf),
    #[error("{file} is not a Command Post backup: {reason}")]
    NotABackup { file: PathBuf, reason: String },
    #[error("{file} has schema version {found}, newer than this build knows ({latest}); restore it with the commandpost release that wrote it, or a later one")]
    NewerSchema {
        file: PathBuf,
        found: i64,
        latest: i64,
    },
    #[error("{db} already holds {incidents} incident(s); stop `serve` and run restore with --replace to put the current file aside and restore over it")]
    Occupied { db: PathBuf, incidents: i64 },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {source}")]
    Sqlite { path: PathBuf, source: sqlx::Error },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a backup or a restore holds, for the operator's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contents {
    pub schema: i64,
    pub incidents: i64,
    pub events: i64,
}

impl fmt::Display for Contents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} incident(s), {} timeline event(s), schema version {}",
            self.incidents, self.events, self.schema
        )
    }
}

/// What `restore` did.
#[derive(Debug)]
pub struct Restored {
    pub db: PathBuf,
    pub from: PathBuf,
    pub contents: Contents,
    /// Migrations applied to bring an older backup up to this build's schema.
    pub migrated: usize,
    /// Where the database that was there before went (`--replace`).
    pub set_aside: Option<PathBuf>,
}

impl fmt::Display for Restored {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "restored {} from {}: {}",
            self.db.display(),
            self.from.display(),
            self.contents
        )?;
        if self.migrated > 0 {
            write!(f, "; applied {} newer migration(s)", self.migrated)?;
        }
        if let Some(old) = &self.set_aside {
            write!(f, "; the previous database is now {}", old.display())?;
        }
        Ok(())
    }
}

/// The file of a `sqlite://FILE?options` URL; PostgreSQL and in-memory databases are refused.
pub fn sqlite_file(database_url: &str) -> Result<PathBuf, BackupError> {
    if database_url.parse::<Backend>()? == Backend::Postgres {
        return Err(BackupError::Postgres);
    }
    let rest = database_url
        .strip_prefix("sqlite://")
        .or_else(|| database_url.strip_prefix("sqlite:"))
        .unwrap_or(database_url);
    let path = rest.split('?').next().unwrap_or_default();
    if path.is_empty() || path.starts_with(':') {
        return Err(BackupError::NotAFile(database_url.to_owned()));
    }
    Ok(PathBuf::from(path))
}

/// Writes a consistent copy of the database to `to`, which must not exist yet.
pub async fn backup(database_url: &str, to: &Path) -> Result<Contents, BackupError> {
    let db = sqlite_file(database_url)?;
    if !db.exists() {
        return Err(BackupError::NoDatabase(db));
    }
    if to.exists() {
        return Err(BackupError::Exists(to.to_owned()));
    }
    let mut conn = open(&db, false).await?;
    // A writer holding the lock delays the read transaction's start; busy_timeout waits for it.
    sqlx::query("VACUUM INTO ?")
        .bind(to.display().to_string())
        .execute(&mut conn)
        .await
        .map_err(|source| BackupError::Sqlite {
            path: to.to_owned(),
            source,
        })?;
    conn.close().await.ok();
    let mut copy = open(to, true).await?;
    let contents = contents(&mut copy, to).await?;
    copy.close().await.ok();
    Ok(contents)
}

/// Checks `from` (a readable SQLite backup of this or an older schema), then puts it in place of
/// the configured database. A database that holds incidents is only replaced with `replace`; it is
/// then renamed beside itself, not deleted.
pub async fn restore(
    database_url: &str,
    from: &Path,
    replace: bool,
) -> Result<Restored, BackupError> {
    let db = sqlite_file(database_url)?;
    if !from.exists() {
        return Err(BackupError::NoDatabase(from.to_owned()));
    }
    let mut backup = open(from, true)
        .await
        .map_err(|error| not_a_backup(from, error))?;
    contents(&mut backup, from).await?;
    check_schema(&mut backup, from).await?;
    backup.close().await.ok();

    let existing = existing_incidents(&db).await?;
    if existing > 0 && !replace {
        return Err(BackupError::Occupied {
            db,
            incidents: existing,
        });
    }
    // Work on a copy beside the target, so the target is replaced by one rename at the end.
    let staging = with_suffix(&db, ".restoring");
    remove_if_present(&staging)?;
    std::fs::copy(from, &staging).map_err(|source| BackupError::Io {
        path: staging.clone(),
        source,
    })?;
    let migrated = migrate(&staging).await?;
    let set_aside = if db.exists() {
        let aside = with_suffix(
            &db,
            &format!(
                ".before-restore-{}",
                chrono::Utc::now().format("%Y%m%dT%H%M%SZ")
            ),
        );
        rename(&db, &aside)?;
        for side in ["-wal", "-shm"] {
            let from = with_suffix(&db, side);
            if from.exists() {
                rename(&from, &with_suffix(&aside, side))?;
            }
        }
        Some(aside)
    } else {
        None
    };
    rename(&staging, &db)?;
    let mut restored = open(&db, true).await?;
    let contents = contents(&mut restored, &db).await?;
    restored.close().await.ok();
    Ok(Restored {
        db,
        from: from.to_owned(),
        contents,
        migrated,
        set_aside,
    })
}

async fn open(path: &Path, read_only: bool) -> Result<SqliteConnection, BackupError> {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(false)
        .read_only(read_only)
        .busy_timeout(Duration::from_secs(30));
    SqliteConnection::connect_with(&options)
        .await
        .map_err(|source| BackupError::Sqlite {
            path: path.to_owned(),
            source,
        })
}

fn not_a_backup(file: &Path, error: BackupError) -> BackupError {
    BackupError::NotABackup {
        file: file.to_owned(),
        reason: error.to_string(),
    }
}

/// The schema version (latest migration applied) and how much the database holds.
async fn contents(conn: &mut SqliteConnection, file: &Path) -> Result<Contents, BackupError> {
    let reason = |error: sqlx::Error| BackupError::NotABackup {
        file: file.to_owned(),
        reason: error.to_string(),
    };
    let schema: Option<i64> =
        sqlx::query("SELECT max(version) FROM _sqlx_migrations WHERE success")
            .fetch_one(&mut *conn)
            .await
            .and_then(|row| row.try_get(0))
            .map_err(reason)?;
    let count = |table: &'static str| format!("SELECT count(*) FROM {table}");
    let incidents: i64 = sqlx::query(&count("incidents"))
        .fetch_one(&mut *conn)
        .await
        .and_then(|row| row.try_get(0))
        .map_err(reason)?;
    let events: i64 = sqlx::query(&count("timeline"))
        .fetch_one(&mut *conn)
        .await
        .and_then(|row| row.try_get(0))
        .map_err(reason)?;
    Ok(Contents {
        schema: schema.unwrap_or(0),
        incidents,
        events,
    })
}

/// Refuses a backup that is damaged or carries a migration this build does not have.
async fn check_schema(conn: &mut SqliteConnection, file: &Path) -> Result<(), BackupError> {
    let reason = |error: sqlx::Error| BackupError::NotABackup {
        file: file.to_owned(),
        reason: error.to_string(),
    };
    let integrity: String = sqlx::query("PRAGMA quick_check")
        .fetch_one(&mut *conn)
        .await
        .and_then(|row| row.try_get(0))
        .map_err(reason)?;
    if integrity != "ok" {
        return Err(BackupError::NotABackup {
            file: file.to_owned(),
            reason: format!("SQLite reports damage: {integrity}"),
        });
    }
    let versions: Vec<i64> = sqlx::query("SELECT version FROM _sqlx_migrations WHERE success")
        .fetch_all(&mut *conn)
        .await
        .map_err(reason)?
        .iter()
        .map(|row| row.try_get(0))
        .collect::<Result<_, _>>()
        .map_err(reason)?;
    let known: Vec<i64> = Backend::Sqlite
        .migrator()
        .iter()
        .map(|m| m.version)
        .collect();
    let latest = known.iter().copied().max().unwrap_or(0);
    if let Some(unknown) = versions
        .iter()
        .copied()
        .filter(|v| !known.contains(v))
        .max()
    {
        return Err(BackupError::NewerSchema {
            file: file.to_owned(),
            found: unknown.max(versions.iter().copied().max().unwrap_or(0)),
            latest,
        });
    }
    Ok(())
}

/// Incidents in the configured database, 0 when there is no database (or no schema) yet.
async fn existing_incidents(db: &Path) -> Result<i64, BackupError> {
    if !db.exists() {
        return Ok(0);
    }
    let mut conn = open(db, false).await?;
    let has_table: i64 = sqlx::query(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'incidents'",
    )
    .fetch_one(&mut conn)
    .await
    .and_then(|row| row.try_get(0))
    .map_err(|source| BackupError::Sqlite {
        path: db.to_owned(),
        source,
    })?;
    let count = if has_table == 0 {
        0
    } else {
        contents(&mut conn, db).await?.incidents
    };
    conn.close().await.ok();
    Ok(count)
}

/// Brings the staged copy to this build's schema; how many migrations that took. One connection
/// throughout, and no write-ahead log left beside the file, so that one rename moves it all.
async fn migrate(staging: &Path) -> Result<usize, BackupError> {
    let mut conn = open(staging, false).await?;
    sqlx::query("PRAGMA journal_mode = DELETE")
        .execute(&mut conn)
        .await
        .map_err(|source| BackupError::Sqlite {
            path: staging.to_owned(),
            source,
        })?;
    let before = contents(&mut conn, staging).await?.schema;
    Backend::Sqlite
        .migrator()
        .run(&mut conn)
        .await
        .map_err(StoreError::from)?;
    conn.close().await.ok();
    Ok(Backend::Sqlite
        .migrator()
        .iter()
        .filter(|m| m.version > before)
        .count())
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn rename(from: &Path, to: &Path) -> Result<(), BackupError> {
    std::fs::rename(from, to).map_err(|source| BackupError::Io {
        path: to.to_owned(),
        source,
    })
}

fn remove_if_present(path: &Path) -> Result<(), BackupError> {
    match std::fs::remove_file(path) {
        Err(error) if error.kind() != std::io::ErrorKind::NotFound => Err(BackupError::Io {
            path: path.to_owned(),
            source: error,
        }),
        _ => Ok(()),
    }
}
