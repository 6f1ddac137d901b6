import { SetMetadata } from '@nestjs/common';
import type { HandlerOf, WebhookRoute } from './webhook-fields';

/** The metadata key that marks a method as a webhook handler; its value is the routes (WebhookRoute[]). */
export const WEBHOOK_FIELD = 'siaran:webhook-field';

/**
 * Registers the decorated method of a provider as the handler of webhook routes (webhook-fields.ts):
 * the worker discovers it at start-up (WebhookFieldRegistry) and calls it, bound to its instance,
 * inside the webhook batch's transaction. The method's type must be the route's handler type; one
 * method may take several routes of the same type (the three template fields). The owning module
 * only has to be part of the worker; webhooks never imports it.
 *
 * @example
 *   @WebhookField('user_preferences')
 *   async onPreferences(tx: EntityManager, change: RecordedChange, guard: ItemGuard): Promise<number> { … }
 */
export function WebhookField<R extends WebhookRoute>(...routes: [R, ...R[]]) {
  // Only `value` is typed (not TypedPropertyDescriptor, whose setter would make the check invariant):
  // a method of a narrower type, such as one that resolves with more than the route needs, fits.
  return (target: object, key: string | symbol, descriptor: { value?: HandlerOf<R> }): void => {
    SetMetadata(WEBHOOK_FIELD, routes)(target, key, descriptor);
  };
}
