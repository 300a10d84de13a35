-- Alerts from monitoring, one row per client and fingerprint: how many arrived, whether on-call
-- was offered to declare (and when: proposals are rate-limited per client), and the incident the
-- group was linked to.
CREATE TABLE alert_groups (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    client      TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    title       TEXT NOT NULL,
    severity    TEXT NOT NULL,
    source      TEXT NOT NULL,
    link        TEXT,
    firing      BIGINT NOT NULL,
    received    BIGINT NOT NULL,
    first_seen  BIGINT NOT NULL,
    last_seen   BIGINT NOT NULL,
    proposed_at BIGINT,
    incident_id TEXT,
    UNIQUE (client, fingerprint)
);
CREATE INDEX alert_groups_proposed ON alert_groups (client, proposed_at);
