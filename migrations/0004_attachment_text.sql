-- Text extracted from attachments (HWP, HWPX, PDF) by the worker, for search and eligibility.
-- An attachment is extracted once; a failure is kept with its reason and not retried by itself.
ALTER TABLE program_attachments
    ADD COLUMN text          text,
    ADD COLUMN extracted_at  timestamptz,
    ADD COLUMN extract_error text;

-- All of a program's attachment text, searchable with the body but not part of its content hash.
ALTER TABLE programs ADD COLUMN attachment_text text NOT NULL DEFAULT '';

CREATE OR REPLACE FUNCTION programs_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.content_hash IS DISTINCT FROM OLD.content_hash
       OR NEW.removed_at IS DISTINCT FROM OLD.removed_at
       OR NEW.canonical_id IS DISTINCT FROM OLD.canonical_id
       OR NEW.attachment_text IS DISTINCT FROM OLD.attachment_text THEN
        NEW.change_xid := pg_current_xact_id()::text::bigint;
    END IF;
    RETURN NEW;
END $$;
