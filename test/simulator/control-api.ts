import {
  type InboundInput,
  type PhoneNumberUpdate,
  sendInbound,
  sendUserPreference,
  setTemplateCategory,
  setTemplateQuality,
  setTemplateStatus,
  type UserPreferenceInput,
  updatePhoneNumber,
} from './actions';
import type { SimulatorContext } from './context';
import { ControlError } from './control-error';
import { GraphError } from './graph-errors';
import { isObject, parseJson } from './json';
import type { SeedTemplate, SimulatorOverrides } from './options';
import { json, type Reply } from './reply';

/**
 * The control and inspection API under /_sim/ (no auth; never part of WhatsApp's surface):
 *
 *   GET    /_sim/health                   {"ok":true}
 *   GET    /_sim/requests                 every Graph request received (Authorization never kept)
 *   DELETE /_sim/requests
 *   GET    /_sim/stats                    per phone number: accepted, rejected, maxPerSecond…
 *   GET    /_sim/messages                 accepted messages (?to=, ?status=, ?wamid= filters)
 *   GET    /_sim/webhooks                 every webhook produced, with its delivery attempts
 *   GET    /_sim/errors                   errors thrown inside the simulator
 *   GET    /_sim/idle?timeoutMs=          answers once every scheduled webhook went out (or 504)
 *   POST   /_sim/inbound                  InboundInput → {"wamid"}
 *   POST   /_sim/user-preferences         {from, value:'stop'|'resume', …}
 *   GET    /_sim/templates                every template, all WABAs
 *   POST   /_sim/templates                SeedTemplate (definition + status) → the template
 *   POST   /_sim/templates/status         {name, language, status, reason?}
 *   POST   /_sim/templates/category       {name, language, newCategory}
 *   POST   /_sim/templates/quality        {name, language, score}
 *   POST   /_sim/phone-numbers/quality    {phoneNumberId?, qualityRating?, messagingLimitTier?, mps?, throughputLevel?, event?}
 *   GET    /_sim/config                   current options (token and secret left out)
 *   POST   /_sim/config                   partial options
 *   POST   /_sim/reset                    back to the start options, all history and timers dropped
 */

type Route = (ctx: SimulatorContext, body: unknown, query: URLSearchParams) => Reply | Promise<Reply>;

const ok = () => json(200, { success: true });

const ROUTES: Record<string, Route> = {
  'GET /_sim/health': (ctx) => json(200, { ok: true, url: ctx.url }),
  'GET /_sim/requests': (ctx) => json(200, ctx.requests.all()),
  'DELETE /_sim/requests': (ctx) => {
    ctx.requests.clear();
    return ok();
  },
  'GET /_sim/stats': (ctx) => json(200, ctx.stats.snapshot(ctx.options.phoneNumbers.map((p) => p.id), (id) => ctx.throughput.maxPerSecond(id))),
  'GET /_sim/messages': (ctx, _body, query) =>
    json(
      200,
      ctx.messages.all().filter((m) => ['to', 'status', 'wamid'].every((key) => !query.has(key) || String(m[key as 'to']) === query.get(key))),
    ),
  'GET /_sim/webhooks': (ctx) => json(200, ctx.webhooks.records()),
  'GET /_sim/errors': (ctx) => json(200, ctx.errors.all()),
  'GET /_sim/idle': async (ctx, _body, query) => {
    const timeoutMs = Number(query.get('timeoutMs') ?? 30_000);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    const result = await Promise.race([ctx.tasks.idle().then(() => 'idle' as const), timedOut]);
    clearTimeout(timer);
    return result === 'idle' ? json(200, { idle: true }) : json(504, { idle: false });
  },
  'POST /_sim/inbound': (ctx, body) => json(200, { wamid: sendInbound(ctx, objectBody(body) as InboundInput) }),
  'POST /_sim/user-preferences': (ctx, body) => {
    sendUserPreference(ctx, objectBody(body) as unknown as UserPreferenceInput);
    return ok();
  },
  'GET /_sim/templates': (ctx) => json(200, ctx.templates.all().map((t) => ({ wabaId: t.wabaId, ...t.record }))),
  'POST /_sim/templates': (ctx, body) => json(200, ctx.seedTemplate(objectBody(body) as unknown as SeedTemplate).record),
  'POST /_sim/templates/status': (ctx, body) => json(200, setTemplateStatus(ctx, objectBody(body) as unknown as Parameters<typeof setTemplateStatus>[1])),
  'POST /_sim/templates/category': (ctx, body) => json(200, setTemplateCategory(ctx, objectBody(body) as unknown as Parameters<typeof setTemplateCategory>[1])),
  'POST /_sim/templates/quality': (ctx, body) => json(200, setTemplateQuality(ctx, objectBody(body) as unknown as Parameters<typeof setTemplateQuality>[1])),
  'POST /_sim/phone-numbers/quality': (ctx, body) => json(200, updatePhoneNumber(ctx, objectBody(body) as PhoneNumberUpdate)),
  'GET /_sim/config': (ctx) => json(200, { ...ctx.options, accessToken: undefined, appSecret: undefined }),
  'POST /_sim/config': (ctx, body) => {
    ctx.configure(objectBody(body) as SimulatorOverrides);
    return json(200, { ...ctx.options, accessToken: undefined, appSecret: undefined });
  },
  'POST /_sim/reset': (ctx) => {
    ctx.reset();
    return ok();
  },
};

export async function handleControl(ctx: SimulatorContext, method: string, path: string, query: URLSearchParams, rawBody: string): Promise<Reply> {
  const route = ROUTES[`${method} ${path.replace(/\/$/, '')}`];
  if (!route) return json(404, { error: { message: `No control route ${method} ${path}` } });
  try {
    const body = rawBody.trim() === '' ? {} : parseJson(rawBody);
    if (body === undefined) throw new ControlError('The body is not valid JSON');
    return await route(ctx, body, query);
  } catch (error) {
    // Bad control input (including invalid options or template definitions) is the caller's mistake.
    if (error instanceof ControlError || error instanceof GraphError) return json(400, { error: { message: messageOf(error) } });
    if (error instanceof Error && error.message.startsWith('Invalid simulator options')) return json(400, { error: { message: error.message } });
    throw error;
  }
}

function objectBody(body: unknown): Record<string, unknown> {
  if (!isObject(body)) throw new ControlError('The body must be a JSON object');
  return body;
}

function messageOf(error: ControlError | GraphError): string {
  return error instanceof GraphError ? (error.body().error.error_data?.details ?? error.message) : error.message;
}
