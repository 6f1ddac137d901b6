import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Db, affected, one, parameters, rows } from '../database/sql';
import type { ConsentState, ConsentStatus } from './consent';

export interface ContactRow {
  id: string;
  phone: string | null;
  waId: string | null;
  bsuid: string | null;
  country: string | null;
  name: string | null;
  attributes: Record<string, unknown>;
  tags: string[];
  marketingConsent: ConsentStatus | null;
  marketingConsentAt: Date | null;
  utilityConsent: ConsentStatus | null;
  utilityConsentAt: Date | null;
  lastInboundAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewContact {
  phone: string | null;
  bsuid: string | null;
  country: string | null;
  name: string | null;
  attributes: Record<string, unknown>;
  tags: string[];
}

export interface ContactPatch {
  name?: string | null;
  /** Keys to set. */
  setAttributes?: Record<string, unknown>;
  /** Keys to remove. */
  removeAttributes?: string[];
  tags?: string[];
}


export interface ContactFilter {
  /** Name contains this text, in any case. */
  nameContains?: string;
  phone?: string;
  tags?: string[];
  country?: string;
  attributes?: Record<string, string>;
  consent?: { scope: 'marketing' | 'utility'; status: ConsentStatus | 'none' };
  afterId?: string;
  limit: number;
}

export const CONTACT_COLUMNS = `
  c.id::text AS id, c.phone, c.wa_id AS "waId", c.bsuid, c.country, c.name, c.attributes, c.tags,
  c.marketing_consent AS "marketingConsent", c.marketing_consent_at AS "marketingConsentAt",
  c.utility_consent AS "utilityConsent", c.utility_consent_at AS "utilityConsentAt",
  c.last_inbound_at AS "lastInboundAt", c.created_at AS "createdAt", c.updated_at AS "updatedAt"`;

@Injectable()
export class ContactsRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * Inserts a contact. A soft-deleted contact with the same phone is brought back with the new
   * data and its consent state untouched. Returns undefined when a live contact has the phone.
   */
  insertOrRevive(contact: NewContact, db: Db = this.db): Promise<ContactRow | undefined> {
    return one<ContactRow>(
      db,
      `INSERT INTO contacts AS c (phone, bsuid, country, name, attributes, tags)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (phone) DO UPDATE
          SET bsuid = EXCLUDED.bsuid, country = EXCLUDED.country, name = EXCLUDED.name,
              attributes = EXCLUDED.attributes, tags = EXCLUDED.tags, deleted_at = NULL, updated_at = now()
        WHERE c.deleted_at IS NOT NULL
       RETURNING ${CONTACT_COLUMNS}`,
      [contact.phone, contact.bsuid, contact.country, contact.name, contact.attributes, contact.tags],
    );
  }

  findById(id: string, db: Db = this.db): Promise<ContactRow | undefined> {
    return one<ContactRow>(db, `SELECT ${CONTACT_COLUMNS} FROM contacts c WHERE c.id = $1 AND c.deleted_at IS NULL`, [id]);
  }

  async findIdByPhone(phone: string): Promise<string | undefined> {
    const row = await one<{ id: string }>(this.db, `SELECT id::text AS id FROM contacts WHERE phone = $1 AND deleted_at IS NULL`, [phone]);
    return row?.id;
  }

  list(filter: ContactFilter): Promise<ContactRow[]> {
    const { values: params, bind: param } = parameters();
    const where = whereOf(filter, param);
    if (filter.afterId) where.push(`c.id > ${param(filter.afterId)}`);
    return rows<ContactRow>(
      this.db,
      `SELECT ${CONTACT_COLUMNS} FROM contacts c WHERE ${where.join(' AND ')} ORDER BY c.id LIMIT ${param(filter.limit + 1)}`,
      params,
    );
  }

  /** How many live contacts match the filter (the same filters as `list`). */
  async count(filter: Omit<ContactFilter, 'afterId' | 'limit'>): Promise<number> {
    const { values: params, bind: param } = parameters();
    const where = whereOf(filter, param);
    const row = await one<{ count: string }>(this.db, `SELECT count(*)::text AS count FROM contacts c WHERE ${where.join(' AND ')}`, params);
    return Number(row!.count);
  }


  update(id: string, patch: ContactPatch, db: Db = this.db): Promise<ContactRow | undefined> {
    const sets = ['updated_at = now()'];
    const { values: params, bind: param } = parameters([id]);
    if (patch.name !== undefined) sets.push(`name = ${param(patch.name)}`);
    if (patch.setAttributes || patch.removeAttributes) {
      sets.push(`attributes = (attributes || ${param(patch.setAttributes ?? {})}::jsonb) - ${param(patch.removeAttributes ?? [])}::text[]`);
    }
    if (patch.tags !== undefined) sets.push(`tags = ${param(patch.tags)}::text[]`);
    return one<ContactRow>(
      db,
      `UPDATE contacts c SET ${sets.join(', ')} WHERE c.id = $1 AND c.deleted_at IS NULL RETURNING ${CONTACT_COLUMNS}`,
      params,
    );
  }

  async lockConsent(id: string, db: Db): Promise<ConsentState | undefined> {
    const row = await one<Pick<ContactRow, 'marketingConsent' | 'marketingConsentAt' | 'utilityConsent' | 'utilityConsentAt'>>(
      db,
      `SELECT marketing_consent AS "marketingConsent", marketing_consent_at AS "marketingConsentAt",
              utility_consent AS "utilityConsent", utility_consent_at AS "utilityConsentAt"
         FROM contacts WHERE id = $1 AND deleted_at IS NULL FOR UPDATE`,
      [id],
    );
    return row && consentOf(row);
  }

  async saveConsent(id: string, state: ConsentState, db: Db): Promise<void> {
    await affected(
      db,
      `UPDATE contacts SET marketing_consent = $2, marketing_consent_at = $3, utility_consent = $4, utility_consent_at = $5,
              updated_at = now()
        WHERE id = $1`,
      [id, state.marketing.status, state.marketing.since, state.utility.status, state.utility.since],
    );
  }
}

/** Escapes LIKE's wildcards (and its escape character) so a search text matches only itself. */
export function likeLiteral(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * The WHERE conditions of a contact filter, with values bound as parameters. The name search is
 * `ILIKE '%text%'` over the name, without an index: it filters the rows the keyset walks in id
 * order (a page stops at `limit` matches), and a count reads every live contact.
 */
function whereOf(filter: Omit<ContactFilter, 'afterId' | 'limit'>, param: (value: unknown) => string): string[] {
  const where = ['c.deleted_at IS NULL'];
  if (filter.nameContains) where.push(`c.name ILIKE ${param(`%${likeLiteral(filter.nameContains)}%`)} ESCAPE '\\'`);
  if (filter.phone) where.push(`c.phone = ${param(filter.phone)}`);
  if (filter.country) where.push(`c.country = ${param(filter.country)}`);
  // `cardinality(tags) > 0` lets the planner use the partial GIN index on tags.
  if (filter.tags?.length) where.push(`cardinality(c.tags) > 0 AND c.tags @> ${param(filter.tags)}::text[]`);
  if (filter.attributes && Object.keys(filter.attributes).length > 0) {
    where.push(`c.attributes @> ${param(JSON.stringify(filter.attributes))}::jsonb`);
  }
  if (filter.consent) {
    const column = filter.consent.scope === 'marketing' ? 'c.marketing_consent' : 'c.utility_consent';
    where.push(filter.consent.status === 'none' ? `${column} IS NULL` : `${column} = ${param(filter.consent.status)}`);
  }
  return where;
}

export function consentOf(row: Pick<ContactRow, 'marketingConsent' | 'marketingConsentAt' | 'utilityConsent' | 'utilityConsentAt'>): ConsentState {
  return {
    marketing: { status: row.marketingConsent, since: row.marketingConsentAt },
    utility: { status: row.utilityConsent, since: row.utilityConsentAt },
  };
}
