import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Editing a template WhatsApp already knows (APPROVED, REJECTED or PAUSED): POST /{template-id}.
 * `editing_since` is the compare-and-set claim of an edit in flight (two requests cannot both send
 * one: src/templates/templates.repository.ts claimForEdit); `previous_content` keeps, on the
 * history entry of an edit, the category, parameter format and components the edit replaced.
 */
export class TemplateEdits1795710000000 implements MigrationInterface {
  name = 'TemplateEdits1795710000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE templates ADD COLUMN editing_since timestamptz`);
    await q.query(`ALTER TABLE template_history ADD COLUMN previous_content jsonb CHECK (jsonb_typeof(previous_content) = 'object')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE template_history DROP COLUMN previous_content`);
    await q.query(`ALTER TABLE templates DROP COLUMN editing_since`);
  }
}
