-- Claims that belong to someone: the worker that leased a row writes its outcome only while it
-- still holds the claim, so a late answer from a worker presumed dead cannot undo a later one.
ALTER TABLE outbox ADD COLUMN claim_token TEXT;
