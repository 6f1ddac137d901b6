import type { FunctionComponent } from 'preact';
import { CampaignsRoutes } from './campaigns';
import { ComplianceRoutes } from './compliance';
import { ContactsRoutes } from './contacts';
import { TemplatesRoutes } from './templates';

/** Each section of the console: its first path segment, its nav label, and its routes (given the rest of the path). */
export const SECTIONS: Array<{ segment: string; label: 'nav.contacts' | 'nav.templates' | 'nav.campaigns' | 'nav.compliance'; component: FunctionComponent<{ rest: string[]; query: URLSearchParams }> }> = [
  { segment: 'campaigns', label: 'nav.campaigns', component: CampaignsRoutes },
  { segment: 'contacts', label: 'nav.contacts', component: ContactsRoutes },
  { segment: 'templates', label: 'nav.templates', component: TemplatesRoutes },
  { segment: 'compliance', label: 'nav.compliance', component: ComplianceRoutes },
];
