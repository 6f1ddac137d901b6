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
