//! The SQLite and PostgreSQL migrations are one schema written twice: this test fails when the
//! two folders differ anywhere but the id columns, whose auto-increment each dialect spells its
//! own way.

use std::collections::BTreeMap;
use std::path::Path;

const SQLITE_ID: &str = "INTEGER PRIMARY KEY AUTOINCREMENT";
const POSTGRES_ID: &str = "BIGSERIAL PRIMARY KEY";

fn migrations(dialect: &str) -> BTreeMap<String, String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../migrations")
        .join(dialect);
    std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&path).unwrap())
        })
        .collect()
}

#[test]
fn both_dialects_have_the_same_migrations_but_for_id_columns() {
    let sqlite = migrations("sqlite");
    let postgres = migrations("postgres");
    assert_eq!(
        sqlite.keys().collect::<Vec<_>>(),
        postgres.keys().collect::<Vec<_>>(),
        "the same migration files in both folders"
    );
    for (name, text) in &sqlite {
        let other = &postgres[name];
        let ours: Vec<&str> = text.lines().collect();
        let theirs: Vec<&str> = other.lines().collect();
        assert_eq!(ours.len(), theirs.len(), "{name}: line counts differ");
        for (number, (a, b)) in ours.iter().zip(&theirs).enumerate() {
            let same = a == b || a.replace(SQLITE_ID, POSTGRES_ID) == *b;
            assert!(same, "{name}:{}: `{a}` vs `{b}`", number + 1);
        }
    }
}
