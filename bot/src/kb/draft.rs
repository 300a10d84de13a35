//! Knowledge capture: a resolved incident's or ticket's answer becomes a draft article under
//! `kb_dir/drafts/`, scoped to its client, for a reviewer to publish by moving it.

use std::path::{Path, PathBuf};

use thiserror::Error;

#[derive(Debug, Clone)]
pub struct DraftArticle {
    pub slug: String,
    pub title: String,
    pub client: String,
    pub tags: Vec<String>,
    pub body: String,
}

#[derive(Debug, Error)]
pub enum DraftError {
    #[error("cannot write the draft {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

fn yaml_quote(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Writes the draft; an existing file of the same name is never overwritten (a number is added).
pub fn write_draft(kb_dir: &Path, draft: &DraftArticle) -> Result<PathBuf, DraftError> {
    let folder = kb_dir.join("drafts");
    std::fs::create_dir_all(&folder).map_err(|source| DraftError::Write {
        path: folder.clone(),
        source,
    })?;
    let mut path = folder.join(format!("{}.md", draft.slug));
    let mut n = 2;
    while path.exists() {
        path = folder.join(format!("{}-{n}.md", draft.slug));
        n += 1;
    }
    let tags = draft
        .tags
        .iter()
        .map(|t| yaml_quote(t))
        .collect::<Vec<_>>()
        .join(", ");
    let text = format!(
        "---\ntitle: {}\nclients: [{}]\ntags: [{}]\n---\n{}\n",
        yaml_quote(&draft.title),
        draft.client,
        tags,
        draft.body.trim_end()
    );
    std::fs::write(&path, text).map_err(|source| DraftError::Write {
        path: path.clone(),
        source,
    })?;
    Ok(path)
}
