import type { TemplateDefinition, TemplateQuality, TemplateRecord, TemplateStatus } from '../../src/whatsapp/cloud-api.types';
import { graphErrors } from './graph-errors';
import { templateVariables, type TemplateVariables } from './template-definition';

/**
 * The message templates of every WABA: storage, lookup by (WABA, name, language) in O(1) for sends,
 * and cursor-paged listing in creation order.
 */

export interface StoredTemplate {
  wabaId: string;
  /** Creation order; cursors encode it. */
  seq: number;
  record: TemplateRecord;
  variables: TemplateVariables;
  /** When each edit of this template while APPROVED was accepted (simulator clock, epoch ms). */
  approvedEdits: number[];
}

export interface TemplateFilter {
  name?: string;
  status?: string;
  category?: string;
  language?: string;
}

export interface TemplatePage {
  items: StoredTemplate[];
  hasBefore: boolean;
  hasAfter: boolean;
}

// Graph ids are numeric strings; webhooks send them as JSON numbers, so they stay below 2^53.
const FIRST_TEMPLATE_ID = 100_000_000_000_000;

export class TemplateRegistry {
  private readonly byKey = new Map<string, StoredTemplate>();
  private seq = 0;

  /** A new template, PENDING review; the same name and language twice is Graph's 2388023. */
  create(wabaId: string, definition: TemplateDefinition): StoredTemplate {
    if (this.find(wabaId, definition.name, definition.language)) throw graphErrors.templateExists(definition.language);
    return this.store(wabaId, definition, 'PENDING');
  }

  /** Puts a template in place in any status, replacing one with the same name and language. */
  seed(wabaId: string, definition: TemplateDefinition, status: TemplateStatus, extra: { rejectedReason?: string; quality?: TemplateQuality } = {}): StoredTemplate {
    const existing = this.find(wabaId, definition.name, definition.language);
    const stored = this.store(wabaId, definition, status, existing);
    if (extra.rejectedReason !== undefined) stored.record.rejected_reason = extra.rejectedReason;
    if (extra.quality !== undefined) stored.record.quality_score = { score: extra.quality, date: Math.floor(Date.now() / 1000) };
    return stored;
  }

  /** The template with this Graph id, in any WABA. */
  findById(id: string): StoredTemplate | undefined {
    for (const t of this.byKey.values()) if (t.record.id === id) return t;
    return undefined;
  }

  /** Replaces a template's components (and category), as an accepted edit does. */
  edit(stored: StoredTemplate, components: TemplateDefinition['components'], category?: TemplateDefinition['category']): void {
    stored.record.components = structuredClone(components);
    if (category !== undefined) stored.record.category = category;
    stored.variables = templateVariables(stored.record);
  }

  find(wabaId: string, name: string, language: string): StoredTemplate | undefined {
    return this.byKey.get(key(wabaId, name, language));
  }

  /** A page of at most `limit` templates after (or before) a cursor, oldest first. */
  list(wabaId: string, filter: TemplateFilter, limit: number, cursor: { after?: number; before?: number }): TemplatePage {
    // At most a few hundred templates per WABA (Meta's own cap is about 250): a scan is fine here.
    const matching = [...this.byKey.values()].filter((t) => t.wabaId === wabaId && matches(t.record, filter)).sort((a, b) => a.seq - b.seq);
    let start = 0;
    let end = matching.length;
    if (cursor.after !== undefined) start = firstIndexAfter(matching, cursor.after);
    if (cursor.before !== undefined) {
      end = firstIndexAfter(matching, cursor.before - 1);
      start = Math.max(start, end - limit);
    }
    const items = matching.slice(start, Math.min(end, start + limit));
    return { items, hasBefore: start > 0, hasAfter: start + items.length < matching.length };
  }

  /** Removes every language of a name, or only the one with hsmId; returns what was removed. */
  remove(wabaId: string, name: string, hsmId?: string): StoredTemplate[] {
    const removed = [...this.byKey.values()].filter((t) => t.wabaId === wabaId && t.record.name === name && (hsmId === undefined || t.record.id === hsmId));
    for (const t of removed) this.byKey.delete(key(wabaId, t.record.name, t.record.language));
    return removed;
  }

  all(): StoredTemplate[] {
    return [...this.byKey.values()].sort((a, b) => a.seq - b.seq);
  }

  clear(): void {
    this.byKey.clear();
  }

  private store(wabaId: string, definition: TemplateDefinition, status: TemplateStatus, replacing?: StoredTemplate): StoredTemplate {
    const variables = templateVariables(definition);
    const seq = replacing?.seq ?? ++this.seq;
    const record: TemplateRecord = {
      ...structuredClone(definition),
      id: replacing?.record.id ?? String(FIRST_TEMPLATE_ID + seq),
      status,
      quality_score: { score: 'UNKNOWN' },
    };
    const stored: StoredTemplate = { wabaId, seq, record, variables, approvedEdits: [] };
    this.byKey.set(key(wabaId, definition.name, definition.language), stored);
    return stored;
  }
}

function key(wabaId: string, name: string, language: string): string {
  return `${wabaId}\u0000${name}\u0000${language}`;
}

function matches(record: TemplateRecord, filter: TemplateFilter): boolean {
  return (
    (filter.name === undefined || record.name === filter.name) &&
    (filter.status === undefined || record.status === filter.status) &&
    (filter.category === undefined || record.category === filter.category) &&
    (filter.language === undefined || record.language === filter.language)
  );
}

function firstIndexAfter(sorted: StoredTemplate[], seq: number): number {
  const index = sorted.findIndex((t) => t.seq > seq);
  return index === -1 ? sorted.length : index;
}

/** Opaque paging cursors, as Graph's are. */
export const cursors = {
  encode: (seq: number) => Buffer.from(`seq:${seq}`).toString('base64url'),
  decode: (cursor: string): number | undefined => {
    const match = /^seq:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
    return match ? Number(match[1]) : undefined;
  },
};
