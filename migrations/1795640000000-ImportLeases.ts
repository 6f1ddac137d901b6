import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A running import is held by one worker under a lease with a fencing token. A claim takes an
 * import that is queued, or running under a lease that has expired (its worker died or hung), and
 * draws a new token; progress, completion, failure and release are compare-and-set on that token,
 * so a worker that lost its claim can write nothing (src/imports/imports.repository.ts).
 */
export class ImportLeases1795640000000 implements MigrationInterface {
  name = 'ImportLeases1795640000000';

  async up(q: QueryRunner): Promise<void> {
    // Tokens only grow, across all imports: a log line or a row tells which claim wrote it.
    await q.query(`CREATE SEQUENCE contact_import_claim_tokens AS bigint`);
    await q.query(`
      ALTER TABLE contact_imports
        ADD COLUMN claim_token      bigint,
        ADD COLUMN lease_expires_at timestamptz`);
    // A row left running by a worker of the previous version has no lease: it counts as expired.
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE contact_imports DROP COLUMN lease_expires_at, DROP COLUMN claim_token`);
    await q.query(`DROP SEQUENCE contact_import_claim_tokens`);
  }
}
