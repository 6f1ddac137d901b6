import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { Pool } from 'undici';
import { AppConfig } from '../config/app-config';
import { CloudApiError } from './cloud-api.error';
import {
  CreateTemplateResponse,
  MessageContent,
  PhoneNumberInfo,
  SendMessageResponse,
  TemplateDefinition,
  TemplateEdit,
  TemplateList,
  TemplateRecord,
} from './cloud-api.types';
import { exchange, ExchangeRequest } from './graph-exchange';
import { buildSendRequest, hasRecipient, type SenderSettings, type SendOptions } from './send-request';
import { WhatsappNotConfiguredError } from './whatsapp-settings';

/** Meta's limit on biz_opaque_callback_data. */
export const MAX_CALLBACK_DATA_LENGTH = 512;

/** The fields Siaran reads from a phone number (messaging_limit_tier is deprecated by Meta). */
const PHONE_NUMBER_FIELDS = 'id,display_phone_number,verified_name,quality_rating,throughput,whatsapp_business_manager_messaging_limit';
const TEMPLATE_FIELDS = 'id,name,language,category,status,parameter_format,components,rejected_reason,quality_score';
/** A WABA holds about 250 templates: three pages of 100 instead of ten of Graph's default 25. */
const TEMPLATE_PAGE_SIZE = 100;

/**
 * The business phone number a message is sent from, with its settings; a setting it leaves out is
 * the configured number's (WHATSAPP_MARKETING_MESSAGES_API) when it is that number, off otherwise.
 */
export interface Sender extends Partial<SenderSettings> {
  phoneNumberId: string;
}

export interface SentMessage {
  messageId: string;
  /** The WhatsApp id Meta resolved the number to; can differ from the input (Brazil, Mexico). */
  waId: string;
  input: string;
  /** 'held_for_quality_assessment': Meta is pacing a new marketing template. */
  messageStatus: 'accepted' | 'held_for_quality_assessment';
}

export interface TemplateQuery {
  name?: string;
  limit?: number;
  after?: string;
}

type Query = Record<string, string | number | undefined>;

/**
 * The WhatsApp Cloud API (Graph) over one keep-alive connection pool. Every failure is a
 * `CloudApiError` carrying the error class and whether the request may have reached WhatsApp; the
 * client never retries, the dispatcher decides from those two.
 */
@Injectable()
export class CloudApiClient implements OnModuleDestroy {
  private readonly pool: Pool;
  /** Path prefix of the API URL (empty for graph.facebook.com, set when behind a path). */
  private readonly basePath: string;

  constructor(private readonly config: AppConfig) {
    const { apiUrl, timeoutMs, maxConnections } = config.whatsapp;
    const url = new URL(apiUrl);
    this.basePath = url.pathname.replace(/\/+$/, '');
    this.pool = new Pool(url.origin, {
      // 1,000 requests/s at a few hundred ms per answer keeps a few hundred requests in flight
      // (Little's law), each on its own connection since pipelining is 1 (default: 256).
      connections: maxConnections,
      // Keep-alive with one request per connection. Never more: a pipelined request behind a failed
      // one is re-sent by undici on a new connection, which for a POST could send a message twice.
      pipelining: 1,
      connectTimeout: timeoutMs,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
  }

  /**
   * Sends one message, exactly as buildSendRequest makes it. Resolves when WhatsApp accepted it
   * (not delivered: that comes by webhook). Refuses, sending nothing (CloudApiError, request_bug,
   * not_sent), a recipient without digits and callback data longer than 512 characters.
   */
  async sendMessage(sender: Sender, to: string, content: MessageContent, options: SendOptions = {}): Promise<SentMessage> {
    const { endpoint, body } = buildSendRequest(this.settingsOf(sender), to, content, options);
    const operation = `send ${content.type} via /${endpoint}`;
    if (!hasRecipient(body)) throw CloudApiError.notSent(operation, 'the recipient has no digits', 'request_bug');
    const callbackData = body.biz_opaque_callback_data;
    if (callbackData !== undefined && callbackData.length > MAX_CALLBACK_DATA_LENGTH) {
      throw CloudApiError.notSent(operation, `callback data is ${callbackData.length} characters, more than ${MAX_CALLBACK_DATA_LENGTH}`, 'request_bug');
    }
    const answer = await this.call(operation, 'POST', [sender.phoneNumberId, endpoint], {}, body, isSendResponse);
    const message = answer.messages[0];
    // Meta answers with the contact; should it not, the number we sent to is the best we know.
    const contact = answer.contacts?.[0];
    return {
      messageId: message.id,
      waId: contact?.wa_id ?? body.to,
      input: contact?.input ?? body.to,
      messageStatus: message.message_status === 'held_for_quality_assessment' ? 'held_for_quality_assessment' : 'accepted',
    };
  }

  async createTemplate(wabaId: string, definition: TemplateDefinition): Promise<CreateTemplateResponse> {
    const operation = `create template ${definition.name}`;
    return this.call(operation, 'POST', [wabaId, 'message_templates'], {}, definition, hasId<CreateTemplateResponse>);
  }

  /**
   * Edits a template WhatsApp knows, by its WhatsApp id (POST /{template-id}): every component is
   * replaced; the template goes back to review. Resolves when WhatsApp accepted the edit.
   */
  async editTemplate(templateId: string, edit: TemplateEdit): Promise<void> {
    await this.call(`edit template ${templateId}`, 'POST', [templateId], {}, edit, isSuccess);
  }

  /** One page of a WABA's templates; `query.name` filters by name. */
  async listTemplates(wabaId: string, query: TemplateQuery = {}): Promise<TemplateList> {
    const params = { fields: TEMPLATE_FIELDS, name: query.name, limit: query.limit, after: query.after };
    return this.call('list templates', 'GET', [wabaId, 'message_templates'], params, undefined, isTemplateList);
  }

  /** Every template of a WABA (or every one matching `name`), following the paging cursors. */
  async listAllTemplates(wabaId: string, query: { name?: string } = {}): Promise<TemplateRecord[]> {
    const templates: TemplateRecord[] = [];
    let after: string | undefined;
    do {
      const page = await this.listTemplates(wabaId, { name: query.name, limit: TEMPLATE_PAGE_SIZE, after });
      templates.push(...page.data);
      // Graph gives an `after` cursor on the last page too; only `next` says there is more.
      after = page.paging?.next ? page.paging.cursors?.after : undefined;
    } while (after);
    return templates;
  }

  /** The templates with exactly this name, one per language (Graph's name filter may match more than that name). */
  async findTemplates(wabaId: string, name: string): Promise<TemplateRecord[]> {
    const templates = await this.listAllTemplates(wabaId, { name });
    return templates.filter((t) => t.name === name);
  }

  /** Deletes a template in every language, or only the one with `templateId`. */
  async deleteTemplate(wabaId: string, name: string, templateId?: string): Promise<void> {
    const query = { name, hsm_id: templateId };
    await this.call(`delete template ${name}`, 'DELETE', [wabaId, 'message_templates'], query, undefined, isSuccess);
  }

  /** Quality rating, throughput level and the portfolio's messaging limit of a business number. */
  async getPhoneNumber(phoneNumberId: string): Promise<PhoneNumberInfo> {
    return this.call('get phone number', 'GET', [phoneNumberId], { fields: PHONE_NUMBER_FIELDS }, undefined, hasId<PhoneNumberInfo>);
  }

  /** Waits for requests in flight, then closes the connections. */
  async close(): Promise<void> {
    if (!this.pool.closed) await this.pool.close();
  }

  async onModuleDestroy(): Promise<void> {
    await this.close();
  }

  /** The sender's own settings; those it leaves out are the configured number's for that number. */
  private settingsOf(sender: Sender): SenderSettings {
    const { phoneNumberId, marketingMessagesApi } = this.config.whatsapp;
    return { marketingMessagesApi: sender.marketingMessagesApi ?? (sender.phoneNumberId === phoneNumberId && marketingMessagesApi) };
  }

  /**
   * One Graph call: resolves with the body of a 2xx answer if it has the expected shape, rejects
   * with a CloudApiError otherwise. The token travels in a header only, never in the URL, so no
   * error text or logged path can leak it.
   */
  private async call<T>(
    operation: string,
    method: ExchangeRequest['method'],
    segments: string[],
    query: Query,
    body: unknown,
    expected: (answer: unknown) => answer is T,
  ): Promise<T> {
    const token = this.config.whatsapp.accessToken;
    if (!token) throw new WhatsappNotConfiguredError(operation, ['WHATSAPP_ACCESS_TOKEN']);
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const result = await exchange(this.pool, {
      method,
      path: this.path(segments, query),
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!result.ok) throw CloudApiError.fromTransport(operation, result.error, result.requestStarted);
    const parsed = parseJson(result.body);
    if (result.status < 200 || result.status >= 300) {
      throw CloudApiError.fromAnswer(operation, result.status, parsed, (text) => text.replaceAll(token, '[redacted]'));
    }
    if (!expected(parsed)) throw CloudApiError.unreadableSuccess(operation, result.status);
    return parsed;
  }

  private path(segments: string[], query: Query): string {
    const path = [this.basePath, this.config.whatsapp.apiVersion, ...segments.map(encodeURIComponent)].join('/');
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
    const search = params.toString();
    return search ? `${path}?${search}` : path;
  }
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// Shape checks at the JSON boundary: just what the callers rely on, not a full validation.

function hasId<T>(value: unknown): value is T {
  return isRecord(value) && typeof value.id === 'string';
}

function isTemplateList(value: unknown): value is TemplateList {
  return isRecord(value) && Array.isArray(value.data);
}

function isSuccess(value: unknown): value is { success: true } {
  return isRecord(value) && value.success === true;
}

/** The one part of a send answer we cannot do without is the message id. */
function isSendResponse(value: unknown): value is SendMessageResponse {
  if (!isRecord(value) || !Array.isArray(value.messages)) return false;
  const first: unknown = value.messages[0];
  return isRecord(first) && typeof first.id === 'string';
}
