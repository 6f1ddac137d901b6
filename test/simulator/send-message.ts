import type { SendMessageResponse, TemplateCategory } from '../../src/whatsapp/cloud-api.types';
import type { SimulatorContext } from './context';
import { GraphError, graphErrors } from './graph-errors';
import { requireJsonBody } from './json';
import { planDelivery, scheduleStatuses } from './message-lifecycle';
import { validateSendRequest, type ValidSend } from './message-validation';
import type { PhoneNumberOptions } from './options';
import { failureError } from './payloads';
import type { SentMessage } from './records';
import { graphErrorReply, json, type Reply } from './reply';
import { checkTemplateSend } from './template-send';

/**
 * POST /{version}/{phone-number-id}/messages and /marketing_messages, in WhatsApp's order:
 * validate the request (100, 131009), the template (132xxx), the endpoint (131063), then the
 * injected faults (500/503, timeout), then the rate limits (130429, 131056). Only then is the
 * message accepted (200 with a wamid, or no answer at all with the lostAnswer rate); recipient-side
 * failures come later as `failed` statuses.
 */
export type SendEndpoint = SentMessage['endpoint'];

export function handleSend(ctx: SimulatorContext, phone: PhoneNumberOptions, endpoint: SendEndpoint, rawBody: string): Reply {
  const now = ctx.now();
  try {
    const send = validateSendRequest(requireJsonBody(rawBody));
    const category = send.template ? templateCategory(ctx, phone, send.template) : undefined;
    checkEndpoint(phone, endpoint, send, category);
    const fault = injectedFault(ctx, phone);
    if (fault) return fault;
    checkRateLimits(ctx, phone, send.waId, now);
    const accepted = accept(ctx, phone, endpoint, send, category, now);
    if (ctx.random.chance(ctx.options.rates.lostAnswer)) {
      // Accepted and on its way, but the answer never comes: only the status webhooks tell.
      ctx.stats.timedOut(phone.id);
      return { kind: 'hang' };
    }
    return accepted;
  } catch (error) {
    if (!(error instanceof GraphError)) throw error;
    ctx.stats.rejected(phone.id, error.code);
    return graphErrorReply(error);
  }
}

/** The category of the template if it may be sent now (else 132xxx). */
function templateCategory(ctx: SimulatorContext, phone: PhoneNumberOptions, template: NonNullable<ValidSend['template']>): TemplateCategory {
  const stored = ctx.templates.find(phone.wabaId, template.name, template.language);
  return checkTemplateSend(stored, template).record.category;
}

/**
 * A WABA may refuse marketing on /messages (131063). The Marketing Messages API sends marketing
 * templates only, so anything else there is an invalid request.
 */
function checkEndpoint(phone: PhoneNumberOptions, endpoint: SendEndpoint, send: ValidSend, category: TemplateCategory | undefined): void {
  if (endpoint === 'messages' && category === 'MARKETING' && phone.marketingMessagesOnly) {
    throw graphErrors.marketingOnly(`Marketing templates from ${phone.displayPhoneNumber} must be sent to /marketing_messages`);
  }
  if (endpoint === 'marketing_messages' && category !== 'MARKETING') {
    throw graphErrors.invalidParameter(
      send.template ? `Template ${send.template.name} is ${category}: /marketing_messages only sends MARKETING templates` : '/marketing_messages only sends MARKETING templates',
    );
  }
}

function injectedFault(ctx: SimulatorContext, phone: PhoneNumberOptions): Reply | undefined {
  const { rates } = ctx.options;
  if (ctx.random.chance(rates.serverError)) {
    // Half the time Graph answers with an error body, half the time a front end answers bare.
    if (ctx.random.chance(0.5)) {
      ctx.stats.rejected(phone.id, 131000);
      return graphErrorReply(graphErrors.serviceError('An unexpected error occurred. Please retry your request later.'));
    }
    ctx.stats.rejected(phone.id, undefined);
    return { kind: 'text', status: 503, body: 'Service Unavailable' };
  }
  if (ctx.random.chance(rates.timeout)) {
    ctx.stats.timedOut(phone.id);
    return { kind: 'hang' };
  }
  return undefined;
}

/** Both limits are checked before either is charged: a refused send costs nothing. */
function checkRateLimits(ctx: SimulatorContext, phone: PhoneNumberOptions, waId: string, now: number): void {
  const { capacity, refillMs } = ctx.options.pairRate;
  if (!ctx.throughput.allows(phone.id, phone.mps, now)) {
    throw graphErrors.throughput(`Message failed to send because there were too many messages sent from this phone number (${phone.mps} per second).`);
  }
  const pairKey = `${phone.id}:${waId}`;
  if (!ctx.pairRate.allows(pairKey, capacity, refillMs, now)) {
    throw graphErrors.pairRate(
      'Message failed to send because there were too many messages sent from this phone number to the same phone number in a short period of time.',
    );
  }
  ctx.throughput.record(phone.id, now);
  ctx.pairRate.take(pairKey, capacity, refillMs, now);
}

function accept(
  ctx: SimulatorContext,
  phone: PhoneNumberOptions,
  endpoint: SendEndpoint,
  send: ValidSend,
  category: TemplateCategory | undefined,
  now: number,
): Reply {
  const plan = planDelivery(ctx, phone, send.waId, category, now);
  const message: SentMessage = {
    wamid: ctx.newWamid(send.waId),
    phoneNumberId: phone.id,
    endpoint,
    to: send.to,
    waId: send.waId,
    type: send.type,
    ...(send.template ? { templateName: send.template.name, templateLanguage: send.template.language, category } : {}),
    ...(send.callbackData !== undefined ? { bizOpaqueCallbackData: send.callbackData } : {}),
    acceptedAt: new Date(now).toISOString(),
    finalStatus: plan.failure ? 'failed' : plan.read ? 'read' : 'delivered',
    ...(plan.failure ? { errorCode: failureError(plan.failure).code } : {}),
    status: 'accepted',
  };
  ctx.messages.add(message);
  ctx.stats.accepted(phone.id);
  scheduleStatuses(ctx, phone, message, plan, now);
  const response: SendMessageResponse = {
    messaging_product: 'whatsapp',
    contacts: [{ input: send.to, wa_id: send.waId }],
    messages: [{ id: message.wamid, message_status: 'accepted' }],
  };
  return json(200, response);
}
