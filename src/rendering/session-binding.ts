import type {
  ContactCard,
  Interactive,
  InteractiveHeader,
  MediaRef,
  MessageContent,
  TemplateContent,
} from '../whatsapp/cloud-api.types';
import { BindingError, type BindingProblem, type RenderContact, type RenderProblem, type ValueRule } from './binding-problems';
import { ExpressionBatch, ExpressionCompiler } from './expressions';
import { toNumber } from './helpers';
import { reportIssues, type BindingOptions } from './template-binding';
import { describeRule, isHttpUrl, ProblemCollector, textRule, type TextLimits } from './value-rules';

/**
 * Session messages (sent inside a customer's 24-hour window) bound to contact data: the same
 * Handlebars expressions and per-recipient rules as template bindings, for every session type.
 *
 * A definition is a MessageContent of any type but `template`, in which every string may hold
 * expressions and latitude/longitude may be expressions too:
 *
 * ```ts
 * const def: SessionMessageDefinition = {
 *   type: 'interactive',
 *   interactive: {
 *     type: 'button',
 *     body: { text: 'Hi *{{title name}}*, your order {{attributes.order}} is ready. Deliver to {{default attributes.city "Jakarta"}}?' },
 *     action: { buttons: [{ type: 'reply', reply: { id: 'yes:{{id}}', title: 'Yes' } }, { type: 'reply', reply: { id: 'no:{{id}}', title: 'No' } }] },
 *   },
 * };
 * ```
 *
 * WhatsApp formatting (*bold*, _italic_, ~strike~, ```code```) and newlines pass through: only
 * template parameters forbid newlines. Required fields that render empty are `empty_value`;
 * optional ones (captions, footers, a contact card's extra fields, a location's name) are left out
 * when they render empty. Limits: text body 4,096 and caption 1,024 (shared/WHATSAPP.md);
 * interactive body 1,024, header and footer 60, reply-button title 20 and id 256, list button 20,
 * section title 24, row title 24, row description 72, row id 200, call-to-action text 20 (Meta's
 * interactive message reference, as enforced by the whatsapp-api-js SDK); at most 3 reply buttons,
 * 10 sections and 10 rows (shared/WHATSAPP.md), checked when compiling.
 */

/** A definition's strings may hold Handlebars expressions; numbers may be expressions too. */
type Bindable<T> = T extends string
  ? string extends T
    ? string
    : T
  : T extends number
    ? number | string
    : T extends boolean
      ? T
      : T extends ReadonlyArray<infer U>
        ? Array<Bindable<U>>
        : T extends object
          ? { [K in keyof T]: Bindable<T[K]> }
          : T;

export type SessionMessageDefinition = Bindable<Exclude<MessageContent, TemplateContent>>;
export type SessionContent = Exclude<MessageContent, TemplateContent>;

export type SessionRenderResult = { ok: true; content: SessionContent; text: string } | { ok: false; problems: RenderProblem[] };

export interface CompiledSession {
  /** The contact paths without which a render certainly fails: those required texts read outside `default` and blocks (see CompiledTemplate). */
  readonly requiredPaths: readonly string[];
  /** The message for one contact, or every problem its data has. Never throws for data. */
  render(contact: RenderContact): SessionRenderResult;
}

export const SESSION_LIMITS = {
  textBody: 4096,
  caption: 1024,
  interactiveBody: 1024,
  interactiveHeader: 60,
  interactiveFooter: 60,
  replyButtons: 3,
  replyTitle: 20,
  replyId: 256,
  listButton: 20,
  listSections: 10,
  listRows: 10,
  sectionTitle: 24,
  rowTitle: 24,
  rowDescription: 72,
  rowId: 200,
  ctaText: 20,
} as const;

/** Compiles a session message; throws a BindingError listing every configuration problem. */
export function compileSessionMessage(def: SessionMessageDefinition, options: BindingOptions = {}): CompiledSession {
  return new SessionRenderer(def, options);
}

// ---------------------------------------------------------------------------------------------

interface Run {
  values: string[];
  contact: RenderContact;
  problems: ProblemCollector;
}

/** Reads one field for one recipient; undefined when an optional field is left out (or on a problem, recorded in the run). */
type Get<T> = (run: Run) => T | undefined;

interface TextSpec {
  max?: number;
  required: boolean;
  /** 'url': an http(s) URL. */
  format?: 'url';
}

class SessionRenderer implements CompiledSession {
  readonly requiredPaths: readonly string[];
  private readonly compiler: ExpressionCompiler;
  private batch!: ExpressionBatch;
  private readonly problems: BindingProblem[] = [];
  /** Every field with the expressions it reads, to check constant fields once at compile time. */
  private readonly fields: Array<{ get: Get<unknown>; exprs: number[]; mustRender?: number[] }> = [];
  /** The field path (`image.caption`) each expression fills, by expression index. */
  private readonly parameterOf: string[] = [];
  private readonly build: Get<{ content: SessionContent; text: string }>;
  private readonly run: Run;

  constructor(def: SessionMessageDefinition, options: BindingOptions) {
    this.compiler = new ExpressionCompiler({ locale: options.locale ?? 'en', timeZone: options.timeZone ?? 'UTC' });
    this.build = this.message(def);
    this.batch = this.compiler.build();
    this.run = { values: new Array<string>(this.batch.size).fill(''), contact: { attributes: {} }, problems: new ProblemCollector() };
    this.checkConstants();
    if (this.problems.length > 0) throw new BindingError(this.problems);
    this.requiredPaths = this.batch.requiredPaths(this.fields.flatMap((field) => field.mustRender ?? []));
  }

  render(contact: RenderContact): SessionRenderResult {
    const run = this.run;
    run.contact = contact;
    run.problems.reset();
    this.batch.renderInto(contact, run.values);
    // Also for optional fields: data a helper could not use is reported, not silently left out.
    if (this.batch.hasIssues) reportIssues(this.batch, this.parameterOf, run.problems);
    const built = this.build(run);
    if (run.problems.list !== null || built === undefined) return { ok: false, problems: run.problems.list ?? [] };
    return { ok: true, content: built.content, text: built.text };
  }

  private checkConstants(): void {
    const run = this.run;
    this.batch.renderInto(run.contact, run.values);
    for (const field of this.fields) {
      if (field.exprs.length === 0 || !field.exprs.every((e) => this.batch.isConstant(e))) continue;
      run.problems.reset();
      field.get(run);
      for (const p of run.problems.list ?? []) this.problem(p.parameter, p.rule, p.message);
    }
    run.problems.reset();
  }

  private problem(parameter: string, rule: BindingProblem['rule'], message: string): void {
    this.problems.push({ parameter, rule, message });
  }

  // -------------------------------------------------------------------------------------------
  // Fields

  private expression(path: string, source: unknown): number | null {
    if (typeof source === 'number') source = String(source);
    if (typeof source !== 'string') {
      this.problem(path, 'invalid_binding', `${path} must be a string`);
      return null;
    }
    const result = this.compiler.add(source);
    if ('problems' in result) {
      for (const p of result.problems) this.problem(path, p.rule, p.message);
      return null;
    }
    this.parameterOf[result.index] = path;
    return result.index;
  }

  /** A text field. Optional ones that render empty are left out; required ones are `empty_value`. */
  private text(path: string, source: unknown, spec: TextSpec): Get<string> {
    if (source === undefined) {
      if (spec.required) this.problem(path, 'invalid_structure', `${path} is required`);
      return () => undefined;
    }
    const expr = this.expression(path, source);
    if (expr === null) return () => undefined;
    const limits: TextLimits = { singleLine: false, maxLength: spec.max };
    const get: Get<string> = (run) => {
      if (this.batch.issueOf(expr) !== null) return undefined; // already reported (see render)
      const value = run.values[expr];
      let rule: ValueRule | null = textRule(value, limits);
      if (rule === 'empty_value' && !spec.required) return undefined;
      if (rule === null && this.batch.hasMissing(expr, run.contact)) rule = 'missing_value';
      if (rule === null && spec.format === 'url' && !isHttpUrl(value.trim())) rule = 'invalid_url';
      if (rule !== null) {
        const message = rule === 'invalid_url' ? 'must be an http(s) URL' : describeRule(rule, value, limits, this.batch, expr, run.contact);
        run.problems.add(path, rule, `${path} ${message}`);
        return undefined;
      }
      return spec.format === 'url' ? value.trim() : value;
    };
    // A required text always fails without the paths it needs; an optional one may render empty and be left out.
    this.fields.push({ get, exprs: [expr], mustRender: spec.required ? [expr] : [] });
    return get;
  }

  private number(path: string, source: unknown, limit: number): Get<number> {
    if (source === undefined) {
      this.problem(path, 'invalid_structure', `${path} is required`);
      return () => undefined;
    }
    const expr = this.expression(path, source);
    if (expr === null) return () => undefined;
    const get: Get<number> = (run) => {
      if (this.batch.issueOf(expr) !== null) return undefined; // already reported (see render)
      const text = run.values[expr];
      const value = toNumber(text);
      if (textRule(text, { singleLine: false }) === 'empty_value') run.problems.add(path, 'empty_value', `${path} renders empty`);
      else if (value === null) run.problems.add(path, 'not_a_number', `${path} must render a number such as -6.2088`);
      else if (Math.abs(value) > limit) run.problems.add(path, 'out_of_range', `${path} must be between -${limit} and ${limit}`);
      else return value;
      return undefined;
    };
    this.fields.push({ get, exprs: [expr] });
    return get;
  }

  /** A media reference: exactly one of link (an http(s) URL) and id. */
  private mediaRef(path: string, source: { link?: unknown; id?: unknown } | undefined): Get<MediaRef> {
    if (!isRecord(source) || (source.link === undefined) === (source.id === undefined)) {
      this.problem(path, 'invalid_binding', `${path} has exactly one of link and id`);
      return () => undefined;
    }
    if (source.link !== undefined) {
      const link = this.text(`${path}.link`, source.link, { required: true, format: 'url' });
      return (run) => {
        const value = link(run);
        return value === undefined ? undefined : { link: value };
      };
    }
    const id = this.text(`${path}.id`, source.id, { required: true });
    return (run) => {
      const value = id(run);
      return value === undefined ? undefined : { id: value };
    };
  }

  // -------------------------------------------------------------------------------------------
  // Message types

  private message(def: SessionMessageDefinition): Get<{ content: SessionContent; text: string }> {
    switch (def.type) {
      case 'text': {
        const body = this.text('text.body', def.text?.body, { required: true, max: SESSION_LIMITS.textBody });
        const preview = def.text?.preview_url;
        return (run) => {
          const text = body(run);
          if (text === undefined) return undefined;
          const content: SessionContent = { type: 'text', text: preview === undefined ? { body: text } : { body: text, preview_url: preview } };
          return { content, text };
        };
      }
      case 'image':
      case 'video':
      case 'document':
        return this.captioned(def);
      case 'audio':
      case 'sticker': {
        const type = def.type;
        const ref = this.mediaRef(type, def.type === 'audio' ? def.audio : def.sticker);
        return (run) => {
          const media = ref(run);
          if (media === undefined) return undefined;
          const content: SessionContent = type === 'audio' ? { type, audio: media } : { type, sticker: media };
          return { content, text: `[${type}]` };
        };
      }
      case 'location':
        return this.location(def.location);
      case 'contacts':
        return this.contacts(def.contacts);
      case 'interactive':
        return this.interactive(def.interactive);
      default: {
        const type: unknown = (def as { type?: unknown }).type;
        this.problem('type', 'invalid_structure', `unknown message type ${String(type)}: text, image, video, audio, document, sticker, location, contacts or interactive`);
        return () => undefined;
      }
    }
  }

  private captioned(def: Extract<SessionMessageDefinition, { type: 'image' | 'video' | 'document' }>): Get<{ content: SessionContent; text: string }> {
    const type = def.type;
    const media = def.type === 'image' ? def.image : def.type === 'video' ? def.video : def.document;
    const ref = this.mediaRef(type, media as { link?: unknown; id?: unknown });
    const caption = this.text(`${type}.caption`, media?.caption, { required: false, max: SESSION_LIMITS.caption });
    const filename = def.type === 'document' ? this.text('document.filename', def.document?.filename, { required: false }) : () => undefined;
    return (run) => {
      const mediaRef = ref(run);
      const text = caption(run);
      const name = filename(run);
      if (mediaRef === undefined) return undefined;
      const fields = { ...mediaRef, ...(text !== undefined ? { caption: text } : {}), ...(name !== undefined ? { filename: name } : {}) };
      const content: SessionContent =
        type === 'image' ? { type, image: fields } : type === 'video' ? { type, video: fields } : { type, document: fields };
      const label = name !== undefined ? `[${type}: ${name}]` : `[${type}]`;
      return { content, text: text !== undefined ? `${label}\n${text}` : label };
    };
  }

  private location(def: Extract<SessionMessageDefinition, { type: 'location' }>['location'] | undefined): Get<{ content: SessionContent; text: string }> {
    const latitude = this.number('location.latitude', def?.latitude, 90);
    const longitude = this.number('location.longitude', def?.longitude, 180);
    const name = this.text('location.name', def?.name, { required: false });
    const address = this.text('location.address', def?.address, { required: false });
    return (run) => {
      const lat = latitude(run);
      const long = longitude(run);
      const place = name(run);
      const where = address(run);
      if (lat === undefined || long === undefined) return undefined;
      const location = { latitude: lat, longitude: long, ...(place !== undefined ? { name: place } : {}), ...(where !== undefined ? { address: where } : {}) };
      const label = [place, where].filter((s) => s !== undefined).join(', ') || `${lat}, ${long}`;
      return { content: { type: 'location', location }, text: `[location] ${label}` };
    };
  }

  private contacts(cards: ReadonlyArray<Bindable<ContactCard>> | undefined): Get<{ content: SessionContent; text: string }> {
    if (!Array.isArray(cards) || cards.length === 0) {
      this.problem('contacts', 'invalid_structure', 'contacts lists at least one contact card');
      return () => undefined;
    }
    const builds = cards.map((card, i) => this.contactCard(`contacts.${i}`, card));
    return (run) => {
      const built = builds.map((build) => build(run));
      if (built.some((card) => card === undefined)) return undefined;
      const list = built as ContactCard[];
      const text = list.map((card) => `[contact] ${card.name.formatted_name}${card.phones?.[0] ? ` ${card.phones[0].phone}` : ''}`).join('\n');
      return { content: { type: 'contacts', contacts: list }, text };
    };
  }

  /**
   * A contact card: `name.formatted_name` is required; every other string is optional and left out
   * when it renders empty, and a phone, email or URL entry without its number or address is dropped.
   */
  private contactCard(path: string, card: Bindable<ContactCard>): Get<ContactCard> {
    const formatted = this.text(`${path}.name.formatted_name`, card?.name?.formatted_name, { required: true });
    const rest = this.record(path, card as unknown as Record<string, unknown>, new Set(['name.formatted_name']));
    return (run) => {
      const name = formatted(run);
      const fields = rest(run) ?? {};
      if (name === undefined) return undefined;
      const nameFields = isRecord(fields.name) ? fields.name : {};
      return { ...fields, name: { ...nameFields, formatted_name: name } } as ContactCard;
    };
  }

  /** Every string of a plain structure as an optional text field (skipping `skip` paths, relative to `path`). */
  private record(path: string, value: Record<string, unknown>, skip: ReadonlySet<string>, prefix = ''): Get<Record<string, unknown>> {
    const entries: Array<[string, Get<unknown>]> = [];
    for (const [key, field] of Object.entries(value ?? {})) {
      const relative = prefix === '' ? key : `${prefix}.${key}`;
      if (skip.has(relative)) continue;
      entries.push([key, this.anyField(`${path}.${key}`, field, skip, relative)]);
    }
    return (run) => {
      const out: Record<string, unknown> = {};
      for (const [key, get] of entries) {
        const field = get(run);
        if (field !== undefined) out[key] = field;
      }
      return out;
    };
  }

  private anyField(path: string, field: unknown, skip: ReadonlySet<string>, relative: string): Get<unknown> {
    if (typeof field === 'string') return this.text(path, field, { required: false });
    if (Array.isArray(field)) {
      const items = field.map((item, i) => this.anyField(`${path}.${i}`, item, skip, relative));
      const key = ENTRY_KEYS[relative];
      return (run) => {
        const out = items.map((get) => get(run)).filter((item) => item !== undefined && !(key && isRecord(item) && item[key] === undefined));
        return out.length > 0 ? out : undefined;
      };
    }
    if (isRecord(field)) {
      const inner = this.record(path, field, skip, relative);
      return (run) => {
        const out = inner(run);
        return out !== undefined && Object.keys(out).length > 0 ? out : undefined;
      };
    }
    return () => field; // booleans, numbers: as given
  }

  // -------------------------------------------------------------------------------------------
  // Interactive

  private interactive(def: Bindable<Interactive> | undefined): Get<{ content: SessionContent; text: string }> {
    if (!isRecord(def)) {
      this.problem('interactive', 'invalid_structure', 'interactive needs a type: button, list or cta_url');
      return () => undefined;
    }
    const header = this.interactiveHeader(def.header, def.type === 'list');
    const body = this.text('interactive.body.text', def.body?.text, { required: true, max: SESSION_LIMITS.interactiveBody });
    const footer = this.text('interactive.footer.text', def.footer?.text, { required: false, max: SESSION_LIMITS.interactiveFooter });
    let action: Get<{ action: Interactive['action']; lines: string[] }>;
    switch (def.type) {
      case 'button':
        action = this.replyButtons(def.action?.buttons);
        break;
      case 'list':
        action = this.list(def.action);
        break;
      case 'cta_url':
        action = this.cta(def.action?.parameters);
        break;
      default:
        this.problem('interactive.type', 'invalid_structure', 'interactive.type must be button, list or cta_url');
        return () => undefined;
    }
    const type = def.type;
    return (run) => {
      const head = header(run);
      const text = body(run);
      const foot = footer(run);
      const act = action(run);
      if (text === undefined || act === undefined || run.problems.list !== null) return undefined;
      const interactive = {
        type,
        ...(head !== undefined ? { header: head.header } : {}),
        body: { text },
        ...(foot !== undefined ? { footer: { text: foot } } : {}),
        action: act.action,
      } as Interactive;
      const lines = [head?.text, text, foot, ...act.lines].filter((line): line is string => line !== undefined);
      return { content: { type: 'interactive', interactive }, text: lines.join('\n') };
    };
  }

  private interactiveHeader(def: Bindable<InteractiveHeader> | undefined, textOnly: boolean): Get<{ header: InteractiveHeader; text: string }> {
    if (def === undefined) return () => undefined;
    if (def.type === 'text') {
      const text = this.text('interactive.header.text', def.text, { required: true, max: SESSION_LIMITS.interactiveHeader });
      return (run) => {
        const value = text(run);
        return value === undefined ? undefined : { header: { type: 'text', text: value }, text: value };
      };
    }
    if (textOnly || (def.type !== 'image' && def.type !== 'video' && def.type !== 'document')) {
      this.problem('interactive.header.type', 'invalid_structure', textOnly ? 'a list message header is text' : 'the header type is text, image, video or document');
      return () => undefined;
    }
    const type = def.type;
    const media = def.type === 'image' ? def.image : def.type === 'video' ? def.video : def.document;
    const ref = this.mediaRef(`interactive.header.${type}`, media as { link?: unknown; id?: unknown });
    return (run) => {
      const value = ref(run);
      if (value === undefined) return undefined;
      const header: InteractiveHeader = type === 'image' ? { type, image: value } : type === 'video' ? { type, video: value } : { type, document: value };
      return { header, text: `[${type}]` };
    };
  }

  private replyButtons(buttons: unknown): Get<{ action: Interactive['action']; lines: string[] }> {
    if (!Array.isArray(buttons) || buttons.length === 0 || buttons.length > SESSION_LIMITS.replyButtons) {
      this.problem('interactive.action.buttons', 'invalid_structure', `a button message has 1 to ${SESSION_LIMITS.replyButtons} reply buttons`);
      return () => undefined;
    }
    const replies = buttons.map((button: { reply?: { id?: unknown; title?: unknown } }, i) => ({
      id: this.text(`interactive.action.buttons.${i}.reply.id`, button?.reply?.id, { required: true, max: SESSION_LIMITS.replyId }),
      title: this.text(`interactive.action.buttons.${i}.reply.title`, button?.reply?.title, { required: true, max: SESSION_LIMITS.replyTitle }),
    }));
    return (run) => {
      const built = replies.map((r) => ({ id: r.id(run), title: r.title(run) }));
      if (built.some((b) => b.id === undefined || b.title === undefined)) return undefined;
      const done = built as Array<{ id: string; title: string }>;
      for (const field of ['id', 'title'] as const) {
        const seen = new Set<string>();
        done.forEach((b, i) => {
          if (seen.has(b[field])) run.problems.add(`interactive.action.buttons.${i}.reply.${field}`, 'duplicate_title', `two reply buttons have the ${field} "${b[field]}"`);
          seen.add(b[field]);
        });
      }
      return {
        action: { buttons: done.map((b) => ({ type: 'reply' as const, reply: { id: b.id, title: b.title } })) },
        lines: done.map((b) => `[${b.title}]`),
      };
    };
  }

  private list(action: unknown): Get<{ action: Interactive['action']; lines: string[] }> {
    const def = isRecord(action) ? action : {};
    const sections = Array.isArray(def.sections) ? (def.sections as Array<{ title?: unknown; rows?: unknown }>) : [];
    const rowCount = sections.reduce((n, s) => n + (Array.isArray(s?.rows) ? s.rows.length : 0), 0);
    if (sections.length === 0 || sections.length > SESSION_LIMITS.listSections) {
      this.problem('interactive.action.sections', 'invalid_structure', `a list has 1 to ${SESSION_LIMITS.listSections} sections`);
    }
    if (rowCount === 0 || rowCount > SESSION_LIMITS.listRows) {
      this.problem('interactive.action.sections', 'invalid_structure', `a list has 1 to ${SESSION_LIMITS.listRows} rows in all; it has ${rowCount}`);
    }
    if (sections.length > 1 && sections.some((s) => s?.title === undefined)) {
      this.problem('interactive.action.sections', 'invalid_structure', 'every section needs a title when there are several');
    }
    const button = this.text('interactive.action.button', def.button, { required: true, max: SESSION_LIMITS.listButton });
    const built = sections.map((section, s) => ({
      title: this.text(`interactive.action.sections.${s}.title`, section?.title, { required: sections.length > 1, max: SESSION_LIMITS.sectionTitle }),
      rows: (Array.isArray(section?.rows) ? (section.rows as Array<{ id?: unknown; title?: unknown; description?: unknown }>) : []).map((row, r) => {
        const at = `interactive.action.sections.${s}.rows.${r}`;
        return {
          id: this.text(`${at}.id`, row?.id, { required: true, max: SESSION_LIMITS.rowId }),
          title: this.text(`${at}.title`, row?.title, { required: true, max: SESSION_LIMITS.rowTitle }),
          description: this.text(`${at}.description`, row?.description, { required: false, max: SESSION_LIMITS.rowDescription }),
        };
      }),
    }));
    return (run) => {
      const label = button(run);
      const lines = [`[${label ?? ''}]`];
      const out = built.map((section) => {
        const title = section.title(run);
        if (title !== undefined) lines.push(title);
        const rows = section.rows.map((row) => {
          const r = { id: row.id(run) ?? '', title: row.title(run) ?? '', description: row.description(run) };
          lines.push(r.description !== undefined ? `- ${r.title}: ${r.description}` : `- ${r.title}`);
          return r.description !== undefined ? r : { id: r.id, title: r.title };
        });
        return title !== undefined ? { title, rows } : { rows };
      });
      if (label === undefined) return undefined;
      return { action: { button: label, sections: out }, lines };
    };
  }

  private cta(parameters: unknown): Get<{ action: Interactive['action']; lines: string[] }> {
    const def = isRecord(parameters) ? parameters : {};
    const display = this.text('interactive.action.parameters.display_text', def.display_text, { required: true, max: SESSION_LIMITS.ctaText });
    const url = this.text('interactive.action.parameters.url', def.url, { required: true, format: 'url' });
    return (run) => {
      const text = display(run);
      const link = url(run);
      if (text === undefined || link === undefined) return undefined;
      return { action: { name: 'cta_url', parameters: { display_text: text, url: link } }, lines: [`[${text}] ${link}`] };
    };
  }
}

/** Contact-card lists whose entries mean nothing without one field. */
const ENTRY_KEYS: Record<string, string> = { phones: 'phone', emails: 'email', urls: 'url' };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
