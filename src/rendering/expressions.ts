import Handlebars from 'handlebars';
import { canonicalLocale, canonicalTimeZone, FieldProblem, LOCALE_RULE, validationFailed } from '../common/validation';
import type { BindingRule, RenderContact } from './binding-problems';
import {
  createHelpers,
  display,
  HELPER_NAMES,
  IssueSink,
  isCurrencyCode,
  isDateStyle,
  isLocale,
  isMissing,
  isTimeZone,
  toInstant,
  unknownPatternLetters,
  type HelperDefaults,
  type HelperIssue,
  type HelperName,
} from './helpers';

/**
 * Handlebars expressions of one campaign: checked and compiled once, rendered once per recipient.
 *
 * Each campaign gets its own Handlebars instance (`Handlebars.create()`), so nothing registered here
 * leaks into, or depends on, the global one, and the helpers carry the campaign's locale and time
 * zone. Compile options: `noEscape` (WhatsApp text is not HTML: &, <, quotes pass unchanged),
 * `strict` off (a missing attribute renders empty instead of throwing; the caller's empty-value and
 * missing-value rules report it, naming the paths that static analysis found missing), and
 * `knownHelpersOnly` (an unknown helper cannot slip through).
 *
 * Speed: a Handlebars template call rebuilds its helper table and access-control objects on every
 * call, which costs more than the work in a typical parameter (`{{title name}}`). So Handlebars
 * parses and checks every source, but the flat ones (text, paths and calls of this module's helpers
 * with path or literal arguments, which is nearly every parameter) are evaluated straight from the
 * AST, with the same helper functions and Handlebars' lookup rules: own properties only, null and
 * undefined print as "". Blocks (`{{#if}}`, `{{#each}}`), subexpressions and the built-in helpers
 * run through Handlebars itself. A test renders a corpus both ways and compares.
 *
 * One contact's data never breaks a render: a value a helper cannot use (see helpers.ts, Unusable)
 * and anything that throws while an expression is evaluated become that expression's issue
 * (`ExpressionBatch.issueOf`), which the caller reports as the recipient's problem.
 */

type Program = hbs.AST.Program;
type Node = hbs.AST.Node;
type Call = hbs.AST.MustacheStatement | hbs.AST.SubExpression | hbs.AST.BlockStatement;

const BUILTIN_HELPERS = ['if', 'unless', 'each', 'with', 'lookup'] as const;
const ALL_HELPERS: readonly string[] = [...HELPER_NAMES, ...BUILTIN_HELPERS];

export interface ExpressionProblem {
  rule: Extract<BindingRule, 'syntax_error' | 'unknown_helper' | 'unsupported_syntax' | 'invalid_helper_argument'>;
  message: string;
}

/** What static analysis learns about one expression. */
interface Analysis {
  /** Paths whose absence makes the text wrong: outside `default` and outside blocks. */
  required: string[][];
  usesDefault: boolean;
}

/** A piece of a flat expression: literal text, a path, or a call of one of this module's helpers. */
type FlatPiece = string | { path: string[] } | FlatCall;

interface FlatCall {
  helper: (...args: unknown[]) => unknown;
  /** Paths are resolved per render; literals are fixed. */
  args: Array<{ path: string[] } | { value: unknown }>;
  /** Reused for every call: its slots are overwritten before each call, and the options object stays last. */
  scratch: unknown[];
}

type Entry =
  | { kind: 'constant'; value: string; analysis: Analysis }
  | { kind: 'flat'; pieces: FlatPiece[]; analysis: Analysis }
  | { kind: 'handlebars'; ast: Program; analysis: Analysis; template: HandlebarsTemplateDelegate | null };

export class ExpressionCompiler {
  private readonly hb = Handlebars.create();
  private readonly helpers: Record<HelperName, (...args: unknown[]) => unknown>;
  /** Where the helpers report what they cannot use; read by the batch after each expression. */
  private readonly sink = new IssueSink();
  private readonly entries: Entry[] = [];
  /** Helpers that Handlebars itself calls: only these stay registered (see `build`). */
  private readonly usedHelpers = new Set<string>();

  /**
   * `defaults` are the campaign's (or preview's) locale and time zone; either one that Intl refuses
   * is a VALIDATION_FAILED naming the field (`locale`, `timeZone`), never a RangeError later.
   */
  constructor(defaults: HelperDefaults) {
    const locale = canonicalLocale(defaults.locale);
    const timeZone = canonicalTimeZone(defaults.timeZone);
    const problems: FieldProblem[] = [];
    if (locale === null) problems.push({ field: 'locale', problems: [`locale must be ${LOCALE_RULE}`] });
    if (timeZone === null) problems.push({ field: 'timeZone', problems: ['timeZone must be an IANA time zone such as Asia/Jakarta or UTC'] });
    if (problems.length > 0) throw validationFailed(problems);
    // Only the block helpers a message needs stay; `log` would write to the console from a message.
    for (const name of Object.keys(this.hb.helpers)) {
      if (!ALL_HELPERS.includes(name) && name !== 'helperMissing' && name !== 'blockHelperMissing') this.hb.unregisterHelper(name);
    }
    const numberLocale = defaults.numberLocale === undefined ? undefined : (canonicalLocale(defaults.numberLocale) ?? undefined);
    this.helpers = createHelpers({ locale: locale!, timeZone: timeZone!, ...(numberLocale ? { numberLocale } : {}) }, this.sink);
    for (const name of HELPER_NAMES) this.hb.registerHelper(name, this.helpers[name]);
  }

  /** Checks and records one source; returns its index in the batch, or why it cannot be used. */
  add(source: string): { index: number } | { problems: ExpressionProblem[] } {
    if (!source.includes('{{')) return this.push({ kind: 'constant', value: source, analysis: { required: [], usesDefault: false } });
    let ast: Program;
    try {
      ast = this.hb.parse(source);
    } catch (error) {
      return { problems: [{ rule: 'syntax_error', message: parseErrorMessage(error) }] };
    }
    const problems = checkProgram(ast);
    if (problems.length > 0) return { problems };
    const analysis = analyse(ast);
    const pieces = this.flatPieces(ast);
    if (pieces !== null) return this.push({ kind: 'flat', pieces, analysis });
    for (const name of helpersCalled(ast)) this.usedHelpers.add(name);
    return this.push({ kind: 'handlebars', ast, analysis, template: null });
  }

  /** Compiles what was added into a batch; call once, after every `add`. */
  build(): ExpressionBatch {
    // Every Handlebars call copies and wraps each registered helper, so unused ones cost every
    // recipient; the compile options still list them all, so code generation does not change.
    for (const name of ALL_HELPERS) if (!this.usedHelpers.has(name)) this.hb.unregisterHelper(name);
    const options: CompileOptions = {
      noEscape: true,
      strict: false,
      knownHelpersOnly: true,
      knownHelpers: Object.fromEntries(ALL_HELPERS.map((name) => [name, true])),
    };
    for (const entry of this.entries) if (entry.kind === 'handlebars') entry.template = this.hb.compile(entry.ast, options);
    const batch = new ExpressionBatch(this.entries, this.sink);
    batch.renderInto({ attributes: {} }, []); // compiles now (Handlebars compiles lazily), not at the first recipient
    return batch;
  }

  private push(entry: Entry): { index: number } {
    this.entries.push(entry);
    return { index: this.entries.length - 1 };
  }

  /** The program as flat pieces, or null when it needs Handlebars (blocks, subexpressions, built-in helpers). */
  private flatPieces(ast: Program): FlatPiece[] | null {
    const pieces: FlatPiece[] = [];
    for (const statement of ast.body) {
      if (statement.type === 'ContentStatement') {
        pieces.push((statement as hbs.AST.ContentStatement).value);
        continue;
      }
      if (statement.type === 'CommentStatement') continue;
      if (statement.type !== 'MustacheStatement') return null;
      const mustache = statement as hbs.AST.MustacheStatement;
      const name = helperName(mustache);
      if (name !== null && (HELPER_NAMES as readonly string[]).includes(name)) {
        const call = this.flatCall(name as HelperName, mustache);
        if (call === null) return null;
        pieces.push(call);
      } else if (!isHelperCall(mustache) && (name === null || !ALL_HELPERS.includes(name))) {
        const path = contextPath(mustache.path);
        if (path === null) return null;
        pieces.push({ path });
      } else {
        return null;
      }
    }
    return pieces;
  }

  private flatCall(name: HelperName, mustache: hbs.AST.MustacheStatement): FlatCall | null {
    const args: FlatCall['args'] = [];
    for (const param of mustache.params) {
      const value = literalValue(param);
      if (value.literal) args.push({ value: value.value });
      else {
        const path = contextPath(param);
        if (path === null) return null;
        args.push({ path });
      }
    }
    const hash: Record<string, unknown> = {};
    for (const pair of mustache.hash?.pairs ?? []) {
      const value = literalValue(pair.value);
      if (!value.literal) return null;
      hash[pair.key] = value.value;
    }
    return { helper: this.helpers[name], args, scratch: [...args.map(() => undefined), { hash }] };
  }
}

const RENDER_FAILED: HelperIssue = { rule: 'render_failed', message: "cannot be rendered with this contact's data" };

/** The compiled expressions of one campaign. `renderInto` is the per-recipient hot path. */
export class ExpressionBatch {
  /** The last render's issues by expression index; null when it had none (the usual case: nothing allocated). */
  private issues: Array<HelperIssue | undefined> | null = null;

  constructor(
    private readonly entries: readonly Entry[],
    private readonly sink: IssueSink = new IssueSink(),
  ) {}

  get size(): number {
    return this.entries.length;
  }

  /**
   * Renders every expression for one contact: `out[i]` is expression i's text. Never throws for
   * data: an expression whose data a helper could not use (printed as "", as Handlebars would), or
   * whose evaluation threw (then all of it is ""), has an issue (`issueOf`) until the next render.
   * Callers check the issue before anything else about the value: `hasMissing` and `missingPaths`
   * read the same data again.
   */
  renderInto(contact: RenderContact, out: string[]): void {
    const entries = this.entries;
    const sink = this.sink;
    this.issues = null;
    sink.issue = null;
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i];
      try {
        if (entry.kind === 'constant') out[i] = entry.value;
        else if (entry.kind === 'flat') out[i] = renderFlat(entry.pieces, contact);
        else out[i] = entry.template!(contact);
      } catch {
        out[i] = '';
        sink.report(RENDER_FAILED);
      }
      if (sink.issue !== null) {
        (this.issues ??= [])[i] = sink.issue;
        sink.issue = null;
      }
    }
  }

  /** Why expression `index` could not be rendered for the last contact, or null. */
  issueOf(index: number): HelperIssue | null {
    return this.issues?.[index] ?? null;
  }

  /** Whether any expression of the last render has an issue. */
  get hasIssues(): boolean {
    return this.issues !== null;
  }

  /** Whether a path that expression `index` needs is missing for this contact. */
  hasMissing(index: number, contact: RenderContact): boolean {
    const required = this.entries[index].analysis.required;
    for (let i = 0; i < required.length; i++) if (isMissing(lookup(contact, required[i]))) return true;
    return false;
  }

  /** The paths (`attributes.city`) the given expressions need outside `default` and blocks, sorted, each once. */
  requiredPaths(indexes: Iterable<number>): string[] {
    const paths = new Set<string>();
    for (const index of indexes) for (const parts of this.entries[index].analysis.required) paths.add(parts.join('.'));
    return [...paths].sort();
  }

  /** The needed paths that are missing for this contact ("attributes.city"), for messages. */
  missingPaths(index: number, contact: RenderContact): string[] {
    return this.entries[index].analysis.required.filter((parts) => isMissing(lookup(contact, parts))).map((parts) => parts.join('.'));
  }

  usesDefault(index: number): boolean {
    return this.entries[index].analysis.usesDefault;
  }

  isConstant(index: number): boolean {
    return this.entries[index].kind === 'constant';
  }

  /** How expression `index` is evaluated, for tests: 'constant', 'flat' or 'handlebars'. */
  engineOf(index: number): Entry['kind'] {
    return this.entries[index].kind;
  }
}

function renderFlat(pieces: readonly FlatPiece[], contact: RenderContact): string {
  let out = '';
  for (let i = 0; i < pieces.length; i++) {
    const piece = pieces[i];
    if (typeof piece === 'string') out += piece;
    else if ('path' in piece) out += display(lookup(contact, piece.path));
    else {
      const { args, scratch } = piece;
      for (let a = 0; a < args.length; a++) {
        const arg = args[a];
        scratch[a] = 'path' in arg ? lookup(contact, arg.path) : arg.value;
      }
      out += piece.helper(...scratch) as string; // an Unusable prints "" and reports itself (helpers.ts)
    }
  }
  return out;
}

/** Reads a path as Handlebars does: own properties only, through objects only. */
function lookup(root: unknown, parts: readonly string[]): unknown {
  let value = root;
  for (let i = 0; i < parts.length; i++) {
    if (value === null || typeof value !== 'object' || !Object.prototype.hasOwnProperty.call(value, parts[i])) return undefined;
    value = (value as Record<string, unknown>)[parts[i]];
  }
  return typeof value === 'function' ? undefined : value;
}

// ---------------------------------------------------------------------------------------------
// Static checks and analysis over the AST

function isCallNode(node: Node): node is Call {
  return node.type === 'MustacheStatement' || node.type === 'SubExpression' || node.type === 'BlockStatement';
}

/** Visits every node depth-first; `enter` returns false to skip a node's children. */
function walk(node: Node, enter: (node: Node, insideBlock: boolean, insideDefault: boolean) => boolean, insideBlock = false, insideDefault = false): void {
  if (!enter(node, insideBlock, insideDefault)) return;
  if (node.type === 'Program') {
    for (const statement of (node as Program).body) walk(statement, enter, insideBlock, insideDefault);
    return;
  }
  if (!isCallNode(node)) return;
  const inDefault = insideDefault || helperName(node) === 'default';
  const children: Node[] = [...node.params, ...(node.hash?.pairs.map((pair) => pair.value) ?? [])];
  for (const child of children) walk(child, enter, insideBlock || node.type === 'BlockStatement', inDefault);
  if (node.type === 'BlockStatement') {
    const block = node as hbs.AST.BlockStatement;
    if (block.program) walk(block.program, enter, true, inDefault);
    if (block.inverse) walk(block.inverse, enter, true, inDefault);
  }
}

/** The helper a call names, if its head is a simple name (`upper`, not `attributes.upper`). */
function helperName(call: Call): string | null {
  const path = call.path;
  if (path.type !== 'PathExpression') return null;
  const p = path as hbs.AST.PathExpression;
  return p.parts.length === 1 && !p.data && p.depth === 0 ? p.parts[0] : null;
}

function isHelperCall(call: Call): boolean {
  return call.type === 'SubExpression' || call.params.length > 0 || (call.hash?.pairs.length ?? 0) > 0;
}

function checkProgram(ast: Program): ExpressionProblem[] {
  const problems: ExpressionProblem[] = [];
  walk(ast, (node) => {
    switch (node.type) {
      case 'PartialStatement':
      case 'PartialBlockStatement':
        problems.push({ rule: 'unsupported_syntax', message: 'partials ({{> name}}) are not available in messages' });
        return false;
      case 'Decorator':
      case 'DecoratorBlock':
        problems.push({ rule: 'unsupported_syntax', message: 'decorators ({{* name}}) are not available in messages' });
        return false;
      default:
        if (isCallNode(node)) checkCall(node, problems);
        return true;
    }
  });
  return problems;
}

function checkCall(call: Call, problems: ExpressionProblem[]): void {
  const name = helperName(call);
  if (name !== null && ALL_HELPERS.includes(name)) {
    checkHelperArguments(name, call, problems);
    return;
  }
  if (!isHelperCall(call)) return; // {{attributes.city}}, or a block over a path ({{#attributes.vip}}…)
  const head = call.path.type === 'PathExpression' ? (call.path as hbs.AST.PathExpression).original : String(call.path.type);
  problems.push({ rule: 'unknown_helper', message: `"${head}" is not a helper (helpers: ${ALL_HELPERS.join(', ')})` });
}

function literal(node: Node | undefined): string | undefined {
  return node?.type === 'StringLiteral' ? (node as hbs.AST.StringLiteral).value : undefined;
}

function hashLiteral(call: Call, key: string): string | undefined {
  return literal(call.hash?.pairs.find((pair) => pair.key === key)?.value);
}

/** Literal arguments that can never work are configuration errors, found before the first recipient. */
function checkHelperArguments(name: string, call: Call, problems: ExpressionProblem[]): void {
  const bad = (message: string) => problems.push({ rule: 'invalid_helper_argument', message });
  const locale = (value: string | undefined) => {
    if (value !== undefined && !isLocale(value)) bad(`"${value}" is not ${LOCALE_RULE}`);
  };
  if (name === 'currency') {
    const code = literal(call.params[1]);
    if (call.params.length < 2) bad('currency needs an amount and a currency code: {{currency attributes.total "IDR"}}');
    else if (code !== undefined && !isCurrencyCode(code)) bad(`"${code}" is not an ISO 4217 currency code (examples: IDR, USD)`);
    locale(literal(call.params[2]));
  } else if (name === 'date') {
    const given = call.params[0] === undefined ? { literal: false as const } : literalValue(call.params[0]);
    if (given.literal && given.value !== undefined && given.value !== null) {
      const instant = toInstant(given.value);
      if ('rule' in instant) bad(`the date ${JSON.stringify(given.value)} ${instant.message.replace(/^cannot be rendered: the date helper /, '')}`);
    }
    const pattern = literal(call.params[1]);
    const unknown = pattern === undefined ? [] : unknownPatternLetters(pattern);
    if (unknown.length > 0) bad(`the date pattern "${pattern}" has unknown letters ${unknown.join(', ')} (quote literal text: 'at')`);
    const zone = hashLiteral(call, 'tz');
    if (zone !== undefined && !isTimeZone(zone)) bad(`"${zone}" is not an IANA time zone (example: Asia/Jakarta)`);
    for (const key of ['dateStyle', 'timeStyle']) {
      const style = hashLiteral(call, key);
      if (style !== undefined && !isDateStyle(style)) bad(`${key} must be full, long, medium or short`);
    }
    locale(hashLiteral(call, 'locale'));
  } else if (name === 'default' && call.params.length < 2) {
    bad('default needs a value and a fallback: {{default attributes.city "Jakarta"}}');
  }
}

/**
 * Paths the text needs: in a mustache or helper argument, outside `default` (whose point is to
 * cover a missing value) and outside blocks (`{{#if}}`, `{{#each}}`: their author decides).
 */
function analyse(ast: Program): Analysis {
  const required: string[][] = [];
  let usesDefault = false;
  walk(ast, (node, insideBlock, insideDefault) => {
    const isDefault = isCallNode(node) && helperName(node) === 'default';
    if (isDefault) usesDefault = true;
    if (insideBlock || insideDefault || isDefault) return true;
    if (node.type === 'MustacheStatement' || node.type === 'SubExpression') {
      const call = node as Call;
      const name = helperName(call);
      const candidates = name !== null && ALL_HELPERS.includes(name) ? call.params : isHelperCall(call) ? [] : [call.path];
      for (const candidate of candidates) {
        const parts = contextPath(candidate);
        if (parts && !required.some((known) => known.join('.') === parts.join('.'))) required.push(parts);
      }
    }
    return true;
  });
  return { required, usesDefault };
}

function helpersCalled(ast: Program): Set<string> {
  const names = new Set<string>();
  walk(ast, (node) => {
    const name = isCallNode(node) ? helperName(node) : null;
    if (name !== null && ALL_HELPERS.includes(name)) names.add(name);
    return true;
  });
  return names;
}

/** The parts of a path into the contact (`attributes.city`, `this.name`), or null for data and parent paths. */
function contextPath(node: Node): string[] | null {
  if (node.type !== 'PathExpression') return null;
  const path = node as hbs.AST.PathExpression;
  if (path.data || path.depth > 0 || path.parts.length === 0) return null;
  return path.parts;
}

/** A literal argument's value (what Handlebars passes for it), or not a literal. */
function literalValue(node: Node): { literal: true; value: unknown } | { literal: false } {
  switch (node.type) {
    case 'StringLiteral':
      return { literal: true, value: (node as hbs.AST.StringLiteral).value };
    case 'NumberLiteral':
      return { literal: true, value: (node as hbs.AST.NumberLiteral).value };
    case 'BooleanLiteral':
      return { literal: true, value: (node as hbs.AST.BooleanLiteral).value };
    case 'UndefinedLiteral':
      return { literal: true, value: undefined };
    case 'NullLiteral':
      return { literal: true, value: null };
    default:
      return { literal: false };
  }
}

function parseErrorMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  // Handlebars' message spans lines (source excerpt, caret, expected tokens): keep it on one line.
  return `the Handlebars expression does not parse: ${text.replace(/\s*\n\s*/g, ' ').trim()}`;
}
