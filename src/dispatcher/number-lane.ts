import { Logger } from '@nestjs/common';
import { safeError } from '../common/log-redaction';
import type { RenderContact } from '../rendering';
import { CloudApiClient, type Sender } from '../whatsapp/cloud-api.client';
import type { CampaignMessage } from './campaign-message';
import type { ConsentRecheck } from './consent-recheck';
import { ClaimedRecipient, ClaimTarget, DispatchRepository } from './dispatch.repository';
import type { OutcomeSink } from './outcome-sink';
import { judgeFailure, recipientCallbackData, type RecipientOutcome, type Verdict } from './send-outcome';
import { SLOT_LATENESS_LIMIT_MS, type ThroughputGate, type ThroughputSlots } from './throughput-gate';
import type { MessageContent, TemplateCategory } from '../whatsapp/cloud-api.types';

/** A running campaign as one lane sends it; the dispatcher refreshes `sending` and `mps`. */
export interface LaneCampaign {
  target: ClaimTarget;
  message: CampaignMessage;
  sender: Sender;
  /** The campaign's own cap (maxMps); it applies when below the number's throughput. */
  maxMps: number | null;
  /** False as soon as the campaign is no longer running (paused, cancelled, outside its send window): nothing more is sent. */
  sending: boolean;
  /** Nothing to claim until then (ms epoch): the last claim found no row. */
  idleUntil: number;
}

export interface LaneSettings {
  /** A claim's lease: longer than the wait for a slot plus the HTTP timeout. */
  leaseMs: number;
  /** How far ahead slots are reserved (and so the longest a claimed row waits for its send). */
  aheadMs: number;
  /** Waiting when no campaign of the lane has rows to claim. */
  idleMs: number;
}

/** What a lane tells the dispatcher: a stop-class answer, a failure spike, a campaign with nothing left to claim. */
export interface LaneEvents {
  stop(campaignId: string, scope: 'campaign' | 'number', reason: string): void;
  drained(campaignId: string): void;
}

/** Outcomes per campaign kept for the failure-spike rule. */
const SPIKE_WINDOW = 200;
/** "More than 20% of the last 200 sends failing with the same code pauses the campaign" (issue 12). */
const SPIKE_SHARE = 0.2;

/**
 * One business number's sending in one worker process: claims recipients of the number's running
 * campaigns in turn (round robin), renders each at send time, takes send slots from the shared
 * ThroughputGate (every worker's lanes for the number share one Redis schedule, so together they
 * never exceed the number's rate; a campaign's maxMps is a cap inside it), sends each message at
 * its slot outside any transaction, and hands the outcome to the OutcomeSink. Claimed rows whose
 * campaign stopped before their slot are released. Slots are reserved at most aheadMs ahead, so a
 * pause takes effect within that.
 */
export class NumberLane {
  private readonly logger = new Logger(NumberLane.name);
  readonly campaigns = new Map<string, LaneCampaign>();
  /** Messages per second of the number (its throughput; quality updates change it). */
  mps: number;
  private inFlight = 0;
  /**
   * Claimed rows waiting for a slot: the gate had none for them yet (a capped campaign, a number
   * busy with other workers), or their slot was reached too late. Served before new claims, from
   * `until` on; their campaign claims no more meanwhile, so a capped campaign never holds more than
   * one batch and never holds up the others.
   */
  private waiting: Array<{ item: Ready; until: number }> = [];
  /** Slots given up for lateness since the lane started (a sign of an overloaded process). */
  lateSlots = 0;
  private readonly sends = new Set<Promise<void>>();
  private readonly spikes = new Map<string, SpikeWatch>();
  private turn = 0;
  private stopping = false;
  private running: Promise<void> | undefined;
  private wake: (() => void) | undefined;

  constructor(
    readonly phoneNumberId: string,
    mps: number,
    private readonly deps: {
      repository: DispatchRepository;
      client: CloudApiClient;
      gate: ThroughputGate;
      sink: OutcomeSink;
      recheck: ConsentRecheck;
      events: LaneEvents;
      settings: LaneSettings;
    },
  ) {
    this.mps = mps;
  }

  start(): void {
    this.running ??= this.loop().catch((error) => this.logger.error({ err: safeError(error), phoneNumberId: this.phoneNumberId }, 'Lane stopped by an error'));
  }

  /** Stops claiming; waits for sends in flight; claimed rows not yet sent are released. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.running;
    for (const { item } of this.waiting.splice(0)) this.deps.sink.release(item.r.campaignId, item.r.contactId);
    await Promise.allSettled([...this.sends]);
  }

  /** A campaign may have new work (launched, resumed): claim again without waiting. */
  poke(): void {
    for (const c of this.campaigns.values()) c.idleUntil = 0;
    this.wake?.();
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      let worked = false;
      try {
        worked = await this.step();
      } catch (error) {
        this.logger.warn({ err: safeError(error), phoneNumberId: this.phoneNumberId }, 'Dispatch step failed; trying again');
        await this.pause(1000);
      }
      if (!worked) await this.pause(this.deps.settings.idleMs);
    }
  }

  /** Rows waiting whose time has come get slots; else one claim, its slots and its sends scheduled. False when there was nothing to do. */
  private async step(): Promise<boolean> {
    const now = Date.now();
    const due = this.waiting.filter((w) => w.until <= now);
    if (due.length > 0) {
      this.waiting = this.waiting.filter((w) => w.until > now);
      await this.slot(due.map((w) => w.item));
      return true;
    }
    const campaign = this.nextCampaign(now);
    if (!campaign) return false;
    // A tenth of a second of the campaign's rate per claim; at most two seconds of the number's in hand.
    const rate = campaign.maxMps !== null ? Math.min(this.mps, campaign.maxMps) : this.mps;
    const batch = Math.max(1, Math.min(200, Math.ceil(rate / 10)));
    const room = Math.max(0, Math.ceil(this.mps * 2) - this.inFlight - this.waiting.length);
    if (room === 0) {
      await Promise.race([...this.sends]);
      return true;
    }
    const { claimed } = await this.deps.repository.claim(campaign.target, Math.min(batch, room), this.deps.settings.leaseMs);
    if (claimed.length === 0) {
      campaign.idleUntil = Date.now() + this.deps.settings.idleMs * 4;
      this.deps.events.drained(campaign.target.campaignId);
      return true;
    }
    await this.schedule(campaign, claimed);
    return true;
  }

  /** Round robin over the campaigns that are sending, not known to be idle and not waiting for slots. */
  private nextCampaign(now: number): LaneCampaign | undefined {
    const list = [...this.campaigns.values()];
    const held = new Set(this.waiting.map((w) => w.item.campaign));
    for (let i = 0; i < list.length; i++) {
      const c = list[(this.turn + i) % list.length];
      if (c.sending && c.idleUntil <= now && !held.has(c)) {
        this.turn = (this.turn + i + 1) % Math.max(1, list.length);
        return c;
      }
    }
    return undefined;
  }

  /** Renders the claimed rows (a row that cannot be rendered fails at once), then gives the others their slots. */
  private async schedule(campaign: LaneCampaign, claimed: ClaimedRecipient[]): Promise<void> {
    const ready: Ready[] = [];
    for (const r of claimed) {
      if (r.phone === null) {
        this.outcome(campaign, r, { state: 'failed', code: null, title: 'the contact has no phone number to send to (known by BSUID only)' });
        continue;
      }
      const rendered = campaign.message.render(r.sends, contactOf(r));
      if (!rendered.ok) {
        const title = `render_problem: ${rendered.problems.map((p) => `${p.parameter}: ${p.message}`).join('; ')}`.slice(0, 300);
        this.outcome(campaign, r, { state: 'failed', code: null, title });
        continue;
      }
      ready.push({ campaign, r, content: rendered.content, category: rendered.templateCategory });
    }
    await this.slot(ready);
  }

  /**
   * Reserves slots for the rows (the number's schedule, and the campaign's cap inside it) and sends
   * each at its slot, without waiting for the answers. Rows whose campaign stopped meanwhile are
   * released.
   */
  private async slot(ready: Ready[]): Promise<void> {
    let next = 0;
    while (next < ready.length) {
      const { campaign } = ready[next];
      // Rows of one campaign at a time (rows of several campaigns may wait together).
      let end = next;
      while (end < ready.length && ready[end].campaign === campaign) end++;
      if (!campaign.sending || this.stopping) {
        for (const { r } of ready.slice(next, end)) this.deps.sink.release(r.campaignId, r.contactId);
        next = end;
        continue;
      }
      const cap = campaign.maxMps !== null && campaign.maxMps < this.mps ? { campaignId: campaign.target.campaignId, maxMps: campaign.maxMps } : undefined;
      let slots: ThroughputSlots;
      try {
        slots = await this.deps.gate.reserve(this.phoneNumberId, this.mps, end - next, this.deps.settings.aheadMs, cap);
      } catch (error) {
        // Redis unreachable: nothing of these was sent, so they go back to pending now rather
        // than wait for their lease to run out and be reported unknown.
        for (const { r } of ready.slice(next)) this.deps.sink.release(r.campaignId, r.contactId);
        throw error;
      }
      for (let k = 0; k < slots.granted; k++) this.launch(ready[next + k], slots.startsAt + k * slots.intervalMs);
      // No slot (yet) for the rest: they wait, and the lane goes on with other campaigns.
      for (const item of ready.slice(next + slots.granted, end)) this.waiting.push({ item, until: slots.startsAt });
      next = end;
    }
  }

  private launch(item: Ready, at: number): void {
    this.inFlight++;
    const sending = this.sendAt(item, at).finally(() => {
      this.inFlight--;
      this.sends.delete(sending);
    });
    this.sends.add(sending);
  }

  /**
   * Sends one message at its slot. A slot reached more than SLOT_LATENESS_LIMIT_MS late (the event
   * loop was busy) is given up, as the gate requires: sent late it would bunch with the slots after
   * it; the row waits for a new slot (`waiting`, served before new claims).
   */
  private async sendAt(item: Ready, at: number): Promise<void> {
    const { campaign, r, content, category } = item;
    // Consent is read again just before the slot (ConsentRecheck): a STOP recorded while the row
    // waited for its slot stops it. The row goes back to pending, and the next claim cancels it
    // with its reason. A database that cannot answer sends nothing: the row is released too.
    const checkIn = at - this.deps.recheck.leadMs() - Date.now();
    if (checkIn > 0) await sleep(checkIn);
    const marketing = r.category === 'MARKETING' || (r.sends === 'session' && campaign.target.sessionScope === 'marketing');
    const allowed = await this.deps.recheck.allows({ contactId: r.contactId, marketing }).catch(() => false);
    const wait = at - Date.now();
    if (wait > 0) await sleep(wait);
    if (!campaign.sending || !allowed) {
      this.deps.sink.release(r.campaignId, r.contactId);
      return;
    }
    if (Date.now() - at > SLOT_LATENESS_LIMIT_MS) {
      this.lateSlots++;
      this.waiting.push({ item, until: 0 });
      this.wake?.();
      return;
    }
    const requestAt = new Date();
    try {
      const sent = await this.deps.client.sendMessage(campaign.sender, r.phone!, content, {
        callbackData: recipientCallbackData(r.campaignId, r.contactId),
        templateCategory: category,
      });
      this.outcome(campaign, r, { state: 'accepted', wamid: sent.messageId, waId: sent.waId }, content, requestAt);
    } catch (error) {
      this.judged(campaign, r, judgeFailure(error, r.attempts), content, requestAt);
    }
  }

  private judged(campaign: LaneCampaign, r: ClaimedRecipient, verdict: Verdict, content: unknown, requestAt: Date): void {
    this.outcome(campaign, r, verdict.outcome, verdict.outcome.state === 'unknown' ? content : undefined, requestAt);
    if (verdict.slowDown) void this.deps.gate.slowDown(this.phoneNumberId).catch(() => undefined);
    if (verdict.stop) {
      campaign.sending = false;
      if (verdict.stop.scope === 'number') for (const c of this.campaigns.values()) c.sending = false;
      this.deps.events.stop(r.campaignId, verdict.stop.scope, verdict.stop.reason);
    }
  }

  /** Hands an outcome to the sink, and watches the campaign's final failures for a spike of one code. */
  /** `requestAt`: when the request left (an outcome of a request); the row's attempted_at. */
  private outcome(campaign: LaneCampaign, r: ClaimedRecipient, outcome: RecipientOutcome, message?: unknown, requestAt?: Date): void {
    const waIdKnown = outcome.state === 'accepted' && outcome.waId === r.waId;
    this.deps.sink.add({ campaignId: r.campaignId, contactId: r.contactId, outcome, at: new Date(), message, waIdKnown, requestAt });
    if (outcome.state === 'pending') return;
    const spike = this.spikes.get(r.campaignId) ?? new SpikeWatch();
    this.spikes.set(r.campaignId, spike);
    const code = spike.add(outcome.state === 'failed' || outcome.state === 'unknown' ? (outcome.code ?? -1) : null);
    if (code !== undefined && campaign.sending) {
      campaign.sending = false;
      this.spikes.delete(r.campaignId);
      this.deps.events.stop(r.campaignId, 'campaign', `failure_spike_${code === -1 ? 'no_code' : code}`);
    }
  }

  private pause(ms: number): Promise<void> {
    if (ms <= 0 || this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const self = this;
      function done() {
        clearTimeout(timer);
        if (self.wake === done) self.wake = undefined;
        resolve();
      }
      this.wake = done;
    });
  }
}

/**
 * A campaign's last SPIKE_WINDOW final outcomes (a failure's code, -1 without one; null for a
 * success), with the count of each code kept as they come and go: constant work per outcome.
 */
class SpikeWatch {
  private readonly window: Array<number | null> = [];
  private head = 0;
  private checkedFull = false;
  private readonly counts = new Map<number, number>();

  /** Adds an outcome; answers the code that now fails more than SPIKE_SHARE of a full window, if one does. */
  add(code: number | null): number | undefined {
    if (this.window.length === SPIKE_WINDOW) {
      const gone = this.window[this.head];
      if (gone !== null) this.counts.set(gone, this.counts.get(gone)! - 1);
      this.window[this.head] = code;
      this.head = (this.head + 1) % SPIKE_WINDOW;
    } else {
      this.window.push(code);
    }
    if (code !== null) this.counts.set(code, (this.counts.get(code) ?? 0) + 1);
    if (this.window.length < SPIKE_WINDOW) return undefined;
    const over = (c: number) => this.counts.get(c)! > SPIKE_SHARE * SPIKE_WINDOW;
    // Once full, only the code just added can have crossed the line; the first time, any may have.
    if (!this.checkedFull) {
      this.checkedFull = true;
      return [...this.counts.keys()].find(over);
    }
    return code !== null && over(code) ? code : undefined;
  }
}

/** A claimed row rendered and ready for its slot. */
interface Ready {
  campaign: LaneCampaign;
  r: ClaimedRecipient;
  content: MessageContent;
  category?: TemplateCategory;
}

function contactOf(r: ClaimedRecipient): RenderContact {
  return { id: r.contactId, name: r.name, phone: r.phone, country: r.country, attributes: r.attributes ?? {}, tags: r.tags ?? [] };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
