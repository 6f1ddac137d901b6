import type { MessageContent, SendEnvelope, SendMessageRequest, TemplateCategory } from './cloud-api.types';

/**
 * The one place a Cloud API send request is made: which endpoint it goes to and its exact body.
 * The client sends what this returns and the template preview shows it, so a preview is byte for
 * byte what is sent. Source: shared/WHATSAPP.md "Sending" (POST /{version}/{phone-number-id}/messages,
 * or /marketing_messages with the same body for MARKETING templates, as Meta recommends since 2025,
 * chosen from the template's current category).
 */

export type SendEndpoint = 'messages' | 'marketing_messages';

/**
 * What a send request depends on of the business number it goes out from: its own settings (a
 * phone-numbers record later; today the configured number's, WHATSAPP_MARKETING_MESSAGES_API).
 */
export interface SenderSettings {
  /** MARKETING templates go through /marketing_messages. */
  marketingMessagesApi: boolean;
}

export interface SendOptions {
  /** Echoed in every status webhook for the message (at most 512 characters: the client refuses more). */
  callbackData?: string;
  /** The wamid of the message this one replies to. */
  replyTo?: string;
  /** The template's current category, which chooses the endpoint for templates. */
  templateCategory?: TemplateCategory;
}

/**
 * A send's body: SendMessageRequest, except that `to` is left out when the recipient has no digits
 * (a preview for given values without a phone; the client refuses to send such a body).
 */
export type SendRequestBody = MessageContent & Omit<SendEnvelope, 'to'> & Partial<Pick<SendEnvelope, 'to'>>;

export interface SendRequest {
  /** POST /{version}/{phone-number-id}/{endpoint} */
  endpoint: SendEndpoint;
  body: SendRequestBody;
}

/**
 * The request that sends `content` to `to` from a number with these settings. `to` is a phone
 * number in any notation ("+62 812-3456-7890"); only its digits are sent. /marketing_messages only
 * for a template whose category is MARKETING, from a sender with marketingMessagesApi; /messages
 * otherwise (session messages, UTILITY and AUTHENTICATION templates, a category not known). Pure:
 * never throws; the limits a send must respect are the client's to enforce (see hasRecipient).
 */
export function buildSendRequest(sender: SenderSettings, to: string, content: MessageContent, options: SendOptions = {}): SendRequest {
  const digits = to.replace(/\D/g, '');
  const { callbackData, replyTo, templateCategory } = options;
  const marketing = content.type === 'template' && templateCategory === 'MARKETING' && sender.marketingMessagesApi;
  return {
    endpoint: marketing ? 'marketing_messages' : 'messages',
    body: {
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      ...(digits ? { to: digits } : {}),
      ...content,
      ...(replyTo ? { context: { message_id: replyTo } } : {}),
      ...(callbackData ? { biz_opaque_callback_data: callbackData } : {}),
    },
  };
}

/** Whether the body names its recipient (see SendRequestBody). */
export function hasRecipient(body: SendRequestBody): body is SendMessageRequest {
  return body.to !== undefined;
}
