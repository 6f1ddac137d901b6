import { Injectable, OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { BootCheckError } from '../common/boot-check-error';
import { markedMethods } from '../common/marked-methods';
import { WEBHOOK_FIELD } from './webhook-field.decorator';
import { HandlerOf, SUBSCRIBED_FIELDS, WEBHOOK_ROUTES, WebhookRoute } from './webhook-fields';

interface Registration {
  handler: (...args: never[]) => Promise<unknown>;
  /** `Class.method`, for the messages that name it. */
  owner: string;
}

/**
 * The webhook routes' handlers, discovered at start-up of the worker among every provider of the
 * application (methods marked with @WebhookField), as Immich discovers its job handlers. Start-up
 * fails, naming what is wrong, when a route we subscribe to has no handler, when two methods claim
 * one route, or when a method claims a route that is not in SUBSCRIBED_FIELDS (a field declared
 * recorded only, or one we do not subscribe to): a field never ends up applied by nobody, or twice.
 */
@Injectable()
export class WebhookFieldRegistry implements OnModuleInit {
  private readonly handlers = new Map<WebhookRoute, Registration>();

  constructor(private readonly discovery: DiscoveryService) {}

  onModuleInit(): void {
    const problems: string[] = [];
    for (const { name: owner, call, metadata: routes } of markedMethods<string[]>(this.discovery, WEBHOOK_FIELD)) {
      for (const route of routes) {
        const taken = this.handlers.get(route as WebhookRoute);
        if (!(WEBHOOK_ROUTES as readonly string[]).includes(route)) {
          const declared = (SUBSCRIBED_FIELDS as Record<string, string>)[route];
          problems.push(`${owner} handles the webhook route "${route}", which ${declared ? `is declared ${declared}` : 'is not a subscribed field'} (src/webhooks/webhook-fields.ts)`);
        } else if (taken) {
          problems.push(`the webhook route "${route}" is claimed twice: by ${taken.owner} and by ${owner}`);
        } else {
          this.handlers.set(route as WebhookRoute, { handler: call, owner });
        }
      }
    }
    for (const route of WEBHOOK_ROUTES) {
      if (!this.handlers.has(route)) problems.push(`the webhook route "${route}" has no handler: its owning module must be part of the worker and mark one method @WebhookField('${route}')`);
    }
    if (problems.length > 0) throw new BootCheckError(`Webhook fields: ${problems.join('; ')}`);
  }

  /** The handler of a route (bound to its provider). Throws before onModuleInit has run. */
  handlerOf<R extends WebhookRoute>(route: R): HandlerOf<R> {
    const registration = this.handlers.get(route);
    if (!registration) throw new Error(`No handler for the webhook route "${route}" (the registry is filled at start-up)`);
    return registration.handler as unknown as HandlerOf<R>;
  }
}
