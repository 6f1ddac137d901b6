/**
 * What WhatsApp knows about each (business number, user) pair: when the user last wrote (their
 * message opens a 24-hour customer-service window for session messages) and whether they stopped
 * marketing messages from this number.
 */

export const WINDOW_MS = 24 * 60 * 60 * 1000;

export class ConversationBook {
  private readonly lastInbound = new Map<string, number>();
  private readonly marketingStopped = new Set<string>();

  openWindow(phoneNumberId: string, waId: string, atMs: number): void {
    const key = pair(phoneNumberId, waId);
    this.lastInbound.set(key, Math.max(atMs, this.lastInbound.get(key) ?? 0));
  }

  isWindowOpen(phoneNumberId: string, waId: string, now: number): boolean {
    const last = this.lastInbound.get(pair(phoneNumberId, waId));
    return last !== undefined && now - last < WINDOW_MS;
  }

  setMarketingPreference(phoneNumberId: string, waId: string, value: 'stop' | 'resume'): void {
    if (value === 'stop') this.marketingStopped.add(pair(phoneNumberId, waId));
    else this.marketingStopped.delete(pair(phoneNumberId, waId));
  }

  hasStoppedMarketing(phoneNumberId: string, waId: string): boolean {
    return this.marketingStopped.has(pair(phoneNumberId, waId));
  }

  clear(): void {
    this.lastInbound.clear();
    this.marketingStopped.clear();
  }
}

function pair(phoneNumberId: string, waId: string): string {
  return `${phoneNumberId}:${waId}`;
}
