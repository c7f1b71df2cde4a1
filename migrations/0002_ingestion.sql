-- Ingestion: scrape runs, per-source fetch state, and a touch trigger that only moves a program in
-- the search followers' view when its content (or removal, or grouping) changed. A scrape marks
-- every program it sees with last_seen_at; that must not re-index 100,000 programs a day.

CREATE OR REPLACE FUNCTION programs_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.content_hash IS DISTINCT FROM OLD.content_hash
       OR NEW.removed_at IS DISTINCT FROM OLD.removed_at
       OR NEW.canonical_id IS DISTINCT FROM OLD.canonical_id THEN
        NEW.change_xid := pg_current_xact_id()::text::bigint;
    END IF;
    RETURN NEW;
END $$;

CREATE TABLE scrape_runs (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source          text NOT NULL,
    started_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz,
    status          text NOT NULL DEFAULT 'running'
        CHECK (status IN ('running', 'succeeded', 'not_modified', 'failed')),
    pages           int NOT NULL DEFAULT 0,
    new_items       int NOT NULL DEFAULT 0,
    changed_items   int NOT NULL DEFAULT 0,
    unchanged_items int NOT NULL DEFAULT 0,
    removed_items   int NOT NULL DEFAULT 0,
    rejected_items  int NOT NULL DEFAULT 0,
    error           text
);
CREATE INDEX scrape_runs_source ON scrape_runs (source, started_at DESC);

-- Validators of a source's first list page, for conditional GETs.
CREATE TABLE source_state (
    source        text PRIMARY KEY,
    etag          text,
    last_modified text,
    updated_at    timestamptz NOT NULL DEFAULT now()
);
