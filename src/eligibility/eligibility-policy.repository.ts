import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { affected, one, rows } from '../database/sql';

export type OverrideScope = 'business_country' | 'recipient_country';
export type OverrideCategory = 'MARKETING' | 'UTILITY' | 'AUTHENTICATION' | 'SERVICE' | 'ALL';

export interface PolicyOverrideRow {
  id: string;
  scope: OverrideScope;
  country: string;
  category: OverrideCategory;
  allow: boolean;
  reason: string;
  createdAt: Date;
  apiKeyId: string | null;
}

export interface PolicyVersionRow {
  id: number;
  baseVersion: string;
  overrideIds: string[];
  createdAt: Date;
}

const OVERRIDE_COLUMNS = `id::text, scope, country, category, allow, reason, created_at AS "createdAt", api_key_id AS "apiKeyId"`;
const VERSION_COLUMNS = `id, base_version AS "baseVersion", override_ids::text[] AS "overrideIds", created_at AS "createdAt"`;

/** The operators' overrides of the country policy and the versions they make (eligibility_policy_*). */
@Injectable()
export class EligibilityPolicyRepository {
  /** Serialises changes of the policy and the making of versions, across processes. */
  async lock(tx: EntityManager): Promise<void> {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('siaran.eligibility.policy'))`);
  }

  /** The overrides in force (not removed), oldest first: later ones win. */
  async overridesInForce(tx: EntityManager): Promise<PolicyOverrideRow[]> {
    return rows(tx, `SELECT ${OVERRIDE_COLUMNS} FROM eligibility_policy_overrides WHERE removed_at IS NULL ORDER BY id`);
  }

  async latestVersion(tx: EntityManager): Promise<PolicyVersionRow | undefined> {
    return one(tx, `SELECT ${VERSION_COLUMNS} FROM eligibility_policy_versions ORDER BY id DESC LIMIT 1`);
  }

  async version(tx: EntityManager, id: number): Promise<PolicyVersionRow | undefined> {
    return one(tx, `SELECT ${VERSION_COLUMNS} FROM eligibility_policy_versions WHERE id = $1`, [id]);
  }

  async insertVersion(tx: EntityManager, baseVersion: string, overrideIds: string[]): Promise<PolicyVersionRow> {
    return (await one<PolicyVersionRow>(
      tx,
      `INSERT INTO eligibility_policy_versions (base_version, override_ids) VALUES ($1, $2::bigint[]) RETURNING ${VERSION_COLUMNS}`,
      [baseVersion, overrideIds],
    ))!;
  }

  async insertOverride(tx: EntityManager, o: Omit<PolicyOverrideRow, 'id' | 'createdAt'>): Promise<PolicyOverrideRow> {
    return (await one<PolicyOverrideRow>(
      tx,
      `INSERT INTO eligibility_policy_overrides (scope, country, category, allow, reason, api_key_id)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${OVERRIDE_COLUMNS}`,
      [o.scope, o.country, o.category, o.allow, o.reason, o.apiKeyId],
    ))!;
  }

  /** Marks an override removed (kept, for the versions that used it); false when unknown or already removed. */
  async removeOverride(tx: EntityManager, id: string, apiKeyId: string | null): Promise<boolean> {
    const count = await affected(
      tx,
      `UPDATE eligibility_policy_overrides SET removed_at = now(), removed_by_api_key_id = $2 WHERE id = $1::bigint AND removed_at IS NULL`,
      [id, apiKeyId],
    );
    return count > 0;
  }
}
