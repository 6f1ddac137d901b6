import type { TemplateContent, TemplateParameter, TemplateSendComponent } from '../whatsapp/cloud-api.types';
import { BindingError, type BindingProblem, type RenderContact, type RenderProblem, type ValueRule } from './binding-problems';
import { ExpressionBatch, ExpressionCompiler } from './expressions';
import { amountExamples, amountLocale, parseAmount } from './amounts';
import { currencyFormat, isCurrencyCode, isLocale, toNumber } from './helpers';
import { viewRecipe, type RecipientView, type ViewRecipe } from './recipient-view';
import { templateParameters, type ParameterKey, type ParameterSlot, type TemplateInput } from './template-shape';
import { describeRule, isHttpUrl, isUrlSafe, ProblemCollector, textRule, type TextLimits } from './value-rules';

/**
 * Bindings: how each parameter of a template is filled from a contact, compiled once per campaign
 * and rendered once per recipient into the exact Cloud API `template` payload.
 *
 * A binding maps parameter keys (see `templateParameters`) to Handlebars sources over the contact
 * (see `RenderContact` for what is exposed):
 *
 * ```ts
 * const binding: TemplateBinding = {
 *   'header.media': { type: 'image', link: 'https://cdn.example/{{attributes.banner}}.jpg' },
 *   'body.first_name': '{{title name}}',                                  // text: a Handlebars source
 *   'body.city': '{{default attributes.city "Jakarta"}}',
 *   'body.total': { type: 'currency', code: 'IDR', amount: '{{attributes.total}}' }, // amount_1000 = amount × 1000
 *   'body.due': { type: 'date_time', fallback: '{{date attributes.due "d MMMM yyyy"}}' },
 *   'button.1.1': '{{attributes.order_id}}',                              // URL suffix
 *   'button.2.code': '{{upper attributes.coupon}}',                       // copy-code coupon
 *   'button.0.payload': 'stop:{{id}}',                                    // optional quick-reply payload
 * };
 * ```
 *
 * Typed bindings: `{ type: 'currency', code, amount, locale?, fallback? }` (the amount is read as
 * `locale` writes numbers, see CurrencyBinding.locale and amounts.ts; the fallback, what WhatsApp
 * shows, defaults to the amount formatted for the template's language), `{ type: 'date_time',
 * fallback }`, `{ type: 'image' | 'video' | 'document', link | id, filename? }` and
 * `{ type: 'location', latitude, longitude, name?, address? }`. Every string in them may hold
 * expressions; latitude and longitude may also be numbers.
 *
 * Per recipient, a value that breaks a rule is reported, never thrown (see ValueRule): empty after
 * trimming (`empty_value`: give a fallback with the default helper), a needed variable missing from
 * a longer text (`missing_value`), newline or tab, more than 4 spaces, too long (each parameter, and
 * the whole header ≤ 60 and body ≤ 1,024 after substitution), an amount that is not a number in its
 * locale or a coordinate that is not a number, a currency code that is not ISO 4217 (`invalid_value`), a media link that is not an http(s) URL, a value a helper cannot use (`not_a_date`,
 * `out_of_range`, `not_a_number`, `invalid_value`: see helpers.ts) or data that throws while it is
 * read (`render_failed`). One contact's data never breaks a render: `render` does not throw for
 * data, so a campaign reports that recipient and goes on. A URL-button suffix must be URL-safe (RFC 3986
 * characters and %-escapes) or it is reported as `not_url_safe`, not silently encoded: a suffix
 * like "a b" usually means the wrong attribute, and `{{urlencode …}}` encodes on purpose.
 */

export type TemplateBinding = Record<ParameterKey, ParameterBinding>;

export type ParameterBinding = string | CurrencyBinding | DateTimeBinding | MediaBinding | LocationBinding;

export interface CurrencyBinding {
  type: 'currency';
  /** ISO 4217 ("IDR"), or an expression that renders one. */
  code: string;
  /**
   * Renders a number written as `locale` writes it ("150.000" and "Rp 4.880.000" in id-ID, "1,500.5"
   * in en-US; the currency's symbol or ISO code may be in it); sent as amount_1000. A JS number is
   * taken as it is.
   */
  amount: string | number;
  /**
   * BCP 47 locale the amount is written in (a literal, not an expression). Default: the binding's
   * locale when given (BindingOptions.locale: the campaign's or preview's), else the currency's
   * country's (IDR → id-ID), else the contact's country's, else the template's language. Never
   * guessed from the value: "1.500" is 1500 in id-ID and 1.5 in en-US.
   */
  locale?: string;
  /** What WhatsApp shows; defaults to the amount formatted for the template's language. */
  fallback?: string;
}

export interface DateTimeBinding {
  type: 'date_time';
  /** What WhatsApp shows (Cloud API always shows the fallback): `{{date attributes.due "d MMM yyyy"}}`. */
  fallback: string;
}

export interface MediaBinding {
  type: 'image' | 'video' | 'document';
  /** An http(s) URL (exactly one of link and id). */
  link?: string;
  /** A media id uploaded to WhatsApp. */
  id?: string;
  /** Documents only: the file name the recipient sees. */
  filename?: string;
}

export interface LocationBinding {
  type: 'location';
  latitude: string | number;
  longitude: string | number;
  name?: string;
  address?: string;
}

export interface BindingOptions {
  /**
   * BCP 47 locale for helpers and currency fallbacks; default: the template's language ("en_US" →
   * "en-US"). When given, amounts are also read in it (see CurrencyBinding.locale).
   */
  locale?: string;
  /** IANA time zone for the date helper; default UTC. */
  timeZone?: string;
}

export type RenderResult = { ok: true; content: TemplateContent; text: RecipientView } | { ok: false; problems: RenderProblem[] };

export interface CompiledTemplate {
  readonly parameters: readonly ParameterSlot[];
  /**
   * The contact paths ('name', 'attributes.city') without which a render certainly fails with
   * `missing_value`: those a parameter that must render reads outside `default` and blocks.
   * Optional parts (quick-reply payloads, fallbacks, file names) are left out: a contact lacking
   * one of these may still render. Eligibility excludes contacts that lack one (render_problem)
   * before anything is rendered; every other problem is found by rendering.
   */
  readonly requiredPaths: readonly string[];
  /** The payload and view for one contact, or every problem its data has. Never throws for data. */
  render(contact: RenderContact): RenderResult;
}

/** Compiles a binding for a template; throws a BindingError listing every configuration problem. */
export function compileTemplateBinding(def: TemplateInput, binding: TemplateBinding, options: BindingOptions = {}): CompiledTemplate {
  return new TemplateRenderer(def, binding, options);
}

/** For the preview endpoint: compile and render one contact (throws BindingError, like compile). */
export function previewTemplate(def: TemplateInput, binding: TemplateBinding, contact: RenderContact, options: BindingOptions = {}): RenderResult {
  return compileTemplateBinding(def, binding, options).render(contact);
}

/** A template's language code as a BCP 47 locale: "en_US" → "en-US", "id" → "id". */
export function localeOf(language: string): string {
  const locale = language.replace('_', '-');
  return isLocale(locale) ? locale : 'en';
}

// ---------------------------------------------------------------------------------------------
// Compiled plans

/** Per-render state, reused across renders (rendering is synchronous). */
interface Run {
  values: string[];
  /** What each plan shows the recipient, by plan index. */
  displays: string[];
  contact: RenderContact;
  problems: ProblemCollector;
}

/** One parameter's compiled recipe: builds its wire parameter, or reports and returns null. */
interface Plan {
  slot: ParameterSlot;
  /** The expressions it reads: a plan whose expressions are all constants is checked at compile time. */
  exprs: number[];
  /** Those its build always checks with checkedText: a needed path missing there is always a problem. */
  mustRender: number[];
  build(run: Run, display: number): TemplateParameter | null;
}

const SINGLE_LINE: TextLimits = { singleLine: true };

class TemplateRenderer implements CompiledTemplate {
  readonly parameters: readonly ParameterSlot[];
  readonly requiredPaths: readonly string[];
  private readonly compiler: ExpressionCompiler;
  private batch!: ExpressionBatch;
  private readonly problems: BindingProblem[] = [];
  private readonly plans: Plan[] = [];
  /** The parameter (`body.1`, `body.2.amount`) each expression fills, by expression index. */
  private readonly parameterOf: string[] = [];
  private readonly locale: string;
  /** The locale given for this binding (options.locale), which amounts are read in before any default. */
  private readonly givenLocale: string | undefined;
  private readonly run: Run;
  private readonly view: ViewRecipe;
  private readonly buttonMeta: Array<{ index: string; subType: 'url' | 'copy_code' | 'quick_reply' }> = [];
  /** Plans by component, as indexes into `plans`. */
  private readonly headerPlans: number[] = [];
  private readonly bodyPlans: number[] = [];
  private readonly buttonPlans: number[] = [];
  private readonly named: boolean;

  constructor(
    private readonly def: TemplateInput,
    binding: TemplateBinding,
    options: BindingOptions,
  ) {
    this.locale = options.locale ?? localeOf(String(def.language));
    this.givenLocale = options.locale;
    this.compiler = new ExpressionCompiler({ locale: this.locale, timeZone: options.timeZone ?? 'UTC', numberLocale: options.locale });
    this.parameters = templateParameters(def);
    this.named = def.parameter_format === 'NAMED';
    this.compilePlans(binding);
    this.batch = this.compiler.build();
    this.run = { values: new Array<string>(this.batch.size).fill(''), displays: new Array<string>(this.plans.length).fill(''), contact: { attributes: {} }, problems: new ProblemCollector() };
    this.checkConstants();
    if (this.problems.length > 0) throw new BindingError(this.problems);
    this.view = viewRecipe(def, this.plans.map((plan) => plan.slot.key));
    this.requiredPaths = this.batch.requiredPaths(this.plans.flatMap((plan) => plan.mustRender));
  }

  render(contact: RenderContact): RenderResult {
    const run = this.run;
    run.contact = contact;
    run.problems.reset();
    this.batch.renderInto(contact, run.values);
    // Data a helper could not use comes first: it explains the empty value the plan would report.
    if (this.batch.hasIssues) reportIssues(this.batch, this.parameterOf, run.problems);

    const components: TemplateSendComponent[] = [];
    const header = this.parametersOf(this.headerPlans);
    if (header) components.push({ type: 'header', parameters: header });
    const body = this.parametersOf(this.bodyPlans);
    if (body) components.push({ type: 'body', parameters: body });
    for (const i of this.buttonPlans) {
      const parameter = this.plans[i].build(run, i);
      if (parameter === null) continue;
      const meta = this.buttonMeta[i];
      components.push({ type: 'button', sub_type: meta.subType, index: meta.index, parameters: [parameter] });
    }
    if (run.problems.list !== null) return { ok: false, problems: run.problems.list };

    const text = this.view.render(run.displays, run.problems);
    if (run.problems.list !== null) return { ok: false, problems: run.problems.list };
    const template: TemplateContent['template'] = { name: this.def.name, language: { code: this.def.language } };
    if (components.length > 0) template.components = components;
    return { ok: true, content: { type: 'template', template }, text };
  }

  /** The parameters of one component, in order; null when it has none. Problems are collected, not returned. */
  private parametersOf(planIndexes: readonly number[]): TemplateParameter[] | null {
    if (planIndexes.length === 0) return null;
    const parameters: TemplateParameter[] = [];
    for (const i of planIndexes) {
      const parameter = this.plans[i].build(this.run, i);
      if (parameter !== null) parameters.push(parameter);
    }
    return parameters;
  }

  // -------------------------------------------------------------------------------------------
  // Compilation

  private compilePlans(binding: TemplateBinding): void {
    const keys = new Set(this.parameters.map((s) => s.key));
    for (const key of Object.keys(binding)) {
      if (!keys.has(key)) {
        const known = this.parameters.map((s) => s.key).join(', ') || 'none';
        this.problem(key, 'unknown_parameter', `the template has no parameter ${key} (its parameters: ${known})`);
      }
    }
    for (const slot of this.parameters) {
      const bound = Object.prototype.hasOwnProperty.call(binding, slot.key) ? binding[slot.key] : undefined;
      if (bound === undefined) {
        if (slot.required) this.problem(slot.key, 'binding_missing', `${slot.key} needs a binding (${describeSlot(slot)})`);
        continue;
      }
      const plan = this.compileSlot(slot, bound);
      if (plan === null) continue;
      const index = this.plans.push(plan) - 1;
      if (slot.component === 'header') this.headerPlans.push(index);
      else if (slot.component === 'body') this.bodyPlans.push(index);
      else {
        this.buttonPlans.push(index);
        this.buttonMeta[index] = { index: String(slot.buttonIndex), subType: buttonSubType(slot) };
      }
    }
  }

  private compileSlot(slot: ParameterSlot, bound: ParameterBinding): Plan | null {
    const kindOf = typeof bound === 'string' ? 'text' : isObject(bound) && typeof bound.type === 'string' ? bound.type : 'invalid';
    switch (slot.kind) {
      case 'text':
        if (kindOf === 'text') return this.textPlan(slot, bound as string);
        if (kindOf === 'currency') return this.currencyPlan(slot, bound as CurrencyBinding);
        if (kindOf === 'date_time') return this.dateTimePlan(slot, bound as DateTimeBinding);
        break;
      case 'image':
      case 'video':
      case 'document':
        if (kindOf === slot.kind) return this.mediaPlan(slot, bound as MediaBinding);
        break;
      case 'location':
        if (kindOf === 'location') return this.locationPlan(slot, bound as LocationBinding);
        break;
      case 'url':
        if (kindOf === 'text') return this.urlPlan(slot, bound as string);
        break;
      case 'coupon_code':
      case 'otp':
      case 'payload':
        if (kindOf === 'text') return this.codePlan(slot, bound as string);
        break;
    }
    this.problem(slot.key, 'type_mismatch', `${slot.key} is ${describeSlot(slot)}; the binding is ${describeBinding(bound)}`);
    return null;
  }

  /** Compiles one source; null (and problems recorded) when it cannot be used. */
  private expression(parameter: string, source: unknown): number | null {
    if (typeof source === 'number') source = String(source);
    if (typeof source !== 'string') {
      this.problem(parameter, 'invalid_binding', `${parameter} must be a string (a Handlebars expression)`);
      return null;
    }
    const result = this.compiler.add(source);
    if ('problems' in result) {
      for (const p of result.problems) this.problem(parameter, p.rule, p.message);
      return null;
    }
    this.parameterOf[result.index] = parameter;
    return result.index;
  }

  private textPlan(slot: ParameterSlot, source: string): Plan | null {
    const expr = this.expression(slot.key, source);
    if (expr === null) return null;
    const limits: TextLimits = { singleLine: true, maxLength: slot.maxLength };
    const name = this.named && slot.component !== 'button' ? slot.name : undefined;
    return {
      slot,
      exprs: [expr],
      mustRender: [expr],
      build: (run, display) => {
        const text = this.checkedText(run, slot.key, expr, limits);
        if (text === null) return null;
        run.displays[display] = text;
        return name === undefined ? { type: 'text', text } : { type: 'text', text, parameter_name: name };
      },
    };
  }

  private currencyPlan(slot: ParameterSlot, bound: CurrencyBinding): Plan | null {
    const amount = this.expression(`${slot.key}.amount`, bound.amount);
    const code = this.expression(`${slot.key}.code`, bound.code);
    const fallback = bound.fallback === undefined ? null : this.expression(`${slot.key}.fallback`, bound.fallback);
    if (amount === null || code === null || (fallback === null && bound.fallback !== undefined)) return null;
    if (bound.locale !== undefined && (typeof bound.locale !== 'string' || !isLocale(bound.locale))) {
      this.problem(`${slot.key}.locale`, 'invalid_binding', `${slot.key}.locale must be a BCP 47 locale Intl has data for, such as id-ID or en-US`);
      return null;
    }
    const name = this.named ? slot.name : undefined;
    const limits: TextLimits = { singleLine: true, maxLength: slot.maxLength };
    const locale = this.locale;
    const given = bound.locale ?? this.givenLocale;
    return {
      slot,
      exprs: fallback === null ? [amount, code] : [amount, code, fallback],
      mustRender: [amount, code],
      build: (run, display) => {
        const value = this.checkedText(run, `${slot.key}.amount`, amount, SINGLE_LINE);
        const currency = this.checkedText(run, `${slot.key}.code`, code, SINGLE_LINE);
        if (value === null || currency === null) return null;
        if (!isCurrencyCode(currency)) {
          run.problems.add(`${slot.key}.code`, 'invalid_value', `${slot.key}.code "${currency}" is not an ISO 4217 currency code`);
          return null;
        }
        const readIn = amountLocale(given, currency, run.contact.country, locale);
        const number = parseAmount(value, readIn, currency);
        if (number === null) {
          run.problems.add(
            `${slot.key}.amount`,
            'not_a_number',
            `${slot.key}.amount is not a number as ${readIn} writes one (such as ${amountExamples(readIn)}); if the data is written another way, give the binding its locale`,
          );
          return null;
        }
        // amount_1000 is an integer: past 2^53 it would be sent rounded, or as 1e+303
        const amount1000 = Math.round(number * 1000);
        if (!Number.isSafeInteger(amount1000)) {
          run.problems.add(`${slot.key}.amount`, 'out_of_range', `the amount must be below ${Math.floor(Number.MAX_SAFE_INTEGER / 1000)} (amount_1000 is a whole number below 2^53)`);
          return null;
        }
        let shown: string | null;
        if (fallback !== null) shown = this.checkedText(run, `${slot.key}.fallback`, fallback, limits);
        else shown = currencyFormat(currency, locale)?.format(number) ?? `${currency} ${value.trim()}`;
        if (shown === null) return null;
        run.displays[display] = shown;
        const parameter: TemplateParameter = {
          type: 'currency',
          currency: { fallback_value: shown, code: currency, amount_1000: amount1000 },
        };
        if (name !== undefined) parameter.parameter_name = name;
        return parameter;
      },
    };
  }

  private dateTimePlan(slot: ParameterSlot, bound: DateTimeBinding): Plan | null {
    const fallback = this.expression(`${slot.key}.fallback`, bound.fallback);
    if (fallback === null) return null;
    const name = this.named ? slot.name : undefined;
    const limits: TextLimits = { singleLine: true, maxLength: slot.maxLength };
    return {
      slot,
      exprs: [fallback],
      mustRender: [fallback],
      build: (run, display) => {
        const shown = this.checkedText(run, `${slot.key}.fallback`, fallback, limits);
        if (shown === null) return null;
        run.displays[display] = shown;
        const parameter: TemplateParameter = { type: 'date_time', date_time: { fallback_value: shown } };
        if (name !== undefined) parameter.parameter_name = name;
        return parameter;
      },
    };
  }

  private mediaPlan(slot: ParameterSlot, bound: MediaBinding): Plan | null {
    const type = bound.type;
    if ((bound.link === undefined) === (bound.id === undefined)) {
      this.problem(slot.key, 'invalid_binding', `a ${type} binding has exactly one of link and id`);
      return null;
    }
    if (bound.filename !== undefined && type !== 'document') {
      this.problem(`${slot.key}.filename`, 'invalid_binding', 'only documents have a filename');
      return null;
    }
    const source = bound.link !== undefined ? this.expression(`${slot.key}.link`, bound.link) : this.expression(`${slot.key}.id`, bound.id);
    const filename = bound.filename === undefined ? null : this.expression(`${slot.key}.filename`, bound.filename);
    if (source === null || (bound.filename !== undefined && filename === null)) return null;
    const byLink = bound.link !== undefined;
    const field = `${slot.key}.${byLink ? 'link' : 'id'}`;
    return {
      slot,
      exprs: filename === null ? [source] : [source, filename],
      mustRender: [source],
      build: (run, display) => {
        const ref = this.checkedText(run, field, source, SINGLE_LINE);
        if (ref === null) return null;
        if (byLink && !isHttpUrl(ref)) {
          run.problems.add(field, 'invalid_url', 'the media link must be an http(s) URL');
          return null;
        }
        const name = filename === null ? '' : run.values[filename].trim();
        run.displays[display] = `[${type}]`;
        const media = byLink ? { link: ref } : { id: ref };
        if (type === 'image') return { type, image: media };
        if (type === 'video') return { type, video: media };
        return { type, document: name === '' ? media : { ...media, filename: name } };
      },
    };
  }

  private locationPlan(slot: ParameterSlot, bound: LocationBinding): Plan | null {
    const latitude = this.expression(`${slot.key}.latitude`, bound.latitude);
    const longitude = this.expression(`${slot.key}.longitude`, bound.longitude);
    const name = bound.name === undefined ? null : this.expression(`${slot.key}.name`, bound.name);
    const address = bound.address === undefined ? null : this.expression(`${slot.key}.address`, bound.address);
    if (latitude === null || longitude === null) return null;
    return {
      slot,
      exprs: [latitude, longitude, ...[name, address].filter((e): e is number => e !== null)],
      mustRender: [],
      build: (run, display) => {
        const lat = coordinate(run, `${slot.key}.latitude`, run.values[latitude], 90);
        const long = coordinate(run, `${slot.key}.longitude`, run.values[longitude], 180);
        if (lat === null || long === null) return null;
        const location: { latitude: number; longitude: number; name?: string; address?: string } = { latitude: lat, longitude: long };
        const placeName = name === null ? '' : run.values[name].trim();
        const placeAddress = address === null ? '' : run.values[address].trim();
        if (placeName !== '') location.name = placeName;
        if (placeAddress !== '') location.address = placeAddress;
        run.displays[display] = placeName !== '' ? `[location: ${placeName}]` : '[location]';
        return { type: 'location', location };
      },
    };
  }

  private urlPlan(slot: ParameterSlot, source: string): Plan | null {
    const expr = this.expression(slot.key, source);
    if (expr === null) return null;
    const limits: TextLimits = { singleLine: true, maxLength: slot.maxLength };
    return {
      slot,
      exprs: [expr],
      mustRender: [expr],
      build: (run, display) => {
        const suffix = this.checkedText(run, slot.key, expr, limits);
        if (suffix === null) return null;
        if (!isUrlSafe(suffix)) {
          run.problems.add(slot.key, 'not_url_safe', 'the URL suffix has characters a URL cannot hold (spaces, non-ASCII…): encode it with {{urlencode …}}');
          return null;
        }
        run.displays[display] = suffix;
        return { type: 'text', text: suffix };
      },
    };
  }

  /** Coupon codes, one-time passwords and quick-reply payloads (the last optional: empty means none). */
  private codePlan(slot: ParameterSlot, source: string): Plan | null {
    const expr = this.expression(slot.key, source);
    if (expr === null) return null;
    const limits: TextLimits = { singleLine: true, maxLength: slot.maxLength };
    const kind = slot.kind;
    return {
      slot,
      exprs: [expr],
      // A quick-reply payload that renders empty is left out; its paths are not needed.
      mustRender: kind === 'payload' ? [] : [expr],
      build: (run, display) => {
        if (kind === 'payload' && textRule(run.values[expr], limits) === 'empty_value') return null;
        const code = this.checkedText(run, slot.key, expr, limits);
        if (code === null) return null;
        run.displays[display] = code;
        if (kind === 'coupon_code') return { type: 'coupon_code', coupon_code: code };
        if (kind === 'payload') return { type: 'payload', payload: code };
        return { type: 'text', text: code };
      },
    };
  }

  /** The rendered text when it passes every rule; otherwise null, with the problem recorded. */
  private checkedText(run: Run, parameter: string, expr: number, limits: TextLimits): string | null {
    if (this.batch.issueOf(expr) !== null) return null; // already reported (see render)
    const value = run.values[expr];
    let rule: ValueRule | null = textRule(value, limits);
    if (rule === null && this.batch.hasMissing(expr, run.contact)) rule = 'missing_value';
    if (rule === null) return value;
    run.problems.add(parameter, rule, `${parameter} ${describeRule(rule, value, limits, this.batch, expr, run.contact)}`);
    return null;
  }

  /** Constant values (no expression) that break a rule would fail for every recipient: report them now. */
  private checkConstants(): void {
    const run = this.run;
    this.batch.renderInto(run.contact, run.values);
    this.plans.forEach((plan, i) => {
      if (!plan.exprs.every((expr) => this.batch.isConstant(expr))) return;
      run.problems.reset();
      plan.build(run, i);
      for (const p of run.problems.list ?? []) this.problem(p.parameter, p.rule, p.message);
    });
    run.problems.reset();
  }

  private problem(parameter: string, rule: BindingProblem['rule'], message: string): void {
    this.problems.push({ parameter, rule, message });
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** Each expression's issue (a value a helper could not use, or data that threw) as a problem of the parameter it fills. */
export function reportIssues(batch: ExpressionBatch, parameterOf: readonly string[], problems: ProblemCollector): void {
  for (let i = 0; i < batch.size; i++) {
    const issue = batch.issueOf(i);
    if (issue !== null) problems.add(parameterOf[i], issue.rule, `${parameterOf[i]} ${issue.message}`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function coordinate(run: Run, parameter: string, text: string, limit: number): number | null {
  if (textRule(text, SINGLE_LINE) === 'empty_value') {
    run.problems.add(parameter, 'empty_value', `${parameter} renders empty`);
    return null;
  }
  const value = toNumber(text);
  if (value === null) {
    run.problems.add(parameter, 'not_a_number', `${parameter} must render a number such as -6.2088`);
    return null;
  }
  if (Math.abs(value) > limit) {
    run.problems.add(parameter, 'out_of_range', `${parameter} must be between -${limit} and ${limit}`);
    return null;
  }
  return value;
}

function buttonSubType(slot: ParameterSlot): 'url' | 'copy_code' | 'quick_reply' {
  return slot.kind === 'coupon_code' ? 'copy_code' : slot.kind === 'payload' ? 'quick_reply' : 'url';
}

function describeSlot(slot: ParameterSlot): string {
  switch (slot.kind) {
    case 'text':
      return 'a text variable: bind a Handlebars string, or { type: "currency" } / { type: "date_time" }';
    case 'image':
    case 'video':
    case 'document':
      return `a ${slot.kind} header: bind { type: "${slot.kind}", link: "https://…" }`;
    case 'location':
      return 'a location header: bind { type: "location", latitude, longitude }';
    case 'url':
      return "a URL button's suffix: bind a Handlebars string";
    case 'coupon_code':
      return 'a copy-code coupon: bind a Handlebars string';
    case 'otp':
      return 'the one-time password: bind a Handlebars string';
    case 'payload':
      return "a quick reply's payload: bind a Handlebars string";
  }
}

function describeBinding(bound: unknown): string {
  if (typeof bound === 'string') return 'a text';
  if (isObject(bound) && typeof bound.type === 'string') return `of type ${bound.type}`;
  return 'not a string nor a typed binding';
}
