import { ValidationError, ValidationPipe } from '@nestjs/common';
import { DomainError } from './domain-error';

export interface FieldProblem {
  field: string;
  problems: string[];
}

/** Flattens class-validator's tree into one entry per field (`attributes.city`, `items.0.name`). */
export function fieldProblems(errors: ValidationError[], parent = ''): FieldProblem[] {
  return errors.flatMap((e) => {
    const field = parent ? `${parent}.${e.property}` : e.property;
    const own = e.constraints ? [{ field, problems: Object.values(e.constraints) }] : [];
    return [...own, ...fieldProblems(e.children ?? [], field)];
  });
}

export function validationFailed(problems: FieldProblem[]): DomainError {
  const summary = problems.map((p) => `${p.field}: ${p.problems.join('; ')}`).join(', ');
  return new DomainError('VALIDATION_FAILED', `Validation failed: ${summary}`, problems);
}

/** Validates every DTO: unknown fields are an error, and each bad field is listed. */
export const validationPipe = new ValidationPipe({
  transform: true,
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
  exceptionFactory: (errors) => validationFailed(fieldProblems(errors)),
});
