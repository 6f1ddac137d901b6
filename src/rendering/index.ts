/**
 * Rendering: pure functions, no storage and no I/O. The shape of a WhatsApp template (its parts and
 * the parameters a send fills), bindings of template parameters and session messages to contact
 * data (Handlebars), rendered per recipient into exact Cloud API content and the text the recipient
 * reads. Its users: template preview and validation today; campaigns, eligibility and the
 * dispatcher next. Depends on src/whatsapp's types and src/common only.
 */
export { BindingError } from './binding-problems';
export type { BindingProblem, BindingRule, RenderContact, RenderProblem, ValueRule } from './binding-problems';
export { amountLocale, parseAmount } from './amounts';
export { HELPER_NAMES } from './helpers';
export type { HelperName } from './helpers';
export { distinctNames, hasStrayBraces, NAMED_NAME, POSITIONAL_NAME, scanVariables } from './template-text';
export type { TextVariable } from './template-text';
export { TEMPLATE_LIMITS, templateParameters, templateParts } from './template-shape';
export type {
  AnyButton,
  AnyComponent,
  AuthenticationComponentDefinition,
  AuthenticationTemplateDefinition,
  BodyPart,
  FooterPart,
  HeaderPart,
  OtpButtonDefinition,
  ParameterFormat,
  ParameterKey,
  ParameterSlot,
  SkippedComponent,
  SlotKind,
  TemplateInput,
  TemplateParts,
} from './template-shape';
export { compileTemplateBinding, previewTemplate } from './template-binding';
export type {
  BindingOptions,
  CompiledTemplate,
  CurrencyBinding,
  DateTimeBinding,
  LocationBinding,
  MediaBinding,
  ParameterBinding,
  RenderResult,
  TemplateBinding,
} from './template-binding';
export { formatRecipientView } from './recipient-view';
export type { RecipientButton, RecipientView } from './recipient-view';
export { compileSessionMessage, SESSION_LIMITS } from './session-binding';
export type { CompiledSession, SessionContent, SessionMessageDefinition, SessionRenderResult } from './session-binding';
