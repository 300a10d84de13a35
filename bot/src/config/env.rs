//! `COMMANDPOST_<SECTION>_<KEY>` environment variables override the file, so secrets can stay out of it.

use super::{ChatSection, ConfigError, ConfigProblem};

const PREFIX: &str = "COMMANDPOST_";
/// The configuration's own sections; chat platforms' sections come from their adapters.
const SECTIONS: [&str; 7] = [
    "http", "policy", "triage", "email", "log", "alerts", "paging",
];
/// Variables of this prefix that are not configuration keys (the command line reads them).
const NOT_KEYS: [&str; 1] = ["COMMANDPOST_CONFIG"];
const TOP_LEVEL: [&str; 4] = ["database_url", "templates_dir", "kb_dir", "timezone"];
/// Keys whose values are not strings, so the variable is read as a TOML value.
const TYPED_KEYS: [&str; 7] = [
    "propose",
    "auto_declare",
    "separate_comms_for",
    "managers",
    "cadence",
    "burst_threshold",
    "outage_phrases",
];

/// Applies every `COMMANDPOST_*` variable that names a key. One that names no key is returned
/// as a warning, not an error: a stray variable in a shared environment must not stop a service,
/// but a typo should still be visible.
pub fn apply_overrides(
    table: &mut toml::Table,
    vars: impl IntoIterator<Item = (String, String)>,
    platforms: &[ChatSection],
) -> Result<Overrides, ConfigError> {
    let mut overrides = Overrides::default();
    let sections: Vec<&'static str> = SECTIONS
        .into_iter()
        .chain(platforms.iter().map(|platform| platform.name))
        .collect();
    for (var, value) in vars {
        let Some(name) = var.strip_prefix(PREFIX) else {
            continue;
        };
        if NOT_KEYS.contains(&var.as_str()) {
            continue;
        }
        let name = name.to_ascii_lowercase();
        let (section, key) = match sections.iter().find_map(|section| {
            name.strip_prefix(&format!("{section}_"))
                .map(|key| (Some(*section), key))
        }) {
            Some(found) => found,
            None if TOP_LEVEL.contains(&name.as_str()) => (None, name.as_str()),
            None => {
                overrides.warnings.push(ConfigProblem {
                    key: var,
                    message: format!(
                        "is not a configuration key and is ignored; use COMMANDPOST_<SECTION>_<KEY> with a section of {} or one of {}",
                        sections.join(", "),
                        TOP_LEVEL.map(|k| format!("{PREFIX}{}", k.to_ascii_uppercase())).join(", ")
                    ),
                });
                continue;
            }
        };
        let platform_typed = platforms
            .iter()
            .any(|p| Some(p.name) == section && p.typed_keys.contains(&key));
        let parsed = if TYPED_KEYS.contains(&key) || platform_typed {
            parse_value(&value).map_err(|message| ConfigError::Env {
                var: var.clone(),
                message,
            })?
        } else {
            toml::Value::String(value)
        };
        let target = match section {
            None => &mut *table,
            Some(section) => table
                .entry(section)
                .or_insert_with(|| {
                    overrides.created_sections.push(section);
                    toml::Value::Table(toml::Table::new())
                })
                .as_table_mut()
                .ok_or_else(|| ConfigError::Env {
                    var: var.clone(),
                    message: format!("`{section}` in the file is not a section"),
                })?,
        };
        target.insert(key.to_owned(), parsed);
        let path = match section {
            None => key.to_owned(),
            Some(section) => format!("{section}.{key}"),
        };
        overrides.applied.push((path, var));
    }
    Ok(overrides)
}

/// What the environment changed: the keys set (`slack.bot_token`, by which variable) and the
/// variables that name no key.
#[derive(Debug, Default)]
pub struct Overrides {
    pub applied: Vec<(String, String)>,
    pub warnings: Vec<ConfigProblem>,
    /// Sections the file did not have; one left empty by a withdrawal goes again.
    created_sections: Vec<&'static str>,
}

impl Overrides {
    /// A variable whose section exists but whose key does not (`COMMANDPOST_SLACK_TOKN`) is only
    /// found out when the typed configuration refuses the key: take it back out and warn.
    pub fn withdraw(&mut self, table: &mut toml::Table, path: &str) -> bool {
        let Some(at) = self.applied.iter().position(|(p, _)| p == path) else {
            return false;
        };
        let (path, var) = self.applied.remove(at);
        let removed = match path.split_once('.') {
            Some((section, key)) => {
                let holder = table.get_mut(section).and_then(|v| v.as_table_mut());
                let removed = holder.and_then(|t| {
                    let removed = t.remove(key);
                    removed.map(|value| (value, t.is_empty()))
                });
                if let Some((_, true)) = removed {
                    if self.created_sections.contains(&section) {
                        table.remove(section);
                    }
                }
                removed.map(|(value, _)| value)
            }
            None => table.remove(&path),
        };
        self.warnings.push(ConfigProblem {
            key: var,
            message: format!("is not a configuration key (`{path}` does not exist) and is ignored"),
        });
        removed.is_some()
    }
}

fn parse_value(raw: &str) -> Result<toml::Value, String> {
    let document: toml::Table = format!("value = {raw}").parse().map_err(|_| {
        format!("`{raw}` is not a TOML value (e.g. true, [\"P1\"], {{ P2 = \"60m\" }})")
    })?;
    document
        .get("value")
        .cloned()
        .ok_or_else(|| format!("`{raw}` is not a TOML value"))
}
