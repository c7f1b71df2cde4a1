-- The program data editor (issue 6): staff corrections of a program's published fields, staff
-- decisions on duplicate groups, rule kinds staff dropped, and one revision row per staff edit
-- with what it replaced, so that any edit can be undone.

-- A staff correction of one field of a program. The store writes `value` over whatever the scraper
-- writes (`catalog::corrections`), so a correction survives re-scrapes; `source_value` is what the
-- source last published, put back when the correction is removed. Values are the column's JSON.
CREATE TABLE program_field_overrides (
    program_id   bigint NOT NULL REFERENCES programs ON DELETE CASCADE,
    field        text NOT NULL CHECK (field IN ('title', 'ministry', 'agency', 'announcement_type', 'regions',
                                                'target_types', 'period_start', 'period_end', 'period_kind',
                                                'budget_krw', 'source_url')),
    value        jsonb NOT NULL,
    source_value jsonb NOT NULL,
    set_by       bigint REFERENCES users ON DELETE SET NULL,
    set_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (program_id, field)
);

-- Rule kinds (`Constraint::kind`) a staff correction removes from the program altogether: a
-- condition the extractor read that the announcement does not set.
ALTER TABLE program_rule_overrides ADD COLUMN dropped_kinds text[] NOT NULL DEFAULT '{}';

-- Staff decided where this program belongs (split out of its group, or merged under another
-- program): the grouping code leaves it there across re-scrapes.
CREATE TABLE program_group_decisions (
    program_id bigint PRIMARY KEY REFERENCES programs ON DELETE CASCADE,
    set_by     bigint REFERENCES users ON DELETE SET NULL,
    set_at     timestamptz NOT NULL DEFAULT now()
);

-- Every staff edit of a program: fields, rules, a split or a merge, or the undo of an earlier
-- revision. `before` and `after` map each aspect the edit touched (a field name, `rules`, `group`)
-- to its state; undoing writes `before` back, refused when the aspect no longer holds `after`.
CREATE TABLE program_revisions (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    program_id  bigint NOT NULL REFERENCES programs ON DELETE CASCADE,
    -- The other program of a split or a merge: the revision shows in its history too.
    related_id  bigint REFERENCES programs ON DELETE SET NULL,
    action      text NOT NULL CHECK (action IN ('fields', 'rules', 'split', 'merge', 'undo')),
    actor_id    bigint REFERENCES users ON DELETE SET NULL,
    at          timestamptz NOT NULL DEFAULT now(),
    note        text,
    before      jsonb NOT NULL,
    after       jsonb NOT NULL,
    undoes      bigint REFERENCES program_revisions
);
CREATE INDEX program_revisions_program ON program_revisions (program_id, id DESC);
CREATE INDEX program_revisions_related ON program_revisions (related_id, id DESC) WHERE related_id IS NOT NULL;
