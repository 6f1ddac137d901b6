import { normalisePhone } from '../../src/contacts/phone';
import { type CountryPolicy, recipientMayReceive } from '../../src/eligibility/country-policy';
import { BASE_POLICY_RULES } from '../../src/eligibility/country-policy.data';
import type { DeliveryStatus, MessageStatus, TemplateCategory } from '../../src/whatsapp/cloud-api.types';
import type { SimulatorContext } from './context';
import type { PhoneNumberOptions } from './options';
import { failureError, type FailureKind, pricingOf, type Pricing, unixSeconds } from './payloads';
import type { Random } from './random';
import type { SentMessage } from './records';

/**
 * What happens to an accepted message: it is sent, delivered and maybe read, or it fails for a
 * reason WhatsApp only reports later (never synchronously). Each step becomes a status webhook.
 */

export interface DeliveryPlan {
  failure?: FailureKind;
  read: boolean;
  pricing: Pricing;
}

/** Decides the fate of an accepted message (recipient-side failures first, as WhatsApp does). */
export function planDelivery(ctx: SimulatorContext, phone: PhoneNumberOptions, waId: string, category: TemplateCategory | undefined, now: number): DeliveryPlan {
  const { options, random, conversations } = ctx;
  const windowOpen = conversations.isWindowOpen(phone.id, waId, now);
  const pricing = pricingOf(category, windowOpen);
  let failure: FailureKind | undefined;
  if (ctx.isNotOnWhatsApp(waId) || random.chance(options.rates.notOnWhatsApp)) failure = 'notOnWhatsApp';
  else if (category === undefined && !windowOpen) failure = 'windowClosed';
  else if (category === 'MARKETING') failure = marketingFailure(ctx, phone, waId, now);
  return { failure, read: failure === undefined && random.chance(options.readRate), pricing };
}

function marketingFailure(ctx: SimulatorContext, phone: PhoneNumberOptions, waId: string, now: number): FailureKind | undefined {
  if (ctx.conversations.hasStoppedMarketing(phone.id, waId)) return 'marketingStopped';
  if (ctx.options.usMarketingBlocked && usMarketingPaused(waId, now)) return 'usMarketing';
  if (ctx.random.chance(ctx.options.rates.perUserCap)) return 'perUserCap';
  return undefined;
}

/**
 * Meta's US marketing pause, by the rule Siaran's eligibility applies (the country policy's
 * `us-marketing-pause-2025-04-01`, src/eligibility/country-policy.data.ts): no MARKETING template
 * to a number whose region is the US, read by libphonenumber as a contact's country is (US area
 * codes: not Canada or the Caribbean, which share +1), from 1 April 2025 on the simulator's clock.
 */
const US_MARKETING_PAUSE: CountryPolicy = { version: 'simulator', rules: BASE_POLICY_RULES.filter((rule) => rule.id === 'us-marketing-pause-2025-04-01') };
if (US_MARKETING_PAUSE.rules.length !== 1) throw new Error('The country policy has no rule us-marketing-pause-2025-04-01: the simulator cannot follow the US marketing pause');

function usMarketingPaused(waId: string, now: number): boolean {
  const phone = normalisePhone(`+${waId}`);
  return phone.ok && !recipientMayReceive(US_MARKETING_PAUSE, phone.e164, phone.country, 'MARKETING', new Date(now)).allow;
}

/** Schedules the message's status webhooks (in a shuffled order when `reorder` is on). */
export function scheduleStatuses(ctx: SimulatorContext, phone: PhoneNumberOptions, message: SentMessage, plan: DeliveryPlan, acceptedAt: number): void {
  const delays = ctx.options.statusDelaysMs;
  const steps: Array<{ status: DeliveryStatus; afterMs: number }> = plan.failure
    ? [{ status: 'failed', afterMs: delays.sent }]
    : [
        { status: 'sent', afterMs: delays.sent },
        { status: 'delivered', afterMs: delays.delivered },
        ...(plan.read ? [{ status: 'read' as const, afterMs: delays.read }] : []),
      ];
  // Delivery slots keep the configured times; with reorder, slot j carries step order[j].
  const slots = steps.map((s) => s.afterMs);
  const order = ctx.options.reorder ? shuffledOrder(steps.length, ctx.random) : steps.map((_, i) => i);
  // One timer per slot, each scheduling the next: Node runs independent timers of different
  // durations out of order when the event loop lags, and one message's order must be exact.
  const deliverFrom = (slot: number): void => {
    for (let next = slot; next < steps.length; next++) {
      const step = steps[order[next]];
      emitStatus(ctx, phone, message, plan, step.status, acceptedAt + step.afterMs);
      const wait = next + 1 < steps.length ? slots[next + 1] - slots[next] : 0;
      if (wait > 0) {
        ctx.tasks.after(wait, () => deliverFrom(next + 1));
        return;
      }
    }
  };
  ctx.tasks.after(slots[0], () => deliverFrom(0));
}

function emitStatus(ctx: SimulatorContext, phone: PhoneNumberOptions, message: SentMessage, plan: DeliveryPlan, status: DeliveryStatus, atMs: number): void {
  const event: MessageStatus = {
    id: message.wamid,
    status,
    // The time the step happened, even when its webhook comes out of order.
    timestamp: unixSeconds(atMs),
    recipient_id: message.waId,
    ...(message.bizOpaqueCallbackData !== undefined ? { biz_opaque_callback_data: message.bizOpaqueCallbackData } : {}),
    // WhatsApp prices the sent and delivered statuses; read and failed carry no pricing.
    ...(status === 'sent' || status === 'delivered' ? { pricing: plan.pricing } : {}),
    ...(status === 'failed' && plan.failure ? { errors: [failureError(plan.failure)] } : {}),
  };
  ctx.messages.advance(message.wamid, status);
  ctx.stats.status(phone.id, status);
  ctx.webhooks.queueStatus(phone, event);
}

/** A random order of n steps that is never the natural one (when n > 1). */
function shuffledOrder(n: number, random: Random): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  if (n < 2) return order;
  do {
    for (let i = n - 1; i > 0; i--) {
      const j = random.between(0, i);
      [order[i], order[j]] = [order[j], order[i]];
    }
  } while (order.every((v, i) => v === i));
  return order;
}
