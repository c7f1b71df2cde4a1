-- Issue 5, continued: a person's own score threshold for new-match alerts (and for which matched
-- programs get deadline reminders and go into the weekly digest), when each match first appeared
-- (the digest's "new this week"), and mails that carry their own HTML (the digest's lists).
-- All additive: the previous release keeps working against this schema.
-- (Numbered after 0008; the lead may renumber at merge.)

-- Only meaningful on the `new_match` row; NULL means the default (70).
ALTER TABLE notification_settings
    ADD COLUMN min_score smallint CHECK (min_score BETWEEN 0 AND 100);

-- Kept when a match is recomputed; a pair that disappears and comes back is new again.
ALTER TABLE matches ADD COLUMN created_at timestamptz NOT NULL DEFAULT now();

-- Rendered and escaped when the notification is created; NULL: the mail is built from `body`.
ALTER TABLE notifications ADD COLUMN body_html text;
