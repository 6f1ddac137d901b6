import type {
  InboundMessage,
  MessageStatus,
  StatusError,
  TemplateCategory,
  WebhookContact,
  WebhookMetadata,
} from '../../src/whatsapp/cloud-api.types';
import type { PhoneNumberOptions } from './options';

/** Webhook payload pieces as WhatsApp writes them. */

/** Webhook metadata carries the business number's digits, not its display form. */
export function metadataOf(phone: PhoneNumberOptions): WebhookMetadata {
  return { display_phone_number: phone.displayPhoneNumber.replace(/\D/g, ''), phone_number_id: phone.id };
}

export function unixSeconds(ms: number): string {
  return String(Math.floor(ms / 1000));
}

/** Recipient failures: answered 200, then reported in a `failed` status with these errors[]. */
export type FailureKind = 'notOnWhatsApp' | 'windowClosed' | 'marketingStopped' | 'usMarketing' | 'perUserCap';

const FAILURES: Record<FailureKind, StatusError & { code: number; title: string; details: string }> = {
  notOnWhatsApp: {
    code: 131026,
    title: 'Message undeliverable',
    details:
      'Unable to deliver message. Reasons can include: the recipient phone number is not a WhatsApp phone number; the recipient has not accepted the new Terms of Service; the recipient is using an old WhatsApp version.',
  },
  windowClosed: {
    code: 131047,
    title: 'Re-engagement message',
    details: 'Message failed to send because more than 24 hours have passed since the customer last replied to this number.',
  },
  marketingStopped: {
    code: 131050,
    title: 'Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business.',
    details: 'The recipient stopped marketing messages from this business.',
  },
  usMarketing: {
    code: 131049,
    title: 'This message was not delivered to maintain healthy ecosystem engagement.',
    details: 'Marketing template messages are not delivered to United States (+1) phone numbers.',
  },
  perUserCap: {
    code: 131049,
    title: 'This message was not delivered to maintain healthy ecosystem engagement.',
    details: 'In order to maintain a healthy ecosystem engagement, the message failed to be delivered.',
  },
};

export function failureError(kind: FailureKind): StatusError {
  const { code, title, details } = FAILURES[kind];
  return { code, title, message: title, error_data: { details } };
}

export type Pricing = NonNullable<MessageStatus['pricing']>;

/**
 * Per-message pricing (PMP, since July 2025): templates are billed by category, except utility
 * templates inside an open customer-service window; session messages are free service messages.
 */
export function pricingOf(category: TemplateCategory | undefined, windowOpen: boolean): Pricing {
  if (category === undefined) return { billable: false, pricing_model: 'PMP', category: 'service', type: 'free_customer_service' };
  if (category === 'UTILITY' && windowOpen) return { billable: false, pricing_model: 'PMP', category: 'utility', type: 'free_customer_service' };
  return { billable: true, pricing_model: 'PMP', category: category.toLowerCase(), type: 'regular' };
}

/** What one inbound message says: text, a quick-reply button tap, or an interactive reply. */
export type InboundContent =
  | { kind: 'text'; body: string }
  | { kind: 'button'; payload: string; text: string }
  | { kind: 'button_reply' | 'list_reply'; id: string; title: string; description?: string };

export function inboundMessage(
  from: string | undefined,
  userId: string | undefined,
  id: string,
  atMs: number,
  content: InboundContent,
  context?: InboundMessage['context'],
): InboundMessage {
  const message: InboundMessage = {
    ...(from !== undefined ? { from } : {}),
    ...(userId !== undefined ? { from_user_id: userId } : {}),
    id,
    timestamp: unixSeconds(atMs),
    type: content.kind === 'text' ? 'text' : content.kind === 'button' ? 'button' : 'interactive',
    ...(context ? { context } : {}),
  };
  if (content.kind === 'text') message.text = { body: content.body };
  else if (content.kind === 'button') message.button = { payload: content.payload, text: content.text };
  else if (content.kind === 'button_reply') message.interactive = { type: 'button_reply', button_reply: { id: content.id, title: content.title } };
  else {
    const reply = { id: content.id, title: content.title, ...(content.description ? { description: content.description } : {}) };
    message.interactive = { type: 'list_reply', list_reply: reply };
  }
  return message;
}

export function contactOf(waId: string | undefined, name: string | undefined, userId: string | undefined): WebhookContact {
  return {
    profile: { name: name ?? 'Simulated User' },
    ...(waId !== undefined ? { wa_id: waId } : {}),
    ...(userId !== undefined ? { user_id: userId } : {}),
  };
}
