-- Plans and billing with Toss Payments (issue 8). Coded values are text + CHECK, never enums
-- (PgBouncer, FINDINGS §1). Billing keys and business numbers are stored only sealed (AES-256-GCM under
-- ENCRYPTION_KEY). Payment records are never deleted: they outlive subscriptions, organisations and
-- people (their references become NULL), as the law on electronic commerce requires.

-- An organisation as a customer of Toss: one random customerKey, and the billing key of the card it
-- registered (sealed). Goes with the organisation.
CREATE TABLE billing_customers (
    organization_id    bigint PRIMARY KEY REFERENCES organizations ON DELETE CASCADE,
    customer_key       text NOT NULL UNIQUE,
    billing_key        text,
    -- As Toss shows them: the issuer and the masked number.
    card_company       text,
    card_number        text,
    card_registered_at timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now()
);

-- What an organisation pays for. At most one live subscription per organisation; ended ones stay as
-- history until the organisation goes. Entitlements are computed from status and period at read
-- time (plans::entitlement), never stored.
CREATE TABLE subscriptions (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organization_id      bigint NOT NULL REFERENCES organizations ON DELETE CASCADE,
    -- Who subscribed: mailed about failed payments with the owner.
    user_id              bigint REFERENCES users ON DELETE SET NULL,
    plan                 text NOT NULL CHECK (plan IN ('PRO', 'TEAM')),
    cycle                text NOT NULL CHECK (cycle IN ('monthly', 'annual')),
    status               text NOT NULL
        CHECK (status IN ('incomplete', 'active', 'past_due', 'canceled', 'expired')),
    current_period_start timestamptz,
    current_period_end   timestamptz,
    cancel_at_period_end boolean NOT NULL DEFAULT false,
    -- A downgrade waiting for the end of the period.
    pending_plan         text CHECK (pending_plan IN ('PRO', 'TEAM')),
    pending_cycle        text CHECK (pending_cycle IN ('monthly', 'annual')),
    past_due_since       timestamptz,
    canceled_at          timestamptz,
    ended_at             timestamptz,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    CHECK (status NOT IN ('active', 'past_due') OR (current_period_start IS NOT NULL AND current_period_end IS NOT NULL)),
    CHECK ((pending_plan IS NULL) = (pending_cycle IS NULL))
);
CREATE UNIQUE INDEX subscriptions_one_live ON subscriptions (organization_id)
    WHERE status IN ('incomplete', 'active', 'past_due');
CREATE INDEX subscriptions_period_end ON subscriptions (current_period_end) WHERE status IN ('active', 'past_due');

-- A card registration in progress (the browser SDK's round trip), and what it was started for.
CREATE TABLE checkouts (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organization_id bigint NOT NULL REFERENCES organizations ON DELETE CASCADE,
    user_id         bigint REFERENCES users ON DELETE SET NULL,
    purpose         text NOT NULL CHECK (purpose IN ('subscribe', 'card')),
    plan            text CHECK (plan IN ('PRO', 'TEAM')),
    cycle           text CHECK (cycle IN ('monthly', 'annual')),
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'processing', 'completed', 'failed')),
    subscription_id bigint REFERENCES subscriptions ON DELETE SET NULL,
    error           text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    completed_at    timestamptz,
    CHECK (purpose = 'card' OR (plan IS NOT NULL AND cycle IS NOT NULL))
);
CREATE INDEX checkouts_org ON checkouts (organization_id);

-- One charge per subscription, kind and period, claimed here BEFORE Toss is called: the unique key
-- is what makes a period billed once whatever the number of workers, retries and restarts. Each
-- attempt has its own orderId (`connect-{id}-{attempt}`) and Idempotency-Key; an attempt whose answer
-- was lost is settled by looking its orderId up at Toss, never by charging again. Never deleted.
CREATE TABLE charges (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subscription_id bigint REFERENCES subscriptions ON DELETE SET NULL,
    kind            text NOT NULL CHECK (kind IN ('first', 'renewal', 'upgrade')),
    period_start    timestamptz NOT NULL,
    period_end      timestamptz NOT NULL,
    plan            text NOT NULL CHECK (plan IN ('PRO', 'TEAM')),
    cycle           text NOT NULL CHECK (cycle IN ('monthly', 'annual')),
    amount          bigint NOT NULL CHECK (amount > 0),
    order_name      text NOT NULL,
    -- pending: an attempt is due at next_attempt_at; processing: attempt `attempt` was sent and its
    -- outcome is being settled (by whoever holds it until locked_until); then paid, failed or void.
    status          text NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'processing', 'paid', 'failed', 'void')),
    attempt         int NOT NULL DEFAULT 0,
    order_id        text UNIQUE,
    idempotency_key text,
    next_attempt_at timestamptz NOT NULL,
    locked_until    timestamptz,
    first_failed_at timestamptz,
    failures        int NOT NULL DEFAULT 0,
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (subscription_id, kind, period_start)
);
CREATE INDEX charges_open ON charges (next_attempt_at) WHERE status IN ('pending', 'processing');

-- Money Toss took: the legal record, kept for five years and never deleted with a subscription, an
-- organisation or a person. Tax-invoice details are copied at payment time; the business number
-- stays sealed.
CREATE TABLE payments (
    id                      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organization_id         bigint REFERENCES organizations ON DELETE SET NULL,
    user_id                 bigint REFERENCES users ON DELETE SET NULL,
    subscription_id         bigint REFERENCES subscriptions ON DELETE SET NULL,
    charge_id               bigint UNIQUE REFERENCES charges ON DELETE SET NULL,
    payment_key             text NOT NULL UNIQUE,
    order_id                text NOT NULL UNIQUE,
    order_name              text NOT NULL,
    kind                    text NOT NULL CHECK (kind IN ('first', 'renewal', 'upgrade')),
    plan                    text NOT NULL CHECK (plan IN ('PRO', 'TEAM')),
    cycle                   text NOT NULL CHECK (cycle IN ('monthly', 'annual')),
    period_start            timestamptz NOT NULL,
    period_end              timestamptz NOT NULL,
    -- Toss's status of a paid payment; it only moves forward (DONE → PARTIAL_CANCELED → CANCELED).
    status                  text NOT NULL CHECK (status IN ('DONE', 'PARTIAL_CANCELED', 'CANCELED')),
    amount                  bigint NOT NULL CHECK (amount > 0),
    -- What is left after refunds; only ever decreases.
    balance_amount          bigint NOT NULL,
    vat                     bigint NOT NULL DEFAULT 0,
    supplied_amount         bigint NOT NULL DEFAULT 0,
    method                  text,
    card_number             text,
    receipt_url             text,
    approved_at             timestamptz NOT NULL,
    invoice_name            text,
    invoice_business_number text,
    invoice_email           text,
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    CHECK (balance_amount BETWEEN 0 AND amount)
);
CREATE INDEX payments_org ON payments (organization_id, approved_at);

-- A user's request for a refund, for staff to decide.
CREATE TABLE refund_requests (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organization_id bigint REFERENCES organizations ON DELETE SET NULL,
    user_id         bigint REFERENCES users ON DELETE SET NULL,
    payment_id      bigint NOT NULL REFERENCES payments,
    reason          text NOT NULL,
    status          text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'refunded', 'rejected')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    resolved_at     timestamptz,
    resolved_by     bigint REFERENCES users ON DELETE SET NULL
);
CREATE UNIQUE INDEX refund_requests_one_open ON refund_requests (payment_id) WHERE status = 'open';

-- Cancellations sent to Toss (POST /v1/payments/{paymentKey}/cancel), recorded before the call with
-- their Idempotency-Key; one in flight per payment.
CREATE TABLE refunds (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    payment_id      bigint NOT NULL REFERENCES payments,
    amount          bigint NOT NULL CHECK (amount > 0),
    rule            text NOT NULL CHECK (rule IN ('full_within_7_days', 'annual_pro_rata', 'override')),
    reason          text NOT NULL,
    end_subscription boolean NOT NULL,
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed')),
    idempotency_key text NOT NULL UNIQUE,
    requested_by    bigint REFERENCES users ON DELETE SET NULL,
    error           text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    completed_at    timestamptz
);
CREATE UNIQUE INDEX refunds_one_pending ON refunds (payment_id) WHERE status = 'pending';

-- Webhooks received, by the SHA-256 of their body: a redelivery is recognised and answered at once.
CREATE TABLE webhook_events (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    body_sha256  text NOT NULL UNIQUE,
    event_type   text NOT NULL,
    payment_key  text,
    order_id     text,
    outcome      text,
    received_at  timestamptz NOT NULL DEFAULT now(),
    processed_at timestamptz
);

COMMENT ON COLUMN organizations.plan IS
    'Not read since 0006: the plan is the entitlement of the subscription (plans::entitlement). Drop in a later release.';
