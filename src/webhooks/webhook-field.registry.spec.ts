import 'reflect-metadata';
import { Injectable, type Provider } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { Test, type TestingModule } from '@nestjs/testing';
import type { EntityManager } from 'typeorm';
import { WebhookField } from './webhook-field.decorator';
import { WebhookFieldRegistry } from './webhook-field.registry';
import { FieldChange, RecordedChange, StatusItem, WEBHOOK_ROUTES } from './webhook-fields';
import type { ItemGuard } from './webhook-items';

const tx = {} as EntityManager;
const guard = {} as ItemGuard;

@Injectable()
class People {
  readonly seen: string[] = [];

  @WebhookField('messages.messages')
  async messages(_tx: EntityManager, change: FieldChange): Promise<number> {
    this.seen.push(change.field);
    return 2;
  }

  @WebhookField('user_preferences', 'user_id_update', 'calls')
  async people(_tx: EntityManager, change: RecordedChange): Promise<number> {
    this.seen.push(`${change.field}#${change.eventId}`);
    return 1;
  }
}

@Injectable()
class Templates {
  @WebhookField('message_template_status_update', 'message_template_quality_update', 'template_category_update')
  async templates(): Promise<number> {
    return 1;
  }
}

@Injectable()
class Numbers {
  @WebhookField('phone_number_quality_update')
  async quality(): Promise<number> {
    return 1;
  }
}

@Injectable()
class Statuses {
  @WebhookField('messages.statuses')
  async statuses(_tx: EntityManager, items: StatusItem[]): Promise<Array<{ deliveryId: string }>> {
    return items.map((i) => ({ deliveryId: i.deliveryId }));
  }
}

@Injectable()
class MoreStatuses {
  @WebhookField('messages.statuses')
  async again(): Promise<Array<{ deliveryId: string }>> {
    return [];
  }
}

@Injectable()
class AccountWatcher {
  // A field declared recorded only (webhook-fields.ts): nobody may apply it without changing the list.
  @WebhookField('account_update' as never)
  async account(): Promise<number> {
    return 1;
  }
}

/** Boots a module with the registry and `providers`, as the worker's start-up does (onModuleInit). */
async function boot(...providers: Provider[]): Promise<TestingModule> {
  const module = await Test.createTestingModule({ imports: [DiscoveryModule], providers: [WebhookFieldRegistry, ...providers] }).compile();
  return module.init();
}

describe('WebhookFieldRegistry', () => {
  it('finds every route’s handler and calls it on its own instance', async () => {
    const module = await boot(People, Templates, Numbers, Statuses);
    const registry = module.get(WebhookFieldRegistry);
    const ctx = { deliveryId: '7', wabaId: 'waba', receivedAt: new Date() };
    expect(await registry.handlerOf('messages.messages')(tx, { field: 'messages', value: {} as never, ctx }, guard)).toBe(2);
    expect(await registry.handlerOf('calls')(tx, { field: 'calls', value: {}, ctx, eventId: '41' }, guard)).toBe(1);
    expect(await registry.handlerOf('messages.statuses')(tx, [{ status: { id: 'wamid.1', status: 'sent', timestamp: '1' }, phoneNumberId: '1', deliveryId: '7' }])).toEqual([{ deliveryId: '7' }]);
    expect(await registry.handlerOf('template_category_update')(tx, { field: 'template_category_update', value: {}, ctx, eventId: '42' }, guard)).toBe(1);
    expect(await registry.handlerOf('phone_number_quality_update')(tx, { field: 'phone_number_quality_update', value: {}, ctx, eventId: '43' }, guard)).toBe(1);
    expect(module.get(People).seen).toEqual(['messages', 'calls#41']);
  });

  it('the routes are the applied fields: messages split in two, recorded-only fields left out', () => {
    expect([...WEBHOOK_ROUTES].sort()).toEqual(
      [
        'calls',
        'message_template_quality_update',
        'message_template_status_update',
        'messages.messages',
        'messages.statuses',
        'phone_number_quality_update',
        'template_category_update',
        'user_id_update',
        'user_preferences',
      ].sort(),
    );
  });

  it('refuses to start when a subscribed route has no handler, naming it', async () => {
    await expect(boot(People, Templates, Numbers)).rejects.toThrow(
      /Webhook fields: the webhook route "messages\.statuses" has no handler: its owning module must be part of the worker and mark one method @WebhookField\('messages\.statuses'\)/,
    );
  });

  it('refuses to start when two modules claim one route, naming both', async () => {
    await expect(boot(People, Templates, Numbers, Statuses, MoreStatuses)).rejects.toThrow(
      'Webhook fields: the webhook route "messages.statuses" is claimed twice: by Statuses.statuses and by MoreStatuses.again',
    );
  });

  it('refuses to start when a handler claims a field declared recorded only', async () => {
    await expect(boot(People, Templates, Numbers, Statuses, AccountWatcher)).rejects.toThrow(
      'AccountWatcher.account handles the webhook route "account_update", which is declared recorded-only (src/webhooks/webhook-fields.ts)',
    );
  });
});
