import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { templateParameters } from './template-rules';
import type { HistoryRow, TemplateRow } from './templates.repository';

export class TemplateParameterView {
  @ApiProperty({ example: 'body.1', description: 'The key a binding uses for this parameter' }) key: string;
  @ApiProperty({ example: 'BODY' }) component: string;
  @ApiProperty({ example: 'text' }) kind: string;
  @ApiProperty({ description: 'Whether a binding must give it (a quick-reply payload, for one, is optional)' }) required: boolean;
  @ApiPropertyOptional({ description: 'Longest value WhatsApp accepts' }) maxLength?: number;
}

export class TemplateHistoryView {
  @ApiProperty({ enum: ['created', 'edited', 'submitted', 'status', 'category', 'quality', 'imported', 'deleted'] }) change: string;
  @ApiProperty({ nullable: true, type: String }) fromValue: string | null;
  @ApiProperty({ nullable: true, type: String }) toValue: string | null;
  @ApiProperty({ nullable: true, type: String }) reason: string | null;
  @ApiProperty({ enum: ['api', 'webhook', 'sync'] }) source: string;
  @ApiProperty() occurredAt: string;
}

export class TemplateView {
  @ApiProperty() id: string;
  @ApiProperty() wabaId: string;
  @ApiProperty() name: string;
  @ApiProperty() language: string;
  @ApiProperty({ enum: ['MARKETING', 'UTILITY', 'AUTHENTICATION'] }) category: string;
  @ApiProperty({ enum: ['POSITIONAL', 'NAMED'] }) parameterFormat: string;
  @ApiProperty({ type: 'array', items: { type: 'object', additionalProperties: true } }) components: unknown[];
  @ApiProperty({ description: 'DRAFT until submitted; then WhatsApp’s status' }) status: string;
  @ApiProperty({ nullable: true, type: String }) whatsappId: string | null;
  @ApiProperty({ nullable: true, type: String }) rejectionReason: string | null;
  @ApiProperty({ nullable: true, enum: ['GREEN', 'YELLOW', 'RED', 'UNKNOWN'] }) qualityScore: string | null;
  @ApiProperty({ type: [TemplateParameterView], description: 'What a binding must provide to send this template' })
  parameters: TemplateParameterView[];
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
  @ApiProperty({ nullable: true, type: String }) submittedAt: string | null;
  @ApiPropertyOptional({ type: [TemplateHistoryView] }) history?: TemplateHistoryView[];
}

export class TemplatePageView {
  @ApiProperty({ type: [TemplateView] }) data: TemplateView[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

export class SyncResultView {
  @ApiProperty() imported: number;
  @ApiProperty() updated: number;
  @ApiProperty() unchanged: number;
  @ApiProperty() deleted: number;
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
          })),
        }
      : {}),
  };
}

/** Imported templates may use shapes our rules do not cover; their view must still render. */
function safeParameters(row: TemplateRow): TemplateParameterView[] {
  try {
    return templateParameters({
      name: row.name,
      language: row.language,
      category: row.category,
      parameter_format: row.parameterFormat,
      components: row.components,
    }).map((p) => ({ key: p.key, component: p.component, kind: p.kind, required: p.required, ...(p.maxLength !== undefined ? { maxLength: p.maxLength } : {}) }));
  } catch {
    return [];
  }
}
