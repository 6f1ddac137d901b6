import type {
  PhoneNumberQualityUpdate,
  TemplateCategory,
  TemplateQuality,
  TemplateRecord,
  TemplateStatus,
  UserPreferencesValue,
} from '../../src/whatsapp/cloud-api.types';
import type { SimulatorContext } from './context';
import { ControlError } from './control-error';
import { isObject } from './json';
import { waIdOf } from './message-validation';
import {
  MESSAGING_LIMIT_TIERS,
  type MessagingLimitTier,
  type PhoneNumberOptions,
  QUALITY_RATINGS,
  type QualityRating,
  TEMPLATE_CATEGORIES,
  TEMPLATE_STATUSES,
} from './options';
import { contactOf, inboundMessage, type InboundContent, metadataOf } from './payloads';
import { changeTemplateCategory, changeTemplateQuality, changeTemplateStatus } from './template-api';
import type { StoredTemplate } from './template-registry';

/**
 * What the people and Meta on the other side do: users write and tap buttons, stop or resume
 * marketing; Meta changes a template's status, category or quality and a number's limits. Each
 * action updates the simulator's state and sends the webhook WhatsApp would send. Inputs are
 * checked at run time because they also come as JSON from the control API.
 */

export interface InboundInput {
  /** The user's number in digits (a leading '+' is tolerated). Optional when userId is given. */
  from?: string;
  /** Business-scoped user id (BSUID) of a user known by username. */
  userId?: string;
  name?: string;
  /** Which business number receives it; the first configured number by default. */
  phoneNumberId?: string;
  text?: string;
  /** A quick-reply button tap (type "button"). */
  buttonPayload?: string;
  buttonText?: string;
  /** An interactive reply (type "interactive"). */
  interactiveReplyId?: string;
  title?: string;
  description?: string;
  kind?: 'button_reply' | 'list_reply';
  /** The wamid of our message that the user replied to or whose button they tapped. */
  contextMessageId?: string;
  /** Unix seconds; an old timestamp opens a window that may already be closed. */
  timestamp?: number;
}

/** A user writes to the business: sends the `messages` webhook and opens their 24-hour window. */
export function sendInbound(ctx: SimulatorContext, input: InboundInput): string {
  const phone = phoneFor(ctx, input.phoneNumberId);
  const { waId, userId } = sender(input);
  const atMs = timestampMs(input.timestamp);
  const content = inboundContent(input);
  const wamid = ctx.newWamid(waId ?? userId ?? 'user');
  const context = input.contextMessageId ? { from: metadataOf(phone).display_phone_number, id: input.contextMessageId } : undefined;
  if (waId !== undefined) ctx.conversations.openWindow(phone.id, waId, atMs);
  ctx.webhooks.send(phone.wabaId, [
    {
      field: 'messages',
      value: {
        messaging_product: 'whatsapp',
        metadata: metadataOf(phone),
        contacts: [contactOf(waId, input.name, userId)],
        messages: [inboundMessage(waId, userId, wamid, atMs, content, context)],
      },
    },
  ]);
  return wamid;
}

function inboundContent(input: InboundInput): InboundContent {
  const given = [input.text, input.buttonPayload, input.interactiveReplyId].filter((v) => v !== undefined);
  if (given.length !== 1) throw new ControlError('Give exactly one of text, buttonPayload or interactiveReplyId');
  if (input.text !== undefined) return { kind: 'text', body: requireString(input.text, 'text') };
  if (input.buttonPayload !== undefined) {
    const payload = requireString(input.buttonPayload, 'buttonPayload');
    return { kind: 'button', payload, text: input.buttonText ?? payload };
  }
  const id = requireString(input.interactiveReplyId, 'interactiveReplyId');
  const kind = input.kind ?? 'button_reply';
  if (kind !== 'button_reply' && kind !== 'list_reply') throw new ControlError("kind must be 'button_reply' or 'list_reply'");
  return { kind, id, title: input.title ?? id, description: input.description };
}

export interface UserPreferenceInput {
  from?: string;
  userId?: string;
  value: 'stop' | 'resume';
  name?: string;
  phoneNumberId?: string;
  timestamp?: number;
}

/** A user stops or resumes marketing messages: the `user_preferences` webhook; marketing to a stopped user then fails with 131050. */
export function sendUserPreference(ctx: SimulatorContext, input: UserPreferenceInput): void {
  const phone = phoneFor(ctx, input.phoneNumberId);
  const { waId, userId } = sender(input);
  if (input.value !== 'stop' && input.value !== 'resume') throw new ControlError("value must be 'stop' or 'resume'");
  if (waId !== undefined) ctx.conversations.setMarketingPreference(phone.id, waId, input.value);
  const value: UserPreferencesValue = {
    messaging_product: 'whatsapp',
    metadata: metadataOf(phone),
    contacts: [contactOf(waId, input.name, userId)],
    user_preferences: [
      {
        ...(waId !== undefined ? { wa_id: waId } : {}),
        ...(userId !== undefined ? { user_id: userId } : {}),
        detail: input.value === 'stop' ? 'User requested to stop marketing messages' : 'User requested to resume marketing messages',
        category: 'marketing_messages',
        value: input.value,
        timestamp: Math.floor(timestampMs(input.timestamp) / 1000),
      },
    ],
  };
  ctx.webhooks.send(phone.wabaId, [{ field: 'user_preferences', value }]);
}

export interface TemplateRef {
  name: string;
  language: string;
  /** Needed only when several WABAs have a template with this name and language. */
  wabaId?: string;
}

export function setTemplateStatus(ctx: SimulatorContext, input: TemplateRef & { status: TemplateStatus; reason?: string }): TemplateRecord {
  const stored = findTemplate(ctx, input);
  if (!TEMPLATE_STATUSES.includes(input.status)) throw new ControlError(`status must be one of ${TEMPLATE_STATUSES.join(', ')}`);
  changeTemplateStatus(ctx, stored, input.status, input.reason);
  return structuredClone(stored.record);
}

export function setTemplateCategory(ctx: SimulatorContext, input: TemplateRef & { newCategory: TemplateCategory }): TemplateRecord {
  const stored = findTemplate(ctx, input);
  if (!TEMPLATE_CATEGORIES.includes(input.newCategory)) throw new ControlError(`newCategory must be one of ${TEMPLATE_CATEGORIES.join(', ')}`);
  changeTemplateCategory(ctx, stored, input.newCategory);
  return structuredClone(stored.record);
}

export function setTemplateQuality(ctx: SimulatorContext, input: TemplateRef & { score: TemplateQuality }): TemplateRecord {
  const stored = findTemplate(ctx, input);
  if (!(QUALITY_RATINGS as readonly string[]).includes(input.score)) throw new ControlError(`score must be one of ${QUALITY_RATINGS.join(', ')}`);
  changeTemplateQuality(ctx, stored, input.score);
  return structuredClone(stored.record);
}

export interface PhoneNumberUpdate {
  phoneNumberId?: string;
  qualityRating?: QualityRating;
  messagingLimitTier?: MessagingLimitTier;
  mps?: number;
  throughputLevel?: string;
  /** The webhook's event; derived from the change when omitted (THROUGHPUT_UPGRADE, UPGRADE, DOWNGRADE, FLAGGED, UNFLAGGED). */
  event?: string;
}

/** Meta changes a number's quality, messaging limit or throughput: `phone_number_quality_update`. */
export function updatePhoneNumber(ctx: SimulatorContext, input: PhoneNumberUpdate): PhoneNumberOptions {
  const phone = phoneFor(ctx, input.phoneNumberId);
  if (input.qualityRating !== undefined && !QUALITY_RATINGS.includes(input.qualityRating)) {
    throw new ControlError(`qualityRating must be one of ${QUALITY_RATINGS.join(', ')}`);
  }
  if (input.messagingLimitTier !== undefined && !MESSAGING_LIMIT_TIERS.includes(input.messagingLimitTier)) {
    throw new ControlError(`messagingLimitTier must be one of ${MESSAGING_LIMIT_TIERS.join(', ')}`);
  }
  if (input.mps !== undefined && !(typeof input.mps === 'number' && input.mps >= 1)) throw new ControlError('mps must be at least 1');
  const old = { ...phone };
  Object.assign(phone, {
    ...(input.qualityRating !== undefined ? { qualityRating: input.qualityRating } : {}),
    ...(input.messagingLimitTier !== undefined ? { messagingLimitTier: input.messagingLimitTier } : {}),
    ...(input.mps !== undefined ? { mps: input.mps } : {}),
    ...(input.throughputLevel !== undefined ? { throughputLevel: input.throughputLevel } : {}),
  });
  const value: PhoneNumberQualityUpdate = {
    display_phone_number: metadataOf(phone).display_phone_number,
    event: input.event ?? qualityEvent(old, phone),
    current_limit: phone.messagingLimitTier,
    ...(old.messagingLimitTier !== phone.messagingLimitTier ? { old_limit: old.messagingLimitTier } : {}),
  };
  ctx.webhooks.send(phone.wabaId, [{ field: 'phone_number_quality_update', value }]);
  return { ...phone };
}

function qualityEvent(old: PhoneNumberOptions, now: PhoneNumberOptions): string {
  // Meta's only throughput event: the upgrade to higher throughput (1,000 mps).
  if (now.throughputLevel === 'HIGH' && old.throughputLevel !== 'HIGH') return 'THROUGHPUT_UPGRADE';
  const tierRank = (t: MessagingLimitTier) => MESSAGING_LIMIT_TIERS.indexOf(t);
  if (tierRank(now.messagingLimitTier) > tierRank(old.messagingLimitTier)) return 'UPGRADE';
  if (tierRank(now.messagingLimitTier) < tierRank(old.messagingLimitTier)) return 'DOWNGRADE';
  if (now.qualityRating !== old.qualityRating) return now.qualityRating === 'GREEN' ? 'UNFLAGGED' : 'FLAGGED';
  return 'ONBOARDING';
}

// ---------------------------------------------------------------------------------------------

function phoneFor(ctx: SimulatorContext, phoneNumberId: string | undefined): PhoneNumberOptions {
  const phone = phoneNumberId === undefined ? ctx.options.phoneNumbers[0] : ctx.phone(phoneNumberId);
  if (!phone) throw new ControlError(`Unknown phoneNumberId ${phoneNumberId}`);
  return phone;
}

function sender(input: { from?: string; userId?: string }): { waId?: string; userId?: string } {
  if (input.from === undefined && input.userId === undefined) throw new ControlError('Give from (digits) or userId');
  if (input.from !== undefined && (typeof input.from !== 'string' || !/^\+?\d{7,15}$/.test(input.from))) {
    throw new ControlError('from must be the phone number in digits');
  }
  if (input.userId !== undefined && typeof input.userId !== 'string') throw new ControlError('userId must be a string');
  return { waId: input.from === undefined ? undefined : waIdOf(input.from), userId: input.userId };
}

function timestampMs(seconds: number | undefined): number {
  if (seconds === undefined) return Date.now();
  if (typeof seconds !== 'number' || !Number.isFinite(seconds)) throw new ControlError('timestamp must be unix seconds');
  return seconds * 1000;
}

function requireString(value: unknown, name: string): string {
  if (typeof value !== 'string' || value === '') throw new ControlError(`${name} must be a non-empty string`);
  return value;
}

function findTemplate(ctx: SimulatorContext, ref: TemplateRef): StoredTemplate {
  if (!isObject(ref) || typeof ref.name !== 'string' || typeof ref.language !== 'string') throw new ControlError('Give the template name and language');
  const wabaIds = ref.wabaId !== undefined ? [ref.wabaId] : [...new Set(ctx.options.phoneNumbers.map((p) => p.wabaId))];
  const stored = wabaIds.map((waba) => ctx.templates.find(waba, ref.name, ref.language)).find((t) => t !== undefined);
  if (!stored) throw new ControlError(`No template ${ref.name} in ${ref.language}`);
  return stored;
}
