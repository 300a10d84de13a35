-- Postmortems under review, their action items and comments, and the managers' sign-in links
-- and sessions (tokens are stored as SHA-256 hashes only).
CREATE TABLE postmortems (
    incident_id          TEXT PRIMARY KEY REFERENCES incidents (id),
    client               TEXT NOT NULL,
    state                TEXT NOT NULL,
    summary              TEXT NOT NULL,
    impact               TEXT NOT NULL,
    contributing_factors TEXT NOT NULL,
    went_well            TEXT NOT NULL,
    internal_notes       TEXT NOT NULL,
    client_summary       TEXT NOT NULL,
    reviewer             TEXT,
    approved_at          BIGINT,
    published_at         BIGINT,
    created_at           BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL,
    updated_by           TEXT,
    version              BIGINT NOT NULL
);
CREATE INDEX postmortems_state ON postmortems (state, incident_id);

CREATE TABLE action_items (
    incident_id TEXT NOT NULL REFERENCES incidents (id),
    position    BIGINT NOT NULL,
    description TEXT NOT NULL,
    owner       TEXT NOT NULL,
    due_date    TEXT,
    PRIMARY KEY (incident_id, position)
);

CREATE TABLE review_comments (
    id          BIGSERIAL PRIMARY KEY,
    incident_id TEXT NOT NULL REFERENCES incidents (id),
    author      TEXT NOT NULL,
    body        TEXT NOT NULL,
    at          BIGINT NOT NULL
);
CREATE INDEX review_comments_incident ON review_comments (incident_id, id);

CREATE TABLE sign_in_links (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL,
    next_path  TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

-- The review list filters by severity and month over many incidents, newest first.
CREATE INDEX incidents_severity ON incidents (severity, declared_at);
