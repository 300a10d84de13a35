//! Articles, their client scope, per-file problems, and loading a knowledge-base directory.

use std::collections::HashMap;
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use crate::error::KbError;
use crate::frontmatter;

/// Which clients may see an article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every client (`clients: [all]`).
    All,
    /// Only the listed client ids (lowercase).
    Clients(Vec<String>),
}

impl Scope {
    /// Whether a client with this id may see the article. Ids are compared exactly,
    /// after trimming and lowercasing the asker's id.
    pub fn is_visible_to(&self, client: &str) -> bool {
        match self {
            Scope::All => true,
            Scope::Clients(ids) => {
                let client = normalize_client(client);
                !client.is_empty() && ids.contains(&client)
            }
        }
    }
}

/// Normalises a client id the way scopes are written: trimmed and lowercase.
pub(crate) fn normalize_client(client: &str) -> String {
    client.trim().to_lowercase()
}

/// One published knowledge-base article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Article {
    /// File name without `.md`; unique in a knowledge base.
    pub slug: String,
    /// The `title` from the front matter.
    pub title: String,
    /// Which clients may see the article.
    pub scope: Scope,
    /// The `tags` from the front matter (may be empty).
    pub tags: Vec<String>,
    /// The markdown after the front matter.
    pub body: String,
    /// The file the article was read from (empty for generated articles).
    pub path: PathBuf,
}

impl Article {
    /// Whether a client with this id may see the article.
    pub fn is_visible_to(&self, client: &str) -> bool {
        self.scope.is_visible_to(client)
    }
}

/// Something wrong with one article file; the article is left out of the knowledge base.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The article file.
    pub file: PathBuf,
    /// 1-based line of the offending key, or of the start of the front matter.
    pub line: usize,
    /// What is wrong, in words an author can act on.
    pub message: String,
}

impl Problem {
    pub(crate) fn new(file: &Path, line: usize, message: impl Into<String>) -> Self {
        Problem {
            file: file.to_path_buf(),
            line,
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file.display(), self.line, self.message)
    }
}

/// The top-level folder of unpublished articles, which is never loaded.
const DRAFTS_DIR: &str = "drafts";

/// Reads every `*.md` article under `dir` (recursively, skipping the top-level `drafts/`
/// folder and hidden files and folders) and validates it.
///
/// Returns the valid articles, sorted by path, and the problems found; an article with
/// any problem is left out. A second file with an already-used slug is a problem of
/// the second file (in path order). Fails only when a directory cannot be listed.
pub fn load_dir(dir: &Path) -> Result<(Vec<Article>, Vec<Problem>), KbError> {
    let mut files = Vec::new();
    collect_markdown(dir, true, &mut files)?;
    files.sort();

    let mut articles: Vec<Article> = Vec::new();
    let mut problems = Vec::new();
    let mut seen: HashMap<String, PathBuf> = HashMap::new();
    for path in files {
        let slug = match path.file_stem().and_then(|s| s.to_str()) {
            Some(stem) if !stem.trim().is_empty() => stem.to_string(),
            _ => {
                problems.push(Problem::new(
                    &path,
                    1,
                    "file name is not a usable slug (it must be valid UTF-8 and not empty)",
                ));
                continue;
            }
        };
        if let Some(first) = seen.get(&slug) {
            problems.push(Problem::new(
                &path,
                1,
                format!(
                    "duplicate slug `{slug}`: already used by {}",
                    first.display()
                ),
            ));
            continue;
        }
        seen.insert(slug.clone(), path.clone());
        let text = match fs::read(&path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => text,
                Err(_) => {
                    problems.push(Problem::new(&path, 1, "file is not valid UTF-8"));
                    continue;
                }
            },
            Err(err) => {
                problems.push(Problem::new(&path, 1, format!("cannot read file: {err}")));
                continue;
            }
        };
        match frontmatter::parse(&path, &text) {
            Ok(parsed) => articles.push(Article {
                slug,
                title: parsed.title,
                scope: parsed.scope,
                tags: parsed.tags,
                body: parsed.body,
                path,
            }),
            Err(mut found) => problems.append(&mut found),
        }
    }
    Ok((articles, problems))
}

fn collect_markdown(dir: &Path, top: bool, out: &mut Vec<PathBuf>) -> Result<(), KbError> {
    let io_err = |source| KbError::Io {
        path: dir.to_path_buf(),
        source,
    };
    for entry in fs::read_dir(dir).map_err(io_err)? {
        let entry = entry.map_err(io_err)?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') || (top && name == DRAFTS_DIR) {
            continue;
        }
        let path = entry.path();
        let file_type = entry.file_type().map_err(io_err)?;
        if file_type.is_dir() {
            collect_markdown(&path, false, out)?;
        } else if path.extension().is_some_and(|ext| ext == "md") && path.is_file() {
            // `is_file` follows symlinks to files; symlinked folders are not followed,
            // so a link loop cannot make loading run forever.
            out.push(path);
        }
    }
    Ok(())
}
