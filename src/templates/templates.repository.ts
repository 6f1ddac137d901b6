import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Db, affected, one, parameters, rows } from '../database/sql';
import { TEMPLATE_STATUSES as WHATSAPP_TEMPLATE_STATUSES } from '../whatsapp/cloud-api.types';
import type { TemplateCategory, TemplateComponentDefinition, TemplateDefinition, TemplateQuality, TemplateStatus } from '../whatsapp/cloud-api.types';

/** DRAFT until submitted; then WhatsApp's own status. */
export type TemplateStatusName = 'DRAFT' | TemplateStatus;

/** Every status, for checks at run time (the migration's CHECK lists the same). */
export const TEMPLATE_STATUSES: readonly TemplateStatusName[] = ['DRAFT', ...WHATSAPP_TEMPLATE_STATUSES];

export interface TemplateRow {
  id: string;
  wabaId: string;
  name: string;
  language: string;
  category: TemplateCategory;
  parameterFormat: 'POSITIONAL' | 'NAMED';
  components: TemplateComponentDefinition[];
  status: TemplateStatusName;
  whatsappId: string | null;
  rejectionReason: string | null;
  qualityScore: TemplateQuality | null;
  createdAt: Date;
  updatedAt: Date;
  submittedAt: Date | null;
}

export type HistoryChange = 'created' | 'edited' | 'submitted' | 'status' | 'category' | 'quality' | 'imported' | 'deleted';

export interface HistoryEntry {
  templateId: string;
  change: HistoryChange;
  fromValue?: string | null;
  toValue?: string | null;
  reason?: string | null;
  source: 'api' | 'webhook' | 'sync';
  eventId?: string | null;
}

export interface HistoryRow extends Required<Omit<HistoryEntry, 'templateId'>> {
  id: string;
  occurredAt: Date;
  /** On an edit of a template WhatsApp knows: what the edit replaced. */
  previousContent: TemplateContentSnapshot | null;
  /** False for a webhook event older than the one that had set the value: recorded, not applied. */
  applied: boolean;
}

/** A template's content as it was before an edit. */
export interface TemplateContentSnapshot {
  category: TemplateCategory;
  parameterFormat: 'POSITIONAL' | 'NAMED';
  components: TemplateComponentDefinition[];
}

export interface TemplateFilter {
  wabaId?: string;
  status?: TemplateStatusName;
  category?: TemplateCategory;
  name?: string;
  language?: string;
  afterKey?: { createdAt: string; id: string };
  limit: number;
}

/** The fields WhatsApp may change, and which a sync or a webhook updates. */
export interface WhatsappState {
  status?: TemplateStatusName;
  category?: TemplateCategory;
  qualityScore?: TemplateQuality | null;
  rejectionReason?: string | null;
  whatsappId?: string;
  components?: TemplateComponentDefinition[];
  parameterFormat?: 'POSITIONAL' | 'NAMED';
}

const COLUMNS = `
  t.id, t.waba_id AS "wabaId", t.name, t.language, t.category, t.parameter_format AS "parameterFormat", t.components,
  t.status, t.whatsapp_id AS "whatsappId", t.rejection_reason AS "rejectionReason", t.quality_score AS "qualityScore",
  t.created_at AS "createdAt", t.updated_at AS "updatedAt", t.submitted_at AS "submittedAt"`;

@Injectable()
export class TemplatesRepository {
  constructor(private readonly db: DataSource) {}

  async insert(
    wabaId: string,
    def: TemplateDefinition,
    state: { status: TemplateStatusName; whatsappId?: string | null; qualityScore?: TemplateQuality | null; rejectionReason?: string | null },
    db: Db = this.db,
  ): Promise<TemplateRow> {
    const row = await one<TemplateRow>(
      db,
      `INSERT INTO templates AS t (waba_id, name, language, category, parameter_format, components, status, whatsapp_id, quality_score, rejection_reason)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9, $10)
       RETURNING ${COLUMNS}`,
      [
        wabaId,
        def.name,
        def.language,
        def.category,
        def.parameter_format ?? 'POSITIONAL',
        JSON.stringify(def.components),
        state.status,
        state.whatsappId ?? null,
        state.qualityScore ?? null,
        state.rejectionReason ?? null,
      ],
    );
    return row!;
  }

  findById(id: string, db: Db = this.db): Promise<TemplateRow | undefined> {
    return one<TemplateRow>(db, `SELECT ${COLUMNS} FROM templates t WHERE t.id = $1`, [id]);
  }

  /** The live template a WhatsApp event or listing is about: by WhatsApp's id, else by name and language. */
  findLive(wabaId: string, whatsappId: string | null, name: string, language: string, db: Db = this.db): Promise<TemplateRow | undefined> {
    return one<TemplateRow>(
      db,
      `SELECT ${COLUMNS} FROM templates t
        WHERE t.waba_id = $1 AND t.status <> 'DELETED'
          AND (($2::text IS NOT NULL AND t.whatsapp_id = $2) OR (t.name = $3 AND t.language = $4))
        ORDER BY (t.whatsapp_id = $2) DESC NULLS LAST
        LIMIT 1
        FOR UPDATE`,
      [wabaId, whatsappId, name, language],
    );
  }

  /** A live template by its WhatsApp id alone, whatever the account it is stored under (Meta's ids are unique across accounts). */
  findLiveByWhatsappId(whatsappId: string, db: Db = this.db): Promise<TemplateRow | undefined> {
    return one<TemplateRow>(db, `SELECT ${COLUMNS} FROM templates t WHERE t.whatsapp_id = $1 AND t.status <> 'DELETED' LIMIT 1 FOR UPDATE`, [whatsappId]);
  }

  list(filter: TemplateFilter): Promise<Array<TemplateRow & { cursorKey: string }>> {
    const where = [`t.status <> 'DELETED'`];
    const { values: params, bind: param } = parameters();
    if (filter.status) where[0] = `t.status = ${param(filter.status)}`;
    if (filter.wabaId) where.push(`t.waba_id = ${param(filter.wabaId)}`);
    if (filter.category) where.push(`t.category = ${param(filter.category)}`);
    if (filter.name) where.push(`t.name = ${param(filter.name)}`);
    if (filter.language) where.push(`t.language = ${param(filter.language)}`);
    if (filter.afterKey) where.push(`(t.created_at, t.id) < (${param(filter.afterKey.createdAt)}::timestamptz, ${param(filter.afterKey.id)}::uuid)`);
    return rows(
      this.db,
      `SELECT ${COLUMNS}, t.created_at::text || '|' || t.id AS "cursorKey" FROM templates t
        WHERE ${where.join(' AND ')}
        ORDER BY t.created_at DESC, t.id DESC LIMIT ${param(filter.limit + 1)}`,
      params,
    );
  }

  /** Live templates of a WABA that WhatsApp knows (they have its id). */
  submitted(wabaId: string, db: Db = this.db): Promise<TemplateRow[]> {
    return rows<TemplateRow>(db, `SELECT ${COLUMNS} FROM templates t WHERE t.waba_id = $1 AND t.whatsapp_id IS NOT NULL AND t.status <> 'DELETED'`, [
      wabaId,
    ]);
  }

  async updateDraft(id: string, def: TemplateDefinition, db: Db): Promise<TemplateRow | undefined> {
    return one<TemplateRow>(
      db,
      `UPDATE templates t SET category = $2, parameter_format = $3, components = $4::jsonb, updated_at = now()
        WHERE t.id = $1 AND t.status = 'DRAFT'
        RETURNING ${COLUMNS}`,
      [id, def.category, def.parameter_format ?? 'POSITIONAL', JSON.stringify(def.components)],
    );
  }

  /** Applies what WhatsApp says about a template. */
  async applyWhatsappState(id: string, state: WhatsappState, db: Db): Promise<TemplateRow> {
    const sets = ['updated_at = now()'];
    const { values: params, bind: param } = parameters([id]);
    if (state.status !== undefined) sets.push(`status = ${param(state.status)}`);
    if (state.category !== undefined) sets.push(`category = ${param(state.category)}`);
    if (state.qualityScore !== undefined) sets.push(`quality_score = ${param(state.qualityScore)}`);
    if (state.rejectionReason !== undefined) sets.push(`rejection_reason = ${param(state.rejectionReason)}`);
    if (state.whatsappId !== undefined) sets.push(`whatsapp_id = ${param(state.whatsappId)}`);
    if (state.components !== undefined) sets.push(`components = ${param(JSON.stringify(state.components))}::jsonb`);
    if (state.parameterFormat !== undefined) sets.push(`parameter_format = ${param(state.parameterFormat)}`);
    const row = await one<TemplateRow>(db, `UPDATE templates t SET ${sets.join(', ')} WHERE t.id = $1 RETURNING ${COLUMNS}`, params);
    return row!;
  }

  /**
   * Takes a draft for submission (compare-and-set): only one request submits it, and a submission
   * that died half-way is taken again after five minutes. `resumed` says that an earlier
   * submission was taken over (it died, or its outcome is unknown: see releaseSubmission), so the
   * template may already be at WhatsApp and must be looked up there before it is created.
   * (`before` is the row as it was before this statement.)
   */
  claimForSubmission(id: string): Promise<(TemplateRow & { resumed: boolean }) | undefined> {
    return one<TemplateRow & { resumed: boolean }>(
      this.db,
      `UPDATE templates t SET submitting_since = now()
         FROM templates before
        WHERE t.id = $1 AND before.id = t.id AND t.status = 'DRAFT'
          AND (t.submitting_since IS NULL OR t.submitting_since < now() - interval '5 minutes')
        RETURNING ${COLUMNS}, before.submitting_since IS NOT NULL AS "resumed"`,
      [id],
    );
  }

  /**
   * Ends a submission that did not record a WhatsApp id. When its outcome is unknown (the request
   * may have reached WhatsApp and no answer nor lookup said), the claim stays, dated long ago: the
   * next submit may take it at once and looks the template up first.
   */
  async releaseSubmission(id: string, outcome: 'not_sent' | 'unknown' = 'not_sent'): Promise<void> {
    await affected(
      this.db,
      `UPDATE templates SET submitting_since = CASE WHEN $2 THEN 'epoch'::timestamptz END WHERE id = $1 AND status = 'DRAFT'`,
      [id, outcome === 'unknown'],
    );
  }

  async markSubmitted(id: string, whatsappId: string, status: TemplateStatusName, category: TemplateCategory, db: Db): Promise<TemplateRow> {
    const row = await one<TemplateRow>(
      db,
      // A status webhook about this template applied while the request was in flight (after the
      // claim, both by our clock) is newer than WhatsApp's answer to the request: it stays.
      `UPDATE templates t SET whatsapp_id = $2, category = $4, submitted_at = now(), submitting_since = NULL, updated_at = now(),
              status = CASE WHEN t.status_applied_at >= t.submitting_since THEN t.status ELSE $3 END
        WHERE t.id = $1
        RETURNING ${COLUMNS}`,
      [id, whatsappId, status, category],
    );
    return row!;
  }

  async addHistory(entries: HistoryEntry[], db: Db): Promise<void> {
    if (entries.length === 0) return;
    await db.query(
      `INSERT INTO template_history (template_id, change, from_value, to_value, reason, source, event_id)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[])`,
      [
        entries.map((e) => e.templateId),
        entries.map((e) => e.change),
        entries.map((e) => e.fromValue ?? null),
        entries.map((e) => e.toValue ?? null),
        entries.map((e) => e.reason ?? null),
        entries.map((e) => e.source),
        entries.map((e) => e.eventId ?? null),
      ],
    );
  }

  /**
   * A template's history in time order (ties in the order recorded). The ORDER BY names the table's
   * columns: a bare `id` would sort by the output column `id::text`, and "10" sorts before "9".
   */
  history(templateId: string): Promise<HistoryRow[]> {
    return rows<HistoryRow>(
      this.db,
      `SELECT h.id::text AS id, h.change, h.from_value AS "fromValue", h.to_value AS "toValue", h.reason, h.source,
              h.event_id::text AS "eventId", h.occurred_at AS "occurredAt", h.previous_content AS "previousContent", h.applied
         FROM template_history h WHERE h.template_id = $1 ORDER BY h.occurred_at, h.id`,
      [templateId],
    );
  }

  /**
   * A webhook event that arrived after a newer one had decided the same value: kept in the history,
   * marked not applied, with the time WhatsApp gave it in the reason. Like every history entry its
   * time is when Siaran learnt it (one clock for the whole history; template-events.handler.ts).
   */
  async addStaleHistory(entry: { templateId: string; change: HistoryChange; toValue: string; eventId: string; occurredAt: Date }, db: Db): Promise<void> {
    await db.query(
      `INSERT INTO template_history (template_id, change, from_value, to_value, reason, source, event_id, applied)
       VALUES ($1, $2, NULL, $3, $4, 'webhook', $5, false)`,
      [
        entry.templateId,
        entry.change,
        entry.toValue,
        `sent by WhatsApp at ${entry.occurredAt.toISOString()}, older than the event that set the current value; not applied`,
        entry.eventId,
      ],
    );
  }

  // -------------------------------------------------------------------------------------------
  // Editing a template WhatsApp knows (APPROVED, REJECTED, PAUSED): POST /{template-id}

  /**
   * Takes a template for an edit (compare-and-set): only while it is still in `status` and no other
   * edit holds it, so two requests cannot both send one; an edit that died half-way is taken again
   * after five minutes. `claim` is the claim's timestamp, which recordEdit and releaseEdit compare.
   */
  claimForEdit(id: string, status: TemplateStatusName): Promise<(TemplateRow & { claim: string }) | undefined> {
    return one<TemplateRow & { claim: string }>(
      this.db,
      `UPDATE templates t SET editing_since = clock_timestamp()
        WHERE t.id = $1 AND t.status = $2 AND t.whatsapp_id IS NOT NULL
          AND (t.editing_since IS NULL OR t.editing_since < now() - interval '5 minutes')
        RETURNING ${COLUMNS}, t.editing_since::text AS "claim"`,
      [id, status],
    );
  }

  /** Ends an edit WhatsApp did not accept; only the claim that took it can. */
  async releaseEdit(id: string, claim: string): Promise<void> {
    await affected(this.db, `UPDATE templates SET editing_since = NULL WHERE id = $1 AND editing_since = $2::timestamptz`, [id, claim]);
  }

  /**
   * Records an edit WhatsApp accepted: the new content, back in review (PENDING) without the old
   * rejection reason. undefined when the claim was lost (taken over after five minutes).
   */
  recordEdit(id: string, claim: string, def: TemplateDefinition, db: Db): Promise<TemplateRow | undefined> {
    return one<TemplateRow>(
      db,
      // As in markSubmitted: a status webhook newer than the claim (the verdict on this edit) stays.
      `UPDATE templates t SET category = $3, components = $4::jsonb,
              rejection_reason = CASE WHEN t.status_applied_at >= t.editing_since THEN t.rejection_reason END,
              status = CASE WHEN t.status_applied_at >= t.editing_since THEN t.status ELSE 'PENDING' END,
              editing_since = NULL, updated_at = now()
        WHERE t.id = $1 AND t.editing_since = $2::timestamptz
        RETURNING ${COLUMNS}`,
      [id, claim, def.category, JSON.stringify(def.components)],
    );
  }

  /** The history entry of an edit, with the content it replaced. */
  async addEditHistory(
    entry: { templateId: string; fromValue: TemplateStatusName; toValue: TemplateStatusName; previous: TemplateContentSnapshot },
    db: Db,
  ): Promise<void> {
    await db.query(
      `INSERT INTO template_history (template_id, change, from_value, to_value, source, previous_content)
       VALUES ($1, 'edited', $2, $3, 'api', $4::jsonb)`,
      [entry.templateId, entry.fromValue, entry.toValue, JSON.stringify(entry.previous)],
    );
  }

  /** When the template was edited through Siaran while APPROVED, in the last 30 days (Meta's edit limits count these). */
  async approvedEditTimes(templateId: string): Promise<Date[]> {
    const found = await rows<{ at: Date }>(
      this.db,
      `SELECT h.occurred_at AS at FROM template_history h
        WHERE h.template_id = $1 AND h.change = 'edited' AND h.source = 'api' AND h.from_value = 'APPROVED'
          AND h.occurred_at > now() - interval '30 days'`,
      [templateId],
    );
    return found.map((r) => r.at);
  }

  async markEventApplied(eventId: string, db: Db): Promise<void> {
    await affected(db, `UPDATE whatsapp_events SET applied_at = now() WHERE id = $1`, [eventId]);
  }
}
