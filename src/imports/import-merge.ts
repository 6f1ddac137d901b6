import type { PoolClient } from 'pg';
import { outranksSql } from '../contacts/consent';
import { STAGING_COLUMNS } from './import-rows';

/**
 * The set-based half of an import: staging rows (loaded by COPY) are merged into contacts and the
 * consent ledger in a handful of statements, inside the import's one transaction.
 */

export const CREATE_STAGING = `
  CREATE TEMP TABLE import_staging (
    line         integer NOT NULL,
    phone        text COLLATE "C",
    country      text,
    name         text,
    attributes   jsonb,
    tags         text[],
    consent_kind text,
    consent_at   timestamptz,
    evidence_ref text,
    wording      text,
    reject       text,
    fields       text[]
  ) ON COMMIT DROP`;

export const COPY_STAGING = `COPY import_staging (${STAGING_COLUMNS.join(', ')}) FROM STDIN`;

export interface MergeInput {
  importId: string;
  scope: 'marketing' | 'utility' | 'all';
  apiKeyId: string | null;
}

export interface MergeCounts {
  /** Distinct phone numbers among the accepted rows. */
  distinct: number;
  inserted: number;
  updated: number;
  unchanged: number;
  consentEvents: number;
}

/** Serialises merges: two imports never plan against each other's half-written rows. */
const MERGE_LOCK = `SELECT pg_advisory_xact_lock(hashtext('siaran.contacts.import-merge'))`;

// One row per phone: the file's last row for it wins (DISTINCT ON … ORDER BY line DESC). Each
// winner then looks up the contact it already is through the phone index, in phone order: the
// cost follows the file's size, not the contacts table's. New contacts get their id here, from
// the identity sequence, so no statement below has to find them again by phone.
//
// event_new: the row states consent, and no identical statement from an earlier import exists
// (same kind, scope, wording and evidence; same time when the row gives one). Uploading a file
// again therefore records nothing twice.
const PLAN = `
  CREATE TEMP TABLE import_plan ON COMMIT DROP AS
  SELECT d.*,
         coalesce(d.existing_id, nextval('contacts_id_seq'::regclass)) AS contact_id,
         CASE WHEN d.consent_kind = 'opt_out' THEN coalesce(d.consent_at, now()) ELSE d.consent_at END AS effective_at,
         d.existing_id IS NOT NULL AND (
              d.was_deleted
           OR d.country IS DISTINCT FROM d.old_country
           OR (d.name IS NOT NULL AND d.name IS DISTINCT FROM d.old_name)
           OR NOT (d.old_attributes @> d.attributes)
           OR NOT (d.old_tags @> d.tags)) AS profile_changed,
         d.consent_kind IS NOT NULL AND (d.existing_id IS NULL OR NOT EXISTS (
           SELECT 1 FROM consent_events e
            WHERE e.contact_id = d.existing_id
              AND e.source = 'csv_import'
              AND e.kind = d.consent_kind
              AND e.scope = $1
              AND e.wording IS NOT DISTINCT FROM d.wording
              AND e.evidence_ref IS NOT DISTINCT FROM d.evidence_ref
              AND (d.consent_at IS NULL OR e.occurred_at = d.consent_at))) AS event_new
    FROM (
      SELECT w.*, c.id AS existing_id, c.deleted_at IS NOT NULL AS was_deleted, c.country AS old_country,
             c.name AS old_name, c.attributes AS old_attributes, c.tags AS old_tags
        FROM (
          SELECT DISTINCT ON (s.phone)
                 s.line, s.phone, s.country, s.name, s.attributes, s.tags,
                 s.consent_kind, s.consent_at, s.evidence_ref, s.wording
            FROM import_staging s
           WHERE s.reject IS NULL
           ORDER BY s.phone, s.line DESC
        ) w
        LEFT JOIN LATERAL (SELECT * FROM contacts c WHERE c.phone = w.phone) c ON true
    ) d`;

const STATUS = `CASE p.consent_kind WHEN 'opt_in' THEN 'opted_in' ELSE 'opted_out' END`;

/** Whether this row's event decides `scope` for the contact, given its current state columns. */
function decides(scope: 'marketing' | 'utility', statusColumn: string, sinceColumn: string): string {
  return `(p.event_new AND $1 IN ('${scope}', 'all') AND ${outranksSql('p.consent_kind', 'p.effective_at', statusColumn, sinceColumn)})`;
}

const INSERT_CONTACTS = `
  INSERT INTO contacts (id, phone, country, name, attributes, tags,
                        marketing_consent, marketing_consent_at, utility_consent, utility_consent_at)
  SELECT p.contact_id, p.phone, p.country, p.name, p.attributes, p.tags,
         CASE WHEN ${decides('marketing', 'NULL', 'NULL')} THEN ${STATUS} END,
         CASE WHEN ${decides('marketing', 'NULL', 'NULL')} THEN p.effective_at END,
         CASE WHEN ${decides('utility', 'NULL', 'NULL')} THEN ${STATUS} END,
         CASE WHEN ${decides('utility', 'NULL', 'NULL')} THEN p.effective_at END
    FROM import_plan p
   WHERE p.existing_id IS NULL`;

// Consent is computed from the contact row as it is when this UPDATE locks it (READ COMMITTED
// re-reads a row another transaction changed meanwhile), not from the plan's earlier snapshot:
// an opt-out recorded through the API during the import is never overwritten.
const UPDATE_CONTACTS = `
  UPDATE contacts c
     SET country = p.country,
         name = coalesce(p.name, c.name),
         attributes = c.attributes || p.attributes,
         tags = c.tags || ARRAY(SELECT t FROM unnest(p.tags) t WHERE NOT (t = ANY (c.tags))),
         deleted_at = NULL,
         marketing_consent    = CASE WHEN ${decides('marketing', 'c.marketing_consent', 'c.marketing_consent_at')} THEN ${STATUS} ELSE c.marketing_consent END,
         marketing_consent_at = CASE WHEN ${decides('marketing', 'c.marketing_consent', 'c.marketing_consent_at')} THEN p.effective_at ELSE c.marketing_consent_at END,
         utility_consent      = CASE WHEN ${decides('utility', 'c.utility_consent', 'c.utility_consent_at')} THEN ${STATUS} ELSE c.utility_consent END,
         utility_consent_at   = CASE WHEN ${decides('utility', 'c.utility_consent', 'c.utility_consent_at')} THEN p.effective_at ELSE c.utility_consent_at END,
         updated_at = now()
    FROM import_plan p
   WHERE p.existing_id IS NOT NULL
     AND c.id = p.existing_id
     AND (p.profile_changed OR p.event_new)`;

const INSERT_EVENTS = `
  INSERT INTO consent_events (contact_id, kind, scope, source, wording, evidence_ref, occurred_at,
                              api_key_id, import_id, import_line)
  SELECT p.contact_id, p.consent_kind, $1, 'csv_import', p.wording, p.evidence_ref, p.effective_at,
         $2, $3, p.line
    FROM import_plan p
   WHERE p.event_new`;

const INSERT_REJECTIONS = `
  INSERT INTO contact_import_rejections (import_id, line, reason, fields)
  SELECT $1, s.line, s.reject, s.fields FROM import_staging s WHERE s.reject IS NOT NULL`;

const COUNTS = `
  SELECT count(*)::int AS distinct,
         count(*) FILTER (WHERE existing_id IS NULL OR was_deleted)::int AS inserted,
         count(*) FILTER (WHERE existing_id IS NOT NULL AND NOT was_deleted AND profile_changed)::int AS updated,
         count(*) FILTER (WHERE existing_id IS NOT NULL AND NOT was_deleted AND NOT profile_changed)::int AS unchanged,
         count(*) FILTER (WHERE event_new)::int AS "consentEvents"
    FROM import_plan`;

/**
 * Merges the staging table into contacts, the consent ledger and the rejections, in the caller's
 * transaction. Checks `signal` before each statement (the caller cancels the one in progress), so
 * an interrupted merge stops within one statement.
 */
export async function mergeImport(
  client: PoolClient,
  input: MergeInput,
  signal?: AbortSignal,
): Promise<MergeCounts & { timings: Record<string, number> }> {
  const timings: Record<string, number> = {};
  const step = async (name: string, sql: string, params?: unknown[]) => {
    signal?.throwIfAborted();
    const started = Date.now();
    const result = await client.query(sql, params);
    timings[name] = Date.now() - started;
    return result;
  };
  // Temporary tables are invisible to autovacuum: without statistics the planner would guess.
  await step('analyzeStaging', 'ANALYZE import_staging');
  await step('rejections', INSERT_REJECTIONS, [input.importId]);
  await step('lock', MERGE_LOCK);
  await step('plan', PLAN, [input.scope]);
  await step('analyzePlan', 'ANALYZE import_plan');
  await step('insertContacts', INSERT_CONTACTS, [input.scope]);
  await step('updateContacts', UPDATE_CONTACTS, [input.scope]);
  await step('consentEvents', INSERT_EVENTS, [input.scope, input.apiKeyId, input.importId]);
  const { rows } = await step('counts', COUNTS);
  return { ...(rows[0] as MergeCounts), timings };
}
