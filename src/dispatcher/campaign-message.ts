import type { CampaignRow } from '../campaigns/campaigns.repository';
import { compileSessionMessage, compileTemplateBinding, type CompiledSession, type CompiledTemplate, type RenderContact, type RenderProblem } from '../rendering';
import { templateDefinition } from '../templates/template-definition';
import type { TemplateRow } from '../templates/templates.repository';
import type { MessageContent, TemplateCategory } from '../whatsapp/cloud-api.types';

/** Which message a recipient gets (campaign_recipients.sends). */
export type Sends = 'template' | 'session' | 'fallback';

export type RenderedMessage =
  | { ok: true; content: MessageContent; templateCategory?: TemplateCategory }
  | { ok: false; problems: RenderProblem[] };

/**
 * A running campaign's message, compiled once and rendered per recipient at send time from the
 * campaign's binding (the templates as they are now: a category WhatsApp changed chooses the
 * endpoint). Compiling cannot fail for a campaign that was created, since creation compiled the
 * same bindings; if a template was edited since, the error surfaces here and pauses the campaign.
 */
export class CampaignMessage {
  private readonly main: { template: CompiledTemplate; category: TemplateCategory } | { session: CompiledSession };
  private readonly fallback: { template: CompiledTemplate; category: TemplateCategory } | undefined;

  /** `templates` holds the campaign's template and fallback template rows by id. */
  constructor(campaign: CampaignRow, templates: ReadonlyMap<string, TemplateRow>) {
    const compiled = (id: string, binding: CampaignRow['binding']) => {
      const row = templates.get(id);
      if (!row) throw new Error(`template ${id} of campaign ${campaign.id} is gone`);
      return { template: compileTemplateBinding(templateDefinition(row), binding!), category: row.category };
    };
    this.main = campaign.kind === 'template' ? compiled(campaign.templateId!, campaign.binding) : { session: compileSessionMessage(campaign.session!) };
    this.fallback = campaign.fallbackTemplateId === null ? undefined : compiled(campaign.fallbackTemplateId, campaign.fallbackBinding);
  }

  /** The content for one recipient, or the problems its data has (the recipient fails with render_problem). */
  render(sends: Sends, contact: RenderContact): RenderedMessage {
    const plan = sends === 'fallback' ? this.fallback : this.main;
    // The snapshot sends the fallback only to recipients of a campaign that has one.
    if (!plan) throw new Error('a recipient is to get the fallback of a campaign without one');
    if ('session' in plan) {
      const result = plan.session.render(contact);
      return result.ok ? { ok: true, content: result.content } : result;
    }
    const result = plan.template.render(contact);
    return result.ok ? { ok: true, content: result.content, templateCategory: plan.category } : result;
  }
}
