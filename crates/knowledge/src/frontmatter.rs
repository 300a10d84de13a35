//! Front-matter parsing and validation for one article file, with 1-based line numbers.

use std::path::Path;

use serde_norway::Value;

use crate::article::{Problem, Scope};

/// The keys an article's front matter may contain.
const KEYS: [&str; 3] = ["title", "clients", "tags"];

/// The validated content of one article file.
#[derive(Debug)]
pub(crate) struct Parsed {
    pub title: String,
    pub scope: Scope,
    pub tags: Vec<String>,
    pub body: String,
}

/// Splits `text` into front matter and body and validates both. Every problem found in
/// the file is returned, not just the first.
pub(crate) fn parse(path: &Path, text: &str) -> Result<Parsed, Vec<Problem>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines: Vec<&str> = text.split('\n').map(|l| l.trim_end_matches('\r')).collect();
    if lines.first().map(|l| l.trim_end()) != Some("---") {
        return Err(vec![Problem::new(
            path,
            1,
            "missing front matter: the file must start with a `---` line, then `title`, `clients` and `tags`, then `---`",
        )]);
    }
    let Some(close) = lines
        .iter()
        .skip(1)
        .position(|l| matches!(l.trim_end(), "---" | "..."))
        .map(|i| i + 1)
    else {
        return Err(vec![Problem::new(
            path,
            1,
            "front matter starting here is never closed with a `---` line",
        )]);
    };
    let yaml_lines = &lines[1..close];
    let body = lines[close + 1..].join("\n").trim().to_string();

    let mut problems = Vec::new();
    let fields = check_yaml(path, yaml_lines, &mut problems);
    if body.is_empty() {
        problems.push(Problem::new(
            path,
            (close + 2).min(lines.len()),
            "article body is empty: write the answer below the front matter",
        ));
    }
    match fields {
        Some((title, scope, tags)) if problems.is_empty() => Ok(Parsed {
            title,
            scope,
            tags,
            body,
        }),
        _ => Err(problems),
    }
}

/// Parses and validates the YAML between the `---` lines. `yaml_lines[0]` is file line 2.
fn check_yaml(
    path: &Path,
    yaml_lines: &[&str],
    problems: &mut Vec<Problem>,
) -> Option<(String, Scope, Vec<String>)> {
    let yaml = yaml_lines.join("\n");
    let value: Value = match serde_norway::from_str(&yaml) {
        Ok(value) => value,
        Err(err) => {
            let line = err.location().map_or(1, |loc| loc.line() + 1);
            let message = err.to_string();
            let message = message
                .split(" at line ")
                .next()
                .unwrap_or(&message)
                .to_string();
            problems.push(Problem::new(
                path,
                line,
                format!("invalid YAML in front matter: {message}"),
            ));
            return None;
        }
    };
    let mapping = match value {
        Value::Mapping(mapping) => mapping,
        Value::Null => Default::default(),
        _ => {
            problems.push(Problem::new(
                path,
                1,
                "front matter must be a set of `key: value` lines (title, clients, tags)",
            ));
            return None;
        }
    };
    let key_line = |key: &str| find_key_line(yaml_lines, key);

    for key in mapping.keys() {
        match key.as_str() {
            Some(k) if KEYS.contains(&k) => {}
            Some(k) => problems.push(Problem::new(
                path,
                key_line(k),
                format!("unknown key `{k}` in front matter (allowed: title, clients, tags)"),
            )),
            None => problems.push(Problem::new(
                path,
                1,
                "front-matter keys must be plain words (allowed: title, clients, tags)",
            )),
        }
    }

    let title = match mapping.get("title") {
        None => {
            problems.push(Problem::new(path, 1, "missing required key `title`"));
            None
        }
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Some(_) => {
            problems.push(Problem::new(
                path,
                key_line("title"),
                "`title` must be a non-empty line of text",
            ));
            None
        }
    };
    let scope = match mapping.get("clients") {
        None => {
            problems.push(Problem::new(
                path,
                1,
                "missing required key `clients` (write `clients: [all]` to show the article to every client)",
            ));
            None
        }
        Some(value) => check_clients(value)
            .map_err(|message| {
                problems.push(Problem::new(path, key_line("clients"), message));
            })
            .ok(),
    };
    let tags = match mapping.get("tags") {
        None | Some(Value::Null) => Some(Vec::new()),
        Some(value) => string_list(value)
            .filter(|tags| tags.iter().all(|t| !t.is_empty()))
            .or_else(|| {
                problems.push(Problem::new(
                    path,
                    key_line("tags"),
                    "`tags` must be a list of non-empty words, e.g. `tags: [m365, password]`",
                ));
                None
            }),
    };
    Some((title?, scope?, tags?))
}

fn check_clients(value: &Value) -> Result<Scope, String> {
    let ids = string_list(value)
        .ok_or("`clients` must be `[all]` or a list of client ids, e.g. `clients: [acme]`")?;
    if ids.is_empty() {
        return Err("`clients` is empty: write `[all]` or list the client ids".into());
    }
    if ids.iter().any(|id| id == "all") {
        return if ids.len() == 1 {
            Ok(Scope::All)
        } else {
            Err("`all` cannot be combined with client ids in `clients`".into())
        };
    }
    if let Some(bad) = ids.iter().find(|id| !is_client_id(id)) {
        return Err(format!(
            "`{bad}` is not a client id: ids are lowercase letters, digits, `-` and `_`"
        ));
    }
    let mut ids = ids;
    ids.sort();
    ids.dedup();
    Ok(Scope::Clients(ids))
}

fn is_client_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

/// A YAML sequence of scalars (or one scalar) as trimmed strings; `None` for anything else.
fn string_list(value: &Value) -> Option<Vec<String>> {
    let scalar = |v: &Value| match v {
        Value::String(s) => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    };
    match value {
        Value::Sequence(items) => items.iter().map(scalar).collect(),
        other => scalar(other).map(|s| vec![s]),
    }
}

/// File line (1-based) of a top-level `key:` in the front matter, or 1 when not found.
fn find_key_line(yaml_lines: &[&str], key: &str) -> usize {
    yaml_lines
        .iter()
        .position(|line| {
            let rest = line
                .strip_prefix(key)
                .or_else(|| line.strip_prefix(&format!("\"{key}\"")))
                .or_else(|| line.strip_prefix(&format!("'{key}'")));
            rest.is_some_and(|r| r.trim_start().starts_with(':'))
        })
        .map_or(1, |i| i + 2)
}
