-- Level-1 support requests: what was asked, what was suggested, and how it ended.
CREATE TABLE support_requests (
    id            BIGSERIAL PRIMARY KEY,
    client        TEXT NOT NULL,
    asker         TEXT NOT NULL,
    platform      TEXT NOT NULL,
    channel       TEXT NOT NULL,
    question      TEXT NOT NULL,
    suggestions   TEXT NOT NULL,
    top_article   TEXT,
    created_at    BIGINT NOT NULL,
    -- suggested | solved | escalated | incident
    outcome       TEXT NOT NULL,
    resolved_at   BIGINT,
    escalated_at  BIGINT,
    taken_by      TEXT,
    taken_at      BIGINT,
    alerted       BIGINT NOT NULL DEFAULT 0,
    incident_id   TEXT REFERENCES incidents (id)
);
CREATE INDEX support_requests_recent ON support_requests (client, created_at);
