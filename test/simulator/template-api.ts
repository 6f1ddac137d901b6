import type {
  CreateTemplateResponse,
  TemplateCategory,
  TemplateCategoryUpdate,
  TemplateList,
  TemplateQuality,
  TemplateQualityUpdate,
  TemplateStatus,
  TemplateStatusUpdate,
} from '../../src/whatsapp/cloud-api.types';
import type { SimulatorContext } from './context';
import { graphErrors } from './graph-errors';
import { json, type Reply } from './reply';
import { validateEditedComponents, validateTemplateDefinition } from './template-definition';
import { cursors, type StoredTemplate } from './template-registry';

/**
 * /{version}/{waba-id}/message_templates (create, list, delete), POST /{version}/{template-id}
 * (edit), Meta's review, and the template webhooks (status, category and quality updates).
 */

export function createTemplate(ctx: SimulatorContext, wabaId: string, body: unknown): Reply {
  const stored = ctx.templates.create(wabaId, validateTemplateDefinition(body));
  reviewLater(ctx, stored);
  const response: CreateTemplateResponse = { id: stored.record.id, status: stored.record.status, category: stored.record.category };
  return json(200, response);
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** Meta's limits on editing an APPROVED template ("Template management": edit templates). */
export const APPROVED_EDIT_LIMITS = { perDay: 1, per30Days: 10 } as const;
const EDITABLE: readonly string[] = ['APPROVED', 'REJECTED', 'PAUSED'];

/**
 * POST /{template-id}: replaces every component (and the category, except of an APPROVED
 * template), as Meta does for APPROVED, REJECTED and PAUSED templates; an APPROVED one at most once
 * in 24 hours and 10 times in 30 days (the simulator's clock: setClock). The template goes back to
 * PENDING and is reviewed again as a new one is. Answer: {"success": true}.
 */
export function editTemplate(ctx: SimulatorContext, stored: StoredTemplate, body: unknown): Reply {
  const status = stored.record.status;
  if (!EDITABLE.includes(status)) throw graphErrors.templateNotEditable(`Only APPROVED, REJECTED or PAUSED templates can be edited; this one is ${status}`);
  const components = validateEditedComponents(stored.record, body);
  const raw = (body as { category?: unknown }).category;
  let category: TemplateCategory | undefined;
  if (raw !== undefined) {
    if (typeof raw !== 'string' || !(['MARKETING', 'UTILITY', 'AUTHENTICATION'] as const).includes(raw as TemplateCategory)) {
      throw graphErrors.invalidParameter('Param category must be one of MARKETING, UTILITY, AUTHENTICATION');
    }
    category = raw as TemplateCategory;
    if (status === 'APPROVED' && category !== stored.record.category) throw graphErrors.templateNotEditable("The category of an approved template can't be edited");
  }
  if (status === 'APPROVED') {
    const now = ctx.now();
    const recent = stored.approvedEdits.filter((at) => at > now - 30 * DAY_MS);
    if (recent.filter((at) => at > now - DAY_MS).length >= APPROVED_EDIT_LIMITS.perDay) {
      throw graphErrors.templateEditLimit('An approved message template can be edited once in 24 hours');
    }
    if (recent.length >= APPROVED_EDIT_LIMITS.per30Days) throw graphErrors.templateEditLimit('An approved message template can be edited 10 times in 30 days');
    stored.approvedEdits = [...recent, now];
  }
  ctx.templates.edit(stored, components, category);
  stored.record.status = 'PENDING';
  delete stored.record.rejected_reason;
  reviewLater(ctx, stored);
  return json(200, { success: true });
}

/** Meta's review: after delayMs, names with the reject prefix are REJECTED, others APPROVED. */
function reviewLater(ctx: SimulatorContext, stored: StoredTemplate): void {
  ctx.tasks.after(ctx.options.templateReview.delayMs, () => {
    const current = ctx.templates.find(stored.wabaId, stored.record.name, stored.record.language);
    if (current !== stored || stored.record.status !== 'PENDING') return; // deleted or decided meanwhile
    const { rejectPrefix, rejectReason } = ctx.options.templateReview;
    const rejected = rejectPrefix !== '' && stored.record.name.startsWith(rejectPrefix);
    changeTemplateStatus(ctx, stored, rejected ? 'REJECTED' : 'APPROVED', rejected ? rejectReason : undefined);
  });
}

const DEFAULT_LIMIT = 25;
const MAX_LIMIT = 1000;

export function listTemplates(ctx: SimulatorContext, wabaId: string, path: string, query: URLSearchParams): Reply {
  const limit = query.has('limit') ? Number(query.get('limit')) : DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw graphErrors.invalidParameter(`Param limit must be an integer from 1 to ${MAX_LIMIT}`);
  const cursor = { after: decodeCursor(query, 'after'), before: decodeCursor(query, 'before') };
  const filter = {
    name: query.get('name') ?? undefined,
    status: query.get('status') ?? undefined,
    category: query.get('category') ?? undefined,
    language: query.get('language') ?? undefined,
  };
  const page = ctx.templates.list(wabaId, filter, limit, cursor);
  const list: TemplateList = { data: page.items.map((t) => structuredClone(t.record)) };
  if (page.items.length > 0) {
    const before = cursors.encode(page.items[0].seq);
    const after = cursors.encode(page.items[page.items.length - 1].seq);
    list.paging = { cursors: { before, after }, ...(page.hasAfter ? { next: pageUrl(ctx, path, query, 'after', after) } : {}) };
    if (page.hasBefore) Object.assign(list.paging, { previous: pageUrl(ctx, path, query, 'before', before) });
  }
  return json(200, list);
}

function decodeCursor(query: URLSearchParams, name: 'after' | 'before'): number | undefined {
  const raw = query.get(name);
  if (raw === null) return undefined;
  const seq = cursors.decode(raw);
  if (seq === undefined) throw graphErrors.invalidParameter(`Param ${name} is not a valid cursor`);
  return seq;
}

function pageUrl(ctx: SimulatorContext, path: string, query: URLSearchParams, direction: 'after' | 'before', cursor: string): string {
  const params = new URLSearchParams(query);
  params.delete('after');
  params.delete('before');
  params.set(direction, cursor);
  return `${ctx.url}${path}?${params.toString()}`;
}

/** DELETE ?name=… removes every language of the name; with &hsm_id=… only that template. */
export function deleteTemplates(ctx: SimulatorContext, wabaId: string, query: URLSearchParams): Reply {
  const name = query.get('name');
  if (!name) throw graphErrors.invalidParameter('Param name is required');
  const hsmId = query.get('hsm_id') ?? undefined;
  const removed = ctx.templates.remove(wabaId, name, hsmId);
  if (removed.length === 0) {
    throw graphErrors.invalidParameter(`Message template ${name}${hsmId ? ` with hsm_id ${hsmId}` : ''} not found`);
  }
  return json(200, { success: true });
}

// ---------------------------------------------------------------------------------------------
// Changes decided by Meta, each announced with its webhook

const PAUSE_INFO = { title: 'FIRST_PAUSE', description: 'Your message template has been paused for 3 hours because of low quality.' };

export function changeTemplateStatus(ctx: SimulatorContext, stored: StoredTemplate, status: TemplateStatus, reason?: string): void {
  stored.record.status = status;
  if (status === 'REJECTED') stored.record.rejected_reason = reason ?? ctx.options.templateReview.rejectReason;
  else delete stored.record.rejected_reason;
  const value: TemplateStatusUpdate = {
    event: status,
    ...templateRef(stored),
    reason: status === 'REJECTED' ? (stored.record.rejected_reason ?? null) : (reason ?? 'NONE'),
    ...(status === 'PAUSED' ? { other_info: PAUSE_INFO } : {}),
  };
  ctx.webhooks.send(stored.wabaId, [{ field: 'message_template_status_update', value }]);
}

export function changeTemplateCategory(ctx: SimulatorContext, stored: StoredTemplate, newCategory: TemplateCategory): void {
  const value: TemplateCategoryUpdate = { ...templateRef(stored), previous_category: stored.record.category, new_category: newCategory };
  stored.record.category = newCategory;
  ctx.webhooks.send(stored.wabaId, [{ field: 'template_category_update', value }]);
}

export function changeTemplateQuality(ctx: SimulatorContext, stored: StoredTemplate, score: TemplateQuality): void {
  const value: TemplateQualityUpdate = {
    previous_quality_score: stored.record.quality_score?.score ?? 'UNKNOWN',
    new_quality_score: score,
    ...templateRef(stored),
  };
  stored.record.quality_score = { score, date: Math.floor(Date.now() / 1000) };
  ctx.webhooks.send(stored.wabaId, [{ field: 'message_template_quality_update', value }]);
}

/** Template webhooks carry the id as a JSON number, as Meta's do. */
function templateRef(stored: StoredTemplate) {
  return {
    message_template_id: Number(stored.record.id),
    message_template_name: stored.record.name,
    message_template_language: stored.record.language,
  };
}
