/**
 * The WhatsApp Cloud API's wire format, as far as Siaran uses it (see ../shared/WHATSAPP.md).
 * Field names are the Graph API's own (snake_case), so these types describe exactly what goes over
 * the wire. Shared by the client (src/whatsapp) and the Cloud API simulator (test/simulator).
 */

// ---------------------------------------------------------------------------------------------
// Outgoing messages: POST /{version}/{phone-number-id}/messages (or /marketing_messages)

/** Media by URL or by an uploaded media id. */
export type MediaRef = { link: string; id?: never } | { id: string; link?: never };

export type TextContent = { type: 'text'; text: { body: string; preview_url?: boolean } };
export type ImageContent = { type: 'image'; image: MediaRef & { caption?: string } };
export type VideoContent = { type: 'video'; video: MediaRef & { caption?: string } };
export type AudioContent = { type: 'audio'; audio: MediaRef };
export type DocumentContent = { type: 'document'; document: MediaRef & { caption?: string; filename?: string } };
export type StickerContent = { type: 'sticker'; sticker: MediaRef };
export type LocationContent = {
  type: 'location';
  location: { latitude: number; longitude: number; name?: string; address?: string };
};

export interface ContactCard {
  name: { formatted_name: string; first_name?: string; last_name?: string; middle_name?: string; prefix?: string; suffix?: string };
  phones?: Array<{ phone: string; type?: 'CELL' | 'MAIN' | 'IPHONE' | 'HOME' | 'WORK'; wa_id?: string }>;
  emails?: Array<{ email: string; type?: 'HOME' | 'WORK' }>;
  urls?: Array<{ url: string; type?: 'HOME' | 'WORK' }>;
  org?: { company?: string; department?: string; title?: string };
  addresses?: Array<{ street?: string; city?: string; state?: string; zip?: string; country?: string; country_code?: string; type?: 'HOME' | 'WORK' }>;
  birthday?: string;
}
export type ContactsContent = { type: 'contacts'; contacts: ContactCard[] };

export type InteractiveHeader =
  | { type: 'text'; text: string }
  | { type: 'image'; image: MediaRef }
  | { type: 'video'; video: MediaRef }
  | { type: 'document'; document: MediaRef & { filename?: string } };

export type Interactive =
  | {
      type: 'button';
      header?: InteractiveHeader;
      body: { text: string };
      footer?: { text: string };
      /** At most 3 reply buttons; titles at most 20 characters, ids at most 256. */
      action: { buttons: Array<{ type: 'reply'; reply: { id: string; title: string } }> };
    }
  | {
      type: 'list';
      header?: { type: 'text'; text: string };
      body: { text: string };
      footer?: { text: string };
      /** At most 10 sections and 10 rows in all. */
      action: {
        button: string;
        sections: Array<{ title?: string; rows: Array<{ id: string; title: string; description?: string }> }>;
      };
    }
  | {
      type: 'cta_url';
      header?: InteractiveHeader;
      body: { text: string };
      footer?: { text: string };
      action: { name: 'cta_url'; parameters: { display_text: string; url: string } };
    };
export type InteractiveContent = { type: 'interactive'; interactive: Interactive };

/** A parameter of a template component when sending. */
export type TemplateParameter =
  | { type: 'text'; text: string; parameter_name?: string }
  | { type: 'currency'; currency: { fallback_value: string; code: string; amount_1000: number }; parameter_name?: string }
  | { type: 'date_time'; date_time: { fallback_value: string }; parameter_name?: string }
  | { type: 'image'; image: MediaRef }
  | { type: 'video'; video: MediaRef }
  | { type: 'document'; document: MediaRef & { filename?: string } }
  | {
      type: 'location';
      location: { latitude: number; longitude: number; name?: string; address?: string };
    }
  | { type: 'payload'; payload: string }
  | { type: 'coupon_code'; coupon_code: string };

export type TemplateSendComponent =
  | { type: 'header'; parameters: TemplateParameter[] }
  | { type: 'body'; parameters: TemplateParameter[] }
  | {
      type: 'button';
      sub_type: 'quick_reply' | 'url' | 'copy_code';
      /** Position of the button in the template, as a string ("0", "1", …). */
      index: string;
      parameters: TemplateParameter[];
    };

export type TemplateContent = {
  type: 'template';
  template: { name: string; language: { code: string; policy?: 'deterministic' }; components?: TemplateSendComponent[] };
};

/** What a message says, whatever its type. */
export type MessageContent =
  | TextContent
  | ImageContent
  | VideoContent
  | AudioContent
  | DocumentContent
  | StickerContent
  | LocationContent
  | ContactsContent
  | InteractiveContent
  | TemplateContent;

export type MessageType = MessageContent['type'];

/** The full request body of a send. */
export type SendMessageRequest = MessageContent & SendEnvelope;

/** What surrounds a message's content in a send request. */
export interface SendEnvelope {
  messaging_product: 'whatsapp';
  recipient_type: 'individual';
  /** Digits of the international number, without "+". */
  to: string;
  context?: { message_id: string };
  /** Our own string (at most 512 characters), echoed in every status webhook for the message. */
  biz_opaque_callback_data?: string;
}

export interface SendMessageResponse {
  messaging_product: 'whatsapp';
  contacts: Array<{ input: string; wa_id: string }>;
  messages: Array<{ id: string; message_status?: 'accepted' | 'held_for_quality_assessment' }>;
}

// ---------------------------------------------------------------------------------------------
// Errors

export interface GraphErrorBody {
  error: {
    message: string;
    type?: string;
    code: number;
    error_subcode?: number;
    error_user_title?: string;
    error_user_msg?: string;
    error_data?: { messaging_product?: string; details?: string };
    fbtrace_id?: string;
  };
}

// ---------------------------------------------------------------------------------------------
// Templates: POST/GET/DELETE /{version}/{waba-id}/message_templates

export const TEMPLATE_CATEGORIES = ['MARKETING', 'UTILITY', 'AUTHENTICATION'] as const;
export type TemplateCategory = (typeof TEMPLATE_CATEGORIES)[number];
export const TEMPLATE_STATUSES = [
  'PENDING',
  'APPROVED',
  'REJECTED',
  'PAUSED',
  'DISABLED',
  'IN_APPEAL',
  'PENDING_DELETION',
  'DELETED',
  'ARCHIVED',
  'LIMIT_EXCEEDED',
] as const;
export type TemplateStatus = (typeof TEMPLATE_STATUSES)[number];
export type TemplateQuality = 'GREEN' | 'YELLOW' | 'RED' | 'UNKNOWN';

/**
 * The language codes WhatsApp takes for a template, exactly as written (case and underscore
 * matter: `en_US`, not `en-US` nor `en_us`; `id`, not `id_ID`). Source: Meta's "Supported languages"
 * page (developers.facebook.com/documentation/business-messaging/whatsapp/templates/supported-languages):
 * its long-standing list (as BSPs copy it: Wati's "Supported Languages for Template Messages"), and
 * the regional codes its May 2026 update added as far as a copy of it could be read (YCloud's
 * "Supported WhatsApp template languages", A–E). Any code not here is refused by Graph (code 100).
 */
export const TEMPLATE_LANGUAGES = [
  'af', 'sq', 'ar', 'ar_AE', 'ar_EG', 'ar_LB', 'ar_MA', 'ar_QA', 'az', 'be_BY', 'bn', 'bn_IN', 'bg', 'ca',
  'zh_CN', 'zh_HK', 'zh_TW', 'hr', 'cs', 'da', 'prs_AF', 'nl', 'nl_BE',
  'en', 'en_GB', 'en_US', 'en_AE', 'en_AU', 'en_CA', 'en_GH',
  'et', 'fil', 'fi', 'fr', 'ka', 'de', 'el', 'gu', 'ha', 'he', 'hi', 'hu', 'id', 'ga', 'it', 'ja', 'kn', 'kk',
  'rw_RW', 'ko', 'ky_KG', 'lo', 'lv', 'lt', 'mk', 'ms', 'ml', 'mr', 'nb', 'fa', 'pl', 'pt_BR', 'pt_PT', 'pa',
  'ro', 'ru', 'sr', 'sk', 'sl', 'es', 'es_AR', 'es_ES', 'es_MX', 'sw', 'sv', 'ta', 'te', 'th', 'tr', 'uk',
  'ur', 'uz', 'vi', 'zu',
] as const;
export type TemplateLanguage = (typeof TEMPLATE_LANGUAGES)[number];

export type TemplateButtonDefinition =
  | { type: 'QUICK_REPLY'; text: string }
  | { type: 'URL'; text: string; url: string; example?: string[] }
  | { type: 'PHONE_NUMBER'; text: string; phone_number: string }
  | { type: 'COPY_CODE'; example: string };

export type TemplateComponentDefinition =
  | {
      type: 'HEADER';
      format: 'TEXT' | 'IMAGE' | 'VIDEO' | 'DOCUMENT' | 'LOCATION';
      text?: string;
      example?: { header_text?: string[]; header_text_named_params?: Array<{ param_name: string; example: string }>; header_handle?: string[] };
    }
  | {
      type: 'BODY';
      text: string;
      example?: { body_text?: string[][]; body_text_named_params?: Array<{ param_name: string; example: string }> };
    }
  | { type: 'FOOTER'; text: string }
  | { type: 'BUTTONS'; buttons: TemplateButtonDefinition[] };

export interface TemplateDefinition {
  name: string;
  /** e.g. "id", "en_US". */
  language: string;
  category: TemplateCategory;
  parameter_format?: 'POSITIONAL' | 'NAMED';
  components: TemplateComponentDefinition[];
}

/**
 * POST /{version}/{template-id}: edits a template in APPROVED, REJECTED or PAUSED status. Every
 * component is replaced by those given; the category of an APPROVED template cannot change. Answer:
 * `{"success": true}`; the template goes back to review. Limits (Meta's "Template management" page):
 * an APPROVED template at most once in 24 hours and 10 times in 30 days; REJECTED and PAUSED ones
 * without limit.
 */
export interface TemplateEdit {
  components: TemplateComponentDefinition[];
  category?: TemplateCategory;
  message_send_ttl_seconds?: number;
}

export interface CreateTemplateResponse {
  id: string;
  status: TemplateStatus;
  category: TemplateCategory;
}

/** A template as WhatsApp lists it. */
export interface TemplateRecord extends TemplateDefinition {
  id: string;
  status: TemplateStatus;
  rejected_reason?: string;
  quality_score?: { score: TemplateQuality; date?: number };
}

export interface TemplateList {
  data: TemplateRecord[];
  paging?: { cursors?: { before?: string; after?: string }; next?: string };
}

// ---------------------------------------------------------------------------------------------
// Phone numbers: GET /{version}/{phone-number-id}

export interface PhoneNumberInfo {
  id: string;
  display_phone_number?: string;
  verified_name?: string;
  quality_rating?: 'GREEN' | 'YELLOW' | 'RED' | 'UNKNOWN';
  /** e.g. "STANDARD" (80 mps) or "HIGH" (1,000 mps). */
  throughput?: { level: string };
  /** e.g. "TIER_250", "TIER_2K", "TIER_10K", "TIER_100K", "TIER_UNLIMITED". */
  whatsapp_business_manager_messaging_limit?: string;
  messaging_limit_tier?: string;
}

// ---------------------------------------------------------------------------------------------
// Webhooks: POST {callback}, signed with X-Hub-Signature-256

export interface WebhookEnvelope {
  object: 'whatsapp_business_account';
  /** `time`: when the changes happened (Unix seconds); Meta sets it on account-level changes. */
  entry: Array<{ id: string; time?: number; changes: WebhookChange[] }>;
}

export type WebhookChange =
  | { field: 'messages'; value: MessagesValue }
  | { field: 'message_template_status_update'; value: TemplateStatusUpdate }
  | { field: 'message_template_quality_update'; value: TemplateQualityUpdate }
  | { field: 'template_category_update'; value: TemplateCategoryUpdate }
  | { field: 'phone_number_quality_update'; value: PhoneNumberQualityUpdate }
  | { field: 'user_preferences'; value: UserPreferencesValue }
  | { field: string; value: unknown };

export interface WebhookMetadata {
  display_phone_number: string;
  phone_number_id: string;
}

export interface WebhookContact {
  profile?: { name?: string };
  wa_id?: string;
  /** Business-scoped user id, for users known by username. */
  user_id?: string;
}

export interface InboundMessage {
  from?: string;
  from_user_id?: string;
  id: string;
  /** Unix seconds, as a string. */
  timestamp: string;
  type: 'text' | 'button' | 'interactive' | 'image' | 'audio' | 'video' | 'document' | 'sticker' | 'location' | 'contacts' | 'reaction' | 'unsupported' | string;
  context?: { from?: string; id?: string };
  text?: { body: string };
  button?: { payload?: string; text?: string };
  interactive?:
    | { type: 'button_reply'; button_reply: { id: string; title: string } }
    | { type: 'list_reply'; list_reply: { id: string; title: string; description?: string } }
    | { type: string; [key: string]: unknown };
  [key: string]: unknown;
}

export type DeliveryStatus = 'sent' | 'delivered' | 'read' | 'failed';

export interface StatusError {
  code: number;
  title?: string;
  message?: string;
  error_data?: { details?: string };
}

export interface MessageStatus {
  id: string;
  status: DeliveryStatus | string;
  timestamp: string;
  recipient_id?: string;
  recipient_user_id?: string;
  biz_opaque_callback_data?: string;
  conversation?: { id: string; origin?: { type: string }; expiration_timestamp?: string };
  pricing?: { billable?: boolean; pricing_model?: string; category?: string; type?: string };
  errors?: StatusError[];
}

export interface MessagesValue {
  messaging_product: 'whatsapp';
  metadata: WebhookMetadata;
  contacts?: WebhookContact[];
  messages?: InboundMessage[];
  statuses?: MessageStatus[];
  errors?: StatusError[];
}

export interface TemplateStatusUpdate {
  event: TemplateStatus | string;
  message_template_id: number | string;
  message_template_name: string;
  message_template_language: string;
  reason?: string | null;
  other_info?: { title?: string; description?: string };
}

export interface TemplateQualityUpdate {
  previous_quality_score: TemplateQuality | string;
  new_quality_score: TemplateQuality | string;
  message_template_id: number | string;
  message_template_name: string;
  message_template_language: string;
}

export interface TemplateCategoryUpdate {
  message_template_id: number | string;
  message_template_name: string;
  message_template_language: string;
  previous_category: TemplateCategory | string;
  new_category: TemplateCategory | string;
  correct_category?: TemplateCategory | string;
}

/**
 * `phone_number_quality_update`: a number's throughput, its (portfolio's) messaging limit or its
 * quality changed. The number is named by its display number's digits only; the entry's id is the
 * WABA. Meta's shape has moved: `current_limit` and `old_limit` (the number's own tier before
 * October 2025) are deprecated for `max_daily_conversations_per_business` (the portfolio's tier);
 * older deliveries carry `max_daily_conversation_per_phone` (250, 2000, …, -1 for unlimited).
 * Events: ONBOARDING, UPGRADE, DOWNGRADE, FLAGGED (quality fell to low), UNFLAGGED,
 * THROUGHPUT_UPGRADE (to 1,000 mps).
 */
export interface PhoneNumberQualityUpdate {
  display_phone_number: string;
  event: string;
  current_limit?: string;
  old_limit?: string;
  max_daily_conversations_per_business?: string | number;
  max_daily_conversation_per_phone?: number;
  messaging_limit_tier?: string;
}

export interface UserPreferencesValue {
  messaging_product: 'whatsapp';
  metadata: WebhookMetadata;
  contacts?: WebhookContact[];
  user_preferences: Array<{
    wa_id?: string;
    user_id?: string;
    detail?: string;
    category: 'marketing_messages' | string;
    value: 'stop' | 'resume' | string;
    timestamp: number | string;
  }>;
}
