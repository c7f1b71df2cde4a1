-- Accounts, sessions, organisations, teams, uploads and the privacy records (issue 3).
-- Coded values are text + CHECK (never enums: PgBouncer, FINDINGS §1). Secrets are stored only as
-- hashes (session and mail tokens: SHA-256 of 256 random bits) or sealed with AES-256-GCM (business
-- numbers, under ENCRYPTION_KEY) with a keyed lookup hash beside them.

CREATE TABLE users (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- Lower-cased. NULL for a Kakao account that gave no email, and after deletion.
    email             text UNIQUE,
    email_verified_at timestamptz,
    password_hash     text,
    name              text,
    role              text NOT NULL DEFAULT 'USER' CHECK (role IN ('USER', 'ADMIN', 'SUPER_ADMIN')),
    -- Bumped by "log out everywhere", a password change or a role change: bearer tokens minted under an
    -- older value stop working at once.
    token_version     int NOT NULL DEFAULT 0,
    failed_logins     int NOT NULL DEFAULT 0,
    locked_until      timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    deleted_at        timestamptz
);

-- A Kakao or Naver account bound to a user.
CREATE TABLE identities (
    provider   text NOT NULL CHECK (provider IN ('kakao', 'naver')),
    subject    text NOT NULL,
    user_id    bigint NOT NULL REFERENCES users ON DELETE CASCADE,
    email      text,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (provider, subject),
    UNIQUE (user_id, provider)
);

CREATE TABLE sessions (
    token_hash   bytea PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users ON DELETE CASCADE,
    csrf_token   text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    ip           text,
    user_agent   text
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Bearer tokens revoked before they expire (by their `jti`); rows past expires_at are useless.
CREATE TABLE revoked_tokens (
    jti        text PRIMARY KEY,
    expires_at timestamptz NOT NULL
);

-- One-time codes sent by mail.
CREATE TABLE mail_tokens (
    token_hash bytea PRIMARY KEY,
    purpose    text NOT NULL CHECK (purpose IN ('verify_email', 'reset_password', 'delete_account')),
    user_id    bigint NOT NULL REFERENCES users ON DELETE CASCADE,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX mail_tokens_user ON mail_tokens (user_id, purpose);

-- An OAuth flow in progress. A login is bound to the browser (cookie holding the state); a link is
-- bound to the session that started it, and completes only by a POST from that same session.
CREATE TABLE oauth_flows (
    state_hash      bytea PRIMARY KEY,
    provider        text NOT NULL CHECK (provider IN ('kakao', 'naver')),
    purpose         text NOT NULL CHECK (purpose IN ('login', 'link')),
    session_hash    bytea,
    pkce_verifier   text,
    -- A login that may create an account carries the person's acceptance of the current terms.
    terms_accepted  boolean NOT NULL DEFAULT false,
    marketing       boolean NOT NULL DEFAULT false,
    -- Filled by the callback of a link flow, consumed by the confirming POST.
    linked_subject  text,
    linked_email    text,
    expires_at      timestamptz NOT NULL,
    CHECK (purpose = 'login' OR session_hash IS NOT NULL)
);

CREATE TABLE consents (
    user_id     bigint NOT NULL REFERENCES users ON DELETE CASCADE,
    kind        text NOT NULL CHECK (kind IN ('terms', 'privacy', 'marketing')),
    version     text NOT NULL,
    accepted_at timestamptz NOT NULL DEFAULT now(),
    ip          text,
    PRIMARY KEY (user_id, kind, version)
);

CREATE TABLE organizations (
    id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind                  text NOT NULL
        CHECK (kind IN ('company', 'research_institute', 'university', 'public_institution')),
    name                  text NOT NULL,
    -- AES-256-GCM sealed digits and a keyed (HMAC) hash for lookups; never the number in plain text.
    business_number       text,
    business_number_hash  text UNIQUE,
    -- The rest of the profile (validated by the application; see src/orgs/profile.rs).
    profile               jsonb NOT NULL DEFAULT '{}',
    profile_version       int NOT NULL DEFAULT 0,
    plan                  text NOT NULL DEFAULT 'FREE' CHECK (plan IN ('FREE', 'PRO', 'TEAM')),
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE memberships (
    organization_id bigint NOT NULL REFERENCES organizations ON DELETE CASCADE,
    user_id         bigint NOT NULL REFERENCES users ON DELETE CASCADE,
    role            text NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
    joined_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organization_id, user_id)
);
CREATE INDEX memberships_user ON memberships (user_id);
-- Exactly one owner per organisation at any time.
CREATE UNIQUE INDEX memberships_one_owner ON memberships (organization_id) WHERE role = 'owner';

CREATE TABLE invitations (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organization_id bigint NOT NULL REFERENCES organizations ON DELETE CASCADE,
    token_hash      bytea NOT NULL UNIQUE,
    role            text NOT NULL CHECK (role IN ('admin', 'member')),
    email           text,
    created_by      bigint REFERENCES users ON DELETE SET NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    accepted_at     timestamptz,
    accepted_by     bigint REFERENCES users ON DELETE SET NULL,
    revoked_at      timestamptz
);
CREATE INDEX invitations_org ON invitations (organization_id);

CREATE TABLE documents (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organization_id bigint NOT NULL REFERENCES organizations ON DELETE CASCADE,
    kind            text NOT NULL CHECK (kind IN ('verification', 'logo', 'other')),
    file_name       text NOT NULL,
    content_type    text NOT NULL,
    size_bytes      bigint NOT NULL,
    sha256          text NOT NULL,
    -- Relative to the uploads directory.
    storage_path    text NOT NULL,
    uploaded_by     bigint REFERENCES users ON DELETE SET NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX documents_org ON documents (organization_id);

-- Events later work consumes (matching re-runs on a saved profile). Written in the same transaction.
CREATE TABLE events (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind       text NOT NULL,
    subject_id bigint NOT NULL,
    payload    jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    handled_at timestamptz
);
CREATE INDEX events_pending ON events (id) WHERE handled_at IS NULL;

-- Who read or changed personal data. Actor and subject ids survive the deletion of the person (the
-- actor column is then NULL); entries are never updated.
CREATE TABLE audit_log (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at              timestamptz NOT NULL DEFAULT now(),
    actor_id        bigint REFERENCES users ON DELETE SET NULL,
    action          text NOT NULL,
    user_id         bigint,
    organization_id bigint,
    ip              text,
    detail          jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_user ON audit_log (user_id, at);
CREATE INDEX audit_log_org ON audit_log (organization_id, at);
