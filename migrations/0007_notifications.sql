-- Saved programs and searches, notifications (in-app and mail, each exactly once by its key), the
-- person's notification settings, and the secret calendar feed (issue 5).

CREATE TABLE saved_programs (
    user_id    bigint NOT NULL REFERENCES users ON DELETE CASCADE,
    program_id bigint NOT NULL REFERENCES programs ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, program_id)
);
CREATE INDEX saved_programs_program ON saved_programs (program_id);

CREATE TABLE saved_searches (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES users ON DELETE CASCADE,
    name       text NOT NULL,
    -- The query string of GET /api/programs, e.g. `q=AI&region=seoul`.
    query      text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX saved_searches_user ON saved_searches (user_id);

-- One row per thing a person is told. `key` makes each notification exist once however many workers
-- or retries try to create it (e.g. `deadline:D-3:<program>:<user>`); the mail is claimed, sent and
-- marked, so a crash between claim and send is retried after the claim expires.
CREATE TABLE notifications (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id          bigint NOT NULL REFERENCES users ON DELETE CASCADE,
    kind             text NOT NULL
        CHECK (kind IN ('deadline', 'digest', 'new_match', 'program_changed')),
    key              text NOT NULL UNIQUE,
    program_id       bigint REFERENCES programs ON DELETE SET NULL,
    title            text NOT NULL,
    body             text NOT NULL,
    link             text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    read_at          timestamptz,
    -- NULL when no mail is wanted.
    mail_wanted      boolean NOT NULL DEFAULT false,
    mail_claimed_at  timestamptz,
    mailed_at        timestamptz,
    mail_attempts    int NOT NULL DEFAULT 0
);
CREATE INDEX notifications_user ON notifications (user_id, created_at DESC);
CREATE INDEX notifications_mail_pending ON notifications (id) WHERE mail_wanted AND mailed_at IS NULL;

-- Per person and kind: mail and in-app on or off. A missing row means the default (both on).
CREATE TABLE notification_settings (
    user_id bigint NOT NULL REFERENCES users ON DELETE CASCADE,
    kind    text NOT NULL CHECK (kind IN ('deadline', 'digest', 'new_match', 'program_changed')),
    mail    boolean NOT NULL DEFAULT true,
    in_app  boolean NOT NULL DEFAULT true,
    PRIMARY KEY (user_id, kind)
);

-- Secrets in URLs that need no login: the calendar feed and one-click unsubscribe links. Stored as
-- SHA-256 of the random token, like sessions.
ALTER TABLE users ADD COLUMN calendar_token_hash bytea UNIQUE;
