import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { DomainError } from '../common/domain-error';
import type { Db } from '../database/sql';
import { decodeCursor, decodeTimeCursor, encodeCursor, Page } from '../common/pagination';
import { AppConfig } from '../config/app-config';
import { FieldProblem, validationFailed } from '../common/validation';
import type { TemplateCategory } from '../whatsapp/cloud-api.types';
import type { CampaignMessage } from '../eligibility/eligibility-rules';
import { BindingError, compileSessionMessage, compileTemplateBinding, type BindingProblem, type SessionMessageDefinition, type TemplateBinding } from '../rendering';
import { templateDefinition } from '../templates/template-definition';
import { ImportsService } from '../imports/imports.service';
import { PhoneNumbersService } from '../phone-numbers/phone-numbers.service';
import type { PhoneNumber } from '../phone-numbers/phone-number';
import { TemplatesService } from '../templates/templates.service';
import type { TemplateRow } from '../templates/templates.repository';
import { canTransition, statusesLeadingTo, type CampaignStatus } from './campaign-status';
import { CampaignRow, CampaignsRepository, NewCampaign, StatusFields } from './campaigns.repository';
import {
  CampaignRecipientView,
  CampaignView,
  campaignView,
  dryRunView,
  DryRunView,
  progressView,
  RATE_WINDOW_SECONDS,
  recipientCounts,
  recipientView,
  snapshotCounts,
} from './dto/campaign.view';
import type { ListRecipientsQuery } from './dto/list-recipients.query';
import { canonicalTimeZone, inSendWindow } from './send-window';
import type { CreateCampaignDto } from './dto/create-campaign.dto';
import type { ListCampaignsQuery } from './dto/list-campaigns.query';
import { CampaignEligibility, type Blocker, type EligibilityCampaign } from './eligibility.port';
import { IdempotencyKeysRepository } from './idempotency-keys.repository';
import { requestHash, type IdempotentRequest } from './idempotency';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Who asks, and under which idempotency key (POST /v1/campaigns and launch take one). */
export interface Caller {
  apiKeyId: string;
  idempotencyKey?: string;
}

/** An answer, and whether it is a replay of what the same idempotency key answered before. */
export interface Answer {
  body: CampaignView;
  replayed: boolean;
}

/** A transaction in which an idempotency key (if any) is claimed first and answered last. */
type Transaction = (work: (tx: EntityManager) => Promise<CampaignView>) => Promise<CampaignView>;

/** An action of the API on a campaign, and the statuses it starts from. */
const ACTIONS = {
  launch: { from: ['draft'], done: 'launched' },
  resume: { from: ['paused'], done: 'resumed' },
  pause: { from: statusesLeadingTo('paused'), done: 'paused' },
  cancel: { from: statusesLeadingTo('cancelled'), done: 'cancelled' },
  retry: { from: ['running', 'paused', 'completed'], done: 'retried' },
} as const satisfies Record<string, { from: readonly CampaignStatus[]; done: string }>;
type Action = keyof typeof ACTIONS;

/** Thrown inside a transaction whose idempotency key another request holds: that request's answer is replayed. */
class KeyTaken extends Error {}

/**
 * Campaigns: creation (the binding checked against the template), the state machine's actions,
 * the dry run, and the start of a scheduled campaign for the worker's scheduler. Answers are
 * views: what an idempotent request answered is stored as it was sent, and replayed as it was.
 */
@Injectable()
export class CampaignsService {
  constructor(
    private readonly db: DataSource,
    private readonly campaigns: CampaignsRepository,
    private readonly keys: IdempotencyKeysRepository,
    private readonly templates: TemplatesService,
    private readonly eligibility: CampaignEligibility,
    private readonly imports: ImportsService,
    private readonly phoneNumbers: PhoneNumbersService,
    private readonly config: AppConfig,
  ) {}

  /**
   * Stores a draft after checking it: template XOR session (a fallback template only with a
   * session), a registered sender and maxMps within its throughput, templates that exist in the
   * sender's account, and every binding compiled against its template (the session message
   * compiled). Nothing is stored when anything is wrong.
   *
   * Errors: 400 VALIDATION_FAILED (fields that do not go together, maxMps above the throughput);
   * 404 PHONE_NUMBER_NOT_REGISTERED; 404 TEMPLATE_NOT_FOUND (details.field names which);
   * 422 CAMPAIGN_TEMPLATE_OTHER_ACCOUNT; 422 CAMPAIGN_BINDING_INVALID with details.problems
   * `[{ field, parameter, rule, message }]`, the rules of src/rendering (binding_missing,
   * unknown_parameter, …); 422 IDEMPOTENCY_KEY_REUSED.
   */
  async create(dto: CreateCampaignDto, caller: Caller): Promise<Answer> {
    return this.once(this.idempotent(caller, 'POST /v1/campaigns', dto), 201, async (transaction) => {
      const campaign = await this.checked(dto, caller.apiKeyId);
      return transaction(async (tx) => campaignView(await this.campaigns.insert(campaign, tx), null));
    });
  }

  /**
   * A campaign with its recipients counted by decision and reason, and its sending live (counts
   * by send and delivery state and error code, the rate over the last 10 s, an ETA); both null
   * before it started. 404 CAMPAIGN_NOT_FOUND.
   */
  async get(id: string): Promise<CampaignView> {
    const row = await this.find(id);
    if (row.startedAt === null) return campaignView(row, null, null);
    const [decisions, lines] = await Promise.all([this.campaigns.decisionCounts(row.id), this.campaigns.progress(row.id, RATE_WINDOW_SECONDS)]);
    const progress = progressView(lines);
    // Only a running campaign in its send window is on its way.
    const sendWindowOpen = inSendWindow(row.sendWindow, new Date());
    if (row.status === 'completed') progress.etaSeconds = 0;
    else if (row.status !== 'running' || !sendWindowOpen) progress.etaSeconds = null;
    return campaignView(row, recipientCounts(decisions), { ...progress, sendWindowOpen });
  }

  /**
   * A started campaign's recipients in contact order (keyset pages), filtered by decision, reason
   * (an exclusion reason or a skip reason), send state, delivery state and error code.
   * 404 CAMPAIGN_NOT_FOUND; 400 INVALID_CURSOR.
   */
  async recipients(id: string, query: ListRecipientsQuery): Promise<Page<CampaignRecipientView>> {
    // The query first: a bad cursor is 400 whatever the campaign.
    const after = decodeCursor(query.cursor);
    if (after !== undefined && !/^[1-9][0-9]{0,18}$/.test(after)) throw new DomainError('INVALID_CURSOR', 'The cursor is not one this API gave out', [{ field: 'cursor', problems: ['give nextCursor from a previous page, unchanged'] }]);
    const campaign = await this.find(id);
    const limit = query.limit ?? 50;
    const found = await this.campaigns.recipients(campaign.id, { ...query, afterContactId: after, limit });
    const data = found.slice(0, limit);
    return { data: data.map(recipientView), nextCursor: found.length > limit ? encodeCursor(data[data.length - 1].contactId) : null };
  }

  /**
   * Puts failed recipients (refused by WhatsApp or failed by a status webhook), or unknown ones
   * whose status webhooks had DISPATCH_UNKNOWN_SETTLE to resolve them, back in the queue, on a
   * person's word; the dispatcher sends them again. A completed campaign runs again for them (in
   * the same transaction). For a running, paused or completed campaign; 409 CAMPAIGN_INVALID_STATE
   * otherwise. Answers how many were re-queued (0 is not an error).
   */
  async retry(id: string, which: 'failed' | 'unknown'): Promise<{ requeued: number; campaign: CampaignView }> {
    const campaign = await this.find(id);
    if (!['running', 'paused', 'completed'].includes(campaign.status)) {
      throw new DomainError('CAMPAIGN_INVALID_STATE', `Campaign ${id} is ${campaign.status}: only a running, paused or completed campaign's recipients can be retried`, {
        status: campaign.status,
      });
    }
    const requeued = await this.db.transaction(async (tx) => {
      const n = await this.campaigns.requeue(campaign.id, which, this.config.dispatch.unknownSettleMs, tx);
      if (n > 0 && campaign.status === 'completed' && !(await this.campaigns.setStatus(campaign.id, ['completed'], 'running', { reason: null }, tx))) {
        throw await this.lost(campaign.id, 'retry', tx);
      }
      return n;
    });
    return { requeued, campaign: await this.get(campaign.id) };
  }

  /** Newest first, keyset-paginated; 400 INVALID_CURSOR for a cursor this API did not give. */
  async list(query: ListCampaignsQuery): Promise<Page<CampaignView>> {
    const limit = query.limit ?? 50;
    const found = await this.campaigns.list({ status: query.status, afterKey: decodeTimeCursor(query.cursor), limit });
    const data = found.slice(0, limit);
    return { data: data.map((row) => campaignView(row)), nextCursor: found.length > limit ? encodeCursor(data[data.length - 1].cursorKey) : null };
  }

  /**
   * Launches a draft: with a `scheduledAt` still to come it becomes `scheduled` (the scheduler
   * starts it then); otherwise it starts now. Either way the blockers are asked first (409 with the
   * first blocker's code, every blocker in details.blockers); starting is then one transaction:
   * the compare-and-set draft → running and the snapshot of the audience into campaign_recipients.
   *
   * Errors: 404 CAMPAIGN_NOT_FOUND; 409 CAMPAIGN_INVALID_TRANSITION (not a draft, or launched by
   * another request meanwhile: details.status); 409 TEMPLATE_NOT_APPROVED, MARKETING_NOT_AVAILABLE,
   * PHONE_NUMBER_NOT_REGISTERED, BUSINESS_COUNTRY_RESTRICTED (blockers); 422 IDEMPOTENCY_KEY_REUSED.
   */
  async launch(id: string, caller: Caller): Promise<Answer> {
    return this.once(this.idempotent(caller, `POST /v1/campaigns/${id}/launch`, {}), 200, async (transaction) =>
      this.start(await this.find(id), 'launch', transaction),
    );
  }

  /**
   * Resumes a paused campaign, once nothing blocks it (409 with the blocker's code). One that never
   * started (paused when due: missed_schedule, a blocker) is launched as `launch` does: scheduled
   * again if its time is still to come, else started now with its snapshot.
   */
  async resume(id: string): Promise<CampaignView> {
    const campaign = await this.find(id);
    if (campaign.startedAt === null) return this.start(campaign, 'resume', (work) => this.db.transaction(work));
    this.assertAllowed(campaign, 'resume', 'running');
    await this.assertUnblocked(campaign);
    return this.move(campaign, 'resume', 'running', {});
  }

  /** Pauses a scheduled or running campaign (statusReason `requested`). 409 CAMPAIGN_INVALID_TRANSITION from another status. */
  async pause(id: string): Promise<CampaignView> {
    const campaign = await this.find(id);
    this.assertAllowed(campaign, 'pause', 'paused');
    return this.move(campaign, 'pause', 'paused', { reason: 'requested' });
  }

  /**
   * Cancels a campaign that has not finished; final. Its recipients still waiting are cancelled in
   * the same transaction (nothing more is sent: workers see the status within REFRESH_EVERY_MS and
   * release what they hold as cancelled). 409 CAMPAIGN_INVALID_TRANSITION once completed, cancelled or failed.
   */
  async cancel(id: string): Promise<CampaignView> {
    const campaign = await this.find(id);
    this.assertAllowed(campaign, 'cancel', 'cancelled');
    const from = ACTIONS.cancel.from.filter((status) => canTransition(status, 'cancelled'));
    await this.db.transaction(async (tx) => {
      if (!(await this.campaigns.setStatus(campaign.id, from, 'cancelled', { stamps: ['finished'] }, tx))) throw await this.lost(campaign.id, 'cancel', tx);
      await this.campaigns.cancelRecipients(campaign.id, tx);
    });
    return this.get(campaign.id);
  }

  /** What a launch now would decide, written nowhere. 409 CAMPAIGN_INVALID_STATE unless draft or scheduled (the audience is frozen then). */
  async dryRun(id: string): Promise<DryRunView> {
    const campaign = await this.find(id);
    if (campaign.status !== 'draft' && campaign.status !== 'scheduled') {
      throw new DomainError(
        'CAMPAIGN_INVALID_STATE',
        `Campaign ${id} is ${campaign.status}: a dry run is for a draft or scheduled campaign (a started one has its recipients counted in GET /v1/campaigns/${id})`,
        { status: campaign.status },
      );
    }
    return dryRunView(await this.eligibility.dryRun(await this.subject(campaign)));
  }

  // -------------------------------------------------------------------------------------------
  // The scheduler's (worker)

  /** Scheduled campaigns due now (at most `limit`, oldest first), each saying whether it is later than `maxLatenessMs` after its time. */
  due(limit: number, maxLatenessMs: number): Promise<Array<{ id: string; late: boolean }>> {
    return this.campaigns.due(limit, maxLatenessMs);
  }

  /**
   * Starts a scheduled campaign that is due, by the launch's path: blockers first (any: it is
   * paused with the first blocker's code as its reason), then the compare-and-set scheduled →
   * running and the snapshot in one transaction. Several workers may call this for one campaign:
   * only one compare-and-set wins. Returns the status this call gave it, or null when it did
   * nothing (another worker or request moved it first).
   */
  async fire(id: string): Promise<'running' | 'paused' | null> {
    const campaign = await this.campaigns.findById(id);
    if (campaign?.status !== 'scheduled') return null;
    const subject = await this.subject(campaign);
    const blockers = await this.eligibility.blockers(subject);
    if (blockers.length > 0) return (await this.campaigns.setStatus(id, ['scheduled'], 'paused', { reason: blockers[0].code })) ? 'paused' : null;
    const started = await this.db.transaction(async (tx) => this.begin(tx, subject, ['scheduled'], { stamps: ['started'] }));
    return started ? 'running' : null;
  }

  /** A scheduled campaign found later than CAMPAIGN_MAX_LATENESS is paused (missed_schedule), not started. False when it had moved meanwhile. */
  missSchedule(id: string): Promise<boolean> {
    return this.campaigns.setStatus(id, ['scheduled'], 'paused', { reason: 'missed_schedule' });
  }

  // -------------------------------------------------------------------------------------------
  // Starting

  /**
   * Launch and resume of a campaign that never started: `scheduled` when its time is still to
   * come, else running from now with its audience frozen. Blockers first; then one transaction.
   */
  private async start(campaign: CampaignRow, action: 'launch' | 'resume', transaction: Transaction): Promise<CampaignView> {
    const later = campaign.scheduledAt !== null && campaign.scheduledAt.getTime() > Date.now();
    const to: CampaignStatus = later ? 'scheduled' : 'running';
    this.assertAllowed(campaign, action, to);
    const subject = await this.assertUnblocked(campaign);
    const launched = action === 'launch' ? (['launched'] as const) : [];
    return transaction(async (tx) => {
      if (later) {
        if (!(await this.campaigns.setStatus(campaign.id, ACTIONS[action].from, 'scheduled', { stamps: launched }, tx))) throw await this.lost(campaign.id, action, tx);
        return campaignView((await this.campaigns.findById(campaign.id, tx))!, null);
      }
      const counts = await this.begin(tx, subject, ACTIONS[action].from, { stamps: [...launched, 'started'] });
      if (!counts) throw await this.lost(campaign.id, action, tx);
      return campaignView((await this.campaigns.findById(campaign.id, tx))!, snapshotCounts(counts));
    });
  }

  /** In `tx`: the compare-and-set to running, then the snapshot. null when the compare-and-set lost (nothing written). */
  private async begin(tx: EntityManager, subject: EligibilityCampaign, from: readonly CampaignStatus[], fields: StatusFields) {
    if (!(await this.campaigns.setStatus(subject.id, from, 'running', fields, tx))) return null;
    const counts = await this.eligibility.snapshot(tx, subject);
    await this.campaigns.recordSnapshot(subject.id, counts.policyVersionId, tx);
    return counts;
  }

  /** A plain status change by compare-and-set, answered with the campaign as it is then. */
  private async move(campaign: CampaignRow, action: Action, to: CampaignStatus, fields: StatusFields): Promise<CampaignView> {
    const from = ACTIONS[action].from.filter((status) => canTransition(status, to));
    if (!(await this.campaigns.setStatus(campaign.id, from, to, fields))) throw await this.lost(campaign.id, action);
    return this.get(campaign.id);
  }

  /** The blockers, refused with the first one's code (every one in details.blockers); else the campaign as eligibility reads it. */
  private async assertUnblocked(campaign: CampaignRow): Promise<EligibilityCampaign> {
    const subject = await this.subject(campaign);
    const blockers = await this.eligibility.blockers(subject);
    if (blockers.length > 0) throw blocked(campaign.id, blockers);
    return subject;
  }

  /** The campaign as eligibility reads it, with the categories of its templates as they are now. */
  private async subject(campaign: CampaignRow): Promise<EligibilityCampaign> {
    const categoryOf = async (templateId: string): Promise<TemplateCategory> => (await this.templates.get(templateId)).category;
    const message: CampaignMessage =
      campaign.kind === 'template'
        ? { kind: 'template', category: await categoryOf(campaign.templateId!) }
        : {
            kind: 'session',
            scope: campaign.sessionScope!,
            fallbackCategory: campaign.fallbackTemplateId === null ? null : await categoryOf(campaign.fallbackTemplateId),
          };
    return {
      id: campaign.id,
      phoneNumberId: campaign.phoneNumberId,
      audience: campaign.audience,
      message,
      templateId: campaign.templateId,
      fallbackTemplateId: campaign.fallbackTemplateId,
      binding: campaign.binding,
      session: campaign.session,
      fallbackBinding: campaign.fallbackBinding,
    };
  }

  private assertAllowed(campaign: CampaignRow, action: Action, to: CampaignStatus): void {
    if (!(ACTIONS[action].from as readonly CampaignStatus[]).includes(campaign.status) || !canTransition(campaign.status, to)) {
      throw invalidTransition(campaign.id, action, campaign.status);
    }
  }

  /** After a compare-and-set lost: the refusal, naming the status another request or the scheduler gave the campaign. */
  private async lost(id: string, action: Action, db: Db = this.db): Promise<DomainError> {
    const now = await this.campaigns.findById(id, db);
    return invalidTransition(id, action, now?.status ?? 'unknown');
  }

  // -------------------------------------------------------------------------------------------
  // Reading

  /** The campaign's row; 404 CAMPAIGN_NOT_FOUND (a malformed id too). */
  async find(id: string): Promise<CampaignRow> {
    const row = UUID.test(id) ? await this.campaigns.findById(id) : undefined;
    if (!row) throw new DomainError('CAMPAIGN_NOT_FOUND', `No campaign ${id}`);
    return row;
  }


  // -------------------------------------------------------------------------------------------
  // Checking a new campaign

  private async checked(dto: CreateCampaignDto, apiKeyId: string): Promise<NewCampaign> {
    assertCoherent(dto);
    const importId = dto.audience.importId;
    if (importId !== undefined && !(await this.imports.membersKnown(importId))) {
      throw new DomainError('CAMPAIGN_AUDIENCE_IMPORT_UNKNOWN', `Import ${importId} is not a completed import whose contacts were recorded (imports made before campaigns existed were not)`, {
        field: 'audience.importId',
      });
    }
    const number = await this.phoneNumber(dto.phoneNumberId);
    if (dto.maxMps !== undefined && dto.maxMps > number.throughputMps) {
      throw validationFailed([{ field: 'maxMps', problems: [`maxMps must not exceed the number's throughput (${number.throughputMps} messages per second)`] }]);
    }
    const problems: Array<BindingProblem & { field: string }> = [];
    const collect = (field: string, compile: () => void) => {
      try {
        compile();
      } catch (error) {
        if (!(error instanceof BindingError)) throw error;
        problems.push(...error.problems.map((p) => ({ field, ...p })));
      }
    };
    if (dto.templateId !== undefined) {
      const template = await this.templateFor('templateId', dto.templateId, number);
      collect('binding', () => compileTemplateBinding(templateDefinition(template), dto.binding as TemplateBinding));
    }
    if (dto.session !== undefined) collect('session', () => compileSessionMessage(dto.session as SessionMessageDefinition));
    if (dto.fallbackTemplateId !== undefined) {
      const fallback = await this.templateFor('fallbackTemplateId', dto.fallbackTemplateId, number);
      collect('fallbackBinding', () => compileTemplateBinding(templateDefinition(fallback), dto.fallbackBinding as TemplateBinding));
    }
    if (problems.length > 0) {
      throw new DomainError('CAMPAIGN_BINDING_INVALID', `The campaign's message cannot be made: ${problems.map((p) => `${p.field}.${p.parameter}: ${p.message}`).join('; ')}`, {
        problems,
      });
    }
    const session = dto.session !== undefined;
    return {
      name: dto.name,
      phoneNumberId: number.phoneNumberId,
      kind: session ? 'session' : 'template',
      templateId: dto.templateId ?? null,
      binding: (dto.binding as TemplateBinding | undefined) ?? null,
      session: (dto.session as SessionMessageDefinition | undefined) ?? null,
      sessionScope: session ? (dto.sessionScope ?? 'marketing') : null,
      fallbackTemplateId: dto.fallbackTemplateId ?? null,
      fallbackBinding: (dto.fallbackBinding as TemplateBinding | undefined) ?? null,
      audience: stripUndefined(dto.audience),
      scheduledAt: dto.scheduledAt ?? null,
      maxMps: dto.maxMps ?? null,
      sendWindow: dto.sendWindow ? { from: dto.sendWindow.from, to: dto.sendWindow.to, timeZone: canonicalTimeZone(dto.sendWindow.timeZone) } : null,
      apiKeyId,
    };
  }

  /** A template the sender can send: it exists (404 TEMPLATE_NOT_FOUND naming the field) and is in the sender's account (422). */
  private async templateFor(field: string, id: string, number: PhoneNumber): Promise<TemplateRow> {
    let template: TemplateRow;
    try {
      template = await this.templates.get(id);
    } catch (error) {
      if (error instanceof DomainError && error.code === 'TEMPLATE_NOT_FOUND') throw new DomainError('TEMPLATE_NOT_FOUND', `No template ${id} (${field})`, { field });
      throw error;
    }
    if (template.wabaId !== number.wabaId) {
      throw new DomainError(
        'CAMPAIGN_TEMPLATE_OTHER_ACCOUNT',
        `Template ${id} (${field}) belongs to WhatsApp Business Account ${template.wabaId}; number ${number.phoneNumberId} sends only its account's (${number.wabaId}) templates`,
        { field, templateWabaId: template.wabaId, phoneNumberWabaId: number.wabaId },
      );
    }
    return template;
  }

  /** The campaign's sender; 409 PHONE_NUMBER_NOT_REGISTERED (details.field) when it is not registered. */
  private async phoneNumber(id: string): Promise<PhoneNumber> {
    const number = await this.phoneNumbers.find(id);
    if (!number) throw new DomainError('PHONE_NUMBER_NOT_REGISTERED', `Phone number ${id} is not registered (POST /v1/phone-numbers)`, { field: 'phoneNumberId' });
    return number;
  }

  // -------------------------------------------------------------------------------------------
  // Idempotency keys

  private idempotent(caller: Caller, operation: string, request: unknown): IdempotentRequest | null {
    if (caller.idempotencyKey === undefined) return null;
    return { apiKeyId: caller.apiKeyId, operation, key: caller.idempotencyKey, requestHash: requestHash(request) };
  }

  /**
   * Runs a request once per idempotency key. The answer already stored under the key is replayed
   * (422 IDEMPOTENCY_KEY_REUSED when it was stored for another request). Otherwise `run` does the
   * work, and the transaction it is given claims the key first (INSERT … ON CONFLICT DO NOTHING:
   * a concurrent request with the key waits there for the first to commit) and stores the answer
   * last, so the key, the work and the answer commit together. A request that lost the claim, or
   * that failed because of what the other request did (already launched), answers with the
   * stored answer. A request that failed writes nothing and keeps no key: its repeat runs again.
   */
  private async once(request: IdempotentRequest | null, statusCode: number, run: (transaction: Transaction) => Promise<CampaignView>): Promise<Answer> {
    const transaction: Transaction = (work) =>
      this.db.transaction(async (tx) => {
        if (request && !(await this.keys.claim(request, tx))) throw new KeyTaken();
        const body = await work(tx);
        if (request) await this.keys.answer(request, statusCode, body, tx);
        return body;
      });
    if (!request) return { body: await run(transaction), replayed: false };
    const earlier = await this.stored(request);
    if (earlier) return earlier;
    try {
      return { body: await run(transaction), replayed: false };
    } catch (error) {
      if (error instanceof KeyTaken || error instanceof DomainError) {
        const answered = await this.stored(request);
        if (answered) return answered;
      }
      throw error;
    }
  }

  private async stored(request: IdempotentRequest): Promise<Answer | undefined> {
    const found = await this.keys.find(request);
    if (!found) return undefined;
    if (found.requestHash !== request.requestHash) {
      throw new DomainError('IDEMPOTENCY_KEY_REUSED', `The Idempotency-Key ${request.key} was used for another request to ${request.operation}: use a new key for a new request`, {
        key: request.key,
      });
    }
    return { body: found.response as CampaignView, replayed: true };
  }
}

/** Which fields go together: 400 VALIDATION_FAILED listing each field that does not. */
function assertCoherent(dto: CreateCampaignDto): void {
  const problems: FieldProblem[] = [];
  const session = dto.session !== undefined;
  if (session === (dto.templateId !== undefined)) {
    problems.push({ field: 'templateId', problems: [session ? 'give templateId or session, not both' : 'give templateId (with binding) or session'] });
  }
  if (dto.templateId !== undefined && dto.binding === undefined) problems.push({ field: 'binding', problems: ['binding is required with templateId'] });
  if (dto.templateId === undefined && dto.binding !== undefined) problems.push({ field: 'binding', problems: ['binding goes with templateId'] });
  if (!session && dto.sessionScope !== undefined) problems.push({ field: 'sessionScope', problems: ['sessionScope goes with session'] });
  if (!session && dto.fallbackTemplateId !== undefined) problems.push({ field: 'fallbackTemplateId', problems: ['a fallback template goes with a session message'] });
  if ((dto.fallbackTemplateId === undefined) !== (dto.fallbackBinding === undefined)) {
    problems.push({ field: dto.fallbackTemplateId === undefined ? 'fallbackTemplateId' : 'fallbackBinding', problems: ['fallbackTemplateId and fallbackBinding go together'] });
  }
  if (dto.sendWindow && dto.sendWindow.from === dto.sendWindow.to) problems.push({ field: 'sendWindow', problems: ['sendWindow.from and sendWindow.to must differ (the window would be empty)'] });
  if (problems.length > 0) throw validationFailed(problems);
}

function invalidTransition(id: string, action: Action, status: CampaignStatus | 'unknown'): DomainError {
  return new DomainError('CAMPAIGN_INVALID_TRANSITION', `Campaign ${id} is ${status}: it cannot be ${ACTIONS[action].done}`, { status, action });
}

function blocked(id: string, blockers: Blocker[]): DomainError {
  return new DomainError(blockers[0].code, `Campaign ${id} cannot start: ${blockers.map((b) => b.message).join('; ')}`, { blockers });
}

/** The DTO as plain data (class-transformer leaves absent fields undefined on the instance). */
function stripUndefined<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
