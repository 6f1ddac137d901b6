import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Campaigns, business phone numbers and eligibility (issue 11).
 *
 * - `phone_numbers`: the business numbers campaigns are sent from, with what WhatsApp's rules need
 *   to know of each: the Business Manager address country (marketing availability), the
 *   portfolio (the messaging limit is the portfolio's, shared by its numbers since October 2025),
 *   the throughput and the messaging limit tier.
 * - `eligibility_policy_overrides` and `eligibility_policy_versions`: the country policy is data in
 *   the repository (src/eligibility/country-policy.data.ts) plus the operators' overrides; each
 *   change of either makes a version, and every decision records the version it was made under.
 * - `campaigns`: a state machine on a row (draft → scheduled → running ⇄ paused → completed |
 *   cancelled | failed), changed only by compare-and-set.
 * - `campaign_recipients`: the audience frozen at launch, one row per (campaign, contact), each
 *   with its decision, reason, policy version and the consent that allowed it. The sending
 *   columns are the dispatcher's (issue 12): set once a message is accepted by WhatsApp.
 * - `idempotency_keys`: what a request with an `Idempotency-Key` answered, to answer a repeat the
 *   same way.
 */
export class Campaigns1795730000000 implements MigrationInterface {
  name = 'Campaigns1795730000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE phone_numbers (
        -- Meta's phone number id.
        phone_number_id        text COLLATE "C" PRIMARY KEY CHECK (phone_number_id ~ '^[0-9]{1,32}$'),
        waba_id                text COLLATE "C" NOT NULL CHECK (waba_id ~ '^[0-9]{1,32}$'),
        -- ISO 3166-1 alpha-2 of the Business Manager address: decides marketing availability.
        business_country       text NOT NULL CHECK (business_country ~ '^[A-Z]{2}$'),
        -- The business portfolio (Business Manager) id; numbers of one portfolio share its messaging limit.
        business_portfolio_id  text COLLATE "C" CHECK (business_portfolio_id ~ '^[0-9]{1,32}$'),
        -- Messages per second WhatsApp allows this number (80 by default, up to 1,000).
        throughput_mps         integer NOT NULL DEFAULT 80 CHECK (throughput_mps BETWEEN 1 AND 1000),
        -- Unique people reached outside an open window per moving 24 hours (the portfolio's).
        messaging_limit        text CHECK (messaging_limit IN ('TIER_250', 'TIER_2K', 'TIER_10K', 'TIER_100K', 'TIER_UNLIMITED')),
        marketing_messages_api boolean NOT NULL DEFAULT false,
        -- As last read from the Graph API (refresh) or a phone_number_quality_update webhook.
        display_phone_number   text,
        verified_name          text,
        quality_rating         text,
        refreshed_at           timestamptz,
        created_at             timestamptz NOT NULL DEFAULT now(),
        updated_at             timestamptz NOT NULL DEFAULT now()
      )`);

    await q.query(`
      CREATE TABLE eligibility_policy_overrides (
        id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        scope       text NOT NULL CHECK (scope IN ('business_country', 'recipient_country')),
        country     text NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
        -- A template category, SERVICE (session messages) or ALL.
        category    text NOT NULL CHECK (category IN ('MARKETING', 'UTILITY', 'AUTHENTICATION', 'SERVICE', 'ALL')),
        allow       boolean NOT NULL,
        reason      text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
        created_at  timestamptz NOT NULL DEFAULT now(),
        api_key_id  uuid,
        -- Removing an override keeps it, for the versions that used it.
        removed_at  timestamptz,
        removed_by_api_key_id uuid
      )`);
    await q.query(`
      CREATE TABLE eligibility_policy_versions (
        id            integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        -- BASE_POLICY_VERSION of the code that made it.
        base_version  text NOT NULL,
        -- The overrides in force, in order (later ones win).
        override_ids  bigint[] NOT NULL DEFAULT '{}',
        created_at    timestamptz NOT NULL DEFAULT now()
      )`);

    await q.query(`
      CREATE TABLE campaigns (
        id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name                  text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        phone_number_id       text COLLATE "C" NOT NULL REFERENCES phone_numbers (phone_number_id),
        kind                  text NOT NULL CHECK (kind IN ('template', 'session')),
        template_id           uuid REFERENCES templates (id),
        binding               jsonb,
        -- A session message: its definition and binding, and the consent scope its content needs.
        session               jsonb,
        session_scope         text CHECK (session_scope IN ('marketing', 'utility')),
        fallback_template_id  uuid REFERENCES templates (id),
        fallback_binding      jsonb,
        audience              jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(audience) = 'object'),
        scheduled_at          timestamptz,
        -- A cap below the number's throughput (messages per second).
        max_mps               integer CHECK (max_mps BETWEEN 1 AND 1000),
        status                text NOT NULL DEFAULT 'draft'
                              CHECK (status IN ('draft', 'scheduled', 'running', 'paused', 'completed', 'cancelled', 'failed')),
        -- Why it is paused or failed (missed_schedule, …); NULL otherwise.
        status_reason         text,
        policy_version_id     integer REFERENCES eligibility_policy_versions (id),
        api_key_id            uuid,
        created_at            timestamptz NOT NULL DEFAULT now(),
        updated_at            timestamptz NOT NULL DEFAULT now(),
        launched_at           timestamptz,
        started_at            timestamptz,
        finished_at           timestamptz,
        CHECK ((kind = 'template') = (template_id IS NOT NULL AND binding IS NOT NULL)),
        CHECK ((kind = 'session') = (session IS NOT NULL AND session_scope IS NOT NULL)),
        CHECK (kind = 'session' OR fallback_template_id IS NULL),
        CHECK ((fallback_template_id IS NULL) = (fallback_binding IS NULL))
      )`);
    await q.query(`CREATE INDEX campaigns_listing ON campaigns (created_at DESC, id DESC)`);
    // The scheduler's look-up: due campaigns.
    await q.query(`CREATE INDEX campaigns_scheduled ON campaigns (scheduled_at) WHERE status = 'scheduled'`);

    await q.query(`
      CREATE TABLE campaign_recipients (
        -- No foreign keys on this table: its rows are written by the snapshot alone, which holds the
        -- campaign and the policy version it names, and contacts are never deleted (erasure keeps
        -- the row). A key check is a trigger call per row: the snapshot of a million recipients
        -- would pay three million of them.
        campaign_id        uuid NOT NULL,
        contact_id         bigint NOT NULL,
        decision           text NOT NULL CHECK (decision IN ('eligible', 'excluded', 'deferred')),
        reason             text CHECK (reason IN ('no_opt_in', 'opted_out', 'recipient_country_restricted', 'window_closed',
                                                  'frequency_capped', 'render_problem', 'messaging_limit')),
        -- What goes to this recipient: the template, the session message, or the session's fallback template.
        sends              text CHECK (sends IN ('template', 'session', 'fallback')),
        -- The category of what goes (SERVICE for a session message): frequency caps count MARKETING.
        category           text CHECK (category IN ('MARKETING', 'UTILITY', 'AUTHENTICATION', 'SERVICE')),
        policy_version_id  integer NOT NULL,
        -- The opt-in that allowed it (eligible and deferred recipients).
        consent_event_id   bigint,
        decided_at         timestamptz NOT NULL DEFAULT now(),
        -- Set by the dispatcher (issue 12) when WhatsApp accepts the message.
        sent_at            timestamptz,
        -- Whether it reached the person outside an open window: counts toward the messaging limit.
        outside_window     boolean,
        PRIMARY KEY (campaign_id, contact_id),
        CHECK ((decision = 'eligible') = (reason IS NULL)),
        CHECK (decision <> 'deferred' OR reason = 'messaging_limit')
      )`);
    // Frequency cap and messaging limit: what a contact (or a portfolio) was sent lately.
    await q.query(`CREATE INDEX campaign_recipients_sent ON campaign_recipients (contact_id, sent_at) WHERE sent_at IS NOT NULL`);

    // An audience by import ("the people in that file"): the contacts an import merged, written by
    // the merge as one array (one row per import, not one per contact: a row per contact
    // would cost a million-row import a million index entries).
    await q.query(`
      CREATE TABLE contact_import_members (
        import_id    uuid PRIMARY KEY REFERENCES contact_imports (id) ON DELETE CASCADE,
        contact_ids  bigint[] NOT NULL
      )`);

    await q.query(`
      CREATE TABLE idempotency_keys (
        api_key_id    uuid NOT NULL,
        -- 'POST /v1/campaigns', 'POST /v1/campaigns/:id/launch' with the id, …
        operation     text NOT NULL,
        key           text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
        -- SHA-256 of the canonical request body: the same key with another body is refused.
        request_hash  text NOT NULL,
        status_code   integer,
        response      jsonb,
        created_at    timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (api_key_id, operation, key)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE idempotency_keys`);
    await q.query(`DROP TABLE contact_import_members`);
    await q.query(`DROP TABLE campaign_recipients`);
    await q.query(`DROP TABLE campaigns`);
    await q.query(`DROP TABLE eligibility_policy_versions`);
    await q.query(`DROP TABLE eligibility_policy_overrides`);
    await q.query(`DROP TABLE phone_numbers`);
  }
}
