-- Eligibility constraints per program and the stored matches of each organisation (issue 5).

-- Rules extracted from a program's text, kept with the content they came from: re-extracted when
-- the program's content_hash changes. Each rule in `rules` carries its provenance, confidence and
-- the sentence it came from (crate eligibility's `Rule`).
CREATE TABLE program_rules (
    program_id    bigint PRIMARY KEY REFERENCES programs ON DELETE CASCADE,
    content_hash  text NOT NULL,
    rules         jsonb NOT NULL,
    kind          text NOT NULL CHECK (kind IN ('call', 'survey', 'designated', 'training_only')),
    extracted_at  timestamptz NOT NULL DEFAULT now()
);

-- An administrator's correction of a program's rules. It replaces the extracted rules of the same
-- kinds and survives re-scrapes (it is keyed by program, not by content).
CREATE TABLE program_rule_overrides (
    program_id bigint PRIMARY KEY REFERENCES programs ON DELETE CASCADE,
    rules      jsonb NOT NULL,
    note       text,
    set_by     bigint REFERENCES users ON DELETE SET NULL,
    set_at     timestamptz NOT NULL DEFAULT now()
);

-- The best matches of each organisation (eligible or conditional), recomputed by the worker when the
-- organisation's profile or a program changes; page views only read them.
CREATE TABLE matches (
    organization_id bigint NOT NULL REFERENCES organizations ON DELETE CASCADE,
    program_id      bigint NOT NULL REFERENCES programs ON DELETE CASCADE,
    gate            text NOT NULL CHECK (gate IN ('eligible', 'conditional')),
    score           smallint NOT NULL CHECK (score BETWEEN 0 AND 100),
    verdict         jsonb NOT NULL,
    matcher_version text NOT NULL,
    computed_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organization_id, program_id)
);
CREATE INDEX matches_rank ON matches (organization_id, gate, score DESC);
CREATE INDEX matches_program ON matches (program_id);

-- What an organisation does with a program; every transition is allowed and kept.
CREATE TABLE match_status (
    organization_id bigint NOT NULL REFERENCES organizations ON DELETE CASCADE,
    program_id      bigint NOT NULL REFERENCES programs ON DELETE CASCADE,
    status          text NOT NULL
        CHECK (status IN ('saved', 'dismissed', 'applying', 'applied', 'won', 'lost')),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    updated_by      bigint REFERENCES users ON DELETE SET NULL,
    PRIMARY KEY (organization_id, program_id)
);
CREATE TABLE match_status_history (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organization_id bigint NOT NULL REFERENCES organizations ON DELETE CASCADE,
    program_id      bigint NOT NULL REFERENCES programs ON DELETE CASCADE,
    from_status     text,
    to_status       text NOT NULL,
    at              timestamptz NOT NULL DEFAULT now(),
    by_user         bigint REFERENCES users ON DELETE SET NULL
);
CREATE INDEX match_status_history_pair ON match_status_history (organization_id, program_id, at);

-- The matcher's cursor over catalogue changes (like a search node's), and how many matches it ever
-- created (`funding_matches_total`).
CREATE TABLE matching_state (
    singleton       boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    program_cursor  bigint NOT NULL DEFAULT 0,
    -- The last program_changes row whose savers were told (deadline and attachment changes).
    change_cursor   bigint NOT NULL DEFAULT 0,
    matches_created bigint NOT NULL DEFAULT 0
);
INSERT INTO matching_state (change_cursor) SELECT coalesce(max(id), 0) FROM program_changes;
