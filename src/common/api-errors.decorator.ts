import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { ERROR_STATUS, ErrorCode } from './domain-error';

/** One bad field of a VALIDATION_FAILED answer. */
export class FieldProblemView {
  @ApiProperty({ example: 'phone', description: 'The field, as a path into the input: attributes.city, tags.2, components.0.text' })
  field: string;
  @ApiProperty({ type: [String], example: ['phone must be a string'] }) problems: string[];
}

/** The one error body: `{ statusCode, code, message, details }`. */
export class ErrorView {
  @ApiProperty({ type: 'integer', example: 400 }) statusCode: number;
  @ApiProperty({ enum: Object.keys(ERROR_STATUS), example: 'VALIDATION_FAILED' }) code: string;
  @ApiProperty({ example: 'Validation failed: phone: phone must be a string' }) message: string;
  @ApiPropertyOptional({
    oneOf: [{ type: 'array', items: { $ref: getSchemaPath(FieldProblemView) } }, { type: 'object', additionalProperties: true }],
    description: 'For VALIDATION_FAILED (and other field problems): [{ field, problems[] }]; otherwise an object particular to the code',
  })
  details?: unknown;
}

/**
 * Documents the errors a route can answer with, grouped by HTTP status. Every authenticated route
 * also answers 401 (AUTH_MISSING_API_KEY, AUTH_INVALID_API_KEY) and 400 VALIDATION_FAILED.
 */
export function ApiErrors(...codes: ErrorCode[]) {
  const all: ErrorCode[] = ['AUTH_MISSING_API_KEY', 'AUTH_INVALID_API_KEY', 'VALIDATION_FAILED', ...codes];
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set(all)) byStatus.set(ERROR_STATUS[code], [...(byStatus.get(ERROR_STATUS[code]) ?? []), code]);
  return applyDecorators(
    ...[...byStatus.entries()].map(([status, list]) => ApiResponse({ status, type: ErrorView, description: list.join(', ') })),
  );
}
