import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { DomainError } from '../common/domain-error';
import { decodeTimeCursor, encodeCursor, Page } from '../common/pagination';
import { CloudApiClient } from '../whatsapp/cloud-api.client';
import { CloudApiError } from '../whatsapp/cloud-api.error';
import { buildSendRequest, type SendEndpoint, type SendRequestBody } from '../whatsapp/send-request';
import { graphFailure } from '../whatsapp/graph-failure';
import { requireWhatsappSettings, whatsappNotConfigured } from '../whatsapp/whatsapp-settings';
import type { TemplateDefinition, TemplateRecord } from '../whatsapp/cloud-api.types';
import type { CreateTemplateDto, EditTemplateDto, ListTemplatesQuery, UpdateTemplateDto } from './dto/create-template.dto';
import { approvedEditAllowance, diffState, EDITABLE_STATUSES, isQuality, sameJson, statusOfEvent } from './template-lifecycle';
import type { PreviewTemplateDto } from './dto/preview-template.dto';
import { formatRecipientView, previewTemplate, type RecipientView, type RenderContact, type RenderProblem, type TemplateBinding } from '../rendering';
import { templateDefinition } from './template-definition';
import { validateTemplate } from './template-rules';
import { ContactsService } from '../contacts/contacts.service';
import { HistoryRow, TemplateRow, TemplatesRepository, TemplateStatusName } from './templates.repository';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type PreviewResult =
  | { ok: true; endpoint: SendEndpoint; payload: SendRequestBody; text: RecipientView; plainText: string }
  | { ok: false; problems: RenderProblem[] };

export interface SyncResult {
  imported: number;
  updated: number;
  unchanged: number;
  deleted: number;
}

@Injectable()
export class TemplatesService {
  constructor(
    private readonly db: DataSource,
    private readonly templates: TemplatesRepository,
    private readonly cloud: CloudApiClient,
    private readonly config: AppConfig,
    private readonly contacts: ContactsService,
  ) {}

  /** Validates against WhatsApp's rules and stores a draft; nothing is stored when invalid. */
  async create(dto: CreateTemplateDto): Promise<TemplateRow> {
    const def = templateDefinition(dto);
    // The rules first: what is wrong with a template is worth knowing before any account is set up.
    assertValid(def);
    const wabaId = this.wabaOf(dto.wabaId);
    try {
      return await this.db.transaction(async (tx) => {
        const row = await this.templates.insert(wabaId, def, { status: 'DRAFT' }, tx);
        await this.templates.addHistory([{ templateId: row.id, change: 'created', toValue: 'DRAFT', source: 'api' }], tx);
        return row;
      });
    } catch (error) {
      if ((error as { code?: string }).code === '23505') {
        throw new DomainError('TEMPLATE_ALREADY_EXISTS', `A template ${def.name} in ${def.language} already exists in this account`);
      }
      throw error;
    }
  }

  async get(id: string): Promise<TemplateRow> {
    const row = UUID.test(id) ? await this.templates.findById(id) : undefined;
    if (!row) throw new DomainError('TEMPLATE_NOT_FOUND', `No template ${id}`);
    return row;
  }

  history(id: string): Promise<HistoryRow[]> {
    return this.templates.history(id);
  }

  async list(query: ListTemplatesQuery): Promise<Page<TemplateRow>> {
    const limit = query.limit === undefined ? 50 : Math.min(200, Math.max(1, Number(query.limit)));
    const afterKey = decodeTimeCursor(query.cursor);
    const found = await this.templates.list({
      status: query.status as TemplateStatusName | undefined,
      category: query.category,
      name: query.name,
      language: query.language,
      wabaId: query.wabaId,
      afterKey,
      limit,
    });
    const data = found.slice(0, limit);
    return { data, nextCursor: found.length > limit ? encodeCursor(data[data.length - 1].cursorKey) : null };
  }

  /** A draft can be edited until it is submitted. */
  async update(id: string, dto: UpdateTemplateDto): Promise<TemplateRow> {
    const current = await this.get(id);
    if (current.status !== 'DRAFT') {
      const hint = EDITABLE_STATUSES.includes(current.status) ? ` (edit it at WhatsApp with POST /v1/templates/${id}/edit)` : '';
      throw new DomainError('TEMPLATE_INVALID_TRANSITION', `Template ${id} is ${current.status}: only a draft can be edited here${hint}`);
    }
    const def = templateDefinition({
      ...current,
      category: dto.category ?? current.category,
      parameterFormat: dto.parameterFormat ?? current.parameterFormat,
      components: dto.components ?? current.components,
    });
    assertValid(def);
    return this.db.transaction(async (tx) => {
      const row = await this.templates.updateDraft(id, def, tx);
      if (!row) throw new DomainError('TEMPLATE_INVALID_TRANSITION', `Template ${id} was submitted meanwhile`);
      await this.templates.addHistory([{ templateId: id, change: 'edited', source: 'api' }], tx);
      return row;
    });
  }

  /**
   * Edits a template WhatsApp knows (APPROVED, REJECTED or PAUSED) at WhatsApp (POST
   * /{template-id}): every component is replaced, the category may change except an APPROVED
   * template's, and the template goes back to review (PENDING; the verdict comes by webhook). The
   * new content is checked with the same rules as a new template. The template is claimed first
   * (compare-and-set), so two edits cannot both go through; Meta's limits on an APPROVED template
   * (once in 24 hours, 10 times in 30 days, counted from this template's history) are checked
   * once claimed, before WhatsApp is called, and the call happens outside any transaction. The
   * history keeps the content the edit replaced.
   *
   * Errors: 409 TEMPLATE_INVALID_TRANSITION (not APPROVED, REJECTED or PAUSED); 422
   * TEMPLATE_CATEGORY_LOCKED (a new category for an APPROVED template); 400 TEMPLATE_INVALID; 409
   * TEMPLATE_EDIT_IN_PROGRESS; 429 TEMPLATE_EDIT_LIMIT (details.nextEditAt); 422
   * TEMPLATE_REFUSED_BY_WHATSAPP (Graph's own refusal, with its code); 502 WHATSAPP_UNAVAILABLE (the
   * edit may or may not have reached WhatsApp: a sync tells); 503 WHATSAPP_NOT_CONFIGURED.
   */
  async edit(id: string, dto: EditTemplateDto): Promise<TemplateRow> {
    const current = await this.get(id);
    if (!EDITABLE_STATUSES.includes(current.status) || !current.whatsappId) {
      const hint = current.status === 'DRAFT' ? ': a draft is edited with PATCH' : '';
      throw new DomainError('TEMPLATE_INVALID_TRANSITION', `Template ${id} is ${current.status}: WhatsApp lets only APPROVED, REJECTED or PAUSED templates be edited${hint}`);
    }
    const category = dto.category ?? current.category;
    if (current.status === 'APPROVED' && category !== current.category) {
      throw new DomainError('TEMPLATE_CATEGORY_LOCKED', `Template ${id} is APPROVED: WhatsApp does not let an approved template change its category (${current.category})`);
    }
    const def = templateDefinition({ ...current, category, components: dto.components });
    assertValid(def);
    requireWhatsappSettings(this.config, ['WHATSAPP_ACCESS_TOKEN'], 'edit the template at WhatsApp');
    const claimed = await this.templates.claimForEdit(id, current.status);
    if (!claimed) throw new DomainError('TEMPLATE_EDIT_IN_PROGRESS', `Template ${id} is being edited, or changed meanwhile: read it again`);
    try {
      if (claimed.status === 'APPROVED') {
        const allowance = approvedEditAllowance(await this.templates.approvedEditTimes(id), new Date());
        if (!allowance.ok) throw new DomainError('TEMPLATE_EDIT_LIMIT', allowance.message, { limit: allowance.limit, nextEditAt: allowance.nextAt.toISOString() });
      }
      await this.cloud.editTemplate(claimed.whatsappId!, { components: def.components, ...(dto.category !== undefined ? { category } : {}) });
    } catch (error) {
      await this.templates.releaseEdit(id, claimed.claim);
      throw error instanceof DomainError ? error : whatsappError(error, 'edit the template');
    }
    return this.db.transaction(async (tx) => {
      const row = await this.templates.recordEdit(id, claimed.claim, def, tx);
      if (!row) throw new DomainError('TEMPLATE_EDIT_IN_PROGRESS', `Template ${id}: the edit was accepted by WhatsApp but another edit took over; sync to read it back`);
      await this.templates.addEditHistory(
        {
          templateId: id,
          fromValue: claimed.status,
          toValue: 'PENDING',
          previous: { category: claimed.category, parameterFormat: claimed.parameterFormat, components: claimed.components },
        },
        tx,
      );
      if (category !== claimed.category) {
        await this.templates.addHistory([{ templateId: id, change: 'category', fromValue: claimed.category, toValue: category, source: 'api' }], tx);
      }
      return row;
    });
  }

  /**
   * Sends a draft to WhatsApp for review, once. The draft is claimed first (compare-and-set), so two
   * requests cannot both submit it; the call to WhatsApp happens outside any transaction.
   *
   * When the outcome is unknown (the request may have reached WhatsApp and the answer was lost),
   * the template is looked up at WhatsApp before anything else is decided. If that lookup fails
   * too, the answer is 502 WHATSAPP_UNAVAILABLE and the draft remembers it: the next submit looks
   * the template up first and records it when found, instead of creating it a second time (which
   * WhatsApp would refuse as a duplicate name). Errors: 503 WHATSAPP_NOT_CONFIGURED without
   * WHATSAPP_ACCESS_TOKEN; 409 TEMPLATE_SUBMIT_IN_PROGRESS; 422 TEMPLATE_REFUSED_BY_WHATSAPP.
   */
  async submit(id: string): Promise<TemplateRow> {
    const current = await this.get(id);
    if (current.status !== 'DRAFT') {
      throw new DomainError('TEMPLATE_INVALID_TRANSITION', `Template ${id} is ${current.status}: only a draft can be submitted`);
    }
    requireWhatsappSettings(this.config, ['WHATSAPP_ACCESS_TOKEN'], 'submit the template');
    const claimed = await this.templates.claimForSubmission(id);
    if (!claimed) throw new DomainError('TEMPLATE_SUBMIT_IN_PROGRESS', `Template ${id} is being submitted`);
    if (claimed.resumed) {
      // An earlier submission may have reached WhatsApp: look before creating.
      let found: TemplateRecord | undefined;
      try {
        found = await this.findAtWhatsapp(claimed);
      } catch (error) {
        await this.templates.releaseSubmission(id, 'unknown');
        throw whatsappError(error, 'look the template up at WhatsApp');
      }
      if (found) return this.recordSubmission(claimed, found.id, statusOfEvent(found.status) ?? 'PENDING', found.category);
    }
    const def = templateDefinition(claimed);
    try {
      const created = await this.cloud.createTemplate(claimed.wabaId, def);
      return await this.recordSubmission(claimed, created.id, statusOfEvent(created.status) ?? 'PENDING', created.category ?? claimed.category);
    } catch (error) {
      const unknown = error instanceof CloudApiError && error.delivery === 'unknown';
      if (unknown) {
        const found = await this.findAtWhatsapp(claimed).catch(() => undefined);
        if (found) return this.recordSubmission(claimed, found.id, statusOfEvent(found.status) ?? 'PENDING', found.category);
      }
      // Not found (or the lookup failed): WhatsApp may still be creating it, so the next submit looks first.
      await this.templates.releaseSubmission(id, unknown ? 'unknown' : 'not_sent');
      throw whatsappError(error, 'submit the template');
    }
  }

  /** The template with this name and language at WhatsApp, if it is there. */
  private async findAtWhatsapp(template: TemplateRow): Promise<TemplateRecord | undefined> {
    return (await this.cloud.findTemplates(template.wabaId, template.name)).find((t) => t.language === template.language);
  }

  /** Deletes a template, at WhatsApp too when it was submitted. */
  async remove(id: string): Promise<TemplateRow> {
    const current = await this.get(id);
    if (current.status === 'DELETED') throw new DomainError('TEMPLATE_INVALID_TRANSITION', `Template ${id} is already deleted`);
    if (current.whatsappId) {
      requireWhatsappSettings(this.config, ['WHATSAPP_ACCESS_TOKEN'], 'delete the template at WhatsApp');
      try {
        await this.cloud.deleteTemplate(current.wabaId, current.name, current.whatsappId);
      } catch (error) {
        // Already gone at WhatsApp (deleted in WhatsApp Manager): nothing left to delete there.
        if (!(error instanceof CloudApiError && error.code === 100 && error.httpStatus !== undefined && error.httpStatus < 500)) {
          throw whatsappError(error, 'delete the template');
        }
      }
    }
    return this.db.transaction(async (tx) => {
      const row = await this.templates.applyWhatsappState(id, { status: 'DELETED' }, tx);
      await this.templates.addHistory([{ templateId: id, change: 'deleted', fromValue: current.status, toValue: 'DELETED', source: 'api' }], tx);
      return row;
    });
  }

  /**
   * Brings Siaran in line with WhatsApp: templates created in WhatsApp Manager are imported, the
   * status, category and quality of known ones updated (with history), and templates WhatsApp no
   * longer has are marked deleted. 503 WHATSAPP_NOT_CONFIGURED names every missing setting it needs.
   */
  async sync(wabaIdGiven?: string): Promise<SyncResult> {
    requireWhatsappSettings(this.config, wabaIdGiven ? ['WHATSAPP_ACCESS_TOKEN'] : ['WHATSAPP_ACCESS_TOKEN', 'WHATSAPP_WABA_ID'], 'sync the templates');
    const wabaId = this.wabaOf(wabaIdGiven);
    let records: TemplateRecord[];
    try {
      records = await this.cloud.listAllTemplates(wabaId);
    } catch (error) {
      throw whatsappError(error, 'list the templates');
    }
    const result: SyncResult = { imported: 0, updated: 0, unchanged: 0, deleted: 0 };
    await this.db.transaction(async (tx) => {
      const seen = new Set<string>();
      for (const record of records) {
        seen.add(record.id);
        const status = statusOfEvent(record.status);
        const quality = isQuality(record.quality_score?.score) ? record.quality_score!.score : null;
        const known = await this.templates.findLive(wabaId, record.id, record.name, record.language, tx);
        if (!known) {
          const def = templateDefinition({ ...record, parameterFormat: record.parameter_format });
          const row = await this.templates.insert(
            wabaId,
            def,
            { status: status ?? 'PENDING', whatsappId: record.id, qualityScore: quality, rejectionReason: record.rejected_reason ?? null },
            tx,
          );
          await this.templates.addHistory([{ templateId: row.id, change: 'imported', toValue: row.status, source: 'sync' }], tx);
          result.imported++;
          continue;
        }
        const diff = diffState(known, { status, category: record.category, qualityScore: quality, reason: record.rejected_reason ?? null });
        const componentsChanged = !sameJson(known.components, record.components);
        if (Object.keys(diff.changes).length === 0 && !componentsChanged && known.whatsappId === record.id) {
          result.unchanged++;
          continue;
        }
        await this.templates.applyWhatsappState(
          known.id,
          { ...diff.changes, whatsappId: record.id, ...(componentsChanged ? { components: record.components } : {}) },
          tx,
        );
        await this.templates.addHistory(
          [
            ...diff.history.map((h) => ({ ...h, templateId: known.id, source: 'sync' as const })),
            ...(componentsChanged ? [{ templateId: known.id, change: 'edited' as const, source: 'sync' as const }] : []),
          ],
          tx,
        );
        result.updated++;
      }
      for (const gone of (await this.templates.submitted(wabaId, tx)).filter((t) => !seen.has(t.whatsappId!))) {
        await this.templates.applyWhatsappState(gone.id, { status: 'DELETED' }, tx);
        await this.templates.addHistory([{ templateId: gone.id, change: 'deleted', fromValue: gone.status, toValue: 'DELETED', source: 'sync' }], tx);
        result.deleted++;
      }
    });
    return result;
  }

  /**
   * The exact Cloud API request a contact would be sent, and what they would read. A problem with
   * this contact's data is part of the answer (ok: false), not an error: the binding is fine, the
   * data is not. A binding that cannot work for anyone is a 400.
   */
  async preview(id: string, dto: PreviewTemplateDto): Promise<PreviewResult> {
    const template = await this.get(id);
    if ((dto.contactId === undefined) === (dto.contact === undefined)) {
      throw new DomainError('VALIDATION_FAILED', 'Give either contactId or contact', [{ field: 'contactId', problems: ['give contactId or contact'] }]);
    }
    let contact: RenderContact;
    if (dto.contactId !== undefined) {
      const row = await this.contacts.get(dto.contactId);
      contact = { id: row.id, name: row.name, phone: row.phone, country: row.country, attributes: row.attributes, tags: row.tags };
    } else {
      contact = { ...dto.contact!, attributes: dto.contact!.attributes ?? {} };
    }
    const def = templateDefinition(template);
    const result = previewTemplate(def, dto.binding as TemplateBinding, contact, { locale: dto.locale, timeZone: dto.timeZone });
    if (!result.ok) return { ok: false, problems: result.problems };
    // From the configured number, with its setting; a contact without a phone gives a body without `to`.
    const sender = { marketingMessagesApi: this.config.whatsapp.marketingMessagesApi };
    const request = buildSendRequest(sender, contact.phone ?? '', result.content, { templateCategory: template.category });
    return { ok: true, endpoint: request.endpoint, payload: request.body, text: result.text, plainText: formatRecipientView(result.text) };
  }

  private async recordSubmission(template: TemplateRow, whatsappId: string, status: TemplateStatusName, category: TemplateRow['category']): Promise<TemplateRow> {
    return this.db.transaction(async (tx) => {
      const row = await this.templates.markSubmitted(template.id, whatsappId, status, category, tx);
      await this.templates.addHistory(
        [
          { templateId: template.id, change: 'submitted', fromValue: 'DRAFT', toValue: status, source: 'api' },
          ...(category !== template.category
            ? [{ templateId: template.id, change: 'category' as const, fromValue: template.category, toValue: category, source: 'api' as const }]
            : []),
        ],
        tx,
      );
      return row;
    });
  }

  private wabaOf(given: string | undefined): string {
    const waba = given ?? this.config.whatsapp.wabaId;
    if (!waba) throw whatsappNotConfigured(['WHATSAPP_WABA_ID'], 'choose a WhatsApp Business Account (no wabaId given)');
    return waba;
  }
}

function assertValid(def: TemplateDefinition): void {
  const violations = validateTemplate(def);
  if (violations.length > 0) {
    throw new DomainError(
      'TEMPLATE_INVALID',
      `The template breaks ${violations.length} of WhatsApp's rules: ${violations.map((v) => v.message).join('; ')}`,
      violations,
    );
  }
}

/** WhatsApp refused (4xx with its code), could not be reached, or is not configured (graph-failure.ts). */
function whatsappError(error: unknown, what: string): unknown {
  return graphFailure(error, what, 'TEMPLATE_REFUSED_BY_WHATSAPP');
}
