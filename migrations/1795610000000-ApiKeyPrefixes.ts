import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Keeps less of each API key in clear: 4 characters of the bootstrap key (chosen by a person, as
 * short as 16 characters; 10 were kept) and 9 of a created key (`sk_` and 6 random characters).
 * The hashes are unchanged, so every key keeps working. Not reversible: the cut characters are gone.
 */
export class ApiKeyPrefixes1795610000000 implements MigrationInterface {
  name = 'ApiKeyPrefixes1795610000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`UPDATE api_keys SET key_prefix = left(key_prefix, CASE WHEN name = 'bootstrap' THEN 4 ELSE 9 END)`);
  }

  async down(): Promise<void> {
    // Nothing to restore.
  }
}
