-- The same program published by several sources is grouped under one canonical record: the
-- duplicate keeps its own row (and identity) and points at the canonical one with canonical_id.
-- Two records are the same program only when their titles are identical once case, spaces and
-- punctuation are ignored, and their deadlines are equal: NTIS titles like
-- '<사업명>_(2025)<세부과제>' differ in the 세부과제 part and are never grouped.
ALTER TABLE programs
    ADD COLUMN title_key text GENERATED ALWAYS AS (regexp_replace(lower(title), '[^0-9a-z가-힣]', '', 'g')) STORED;
CREATE INDEX programs_title_key ON programs (title_key, period_end);
