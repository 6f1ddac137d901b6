import { Foundation1795560000000 } from './1795560000000-Foundation';
import { WebhookIntake1795570000000 } from './1795570000000-WebhookIntake';
import { Templates1795580000000 } from './1795580000000-Templates';
import { ApiKeyPrefixes1795610000000 } from './1795610000000-ApiKeyPrefixes';
import { ImportLeases1795640000000 } from './1795640000000-ImportLeases';

/** Every migration, oldest first. A test checks that each file in this folder is listed. */
export const MIGRATIONS = [Foundation1795560000000, WebhookIntake1795570000000, Templates1795580000000, ApiKeyPrefixes1795610000000, ImportLeases1795640000000];
