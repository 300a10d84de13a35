-- Questions a client's staff confirmed an article answered ("This solved it"): searched as
-- further phrasings of that article, for that client only.
CREATE TABLE learned_phrasings (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    client      TEXT NOT NULL,
    slug        TEXT NOT NULL,
    question    TEXT NOT NULL,
    learned_at  BIGINT NOT NULL
);
CREATE INDEX learned_phrasings_client ON learned_phrasings (client);
