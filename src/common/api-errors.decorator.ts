import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiResponse } from '@nestjs/swagger';
import { ERROR_STATUS, ErrorCode } from './domain-error';

export class ErrorView {
  @ApiProperty({ example: 400 }) statusCode: number;
  @ApiProperty({ enum: Object.keys(ERROR_STATUS), example: 'VALIDATION_FAILED' }) code: string;
  @ApiProperty({ example: 'Validation failed: phone: phone must be a string' }) message: string;
  @ApiPropertyOptional({ description: 'For VALIDATION_FAILED: [{ field, problems[] }]; otherwise code-specific' })
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
