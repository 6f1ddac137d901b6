import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Message templates in WhatsApp's component model, with their review status, quality and category
 * as WhatsApp reports them, and the history of every change.
 */
export class Templates1795580000000 implements MigrationInterface {
  name = 'Templates1795580000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE templates (
        id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        waba_id           text NOT NULL,
        name              text NOT NULL,
        language          text NOT NULL,
        category          text NOT NULL CHECK (category IN ('MARKETING', 'UTILITY', 'AUTHENTICATION')),
        parameter_format  text NOT NULL CHECK (parameter_format IN ('POSITIONAL', 'NAMED')),
        -- HEADER, BODY, FOOTER, BUTTONS exactly as WhatsApp defines them (with examples).
        components        jsonb NOT NULL CHECK (jsonb_typeof(components) = 'array'),
        -- DRAFT: not submitted yet. The others are WhatsApp's.
        status            text NOT NULL CHECK (status IN ('DRAFT', 'PENDING', 'APPROVED', 'REJECTED', 'PAUSED', 'DISABLED',
                                                          'IN_APPEAL', 'PENDING_DELETION', 'DELETED', 'ARCHIVED', 'LIMIT_EXCEEDED')),
        whatsapp_id       text,
        rejection_reason  text,
        quality_score     text CHECK (quality_score IN ('GREEN', 'YELLOW', 'RED', 'UNKNOWN')),
        created_at        timestamptz NOT NULL DEFAULT now(),
        updated_at        timestamptz NOT NULL DEFAULT now(),
        submitted_at      timestamptz,
        -- Set while a submission is in flight, so two requests cannot both submit.
        submitting_since  timestamptz
      )`);
    // One template per name and language in a WhatsApp Business Account; a deleted one frees the name.
    await q.query(`CREATE UNIQUE INDEX templates_name ON templates (waba_id, name, language) WHERE status <> 'DELETED'`);
    await q.query(`CREATE UNIQUE INDEX templates_whatsapp_id ON templates (waba_id, whatsapp_id) WHERE whatsapp_id IS NOT NULL AND status <> 'DELETED'`);
    await q.query(`CREATE INDEX templates_listing ON templates (created_at DESC, id DESC)`);

    await q.query(`
      CREATE TABLE template_history (
        id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        template_id  uuid NOT NULL REFERENCES templates (id),
        change       text NOT NULL CHECK (change IN ('created', 'edited', 'submitted', 'status', 'category', 'quality', 'imported', 'deleted')),
        from_value   text,
        to_value     text,
        reason       text,
        -- Who said so: the API, a webhook, or a sync with WhatsApp.
        source       text NOT NULL CHECK (source IN ('api', 'webhook', 'sync')),
        event_id     bigint,
        occurred_at  timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX template_history_template ON template_history (template_id, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE template_history`);
    await q.query(`DROP TABLE templates`);
  }
}
