import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { one } from '../database/sql';
import { WebhookField } from '../webhooks/webhook-field.decorator';
import type { RecordedChange } from '../webhooks/webhook-fields';
import type { TemplateCategoryUpdate, TemplateQualityUpdate, TemplateStatusUpdate } from '../whatsapp/cloud-api.types';
import { diffState, isCategory, isQuality, StateChange, statusOfEvent } from './template-lifecycle';
import { TemplatesRepository, TemplateStatusName } from './templates.repository';

/** Which of a template's event times an event of each field is ordered by. */
const EVENT_TIME_COLUMN = {
  message_template_status_update: 'status_event_at',
  message_template_quality_update: 'quality_event_at',
  template_category_update: 'category_event_at',
} as const;

/**
 * Template status, quality and category changes from WhatsApp's webhooks, applied in the webhook
 * batch's transaction, in WhatsApp's order rather than arrival order: each event is ordered by its
 * entry's `time` (Meta retries a failed delivery for days, so an old PAUSED can arrive after the
 * APPROVED that ended the pause). An event older than the one that set the current value is kept
 * in the template's history, marked not applied, and changes nothing. Events of the same second
 * apply in arrival order. `UNARCHIVED` restores the status the template had before it was
 * archived. An event about a template Siaran does not know (created in WhatsApp Manager and not
 * synced yet) stays unapplied; a sync brings the template with its current state.
 */
@Injectable()
export class TemplateEventsHandler {
  private readonly logger = new Logger(TemplateEventsHandler.name);

  constructor(private readonly templates: TemplatesRepository) {}

  /**
   * The webhook registration (src/webhooks/webhook-fields.ts): each change, once kept as an
   * account event, is applied here in the webhook batch's transaction, and counts for one event.
   */
  @WebhookField('message_template_status_update', 'message_template_quality_update', 'template_category_update')
  async handleChange(tx: EntityManager, change: RecordedChange): Promise<number> {
    await this.apply(tx, change.field, change.value, { id: change.eventId, wabaId: change.ctx.wabaId, entryTime: change.ctx.entryTime });
    return 1;
  }

  /** Returns whether the event was applied to a known template (a stale one counts: it is in the history). */
  async apply(tx: EntityManager, field: string, value: unknown, event: { id: string; wabaId: string; entryTime?: number }): Promise<boolean> {
    const v = value as Partial<TemplateStatusUpdate & TemplateQualityUpdate & TemplateCategoryUpdate>;
    if (!v.message_template_name || !v.message_template_language) return false;
    const whatsappId = v.message_template_id === undefined ? null : String(v.message_template_id);
    // By account, id, then name and language; failing that by the template's WhatsApp id alone: an
    // entry may name another WABA id than the one the template is stored under (a WABA id given in
    // other digits, a shared account), and Meta's template ids are unique across accounts.
    const template =
      (await this.templates.findLive(event.wabaId, whatsappId, v.message_template_name, v.message_template_language, tx)) ??
      (whatsappId !== null ? await this.templates.findLiveByWhatsappId(whatsappId, tx) : undefined);
    if (!template) {
      this.logger.log({ field, name: v.message_template_name, language: v.message_template_language }, 'Template event for an unknown template');
      return false;
    }
    const column = EVENT_TIME_COLUMN[field as keyof typeof EVENT_TIME_COLUMN];
    if (!column) return false;
    const at = event.entryTime !== undefined ? new Date(event.entryTime * 1000) : new Date();
    const order = await one<{ stale: boolean; statusBeforeArchive: TemplateStatusName | null }>(
      tx,
      `SELECT coalesce(${column} > $2, false) AS stale, status_before_archive AS "statusBeforeArchive" FROM templates WHERE id = $1`,
      [template.id, at],
    );

    let diff: StateChange;
    if (field === 'message_template_status_update') {
      const status = v.event === 'UNARCHIVED' ? (order?.statusBeforeArchive ?? undefined) : statusOfEvent(String(v.event));
      diff = diffState(template, { status, reason: v.reason ?? v.other_info?.description ?? null });
    } else if (field === 'template_category_update') {
      diff = diffState(template, { category: isCategory(v.new_category) ? v.new_category : undefined });
    } else {
      diff = diffState(template, { qualityScore: isQuality(v.new_quality_score) ? v.new_quality_score : undefined });
    }

    if (order?.stale) {
      // Kept for the record: what WhatsApp said, when, and that a newer event had already decided.
      const said = field === 'message_template_status_update' ? String(v.event) : String(v.new_category ?? v.new_quality_score ?? '');
      await this.templates.addStaleHistory(
        { templateId: template.id, change: field === 'message_template_status_update' ? 'status' : field === 'template_category_update' ? 'category' : 'quality', toValue: said, eventId: event.id, occurredAt: at },
        tx,
      );
    } else {
      if (Object.keys(diff.changes).length > 0) await this.templates.applyWhatsappState(template.id, diff.changes, tx);
      await this.templates.addHistory(
        diff.history.map((h) => ({ ...h, templateId: template.id, source: 'webhook' as const, eventId: event.id })),
        tx,
      );
      await tx.query(
        `UPDATE templates SET ${column} = $2,
                status_applied_at = CASE WHEN $5 THEN clock_timestamp() ELSE status_applied_at END,
                status_before_archive = CASE WHEN $3::text = 'ARCHIVED' AND status_before_archive IS NULL THEN $4::text
                                             WHEN $3::text IS NOT NULL AND $3::text <> 'ARCHIVED' THEN NULL
                                             ELSE status_before_archive END
          WHERE id = $1`,
        [template.id, at, diff.changes.status ?? null, template.status, field === 'message_template_status_update'],
      );
    }
    await this.templates.markEventApplied(event.id, tx);
    return true;
  }
}
