import type { ProblemCollector } from './value-rules';
import { TEMPLATE_LIMITS, templateParts, type AnyButton, type TemplateInput } from './template-shape';
import { scanVariables, splitText } from './template-text';

/**
 * The template as its recipient reads it: header, body with the values filled in, footer and
 * buttons (what a preview shows and what a campaign can keep as the text it sent). Built from the
 * same plans as the Cloud API payload (template-binding.ts), so both say the same thing.
 */

/** The template as the recipient reads it. */
export interface RecipientView {
  /** Header text, or "[image]", "[video]", "[document]", "[location]". */
  header?: string;
  body: string;
  footer?: string;
  buttons: RecipientButton[];
}

export type RecipientButton =
  | { type: 'QUICK_REPLY'; text: string }
  | { type: 'URL'; text: string; url: string }
  | { type: 'PHONE_NUMBER'; text: string; phone_number: string }
  | { type: 'COPY_CODE' | 'OTP'; text: string; code: string };

/** The view as one plain text: header, body, footer, then one line per button. */
export function formatRecipientView(view: RecipientView): string {
  const blocks: string[] = [];
  if (view.header !== undefined) blocks.push(view.header);
  blocks.push(view.body);
  if (view.footer !== undefined) blocks.push(view.footer);
  const buttons = view.buttons.map((b) => {
    const target = b.type === 'URL' ? b.url : b.type === 'PHONE_NUMBER' ? b.phone_number : b.type === 'QUICK_REPLY' ? '' : b.code;
    return target ? `[${b.text}] ${target}` : `[${b.text}]`;
  });
  if (buttons.length > 0) blocks.push(buttons.join('\n'));
  return blocks.join('\n\n');
}

// ---------------------------------------------------------------------------------------------
// Rendering a view per recipient

/** Text with the plans' displays in it: literal pieces and plan indexes. */
type Pieces = Array<string | number>;

type ButtonRecipe = { fixed: RecipientButton } | { type: 'URL'; text: string; prefix: string; plan: number } | { type: 'COPY_CODE' | 'OTP'; text: string; plan: number };

/** A template's view with its parameters left open: filled per recipient from each plan's display. */
export interface ViewRecipe {
  render(displays: readonly string[], problems: ProblemCollector): RecipientView;
}

/** Meta's preset wording of authentication templates (English; Meta translates it per language). */
const AUTH_BODY = ' is your verification code.';
const AUTH_SECURITY = ' For your security, do not share this code.';

/**
 * Precomputes the view's layout, so a render only concatenates. `planKeys[i]` is the parameter key
 * (`body.1`, `header.media`) of the binding's plan i, whose display (what the recipient sees of
 * that parameter) is `displays[i]` when the recipe renders; a rendered header or body longer than
 * WhatsApp allows is reported as `too_long`.
 */
export function viewRecipe(def: TemplateInput, planKeys: readonly string[]): ViewRecipe {
  const planOf = new Map(planKeys.map((key, i) => [key, i]));
  const piecesOf = (text: string, component: 'header' | 'body'): Pieces =>
    splitText(text).map((piece) => ('literal' in piece ? piece.literal : (planOf.get(`${component}.${piece.variable}`) ?? '')));
  const parts = templateParts(def);
  const isAuth = def.category === 'AUTHENTICATION';

  let header: Pieces | undefined;
  if (parts.header && !isAuth) {
    if (parts.header.format === 'TEXT') header = piecesOf(parts.header.text ?? '', 'header');
    else header = [planOf.get('header.media') ?? `[${parts.header.format.toLowerCase()}]`];
  }
  let body: Pieces;
  if (typeof parts.body?.text === 'string') body = piecesOf(parts.body.text, 'body');
  else {
    body = [planOf.get('body.1') ?? '', AUTH_BODY];
    if (parts.body?.add_security_recommendation) body.push(AUTH_SECURITY);
  }
  let footer = parts.footer?.text;
  const minutes = parts.footer?.code_expiration_minutes;
  if (footer === undefined && isAuth && minutes !== undefined) footer = `This code expires in ${minutes} minutes.`;
  const buttons = (parts.buttons ?? []).map((button, index) => buttonRecipe(button, index, isAuth, planOf));

  return {
    render(displays, problems) {
      const view: RecipientView = { body: join(body, displays), buttons: [] };
      if (header !== undefined) {
        view.header = join(header, displays);
        checkLength(problems, 'header', view.header, TEMPLATE_LIMITS.header);
      }
      checkLength(problems, 'body', view.body, TEMPLATE_LIMITS.body);
      if (footer !== undefined) view.footer = footer;
      for (const recipe of buttons) view.buttons.push(renderButton(recipe, displays));
      return view;
    },
  };
}

function buttonRecipe(button: AnyButton, index: number, isAuth: boolean, planOf: ReadonlyMap<string, number>): ButtonRecipe {
  switch (button.type) {
    case 'URL': {
      if (isAuth) return { type: 'OTP', text: button.text, plan: planOf.get(`button.${index}.code`) ?? -1 };
      const plan = planOf.get(`button.${index}.1`);
      if (plan === undefined) return { fixed: { type: 'URL', text: button.text, url: button.url } };
      const variable = scanVariables(button.url)[0];
      return { type: 'URL', text: button.text, prefix: button.url.slice(0, variable?.start ?? button.url.length), plan };
    }
    case 'COPY_CODE':
      return { type: 'COPY_CODE', text: 'Copy offer code', plan: planOf.get(`button.${index}.code`) ?? -1 };
    case 'OTP':
      return { type: 'OTP', text: button.text ?? 'Copy code', plan: planOf.get(`button.${index}.code`) ?? -1 };
    case 'PHONE_NUMBER':
      return { fixed: { type: 'PHONE_NUMBER', text: button.text, phone_number: button.phone_number } };
    default:
      return { fixed: { type: 'QUICK_REPLY', text: button.text } };
  }
}

function renderButton(recipe: ButtonRecipe, displays: readonly string[]): RecipientButton {
  if ('fixed' in recipe) return { ...recipe.fixed };
  if (recipe.type === 'URL') return { type: 'URL', text: recipe.text, url: recipe.prefix + displays[recipe.plan] };
  return { type: recipe.type, text: recipe.text, code: displays[recipe.plan] ?? '' };
}

function join(pieces: Pieces, displays: readonly string[]): string {
  let text = '';
  for (let i = 0; i < pieces.length; i++) {
    const piece = pieces[i];
    text += typeof piece === 'string' ? piece : displays[piece];
  }
  return text;
}

/** The whole header or body after substitution, unless one of its parameters was already too long. */
function checkLength(problems: ProblemCollector, component: 'header' | 'body', text: string, max: number): void {
  if (text.length <= max) return;
  if (problems.list?.some((p) => p.rule === 'too_long' && p.parameter.startsWith(`${component}.`))) return;
  problems.add(component, 'too_long', `the ${component} renders ${text.length} characters with this contact's values; at most ${max}`);
}
