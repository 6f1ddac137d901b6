import type { SimulatorContext } from './context';
import { GraphError, graphErrors } from './graph-errors';
import { requireJsonBody } from './json';
import { phoneNumberInfo, wabaInfo } from './phone-api';
import { graphErrorReply, json, type Reply } from './reply';
import { handleSend } from './send-message';
import { createTemplate, deleteTemplates, editTemplate, listTemplates } from './template-api';

/**
 * The Graph API endpoints Siaran uses, under any version segment (/v23.0/, /v25.0/…):
 *   GET  /{v}/{phone-number-id}                    phone number info (?fields=…)
 *   POST /{v}/{phone-number-id}/messages            send
 *   POST /{v}/{phone-number-id}/marketing_messages  send (MARKETING templates)
 *   GET  /{v}/{waba-id}                             WABA info
 *   GET  /{v}/{waba-id}/phone_numbers               the WABA's numbers
 *   GET|POST|DELETE /{v}/{waba-id}/message_templates
 *   POST /{v}/{template-id}                         edit a template
 * Every call needs the access token (Authorization: Bearer, or ?access_token=).
 */

export interface GraphRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  rawBody: string;
  authorization: string | undefined;
}

export function handleGraph(ctx: SimulatorContext, request: GraphRequest): Reply {
  try {
    return route(ctx, request);
  } catch (error) {
    if (error instanceof GraphError) return graphErrorReply(error);
    throw error;
  }
}

function route(ctx: SimulatorContext, request: GraphRequest): Reply {
  checkToken(ctx, request);
  const match = /^\/v\d+\.\d+\/([^/]+)(?:\/([^/]+))?\/?$/.exec(request.path);
  if (!match) throw graphErrors.unknownPath(request.path);
  const [, id, edge = ''] = match;
  const { method, query } = request;
  const phone = ctx.phone(id);
  if (phone) {
    if (method === 'GET' && edge === '') return json(200, phoneNumberInfo(phone, query.get('fields')));
    if (method === 'POST' && (edge === 'messages' || edge === 'marketing_messages')) return handleSend(ctx, phone, edge, request.rawBody);
  } else if (ctx.phoneOfWaba(id)) {
    const wabaNumbers = () => ctx.options.phoneNumbers.filter((p) => p.wabaId === id);
    switch (`${method} ${edge}`) {
      case 'GET ':
        return json(200, wabaInfo(id));
      case 'GET phone_numbers':
        return json(200, { data: wabaNumbers().map((p) => phoneNumberInfo(p, query.get('fields'))) });
      case 'GET message_templates':
        return listTemplates(ctx, id, request.path, query);
      case 'POST message_templates':
        return createTemplate(ctx, id, requireJsonBody(request.rawBody));
      case 'DELETE message_templates':
        return deleteTemplates(ctx, id, query);
    }
  } else if (method === 'POST' && edge === '') {
    const template = ctx.templates.findById(id);
    if (template) return editTemplate(ctx, template, requireJsonBody(request.rawBody));
  }
  // Graph answers the same for an unknown object and for an operation the object does not support.
  throw graphErrors.unknownObject(id, method);
}

function checkToken(ctx: SimulatorContext, request: GraphRequest): void {
  const bearer = /^Bearer\s+(.+)$/i.exec(request.authorization ?? '')?.[1]?.trim();
  const token = bearer ?? request.query.get('access_token') ?? undefined;
  if (token !== ctx.options.accessToken) throw graphErrors.invalidToken();
}
