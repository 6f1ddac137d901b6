import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { TemplateCategoryUpdate, TemplateQualityUpdate, TemplateStatusUpdate } from '../whatsapp/cloud-api.types';
import { diffState, isCategory, isQuality, statusOfEvent } from './template-lifecycle';
import { TemplatesRepository } from './templates.repository';

/**
 * Template status, quality and category changes from WhatsApp's webhooks, applied in the webhook
 * batch's transaction. An event about a template Siaran does not know (created in WhatsApp Manager
 * and not synced yet) stays unapplied; a sync brings the template with its current state.
 */
@Injectable()
export class TemplateEventsHandler {
  private readonly logger = new Logger(TemplateEventsHandler.name);

  constructor(private readonly templates: TemplatesRepository) {}

  /** Returns whether the event was applied to a known template. */
  async apply(tx: EntityManager, field: string, value: unknown, event: { id: string; wabaId: string }): Promise<boolean> {
    const v = value as Partial<TemplateStatusUpdate & TemplateQualityUpdate & TemplateCategoryUpdate>;
    if (!v.message_template_name || !v.message_template_language) return false;
    const template = await this.templates.findLive(
      event.wabaId,
      v.message_template_id === undefined ? null : String(v.message_template_id),
      v.message_template_name,
      v.message_template_language,
      tx,
    );
    if (!template) {
      this.logger.log({ field, name: v.message_template_name, language: v.message_template_language }, 'Template event for an unknown template');
      return false;
    }
    const diff =
      field === 'message_template_status_update'
        ? diffState(template, { status: statusOfEvent(String(v.event)), reason: v.reason ?? v.other_info?.description ?? null })
        : field === 'template_category_update'
          ? diffState(template, { category: isCategory(v.new_category) ? v.new_category : undefined })
          : diffState(template, { qualityScore: isQuality(v.new_quality_score) ? v.new_quality_score : undefined });
    if (Object.keys(diff.changes).length > 0) await this.templates.applyWhatsappState(template.id, diff.changes, tx);
    await this.templates.addHistory(
      diff.history.map((h) => ({ ...h, templateId: template.id, source: 'webhook' as const, eventId: event.id })),
      tx,
    );
    await this.templates.markEventApplied(event.id, tx);
    return true;
  }
}
