-- Incidents, their append-only timelines, room lookups and the delivery outbox.
CREATE TABLE incident_counters (
    year        BIGINT PRIMARY KEY,
    last_number BIGINT NOT NULL
);

CREATE TABLE incidents (
    id          TEXT PRIMARY KEY,
    client      TEXT NOT NULL,
    severity    TEXT NOT NULL,
    stage       TEXT NOT NULL,
    title       TEXT NOT NULL,
    declared_at BIGINT NOT NULL,
    resolved_at BIGINT,
    state       TEXT NOT NULL,
    version     BIGINT NOT NULL,
    timer_at    BIGINT,
    update_due  BIGINT
);
CREATE INDEX incidents_timer ON incidents (timer_at) WHERE timer_at IS NOT NULL;
CREATE INDEX incidents_client ON incidents (client, declared_at);
CREATE INDEX incidents_declared ON incidents (declared_at);
CREATE INDEX incidents_update_due ON incidents (update_due) WHERE update_due IS NOT NULL;

CREATE TABLE incident_rooms (
    platform    TEXT NOT NULL,
    room        TEXT NOT NULL,
    incident_id TEXT NOT NULL REFERENCES incidents (id),
    PRIMARY KEY (platform, room)
);

CREATE TABLE timeline (
    incident_id TEXT NOT NULL REFERENCES incidents (id),
    seq         BIGINT NOT NULL,
    at          BIGINT NOT NULL,
    actor       TEXT,
    kind        TEXT NOT NULL,
    payload     TEXT NOT NULL,
    PRIMARY KEY (incident_id, seq)
);

CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id     TEXT REFERENCES incidents (id),
    client          TEXT NOT NULL,
    update_sequence BIGINT,
    destination     TEXT NOT NULL,
    lane            TEXT NOT NULL,
    message         TEXT NOT NULL,
    state           TEXT NOT NULL DEFAULT 'pending',
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    lease_until     BIGINT,
    last_error      TEXT,
    receipt         TEXT,
    delivered_at    BIGINT,
    created_at      BIGINT NOT NULL
);
CREATE INDEX outbox_pending ON outbox (next_attempt_at) WHERE state = 'pending';
CREATE INDEX outbox_lane ON outbox (incident_id, lane, id);

-- What each client's status page shows: updates confirmed written there.
CREATE TABLE status_posts (
    incident_id TEXT NOT NULL REFERENCES incidents (id),
    sequence    BIGINT NOT NULL,
    client      TEXT NOT NULL,
    severity    TEXT NOT NULL,
    stage       TEXT NOT NULL,
    title       TEXT NOT NULL,
    message     TEXT NOT NULL,
    posted_at   BIGINT NOT NULL,
    PRIMARY KEY (incident_id, sequence)
);
CREATE INDEX status_posts_client ON status_posts (client, posted_at);

-- Inbound platform events already handled (Slack event ids, interaction ids), so a retry,
-- even after a restart, is acknowledged and not handled twice.
CREATE TABLE processed_events (
    platform TEXT NOT NULL,
    event_id TEXT NOT NULL,
    seen_at  BIGINT NOT NULL,
    PRIMARY KEY (platform, event_id)
);
CREATE INDEX processed_events_age ON processed_events (seen_at);
