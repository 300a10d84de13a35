//! `COMMANDPOST_<SECTION>_<KEY>` environment variables override the file, so secrets can stay out of it.

use super::ConfigError;

const PREFIX: &str = "COMMANDPOST_";
const SECTIONS: [&str; 7] = [
    "http", "slack", "discord", "console", "policy", "triage", "email",
];
const TOP_LEVEL: [&str; 4] = ["database_url", "templates_dir", "kb_dir", "timezone"];
/// Keys whose values are not strings, so the variable is read as a TOML value.
const TYPED_KEYS: [&str; 7] = [
    "gateway",
    "enabled",
    "separate_comms_for",
    "managers",
    "cadence",
    "burst_threshold",
    "outage_phrases",
];

pub fn apply_overrides(
    table: &mut toml::Table,
    vars: impl IntoIterator<Item = (String, String)>,
) -> Result<(), ConfigError> {
    for (var, value) in vars {
        let Some(name) = var.strip_prefix(PREFIX) else {
            continue;
        };
        let name = name.to_ascii_lowercase();
        let (section, key) = match SECTIONS
            .iter()
            .find_map(|section| name.strip_prefix(&format!("{section}_")).map(|key| (Some(*section), key)))
        {
            Some(found) => found,
            None if TOP_LEVEL.contains(&name.as_str()) => (None, name.as_str()),
            None => {
                return Err(ConfigError::Env {
                    var,
                    message: format!(
                        "not a configuration key; use COMMANDPOST_<SECTION>_<KEY> with a section of {} or one of {}",
                        SECTIONS.join(", "),
                        TOP_LEVEL.map(|k| k.to_ascii_uppercase()).join(", ")
                    ),
                })
            }
        };
        let parsed = if TYPED_KEYS.contains(&key) {
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
                .or_insert_with(|| toml::Value::Table(toml::Table::new()))
                .as_table_mut()
                .ok_or_else(|| ConfigError::Env {
                    var: var.clone(),
                    message: format!("`{section}` in the file is not a section"),
                })?,
        };
        target.insert(key.to_owned(), parsed);
    }
    Ok(())
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
