import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Imports that read files as people produce them (issue 9):
 * - the upload's new options, kept on the import so the worker reads the file as the API checked
 *   it: `encoding` of the stored bytes, `time_zone` and `date_format` for consent dates, and
 *   `column_map` (the `columns` field: file column → field);
 * - warnings: rows that were imported, but not entirely as written (a consent date that could not
 *   be read without guessing, several numbers in one phone cell). Each is listed with its line, a
 *   stable reason and the row as uploaded, as rejections are; `warnings` counts them.
 */
export class ImportWarnings1795700000000 implements MigrationInterface {
  name = 'ImportWarnings1795700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE contact_imports
        ADD COLUMN encoding    text NOT NULL DEFAULT 'utf-8'
                   CHECK (encoding IN ('utf-8', 'utf-16le', 'utf-16be', 'windows-1252', 'iso-8859-1')),
        ADD COLUMN time_zone   text,
        ADD COLUMN date_format text,
        ADD COLUMN column_map  jsonb,
        ADD COLUMN warnings    integer NOT NULL DEFAULT 0`);
    // One row per warning: a row can have two (a bad consent date and several phone numbers).
    await q.query(`
      CREATE TABLE contact_import_warnings (
        import_id uuid NOT NULL REFERENCES contact_imports (id) ON DELETE CASCADE,
        line      integer NOT NULL,
        reason    text NOT NULL,
        fields    text[] NOT NULL,
        PRIMARY KEY (import_id, line, reason)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE contact_import_warnings`);
    await q.query(`
      ALTER TABLE contact_imports
        DROP COLUMN warnings, DROP COLUMN column_map, DROP COLUMN date_format, DROP COLUMN time_zone, DROP COLUMN encoding`);
  }
}
