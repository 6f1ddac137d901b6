import type { DeliveryStatus, MessageStatus, MessageType, TemplateCategory } from '../../src/whatsapp/cloud-api.types';

/** What the simulator remembers for inspection: requests, accepted messages, per-number stats. */

export interface RecordedRequest {
  id: number;
  time: string;
  method: string;
  path: string;
  /** Query parameters; an access_token parameter is redacted. */
  query: Record<string, string>;
  /** The JSON body parsed, or the raw text when it is not JSON. */
  body?: unknown;
  /** Whether an Authorization header came (its value is never kept). */
  hasAuthorization: boolean;
  /** The HTTP status answered (undefined while pending or when never answered: injected timeout). */
  status?: number;
  /** The Graph error code answered, if any. */
  errorCode?: number;
  /** Set when a handler threw: the request was answered 500 with code 1. */
  handlerError?: string;
}

export interface SentMessage {
  wamid: string;
  phoneNumberId: string;
  endpoint: 'messages' | 'marketing_messages';
  /** `to` as sent. */
  to: string;
  waId: string;
  type: MessageType;
  templateName?: string;
  templateLanguage?: string;
  category?: TemplateCategory;
  bizOpaqueCallbackData?: string;
  acceptedAt: string;
  /** Where the message will end: read, delivered (not read) or failed. */
  finalStatus: 'read' | 'delivered' | 'failed';
  /** For a failed message, the code its failed status carries. */
  errorCode?: number;
  /** The latest status produced so far (statuses apply monotonically, failed is terminal). */
  status: 'accepted' | DeliveryStatus;
}

const RANK: Record<SentMessage['status'], number> = { accepted: 0, sent: 1, delivered: 2, read: 3, failed: 4 };

/** Accepted messages by wamid; the oldest are forgotten beyond the capacity. */
export class MessageStore {
  private readonly byWamid = new Map<string, SentMessage>();

  constructor(private readonly capacity: () => number) {}

  add(message: SentMessage): void {
    this.byWamid.set(message.wamid, message);
    const capacity = this.capacity();
    for (const wamid of this.byWamid.keys()) {
      if (this.byWamid.size <= capacity) break;
      this.byWamid.delete(wamid);
    }
  }

  /** Applies a status in WhatsApp's order: a late `delivered` never overwrites `read`. */
  advance(wamid: string, status: MessageStatus['status']): void {
    const message = this.byWamid.get(wamid);
    if (!message || !(status in RANK)) return;
    if (message.status === 'failed') return;
    if (RANK[status as SentMessage['status']] > RANK[message.status]) message.status = status as SentMessage['status'];
  }

  get(wamid: string): SentMessage | undefined {
    return this.byWamid.get(wamid);
  }

  all(): SentMessage[] {
    return [...this.byWamid.values()];
  }

  clear(): void {
    this.byWamid.clear();
  }
}

export interface PhoneStats {
  /** Sends answered 200. */
  accepted: number;
  /** Sends answered with an error (4xx/5xx). */
  rejected: number;
  /** Sends never answered (injected timeouts). */
  timedOut: number;
  /** The highest number of sends accepted in any one-second window. */
  maxPerSecond: number;
  /** Rejected sends by Graph error code ("none" for an answer without one). */
  rejectedByCode: Record<string, number>;
  /** Status events produced, by status. */
  statuses: Record<DeliveryStatus, number>;
}

export class StatsBook {
  private readonly byPhone = new Map<string, Omit<PhoneStats, 'maxPerSecond'>>();

  accepted(phoneNumberId: string): void {
    this.of(phoneNumberId).accepted++;
  }

  rejected(phoneNumberId: string, code: number | undefined): void {
    const stats = this.of(phoneNumberId);
    stats.rejected++;
    const key = code === undefined ? 'none' : String(code);
    stats.rejectedByCode[key] = (stats.rejectedByCode[key] ?? 0) + 1;
  }

  timedOut(phoneNumberId: string): void {
    this.of(phoneNumberId).timedOut++;
  }

  status(phoneNumberId: string, status: DeliveryStatus): void {
    this.of(phoneNumberId).statuses[status]++;
  }

  snapshot(phoneNumberIds: string[], maxPerSecond: (id: string) => number): Record<string, PhoneStats> {
    const ids = new Set([...phoneNumberIds, ...this.byPhone.keys()]);
    return Object.fromEntries([...ids].map((id) => [id, { ...structuredClone(this.of(id)), maxPerSecond: maxPerSecond(id) }]));
  }

  clear(): void {
    this.byPhone.clear();
  }

  private of(phoneNumberId: string): Omit<PhoneStats, 'maxPerSecond'> {
    let stats = this.byPhone.get(phoneNumberId);
    if (!stats) {
      stats = { accepted: 0, rejected: 0, timedOut: 0, rejectedByCode: {}, statuses: { sent: 0, delivered: 0, read: 0, failed: 0 } };
      this.byPhone.set(phoneNumberId, stats);
    }
    return stats;
  }
}
