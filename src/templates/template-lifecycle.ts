import type { TemplateCategory, TemplateQuality } from '../whatsapp/cloud-api.types';
import type { HistoryChange, TemplateStatusName, WhatsappState } from './templates.repository';
import { TEMPLATE_STATUSES } from './templates.repository';

/**
 * What WhatsApp says about a template, turned into the changes to apply and the history to keep.
 * Pure: used by the webhook handler and by sync alike.
 */

/**
 * A `message_template_status_update` event as a status. REINSTATED means approved again after a
 * pause; FLAGGED is a quality warning, not a status (the template may still be sent).
 */
export function statusOfEvent(event: string): TemplateStatusName | undefined {
  if (event === 'REINSTATED') return 'APPROVED';
  return (TEMPLATE_STATUSES as readonly string[]).includes(event) && event !== 'DRAFT' ? (event as TemplateStatusName) : undefined;
}

export interface StateChange {
  changes: WhatsappState;
  history: Array<{ change: HistoryChange; fromValue: string | null; toValue: string | null; reason?: string | null }>;
}

export interface CurrentState {
  status: TemplateStatusName;
  category: TemplateCategory;
  qualityScore: TemplateQuality | null;
  rejectionReason: string | null;
}

/** Only what differs becomes a change and a history entry. */
export function diffState(current: CurrentState, incoming: { status?: TemplateStatusName; category?: TemplateCategory; qualityScore?: TemplateQuality | null; reason?: string | null }): StateChange {
  const result: StateChange = { changes: {}, history: [] };
  if (incoming.status && incoming.status !== current.status) {
    result.changes.status = incoming.status;
    const reason = meaningfulReason(incoming.reason);
    // A rejection reason belongs to the rejection; any other status clears it.
    result.changes.rejectionReason = incoming.status === 'REJECTED' ? reason : null;
    result.history.push({ change: 'status', fromValue: current.status, toValue: incoming.status, reason });
  }
  if (incoming.category && incoming.category !== current.category) {
    result.changes.category = incoming.category;
    result.history.push({ change: 'category', fromValue: current.category, toValue: incoming.category });
  }
  // WhatsApp rates a new template UNKNOWN; Siaran keeps null until a rating: the same thing.
  if (incoming.qualityScore !== undefined && (incoming.qualityScore ?? 'UNKNOWN') !== (current.qualityScore ?? 'UNKNOWN')) {
    result.changes.qualityScore = incoming.qualityScore;
    result.history.push({ change: 'quality', fromValue: current.qualityScore, toValue: incoming.qualityScore });
  }
  return result;
}

/** Meta sends reason "NONE" when there is none. */
function meaningfulReason(reason: string | null | undefined): string | null {
  return reason && reason !== 'NONE' ? reason : null;
}

export function isCategory(value: unknown): value is TemplateCategory {
  return value === 'MARKETING' || value === 'UTILITY' || value === 'AUTHENTICATION';
}

export function isQuality(value: unknown): value is TemplateQuality {
  return value === 'GREEN' || value === 'YELLOW' || value === 'RED' || value === 'UNKNOWN';
}

/**
 * Whether two JSON values are equal, whatever the order of object keys: components read back from
 * PostgreSQL's jsonb have their keys reordered (shortest first), so comparing JSON text would see
 * every stored template as changed.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const other = b as unknown[];
    return a.length === other.length && a.every((item, i) => sameJson(item, other[i]));
  }
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

// ---------------------------------------------------------------------------------------------
// Editing a template WhatsApp knows

/** The statuses in which WhatsApp lets a template be edited (Meta's "Template management" page). */
export const EDITABLE_STATUSES: readonly TemplateStatusName[] = ['APPROVED', 'REJECTED', 'PAUSED'];

/**
 * Meta's limits on editing an APPROVED template: at most once in 24 hours and 10 times in 30 days
 * (Meta's "Template management" page, "Edit templates": "Approved templates can be edited up to 10
 * times in a 30 day window, or 1 time in a 24 hour window. Rejected or paused templates can be
 * edited an unlimited number of times").
 */
export const APPROVED_EDIT_LIMITS = { perDay: 1, per30Days: 10 } as const;

const DAY_MS = 24 * 60 * 60 * 1000;

export type EditAllowance = { ok: true } | { ok: false; limit: '24h' | '30d'; nextAt: Date; message: string };

/**
 * Whether an APPROVED template may be edited now, given when its earlier edits while APPROVED were
 * made. `nextAt` is the first moment the limit that refused it lets an edit through.
 */
export function approvedEditAllowance(editsWhileApproved: readonly Date[], now: Date): EditAllowance {
  const at = now.getTime();
  const month = editsWhileApproved.map((d) => d.getTime()).filter((t) => t > at - 30 * DAY_MS).sort((a, b) => a - b);
  const day = month.filter((t) => t > at - DAY_MS);
  if (day.length >= APPROVED_EDIT_LIMITS.perDay) {
    const nextAt = new Date(day[day.length - APPROVED_EDIT_LIMITS.perDay] + DAY_MS);
    return { ok: false, limit: '24h', nextAt, message: `WhatsApp lets an approved template be edited once in 24 hours; the next edit is possible from ${nextAt.toISOString()}` };
  }
  if (month.length >= APPROVED_EDIT_LIMITS.per30Days) {
    const nextAt = new Date(month[month.length - APPROVED_EDIT_LIMITS.per30Days] + 30 * DAY_MS);
    return { ok: false, limit: '30d', nextAt, message: `WhatsApp lets an approved template be edited 10 times in 30 days; the next edit is possible from ${nextAt.toISOString()}` };
  }
  return { ok: true };
}
