-- Level-1 triage has one name: its requests are `triage_requests`. A responder can close a
-- ticket naming the article that answered it (outcome `answered`), which triage learns from.
ALTER TABLE support_requests RENAME TO triage_requests;
ALTER TABLE triage_requests ADD COLUMN answered_by TEXT;
ALTER TABLE triage_requests ADD COLUMN answer_article TEXT;
DROP INDEX support_requests_recent;
CREATE INDEX triage_requests_recent ON triage_requests (client, created_at);
