//! Reading a configuration: TOML text, paths beside the file, environment overrides, then the
//! typed structure, the chat platforms' sections, and their validation. `Config::load` (in
//! `chat/settings.rs`) calls these with every adapter's section.

use std::path::Path;

use super::{
    delivery, env, paging, paths, secrets, validate, ChatSection, Config, ConfigError,
    SAMPLE_CONFIG,
};

impl Config {
    /// Loads a file (or the built-in sample when `path` is `None`), applies the environment, validates.
    /// Relative paths in the file are taken relative to the file's folder. `platforms`: the chat
    /// sections the file may have.
    pub fn load_with(
        path: Option<&Path>,
        platforms: &[ChatSection],
    ) -> Result<Config, ConfigError> {
        let (text, origin) = match path {
            Some(path) => (
                std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: path.to_owned(),
                    source,
                })?,
                path.display().to_string(),
            ),
            None => (SAMPLE_CONFIG.to_owned(), "(built-in sample)".to_owned()),
        };
        // The folder of `commandpost.toml` given bare is the working directory: nothing to do.
        let base = path
            .and_then(Path::parent)
            .filter(|parent| !parent.as_os_str().is_empty())
            .map(std::path::absolute)
            .transpose()
            .map_err(|source| ConfigError::Read {
                path: path.map(Path::to_owned).unwrap_or_default(),
                source,
            })?;
        Self::from_toml_with(&text, &origin, base.as_deref(), std::env::vars(), platforms)
    }

    /// As `load_with`, from text; relative paths are resolved against `base` when given.
    pub fn from_toml_with(
        text: &str,
        origin: &str,
        base: Option<&Path>,
        vars: impl IntoIterator<Item = (String, String)>,
        platforms: &[ChatSection],
    ) -> Result<Config, ConfigError> {
        let mut table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
            let (line, message) = parse_error_without_source(text, &e);
            ConfigError::Parse {
                origin: origin.to_owned(),
                line,
                key: None,
                message,
            }
        })?;
        if let Some(base) = base {
            paths::resolve(&mut table, base);
        }
        move_older_channel_keys(&mut table).map_err(|(key, message)| ConfigError::Parse {
            origin: origin.to_owned(),
            line: None,
            key: Some(key),
            message,
        })?;
        let mut overrides = env::apply_overrides(&mut table, vars, platforms)?;
        // The platforms' sections are split off: the adapters type them, not `Config`.
        let mut chat_table: toml::Table = platforms
            .iter()
            .filter_map(|platform| Some((platform.name.to_owned(), table.remove(platform.name)?)))
            .collect();
        let parse_error = |e: serde_path_to_error::Error<toml::de::Error>,
                           section: Option<&str>| {
            let path = e.path().to_string();
            let mut message = e.inner().message().to_owned();
            let unknown = message.starts_with("unknown field");
            if unknown && section.is_none() && !path.contains('.') {
                // An unknown top-level key: serde lists `Config`'s own keys only.
                let names: Vec<&str> = platforms.iter().map(|p| p.name).collect();
                message.push_str(&format!(", or a chat platform: {}", names.join(", ")));
            }
            let key = match section {
                Some(section) if path == "." => section.to_owned(),
                Some(section) => format!("{section}.{path}"),
                None => path,
            };
            (key, message, unknown)
        };
        let error = |key: String, message: String| ConfigError::Parse {
            origin: origin.to_owned(),
            line: None,
            key: Some(key),
            message,
        };
        let mut config: Config = loop {
            match serde_path_to_error::deserialize(toml::Value::Table(table.clone())) {
                Ok(config) => break config,
                Err(e) => {
                    let (key, message, unknown) = parse_error(e, None);
                    if !(unknown && overrides.withdraw(&mut table, &key)) {
                        return Err(error(key, message));
                    }
                }
            }
        };
        for platform in platforms {
            while let Some(section) = chat_table.get(platform.name) {
                match (platform.read)(section.clone()) {
                    Ok(settings) => {
                        config.chat_settings.insert(platform.name, settings);
                        break;
                    }
                    Err(e) => {
                        let (key, message, unknown) = parse_error(e, Some(platform.name));
                        if !(unknown && overrides.withdraw(&mut chat_table, &key)) {
                            return Err(error(key, message));
                        }
                    }
                }
            }
        }
        config.origin = origin.to_owned();
        config.env_warnings = overrides.warnings;
        let names: Vec<&str> = platforms.iter().map(|platform| platform.name).collect();
        let mut problems = validate::problems(&config, &names);
        problems.extend(config.chat_problems());
        problems.extend(secrets::problems(&config));
        problems.extend(delivery::problems(&config));
        problems.extend(paging::problems(&config));
        if problems.is_empty() {
            Ok(config)
        } else {
            Err(ConfigError::Invalid {
                origin: origin.to_owned(),
                problems,
            })
        }
    }
}

/// Clients' channels used to be written `<platform>_status_channel` and
/// `<platform>_support_channel`; that spelling is still read, moved into `channels.<platform>`
/// before the table is typed. Giving both spellings for one channel is an error naming both.
fn move_older_channel_keys(table: &mut toml::Table) -> Result<(), (String, String)> {
    let Some(toml::Value::Array(clients)) = table.get_mut("clients") else {
        return Ok(());
    };
    for (index, client) in clients.iter_mut().enumerate() {
        let toml::Value::Table(client) = client else {
            continue;
        };
        let older: Vec<String> = client
            .keys()
            .filter(|key| older_channel_key(key).is_some())
            .cloned()
            .collect();
        for key in older {
            let Some((platform, kind)) = older_channel_key(&key) else {
                continue;
            };
            let value = client.remove(&key).unwrap_or(toml::Value::Boolean(false));
            let channels = client
                .entry("channels")
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            let at = format!("clients[{index}]");
            let toml::Value::Table(channels) = channels else {
                return Err((
                    format!("{at}.channels"),
                    "must be a table of platforms".into(),
                ));
            };
            let platform_channels = channels
                .entry(platform.to_owned())
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            let toml::Value::Table(platform_channels) = platform_channels else {
                return Err((
                    format!("{at}.channels.{platform}"),
                    "must be a table with `status` and `support`".into(),
                ));
            };
            if platform_channels.contains_key(kind) {
                return Err((
                    format!("{at}.{key}"),
                    format!(
                        "is the older spelling of {at}.channels.{platform}.{kind}, which is also given; keep one"
                    ),
                ));
            }
            platform_channels.insert(kind.to_owned(), value);
        }
    }
    Ok(())
}

/// `slack_status_channel` → (`slack`, `status`).
fn older_channel_key(key: &str) -> Option<(&str, &str)> {
    let rest = key.strip_suffix("_channel")?;
    let (platform, kind) = rest.rsplit_once('_')?;
    let kind = match kind {
        "status" => "status",
        "support" => "support",
        _ => return None,
    };
    (!platform.is_empty() && platform.chars().all(|c| c.is_ascii_lowercase()))
        .then_some((platform, kind))
}

/// A TOML syntax error's line and message. toml's own rendering quotes the offending line,
/// which may hold a secret (`signing_secret = "abc…` with a missing quote), so it is not used.
fn parse_error_without_source(text: &str, error: &toml::de::Error) -> (Option<usize>, String) {
    let line = error
        .span()
        .map(|span| text[..span.start.min(text.len())].matches('\n').count() + 1);
    (line, error.message().trim_end().to_owned())
}

pub(super) fn parse_detail(line: Option<usize>, key: Option<&str>, message: &str) -> String {
    match (line, key) {
        (_, Some(key)) => format!("key `{key}`: {message}"),
        (Some(line), None) => format!("line {line}: {message}"),
        (None, None) => message.to_owned(),
    }
}
