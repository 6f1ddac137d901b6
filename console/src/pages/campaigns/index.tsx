import { CampaignCreate } from './CampaignCreate';
import { CampaignDetail } from './CampaignDetail';
import { CampaignList } from './CampaignList';

/** #/campaigns, #/campaigns/new, #/campaigns/<id>. */
export function CampaignsRoutes({ rest }: { rest: string[]; query: URLSearchParams }) {
  if (rest[0] === 'new') return <CampaignCreate />;
  if (rest[0]) return <CampaignDetail id={rest[0]} />;
  return <CampaignList />;
}
