-- Which catalogue this database holds: search indexes on app nodes remember it, so an index built
-- against another database (or a recreated one) is rebuilt instead of trusted.
CREATE TABLE catalogue_instance (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO catalogue_instance DEFAULT VALUES;

-- The program catalogue: one row per (source, external id), the identity real sources publish
-- (NTIS roRndUid, IRIS ancmId, bizinfo pblancId, K-Startup pbanc_sn, …).
-- Coded values are plain text with CHECK constraints (not enums) so that queries through PgBouncer
-- use only built-in types, and a later release can widen a CHECK without a type migration.

CREATE TABLE programs (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source            text NOT NULL CHECK (source ~ '^[a-z0-9_]{2,40}$'),
    external_id       text NOT NULL CHECK (external_id <> ''),
    title             text NOT NULL CHECK (title <> ''),
    ministry          text,                       -- 소관부처
    agency            text,                       -- 전문기관 / 수행기관
    announcement_type text NOT NULL DEFAULT 'other'
        CHECK (announcement_type IN ('call', 'survey', 'designated', 'education', 'event', 'other')),
    category          text,                       -- support category (기술개발, 금융, 인력, 수출, …)
    regions           text[] NOT NULL DEFAULT '{}',   -- Region codes; 'nationwide' for 전국
    target_types      text[] NOT NULL DEFAULT '{}',   -- organisation type codes
    period_raw        text,                       -- the application period exactly as published
    period_start      date,                       -- KST calendar dates
    period_end        date,
    period_end_time   time,                       -- KST; NULL means end of day
    period_kind       text NOT NULL DEFAULT 'unknown'
        CHECK (period_kind IN ('range', 'deadline_only', 'always', 'until_budget_exhausted',
                               'varies_by_agency', 'unknown')),
    budget_krw        bigint CHECK (budget_krw IS NULL OR budget_krw > 0),
    body              text NOT NULL DEFAULT '',   -- clean text, never HTML or script
    source_url        text,
    published_on      date,
    content_hash      text NOT NULL,
    first_seen_at     timestamptz NOT NULL DEFAULT now(),
    last_seen_at      timestamptz NOT NULL DEFAULT now(),
    last_changed_at   timestamptz NOT NULL DEFAULT now(),
    removed_at        timestamptz,                -- vanished from its source: marked, never deleted
    canonical_id      bigint REFERENCES programs (id), -- set when grouped under another record
    -- The 64-bit id of the transaction that last wrote the row. Search-index followers on every app
    -- node pull rows with change_xid >= their cursor (see src/search/sync.rs).
    change_xid        bigint NOT NULL DEFAULT (pg_current_xact_id()::text::bigint),
    UNIQUE (source, external_id)
);

CREATE INDEX programs_change_xid ON programs (change_xid);
CREATE INDEX programs_canonical ON programs (canonical_id) WHERE canonical_id IS NOT NULL;

CREATE FUNCTION programs_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.change_xid := pg_current_xact_id()::text::bigint;
    RETURN NEW;
END $$;

CREATE TRIGGER programs_touch BEFORE UPDATE ON programs
    FOR EACH ROW EXECUTE FUNCTION programs_touch();

CREATE TABLE program_attachments (
    program_id bigint NOT NULL REFERENCES programs (id) ON DELETE CASCADE,
    position   int NOT NULL,
    name       text NOT NULL,
    url        text,
    kind       text NOT NULL DEFAULT 'other'
        CHECK (kind IN ('hwp', 'hwpx', 'pdf', 'doc', 'xls', 'zip', 'image', 'other')),
    PRIMARY KEY (program_id, position)
);

-- What changed in a program over time (the ingestion issue records field changes here).
CREATE TABLE program_changes (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    program_id bigint NOT NULL REFERENCES programs (id) ON DELETE CASCADE,
    field      text NOT NULL,
    old_value  text,
    new_value  text,
    changed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX program_changes_program ON program_changes (program_id, changed_at DESC);

-- Typed eligibility constraints and organisation matches get their own tables in later migrations,
-- keyed by programs.id (constraints) and (organisation, program) (matches).
