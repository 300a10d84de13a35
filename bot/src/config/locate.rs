//! Finds the line of a configuration key (`policy.nudge_before`, `clients[1].status_token`) in the
//! TOML text, so `check` can print `file:line: key: message` like it does for templates.

use toml_edit::{ImDocument, Item, Table, TableLike};

use super::{ConfigError, ConfigProblem};

/// `file:line: key: message`, or `file: key: message` when the key is not written in the file
/// (a default, or set by an environment variable).
pub fn problem_line(file: &str, text: &str, problem: &ConfigProblem) -> String {
    match line_of(text, &problem.key) {
        Some(line) => format!("{file}:{line}: {problem}"),
        None => format!("{file}: {problem}"),
    }
}

/// Every problem a failed load found, one `file:line: key: message` line each.
pub fn error_lines(file: &str, text: &str, error: &ConfigError) -> Vec<String> {
    match error {
        ConfigError::Invalid { problems, .. } => problems
            .iter()
            .map(|problem| problem_line(file, text, problem))
            .collect(),
        ConfigError::Parse {
            key: Some(key),
            message,
            ..
        } => vec![problem_line(
            file,
            text,
            &ConfigProblem {
                key: key.clone(),
                message: message.clone(),
            },
        )],
        ConfigError::Parse {
            line: Some(line),
            message,
            ..
        } => vec![format!("{file}:{line}: {message}")],
        ConfigError::Env { var, message } => vec![format!("{file}: {var}: {message}")],
        other => vec![other.to_string()],
    }
}

/// The 1-based line where `key` is written, or where its nearest written parent is (a missing
/// key is reported at its section). `None` when the text does not parse or nothing matches.
pub fn line_of(text: &str, key: &str) -> Option<usize> {
    let document = ImDocument::parse(text).ok()?;
    let mut best: Option<usize> = None;
    let mut here: Step<'_> = Step::Table(document.as_table());
    for segment in segments(key) {
        let next = match (&here, &segment) {
            (Step::Table(table), Segment::Key(name)) => table
                .get_key_value(name)
                .map(|(k, item)| (k.span(), Step::of(item))),
            (Step::Array(items), Segment::Index(index)) => items.get(*index),
            _ => None,
        };
        let Some((span, step)) = next else { break };
        if let Some(span) = span {
            best = Some(line_at(text, span.start));
        }
        here = step;
    }
    best
}

/// Where the walk stands: in a table (standard or inline), in an array, or at a plain value.
enum Step<'a> {
    Table(&'a dyn TableLike),
    Array(Elements<'a>),
    Leaf,
}

/// The elements of an array of tables (`[[clients]]`) or of an inline array, with their spans.
enum Elements<'a> {
    Tables(&'a toml_edit::ArrayOfTables),
    Values(&'a toml_edit::Array),
}

impl<'a> Elements<'a> {
    fn get(&self, index: usize) -> Option<(Option<std::ops::Range<usize>>, Step<'a>)> {
        match self {
            Elements::Tables(tables) => {
                let table: &Table = tables.get(index)?;
                Some((table.span(), Step::Table(table)))
            }
            Elements::Values(values) => {
                let value = values.get(index)?;
                let step = match value.as_inline_table() {
                    Some(table) => Step::Table(table),
                    None => Step::Leaf,
                };
                Some((value.span(), step))
            }
        }
    }
}

impl<'a> Step<'a> {
    fn of(item: &'a Item) -> Step<'a> {
        if let Some(tables) = item.as_array_of_tables() {
            Step::Array(Elements::Tables(tables))
        } else if let Some(values) = item.as_array() {
            Step::Array(Elements::Values(values))
        } else if let Some(table) = item.as_table_like() {
            Step::Table(table)
        } else {
            Step::Leaf
        }
    }
}

#[derive(Debug, PartialEq)]
enum Segment<'a> {
    Key(&'a str),
    Index(usize),
}

/// `clients[1].status_token` -> `clients`, `1`, `status_token`.
fn segments(key: &str) -> Vec<Segment<'_>> {
    let mut out = Vec::new();
    for part in key.split('.') {
        let (name, mut rest) = match part.find('[') {
            Some(at) => (&part[..at], &part[at..]),
            None => (part, ""),
        };
        if !name.is_empty() {
            out.push(Segment::Key(name));
        }
        while let Some(inner) = rest.strip_prefix('[') {
            let Some(end) = inner.find(']') else { break };
            match inner[..end].parse() {
                Ok(index) => out.push(Segment::Index(index)),
                Err(_) => return out,
            }
            rest = &inner[end + 1..];
        }
    }
    out
}

fn line_at(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "database_url = \"sqlite://x.db\"\n\n[policy]\nnudge_before = \"soon\"\n\n[slack]\nresponders = [\"U0A\",\n  \"@bob\"]\n\n[[clients]]\nid = \"acme\"\n\n[[clients]]\nid = \"globex\"\nstatus_token = \"short\"\n";

    #[test]
    fn finds_keys_in_sections_arrays_of_tables_and_arrays() {
        assert_eq!(line_of(TEXT, "database_url"), Some(1));
        assert_eq!(line_of(TEXT, "policy.nudge_before"), Some(4));
        assert_eq!(line_of(TEXT, "slack.responders[1]"), Some(8));
        assert_eq!(line_of(TEXT, "clients[1].status_token"), Some(15));
        assert_eq!(line_of(TEXT, "clients[0].id"), Some(11));
    }

    #[test]
    fn a_missing_key_points_at_its_nearest_written_parent() {
        assert_eq!(line_of(TEXT, "policy.escalate_after"), Some(3));
        assert_eq!(line_of(TEXT, "clients[1]"), Some(13));
        assert_eq!(line_of(TEXT, "http.listen"), None);
        assert_eq!(line_of("not = [toml", "not"), None);
    }
}
