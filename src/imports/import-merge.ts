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
    fields       text[],
    warnings     text[]
  ) ON COMMIT DROP`;

export const COPY_STAGING = `COPY import_staging (${STAGING_COLUMNS.join(', ')}) FROM STDIN`;

export interface MergeInput {
  importId: string;
  scope: 'marketing' | 'utility' | 'all';
  apiKeyId: string | null;
  /** The phones on several accepted rows (E.164): their rows are merged as if uploaded one after another. */
  repeatedPhones: string[];
  /** Warnings among them (0: nothing to report, a statement saved). */
  warnings: number;
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

// One row per phone, in the file's last row for it (DISTINCT ON … ORDER BY line DESC). A phone on
// one row (nearly all) is planned from that row alone; phones on several rows (`repeated`) are
// merged afterwards (REPEATS, MERGE_REPEATS), from a table of their rows only.
// Each phone then looks up the contact it already is through the phone index, in phone order:
// the cost follows the file's size, not the contacts table's. New contacts get their id here, from
// the identity sequence, so no statement below has to find them again by phone.
//
// event_new: the row states consent, and no identical statement from an earlier import exists
// (same kind, scope, wording and evidence; same time when the row gives one). Uploading a file
// again therefore records nothing twice. For a phone on several rows, MERGE_REPEATS sets the
// consent columns to the row whose event decides (and its events are REPEATED_EVENTS' rows).
const PLAN = `
  CREATE TEMP TABLE import_plan ON COMMIT DROP AS
  SELECT d.*,
         coalesce(d.existing_id, nextval('contacts_id_seq'::regclass)) AS contact_id,
         CASE WHEN d.consent_kind = 'opt_out' THEN coalesce(d.consent_at, now()) ELSE d.consent_at END AS effective_at,
         ${profileChanged('d')} AS profile_changed,
         d.consent_kind IS NOT NULL AND NOT ${statedBefore('d')} AS event_new
    FROM (
      SELECT w.*, c.id AS existing_id, c.deleted_at IS NOT NULL AS was_deleted, c.country AS old_country,
             c.name AS old_name, c.attributes AS old_attributes, c.tags AS old_tags
        FROM (
          SELECT DISTINCT ON (s.phone)
                 s.line, s.phone, s.country, s.name, s.attributes, s.tags,
                 s.consent_kind, s.consent_at, s.evidence_ref, s.wording, false AS repeated
            FROM import_staging s
           WHERE s.reject IS NULL
           ORDER BY s.phone, s.line DESC
        ) w
        LEFT JOIN LATERAL (SELECT * FROM contacts c WHERE c.phone = w.phone) c ON true
    ) d`;

/**
 * Whether an earlier import recorded the same statement for the contact (same kind, scope `$1`,
 * wording and evidence; the same time when the row gives one): `r` has existing_id, consent_kind,
 * wording, evidence_ref and consent_at. A file uploaded again therefore records nothing twice.
 */
function statedBefore(r: string): string {
  return `(${r}.existing_id IS NOT NULL AND EXISTS (
           SELECT 1 FROM consent_events e
            WHERE e.contact_id = ${r}.existing_id
              AND e.source = 'csv_import'
              AND e.kind = ${r}.consent_kind
              AND e.scope = $1
              AND e.wording IS NOT DISTINCT FROM ${r}.wording
              AND e.evidence_ref IS NOT DISTINCT FROM ${r}.evidence_ref
              AND (${r}.consent_at IS NULL OR e.occurred_at = ${r}.consent_at)))`;
}

/** Whether a planned row changes its existing contact's profile (`p` has the plan's columns). */
function profileChanged(p: string): string {
  return `(${p}.existing_id IS NOT NULL AND (
              ${p}.was_deleted
           OR ${p}.country IS DISTINCT FROM ${p}.old_country
           OR (${p}.name IS NOT NULL AND ${p}.name IS DISTINCT FROM ${p}.old_name)
           OR NOT (${p}.old_attributes @> ${p}.attributes)
           OR NOT (${p}.old_tags @> ${p}.tags)))`;
}

// The consent statements of phones on several rows, each row's kept (as if the rows had been
// uploaded one after another): new unless an earlier import recorded the same statement, or an
// earlier row of this file states it again (same kind, wording, evidence and time).
const REPEATED_EVENTS = `
  CREATE TEMP TABLE import_repeated_events ON COMMIT DROP AS
  SELECT r.*,
         r.first_of_its_kind AND NOT ${statedBefore('r')} AS event_new
    FROM (
      SELECT s.line, s.phone, s.consent_kind, s.consent_at, s.evidence_ref, s.wording, p.contact_id, p.existing_id,
             CASE WHEN s.consent_kind = 'opt_out' THEN coalesce(s.consent_at, now()) ELSE s.consent_at END AS effective_at,
             row_number() OVER (PARTITION BY s.phone, s.consent_kind, s.wording, s.evidence_ref, s.consent_at ORDER BY s.line) = 1 AS first_of_its_kind
        FROM import_repeats s
        JOIN import_repeat_ids p ON p.phone = s.phone
       WHERE s.consent_kind IS NOT NULL
    ) r`;

// The rows of the phones that are on several rows (the importer found them while loading: $1),
// in one pass over the staging table. Every statement about them then reads these few rows, never
// the whole staging table again.
const REPEATS = `
  CREATE TEMP TABLE import_repeats ON COMMIT DROP AS
  SELECT s.line, s.phone, s.name, s.attributes, s.tags, s.consent_kind, s.consent_at, s.evidence_ref, s.wording
    FROM import_staging s
   WHERE s.reject IS NULL AND s.phone = ANY($1::text[])`;

/** Their contact ids, from the plan (one pass over it). */
const REPEAT_IDS = `
  CREATE TEMP TABLE import_repeat_ids ON COMMIT DROP AS
  SELECT p.phone, p.contact_id, p.existing_id FROM import_plan p WHERE p.phone = ANY($1::text[])`;

// A phone on several rows becomes what uploading its rows one after another would make it: an
// empty cell changes nothing (the latest non-empty name; attributes merged key by key, later rows
// winning), tags accumulate in the order they first appear, and the consent that decides is the
// one the rules pick among all its rows' new statements (src/contacts/consent.ts: the newest, an
// opt-out winning a tie, an undated opt-in last), which is what folding them in any order gives.
//
// Statements for the phones on several rows only (a hash join against the few such phones), never
// one lookup per phone: the staging table has no index.
const MERGE_REPEATS = `
  WITH dup AS (SELECT line, phone, name, attributes, tags FROM import_repeats),
  phones AS (SELECT phone FROM import_repeat_ids),
  names AS (SELECT DISTINCT ON (phone) phone, name FROM dup WHERE name IS NOT NULL ORDER BY phone, line DESC),
  attrs AS (
    SELECT d.phone, jsonb_object_agg(kv.key, kv.value ORDER BY d.line) AS attributes
      FROM dup d, jsonb_each(d.attributes) kv
     GROUP BY d.phone
  ),
  tagsets AS (
    SELECT phone, array_agg(tag ORDER BY first) AS tags
      FROM (SELECT d.phone, u.tag, min(ARRAY[d.line::bigint, u.ord]) AS first
              FROM dup d, unnest(d.tags) WITH ORDINALITY u(tag, ord)
             GROUP BY d.phone, u.tag) t
     GROUP BY phone
  ),
  best AS (
    SELECT DISTINCT ON (phone) * FROM import_repeated_events
     WHERE event_new
     ORDER BY phone, effective_at DESC NULLS LAST, consent_kind = 'opt_out' DESC, line
  )
  UPDATE import_plan p
     SET name = n.name,
         attributes = coalesce(a.attributes, '{}'::jsonb),
         tags = coalesce(t.tags, '{}'::text[]),
         consent_kind = b.consent_kind, consent_at = b.consent_at, effective_at = b.effective_at,
         evidence_ref = b.evidence_ref, wording = b.wording,
         event_new = b.line IS NOT NULL,
         repeated = true
    FROM phones ph
    LEFT JOIN names n ON n.phone = ph.phone
    LEFT JOIN attrs a ON a.phone = ph.phone
    LEFT JOIN tagsets t ON t.phone = ph.phone
    LEFT JOIN best b ON b.phone = ph.phone
   WHERE p.phone = ph.phone`;

/** The same table, empty, when every phone is on one row. */
const NO_REPEATED_EVENTS = `
  CREATE TEMP TABLE import_repeated_events (
    line integer, phone text, contact_id bigint, consent_kind text, wording text, evidence_ref text,
    effective_at timestamptz, event_new boolean
  ) ON COMMIT DROP`;

// Who the import was about, for campaign audiences by import (src/eligibility/audience.ts).
const MEMBERS = `
  INSERT INTO contact_import_members (import_id, contact_ids)
  SELECT $1, ARRAY(SELECT p.contact_id FROM import_plan p)`;

const PROFILE_OF_REPEATS = `UPDATE import_plan p SET profile_changed = ${profileChanged('p')} WHERE p.repeated`;

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

// Every new statement: a phone's one row's from the plan, a repeated phone's rows' from
// import_repeated_events (the plan's row for such a phone only says which of them decides).
const INSERT_EVENTS = `
  INSERT INTO consent_events (contact_id, kind, scope, source, wording, evidence_ref, occurred_at,
                              api_key_id, import_id, import_line)
  SELECT p.contact_id, p.consent_kind, $1::text, 'csv_import', p.wording, p.evidence_ref, p.effective_at,
         $2::uuid, $3::uuid, p.line
    FROM import_plan p
   WHERE p.event_new AND NOT p.repeated
  UNION ALL
  SELECT r.contact_id, r.consent_kind, $1::text, 'csv_import', r.wording, r.evidence_ref, r.effective_at,
         $2::uuid, $3::uuid, r.line
    FROM import_repeated_events r
   WHERE r.event_new`;

const INSERT_REJECTIONS = `
  INSERT INTO contact_import_rejections (import_id, line, reason, fields)
  SELECT $1, s.line, s.reject, s.fields FROM import_staging s WHERE s.reject IS NOT NULL`;

const INSERT_WARNINGS = `
  INSERT INTO contact_import_warnings (import_id, line, reason, fields)
  SELECT DISTINCT $1::uuid, s.line, w.reason, s.fields
    FROM import_staging s, unnest(s.warnings) w(reason)
   WHERE s.warnings IS NOT NULL AND s.reject IS NULL`;

const COUNTS = `
  SELECT count(*)::int AS distinct,
         count(*) FILTER (WHERE existing_id IS NULL OR was_deleted)::int AS inserted,
         count(*) FILTER (WHERE existing_id IS NOT NULL AND NOT was_deleted AND profile_changed)::int AS updated,
         count(*) FILTER (WHERE existing_id IS NOT NULL AND NOT was_deleted AND NOT profile_changed)::int AS unchanged,
         (count(*) FILTER (WHERE event_new AND NOT repeated)
           + (SELECT count(*) FROM import_repeated_events WHERE event_new))::int AS "consentEvents"
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
  if (input.warnings) await step('warnings', INSERT_WARNINGS, [input.importId]);
  await step('lock', MERGE_LOCK);
  await step('plan', PLAN, [input.scope]);
  // Statistics before the statements that join the plan (without them the planner guesses its size).
  await step('analyzePlan', 'ANALYZE import_plan');
  if (input.repeatedPhones.length > 0) {
    await step('repeats', REPEATS, [input.repeatedPhones]);
    await step('analyzeRepeats', 'ANALYZE import_repeats');
    await step('repeatIds', REPEAT_IDS, [input.repeatedPhones]);
    await step('repeatedEvents', REPEATED_EVENTS, [input.scope]);
    await step('mergeRepeats', MERGE_REPEATS);
    await step('profileOfRepeats', PROFILE_OF_REPEATS);
  } else {
    await step('repeatedEvents', NO_REPEATED_EVENTS);
  }
  await step('members', MEMBERS, [input.importId]);
  await step('insertContacts', INSERT_CONTACTS, [input.scope]);
  await step('updateContacts', UPDATE_CONTACTS, [input.scope]);
  await step('consentEvents', INSERT_EVENTS, [input.scope, input.apiKeyId, input.importId]);
  const { rows } = await step('counts', COUNTS);
  return { ...(rows[0] as MergeCounts), timings };
}
