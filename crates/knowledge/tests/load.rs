//! Loading a knowledge-base directory: front-matter problems with line numbers, drafts,
//! subfolders and duplicate slugs.

use std::fs;
use std::path::Path;

use commandpost_knowledge::{load_dir, KbError, Problem, Scope};

fn write(dir: &Path, rel: &str, text: &str) {
    let path = dir.join(rel);
    fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    fs::write(path, text).expect("write");
}

fn problems_for(text: &str) -> Vec<Problem> {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "article.md", text);
    let (articles, problems) = load_dir(dir.path()).expect("load");
    assert!(
        articles.is_empty(),
        "an article with problems must be left out"
    );
    problems
}

fn lines_and_messages(problems: &[Problem]) -> Vec<(usize, String)> {
    problems
        .iter()
        .map(|p| (p.line, p.message.clone()))
        .collect()
}

#[test]
fn valid_article_is_loaded_with_all_fields() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "email/reset-password.md",
        "---\ntitle: Reset a Microsoft 365 password\nclients: [acme, globex]\ntags: [m365, password]\n---\nSteps in markdown.\n",
    );
    let (articles, problems) = load_dir(dir.path()).expect("load");
    assert!(problems.is_empty(), "{problems:?}");
    let article = &articles[0];
    assert_eq!(article.slug, "reset-password");
    assert_eq!(article.title, "Reset a Microsoft 365 password");
    assert_eq!(
        article.scope,
        Scope::Clients(vec!["acme".into(), "globex".into()])
    );
    assert_eq!(article.tags, ["m365", "password"]);
    assert_eq!(article.body, "Steps in markdown.");
    assert!(article.path.ends_with("email/reset-password.md"));
}

#[test]
fn clients_all_and_missing_tags() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "a.md",
        "---\ntitle: A\nclients: [all]\n---\nBody\n",
    );
    let (articles, problems) = load_dir(dir.path()).expect("load");
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(articles[0].scope, Scope::All);
    assert!(articles[0].tags.is_empty());
}

#[test]
fn top_level_drafts_hidden_files_and_other_extensions_are_skipped() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ok = "---\ntitle: T\nclients: [all]\n---\nBody\n";
    write(dir.path(), "drafts/unpublished.md", ok);
    write(dir.path(), "drafts/broken.md", "no front matter at all");
    write(dir.path(), ".git/ignored.md", ok);
    write(dir.path(), "notes.txt", "not an article");
    write(dir.path(), "team/drafts/nested-is-published.md", ok);
    let (articles, problems) = load_dir(dir.path()).expect("load");
    assert!(problems.is_empty(), "{problems:?}");
    let slugs: Vec<&str> = articles.iter().map(|a| a.slug.as_str()).collect();
    assert_eq!(slugs, ["nested-is-published"]);
}

#[test]
fn missing_front_matter_is_reported_on_line_1() {
    let problems = problems_for("# Just a heading\n\nSome text.\n");
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].line, 1);
    assert!(problems[0].message.contains("missing front matter"));
}

#[test]
fn unclosed_front_matter_is_reported_on_line_1() {
    let problems = problems_for("---\ntitle: T\nclients: [all]\nBody without closing line\n");
    assert_eq!(lines_and_messages(&problems)[0].0, 1);
    assert!(problems[0].message.contains("never closed"));
}

#[test]
fn unknown_key_is_reported_on_its_line() {
    let problems = problems_for("---\ntitle: T\nclients: [all]\nauthor: bob\n---\nBody\n");
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].line, 4);
    assert!(problems[0].message.contains("unknown key `author`"));
}

#[test]
fn missing_and_empty_title() {
    let missing = problems_for("---\nclients: [all]\n---\nBody\n");
    assert_eq!(missing[0].line, 1);
    assert!(missing[0].message.contains("missing required key `title`"));

    let empty = problems_for("---\nclients: [all]\ntitle: \"  \"\n---\nBody\n");
    assert_eq!(empty[0].line, 3);
    assert!(empty[0].message.contains("`title`"));
}

#[test]
fn bad_clients_are_reported_on_the_clients_line() {
    let missing = problems_for("---\ntitle: T\n---\nBody\n");
    assert_eq!(missing[0].line, 1);
    assert!(missing[0].message.contains("`clients`"));

    let upper = problems_for("---\ntitle: T\ntags: [x]\nclients: [Acme]\n---\nBody\n");
    assert_eq!((upper[0].line, upper.len()), (4, 1));
    assert!(upper[0].message.contains("`Acme` is not a client id"));

    let mixed = problems_for("---\ntitle: T\nclients: [all, acme]\n---\nBody\n");
    assert_eq!(mixed[0].line, 3);
    assert!(mixed[0].message.contains("cannot be combined"));

    let empty = problems_for("---\ntitle: T\nclients: []\n---\nBody\n");
    assert_eq!(empty[0].line, 3);
    assert!(empty[0].message.contains("empty"));
}

#[test]
fn bad_tags_are_reported_on_the_tags_line() {
    let problems = problems_for("---\ntitle: T\nclients: [all]\ntags: [ok, {a: b}]\n---\nBody\n");
    assert_eq!(problems[0].line, 4);
    assert!(problems[0].message.contains("`tags`"));
}

#[test]
fn invalid_yaml_is_reported_on_the_offending_line() {
    // An unquoted colon in a value: YAML rejects it on line 3 of the file.
    let problems = problems_for("---\nclients: [all]\ntitle: Word: repair Office\n---\nBody\n");
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].line, 3);
    assert!(problems[0].message.starts_with("invalid YAML"));
    assert!(
        !problems[0].message.contains(" at line "),
        "no second, relative line number"
    );
}

#[test]
fn empty_body_is_a_problem_and_all_problems_of_a_file_are_listed() {
    let problems = problems_for("---\ntitle: \"\"\nclients: [all]\nextra: 1\n---\n\n  \n");
    let found = lines_and_messages(&problems);
    assert_eq!(found.len(), 3, "{found:?}");
    assert!(found
        .iter()
        .any(|(l, m)| *l == 4 && m.contains("unknown key `extra`")));
    assert!(found.iter().any(|(l, m)| *l == 2 && m.contains("`title`")));
    assert!(found
        .iter()
        .any(|(l, m)| *l == 6 && m.contains("body is empty")));
}

#[test]
fn duplicate_slug_in_another_folder_is_a_problem_of_the_second_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ok = "---\ntitle: T\nclients: [all]\n---\nBody\n";
    write(dir.path(), "a/vpn.md", ok);
    write(dir.path(), "b/vpn.md", ok);
    let (articles, problems) = load_dir(dir.path()).expect("load");
    assert_eq!(articles.len(), 1);
    assert!(articles[0].path.ends_with("a/vpn.md"));
    assert_eq!(problems.len(), 1);
    assert!(problems[0].file.ends_with("b/vpn.md"));
    assert!(problems[0].message.contains("duplicate slug `vpn`"));
}

#[test]
fn problem_displays_as_path_line_message() {
    let problem = Problem {
        file: "kb/vpn.md".into(),
        line: 4,
        message: "unknown key `author`".into(),
    };
    assert_eq!(problem.to_string(), "kb/vpn.md:4: unknown key `author`");
}

#[test]
fn windows_line_endings_and_bom_are_accepted() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "a.md",
        "\u{feff}---\r\ntitle: T\r\nclients: [all]\r\n---\r\nBody\r\n",
    );
    let (articles, problems) = load_dir(dir.path()).expect("load");
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(articles[0].title, "T");
}

#[test]
fn missing_directory_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    match load_dir(&dir.path().join("nope")) {
        Err(KbError::Io { path, .. }) => assert!(path.ends_with("nope")),
        other => panic!("expected an IO error, got {other:?}"),
    }
}
