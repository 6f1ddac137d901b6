import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { templateParameters } from '../rendering';
import { templateDefinition } from './template-definition';
import type { HistoryRow, TemplateRow } from './templates.repository';

export class TemplateParameterView {
  @ApiProperty({ example: 'body.1', description: 'The key a binding uses for this parameter' }) key: string;
  @ApiProperty({ example: 'BODY' }) component: string;
  @ApiProperty({ example: 'text' }) kind: string;
  @ApiProperty({ description: 'Whether a binding must give it (a quick-reply payload, for one, is optional)' }) required: boolean;
  @ApiPropertyOptional({ type: 'integer', description: 'Longest value WhatsApp accepts, in characters' }) maxLength?: number;
}

export class TemplateHistoryView {
  @ApiProperty({ enum: ['created', 'edited', 'submitted', 'status', 'category', 'quality', 'imported', 'deleted'] }) change: string;
  @ApiProperty({ nullable: true, type: String }) fromValue: string | null;
  @ApiProperty({ nullable: true, type: String }) toValue: string | null;
  @ApiProperty({ nullable: true, type: String }) reason: string | null;
  @ApiProperty({ enum: ['api', 'webhook', 'sync'] }) source: string;
  @ApiProperty({ type: String, format: 'date-time' }) occurredAt: string;
  @ApiProperty({ description: 'False for a webhook event older than the one that had already set the value (Meta retries deliveries for days): kept, not applied' })
  applied: boolean;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'On an edit of a template WhatsApp knows: the category, parameterFormat and components it replaced',
  })
  previousContent?: Record<string, unknown>;
}

export class TemplateView {
  @ApiProperty({ type: String, format: 'uuid' }) id: string;
  @ApiProperty({ example: '2000000001' }) wabaId: string;
  @ApiProperty({ example: 'spring_sale' }) name: string;
  @ApiProperty({ example: 'id' }) language: string;
  @ApiProperty({ enum: ['MARKETING', 'UTILITY', 'AUTHENTICATION'] }) category: string;
  @ApiProperty({ enum: ['POSITIONAL', 'NAMED'] }) parameterFormat: string;
  @ApiProperty({ type: 'array', items: { type: 'object', additionalProperties: true } }) components: unknown[];
  @ApiProperty({
    enum: ['DRAFT', 'PENDING', 'APPROVED', 'REJECTED', 'PAUSED', 'DISABLED', 'IN_APPEAL', 'PENDING_DELETION', 'DELETED', 'ARCHIVED', 'LIMIT_EXCEEDED'],
    description: 'DRAFT until submitted; then WhatsApp’s status',
  })
  status: string;
  @ApiProperty({ nullable: true, type: String }) whatsappId: string | null;
  @ApiProperty({ nullable: true, type: String }) rejectionReason: string | null;
  @ApiProperty({ nullable: true, enum: ['GREEN', 'YELLOW', 'RED', 'UNKNOWN'] }) qualityScore: string | null;
  @ApiProperty({ type: [TemplateParameterView], description: 'What a binding must provide to send this template' })
  parameters: TemplateParameterView[];
  @ApiProperty({ type: String, format: 'date-time' }) createdAt: string;
  @ApiProperty({ type: String, format: 'date-time' }) updatedAt: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) submittedAt: string | null;
  @ApiPropertyOptional({ type: [TemplateHistoryView], description: 'Every change, in time order (GET of one template only)' })
  history?: TemplateHistoryView[];
}

export class TemplatePageView {
  @ApiProperty({ type: [TemplateView] }) data: TemplateView[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

export class SyncResultView {
  @ApiProperty({ type: 'integer', description: 'Templates made elsewhere (WhatsApp Manager), now known' }) imported: number;
  @ApiProperty({ type: 'integer', description: 'Known templates whose status, category, quality or components changed' }) updated: number;
  @ApiProperty({ type: 'integer' }) unchanged: number;
  @ApiProperty({ type: 'integer', description: 'Templates WhatsApp no longer has, marked DELETED' }) deleted: number;
}

export class RenderProblemView {
  @ApiProperty({ example: 'body.1' }) parameter: string;
  @ApiProperty({
    example: 'empty_value',
    description:
      "Why this contact's data cannot make the message: empty_value, missing_value, newline_or_tab, too_many_spaces, too_long, not_a_number, out_of_range (a coordinate; a date past ±8.64e15 ms), not_a_date (no date, or no such day: 2025-02-30), invalid_value (a zone, locale or currency code from the data that Intl does not know), not_url_safe, invalid_url, duplicate_title, render_failed",
  })
  rule: string;
  @ApiProperty({ example: 'the value is empty for this contact' }) message: string;
}

export class RecipientButtonView {
  @ApiProperty({ enum: ['QUICK_REPLY', 'URL', 'PHONE_NUMBER', 'COPY_CODE', 'OTP'] }) type: string;
  @ApiProperty({ example: 'Belanja' }) text: string;
  @ApiPropertyOptional({ example: 'https://toko.example/p/SPRING-7' }) url?: string;
  @ApiPropertyOptional() phone_number?: string;
  @ApiPropertyOptional() code?: string;
}

export class RecipientTextView {
  @ApiPropertyOptional({ description: 'Header text, or [image], [video], [document], [location]' }) header?: string;
  @ApiProperty({ example: 'Halo Ana, diskon 25% untukmu hari ini!' }) body: string;
  @ApiPropertyOptional({ example: 'Balas STOP untuk berhenti' }) footer?: string;
  @ApiProperty({ type: [RecipientButtonView] }) buttons: RecipientButtonView[];
}

/** The preview's answer: `ok: true` with the request and the text, or `ok: false` with this contact's problems. */
export class PreviewResultView {
  @ApiProperty({ description: 'false: this contact’s data cannot make a message WhatsApp accepts (see problems)' }) ok: boolean;
  @ApiPropertyOptional({ enum: ['messages', 'marketing_messages'], description: 'The Cloud API endpoint the message goes to' })
  endpoint?: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'The exact Cloud API request body' })
  payload?: Record<string, unknown>;
  @ApiPropertyOptional({ type: RecipientTextView }) text?: RecipientTextView;
  @ApiPropertyOptional({ description: 'The message as the recipient reads it, as one text' }) plainText?: string;
  @ApiPropertyOptional({ type: [RenderProblemView] }) problems?: RenderProblemView[];
}

export function templateView(row: TemplateRow, history?: HistoryRow[]): TemplateView {
  return {
    id: row.id,
    wabaId: row.wabaId,
    name: row.name,
    language: row.language,
    category: row.category,
    parameterFormat: row.parameterFormat,
    components: row.components,
    status: row.status,
    whatsappId: row.whatsappId,
    rejectionReason: row.rejectionReason,
    qualityScore: row.qualityScore,
    parameters: safeParameters(row),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    submittedAt: row.submittedAt?.toISOString() ?? null,
    ...(history
      ? {
          history: history.map((h) => ({
            change: h.change,
            fromValue: h.fromValue,
            toValue: h.toValue,
            reason: h.reason,
            source: h.source,
            occurredAt: h.occurredAt.toISOString(),
            applied: h.applied,
            ...(h.previousContent ? { previousContent: h.previousContent as unknown as Record<string, unknown> } : {}),
          })),
        }
      : {}),
  };
}

/** Imported templates may use shapes our rules do not cover; their view must still render. */
function safeParameters(row: TemplateRow): TemplateParameterView[] {
  try {
    return templateParameters(templateDefinition(row)).map((p) => ({ key: p.key, component: p.component, kind: p.kind, required: p.required, ...(p.maxLength !== undefined ? { maxLength: p.maxLength } : {}) }));
  } catch {
    return [];
  }
}
