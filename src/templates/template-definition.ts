import type { TemplateCategory, TemplateComponentDefinition, TemplateDefinition } from '../whatsapp/cloud-api.types';

/** A template's content as a stored row, a request or an edit carries it (camelCase). */
export interface TemplateContentFields {
  name: string;
  language: string;
  category: TemplateCategory;
  /** Left out of the definition when not given (WhatsApp's default is POSITIONAL). */
  parameterFormat?: TemplateDefinition['parameter_format'];
  /** As given: a request's components are only checked by validateTemplate. */
  components: unknown;
}

/** WhatsApp's definition of a template (snake_case, as Graph takes it and the renderer reads it). */
export function templateDefinition(fields: TemplateContentFields): TemplateDefinition {
  return {
    name: fields.name,
    language: fields.language,
    category: fields.category,
    ...(fields.parameterFormat ? { parameter_format: fields.parameterFormat } : {}),
    components: fields.components as TemplateComponentDefinition[],
  };
}
