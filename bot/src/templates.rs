//! Handlebars templates for every message: built into the binary, overridden by files in `templates_dir`.

use std::path::{Path, PathBuf};

use handlebars::Handlebars;
use serde::Serialize;
use thiserror::Error;

/// Every template, with its built-in text. A file `<name>.hbs` in `templates_dir` replaces the built-in.
pub const BUILT_IN: [(&str, &str); 12] = [
    ("brief", include_str!("../../incident-templates/brief.hbs")),
    (
        "status",
        include_str!("../../incident-templates/status.hbs"),
    ),
    (
        "client-update",
        include_str!("../../incident-templates/client-update.hbs"),
    ),
    (
        "client-resolution",
        include_str!("../../incident-templates/client-resolution.hbs"),
    ),
    (
        "draft-update",
        include_str!("../../incident-templates/draft-update.hbs"),
    ),
    ("nudge", include_str!("../../incident-templates/nudge.hbs")),
    (
        "stage-draft",
        include_str!("../../incident-templates/stage-draft.hbs"),
    ),
    (
        "escalation",
        include_str!("../../incident-templates/escalation.hbs"),
    ),
    (
        "resolution",
        include_str!("../../incident-templates/resolution.hbs"),
    ),
    (
        "announcement",
        include_str!("../../incident-templates/announcement.hbs"),
    ),
    (
        "postmortem",
        include_str!("../../incident-templates/postmortem.hbs"),
    ),
    (
        "client-postmortem",
        include_str!("../../incident-templates/client-postmortem.hbs"),
    ),
];

#[derive(Debug, Error)]
pub enum TemplateError {
    #[error("{file}:{line}: {message}")]
    Invalid {
        file: String,
        line: usize,
        message: String,
    },
    #[error("cannot read {file}: {message}")]
    Read { file: String, message: String },
    #[error("template `{name}` failed to render: {message}")]
    Render { name: String, message: String },
}

/// Templates whose output is HTML (file `<name>.hbs`, e.g. `client-email.html.hbs`): values are
/// HTML-escaped in these, where the chat templates above leave escaping to each platform.
pub const BUILT_IN_HTML: [(&str, &str); 1] = [(
    "client-email.html",
    include_str!("../../incident-templates/client-email.html.hbs"),
)];

#[derive(Debug)]
pub struct Templates {
    registry: Handlebars<'static>,
    html: Handlebars<'static>,
    /// Where each template came from, for error messages.
    sources: Vec<(String, String)>,
}

fn source_file(dir: Option<&Path>, name: &str) -> Option<PathBuf> {
    dir.map(|dir| dir.join(format!("{name}.hbs")))
        .filter(|path| path.is_file())
}

impl Templates {
    /// Loads the built-ins, then every override found in `dir`; the first broken one is an error.
    pub fn load(dir: Option<&Path>) -> Result<Self, TemplateError> {
        let (templates, mut problems) = Self::load_all(dir);
        match problems.is_empty() {
            true => Ok(templates),
            false => Err(problems.remove(0)),
        }
    }

    fn load_all(dir: Option<&Path>) -> (Self, Vec<TemplateError>) {
        let mut registry = Handlebars::new();
        registry.set_strict_mode(true);
        // Chat text, not HTML: the adapters escape for their own platform.
        registry.register_escape_fn(handlebars::no_escape);
        let mut html = Handlebars::new();
        html.set_strict_mode(true);
        let mut sources = Vec::new();
        let mut problems = Vec::new();
        for (name, built_in) in BUILT_IN.iter().chain(BUILT_IN_HTML.iter()).copied() {
            let registry = if BUILT_IN_HTML.iter().any(|(n, _)| *n == name) {
                &mut html
            } else {
                &mut registry
            };
            let (file, text) = match source_file(dir, name) {
                Some(path) => match std::fs::read_to_string(&path) {
                    Ok(text) => (path.display().to_string(), text),
                    Err(e) => {
                        problems.push(TemplateError::Read {
                            file: path.display().to_string(),
                            message: e.to_string(),
                        });
                        (format!("(built-in {name}.hbs)"), built_in.to_owned())
                    }
                },
                None => (format!("(built-in {name}.hbs)"), built_in.to_owned()),
            };
            if let Err(error) = registry.register_template_string(name, text.trim_end()) {
                problems.push(TemplateError::Invalid {
                    file: file.clone(),
                    line: error.pos().map(|(line, _)| line).unwrap_or(1),
                    message: error.reason().to_string(),
                });
                registry
                    .register_template_string(name, built_in.trim_end())
                    .expect("built-in templates compile");
            }
            sources.push((name.to_owned(), file));
        }
        (
            Self {
                registry,
                html,
                sources,
            },
            problems,
        )
    }

    pub fn render(&self, name: &str, data: &impl Serialize) -> Result<String, TemplateError> {
        let registry = match self.html.has_template(name) {
            true => &self.html,
            false => &self.registry,
        };
        registry
            .render(name, data)
            .map_err(|error| TemplateError::Render {
                name: self.file_of(name),
                message: match error.line_no {
                    Some(line) => format!("line {line}: {}", error.reason()),
                    None => error.reason().to_string(),
                },
            })
    }

    fn file_of(&self, name: &str) -> String {
        self.sources
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, file)| file.clone())
            .unwrap_or_else(|| name.to_owned())
    }

    /// Compiles every template and renders it with sample data; every problem, with file and line.
    pub fn check(dir: Option<&Path>, samples: &[(&str, serde_json::Value)]) -> Vec<TemplateError> {
        let (templates, mut problems) = Self::load_all(dir);
        for (name, sample) in samples {
            if let Err(TemplateError::Render { message, .. }) = templates.render(name, sample) {
                let line = message
                    .strip_prefix("line ")
                    .and_then(|rest| rest.split(':').next())
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(1);
                problems.push(TemplateError::Invalid {
                    file: templates.file_of(name),
                    line,
                    message,
                });
            }
        }
        problems
    }
}
