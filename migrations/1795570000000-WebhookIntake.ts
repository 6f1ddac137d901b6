import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * WhatsApp webhook intake: signed deliveries are stored raw and de-duplicated before the API
 * answers; the worker processes them into inbound messages, delivery statuses and account events,
 * each de-duplicated again (Meta retries deliveries for days and batches differently each time).
 */
export class WebhookIntake1795570000000 implements MigrationInterface {
  name = 'WebhookIntake1795570000000';

  async up(q: QueryRunner): Promise<void> {
    // The 24-hour customer service window opens (or restarts) with every inbound message.
    await q.query(`ALTER TABLE contacts ADD COLUMN last_inbound_at timestamptz`);

    await q.query(`
      CREATE TABLE webhook_deliveries (
        id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        -- SHA-256 of the raw body: Meta re-sends the same bytes when it retries a delivery.
        body_sha256   text NOT NULL UNIQUE,
        body          text NOT NULL,
        received_at   timestamptz NOT NULL DEFAULT now(),
        processed_at  timestamptz,
        events        integer,
        attempts      integer NOT NULL DEFAULT 0,
        last_error    text
      )`);
    await q.query(`CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (id) WHERE processed_at IS NULL`);

    await q.query(`
      CREATE TABLE inbound_messages (
        wamid            text COLLATE "C" PRIMARY KEY,
        phone_number_id  text NOT NULL,
        waba_id          text,
        from_wa_id       text COLLATE "C",
        from_user_id     text COLLATE "C",
        contact_id       bigint,
        type             text NOT NULL,
        text_body        text,
        -- A quick-reply payload or an interactive reply id.
        reply_id         text,
        sent_at          timestamptz NOT NULL,
        received_at      timestamptz NOT NULL DEFAULT now(),
        delivery_id      bigint NOT NULL
      )`);
    await q.query(`CREATE INDEX inbound_messages_contact ON inbound_messages (contact_id, sent_at)`);

    // Every distinct status event, as received.
    await q.query(`
      CREATE TABLE message_status_events (
        id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        wamid           text COLLATE "C" NOT NULL,
        status          text NOT NULL,
        occurred_at     timestamptz NOT NULL,
        recipient       text,
        callback_data   text,
        errors          jsonb,
        pricing         jsonb,
        phone_number_id text NOT NULL,
        delivery_id     bigint NOT NULL,
        received_at     timestamptz NOT NULL DEFAULT now(),
        UNIQUE (wamid, status)
      )`);

    // The current status of each message, moved only forward: sent < delivered < read, and
    // failed is final (src/whatsapp/delivery-status.ts).
    await q.query(`
      CREATE TABLE message_statuses (
        wamid           text COLLATE "C" PRIMARY KEY,
        status          text NOT NULL CHECK (status IN ('sent', 'delivered', 'read', 'failed')),
        status_at       timestamptz NOT NULL,
        recipient       text,
        callback_data   text,
        error_code      integer,
        errors          jsonb,
        pricing         jsonb,
        phone_number_id text NOT NULL,
        updated_at      timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX message_statuses_callback ON message_statuses (callback_data) WHERE callback_data IS NOT NULL`);

    // Everything else a webhook tells: template status, quality and category changes, phone-number
    // quality, user preferences. The templates module applies the template events it finds here.
    await q.query(`
      CREATE TABLE whatsapp_events (
        id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        waba_id      text NOT NULL,
        field        text NOT NULL,
        -- SHA-256 of field and value: the same change delivered twice is one event.
        event_key    text NOT NULL UNIQUE,
        payload      jsonb NOT NULL,
        delivery_id  bigint NOT NULL,
        received_at  timestamptz NOT NULL DEFAULT now(),
        applied_at   timestamptz
      )`);
    await q.query(`CREATE INDEX whatsapp_events_unapplied ON whatsapp_events (field, id) WHERE applied_at IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE whatsapp_events`);
    await q.query(`DROP TABLE message_statuses`);
    await q.query(`DROP TABLE message_status_events`);
    await q.query(`DROP TABLE inbound_messages`);
    await q.query(`DROP TABLE webhook_deliveries`);
    await q.query(`ALTER TABLE contacts DROP COLUMN last_inbound_at`);
  }
}
