/**
 * The Templates module's pure core: WhatsApp's template rules, bindings of template parameters and
 * session messages to contact data (Handlebars), and rendering to exact Cloud API payloads.
 */
export { BindingError } from './binding-problems';
export type { BindingProblem, BindingRule, RenderContact, RenderProblem, ValueRule } from './binding-problems';
export { amountLocale, parseAmount } from './amounts';
export { HELPER_NAMES } from './helpers';
export type { HelperName } from './helpers';
export { isTemplateLanguage, suggestLanguages, TEMPLATE_LIMITS, TEMPLATE_RULES, TOO_MANY_VARIABLES, templateParameters, validateTemplate } from './template-rules';
export type {
  AuthenticationComponentDefinition,
  AuthenticationTemplateDefinition,
  OtpButtonDefinition,
  ParameterKey,
  ParameterSlot,
  SlotKind,
  TemplateInput,
  TemplateRule,
  TemplateViolation,
  ViolationComponent,
} from './template-rules';
export { compileTemplateBinding, formatRecipientView, previewTemplate } from './template-binding';
export type {
  BindingOptions,
  CompiledTemplate,
  CurrencyBinding,
  DateTimeBinding,
  LocationBinding,
  MediaBinding,
  ParameterBinding,
  RecipientButton,
  RecipientView,
  RenderResult,
  TemplateBinding,
} from './template-binding';
export { compileSessionMessage, SESSION_LIMITS } from './session-binding';
export type { CompiledSession, SessionContent, SessionMessageDefinition, SessionRenderResult } from './session-binding';
