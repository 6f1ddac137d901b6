import { Foundation1795560000000 } from './1795560000000-Foundation';
import { WebhookIntake1795570000000 } from './1795570000000-WebhookIntake';
import { Templates1795580000000 } from './1795580000000-Templates';
import { ApiKeyPrefixes1795610000000 } from './1795610000000-ApiKeyPrefixes';
import { ImportLeases1795640000000 } from './1795640000000-ImportLeases';
import { ImportWarnings1795700000000 } from './1795700000000-ImportWarnings';
import { TemplateEdits1795710000000 } from './1795710000000-TemplateEdits';
import { ContactIdentities1795720000000 } from './1795720000000-ContactIdentities';
import { Campaigns1795730000000 } from './1795730000000-Campaigns';
import { Dispatch1795800000000 } from './1795800000000-Dispatch';
import { CampaignReport1795900000000 } from './1795900000000-CampaignReport';
import { AuditLog1795910000000 } from './1795910000000-AuditLog';
import { CampaignProgress1796000000000 } from './1796000000000-CampaignProgress';
import { IdentityOrder1796100000000 } from './1796100000000-IdentityOrder';

/** Every migration, oldest first. A test checks that each file in this folder is listed. */
export const MIGRATIONS = [Foundation1795560000000, WebhookIntake1795570000000, Templates1795580000000, ApiKeyPrefixes1795610000000, ImportLeases1795640000000, ImportWarnings1795700000000, TemplateEdits1795710000000, ContactIdentities1795720000000, Campaigns1795730000000, Dispatch1795800000000, CampaignReport1795900000000, AuditLog1795910000000, CampaignProgress1796000000000, IdentityOrder1796100000000];
