//! Relative paths written in a configuration file mean "beside this file", wherever the process
//! was started from (a service manager's working directory is rarely the config's folder).
//! Defaults and environment variables keep meaning the working directory.

use std::path::Path;

/// Keys holding a path: (section, key); `None` is the top level.
const PATH_KEYS: [(Option<&str>, &str); 4] = [
    (None, "templates_dir"),
    (None, "kb_dir"),
    (Some("triage"), "model_dir"),
    (Some("triage"), "embedding_cache"),
];

/// Rewrites the relative paths of a parsed file (before environment overrides) against `base`.
pub fn resolve(table: &mut toml::Table, base: &Path) {
    if let Some(toml::Value::String(url)) = table.get_mut("database_url") {
        if let Some(resolved) = sqlite_url(url, base) {
            *url = resolved;
        }
    }
    for (section, key) in PATH_KEYS {
        let holder = match section {
            None => Some(&mut *table),
            Some(section) => table.get_mut(section).and_then(|v| v.as_table_mut()),
        };
        if let Some(toml::Value::String(path)) = holder.and_then(|t| t.get_mut(key)) {
            if Path::new(path.as_str()).is_relative() {
                *path = base.join(&*path).display().to_string();
            }
        }
    }
}

/// `sqlite://data/cp.db?mode=rwc` -> `sqlite:///etc/commandpost/data/cp.db?mode=rwc`; absolute
/// paths, in-memory databases and other schemes are left alone.
fn sqlite_url(url: &str, base: &Path) -> Option<String> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let (path, query) = match rest.find('?') {
        Some(at) => rest.split_at(at),
        None => (rest, ""),
    };
    if path.is_empty() || path.starts_with(':') || Path::new(path).is_absolute() {
        return None;
    }
    Some(format!("sqlite://{}{query}", base.join(path).display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_move_beside_the_file_and_absolute_ones_stay() {
        let mut table: toml::Table = "database_url = \"sqlite://data/cp.db?mode=rwc\"\nkb_dir = \"kb\"\ntemplates_dir = \"/srv/templates\"\n[triage]\nmodel_dir = \"models/m\"\n"
            .parse()
            .unwrap();
        resolve(&mut table, Path::new("/etc/commandpost"));
        assert_eq!(
            table["database_url"].as_str(),
            Some("sqlite:///etc/commandpost/data/cp.db?mode=rwc")
        );
        assert_eq!(table["kb_dir"].as_str(), Some("/etc/commandpost/kb"));
        assert_eq!(table["templates_dir"].as_str(), Some("/srv/templates"));
        assert_eq!(
            table["triage"]["model_dir"].as_str(),
            Some("/etc/commandpost/models/m")
        );
    }

    #[test]
    fn memory_absolute_and_postgres_urls_are_left_alone() {
        for url in [
            "sqlite::memory:",
            "sqlite:///var/lib/cp.db",
            "postgres://cp@db/cp",
        ] {
            assert_eq!(sqlite_url(url, Path::new("/etc")), None, "{url}");
        }
        assert_eq!(
            sqlite_url("sqlite:cp.db", Path::new("/etc")).as_deref(),
            Some("sqlite:///etc/cp.db")
        );
    }
}
