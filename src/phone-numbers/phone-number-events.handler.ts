import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { WebhookField } from '../webhooks/webhook-field.decorator';
import type { RecordedChange } from '../webhooks/webhook-fields';
import { PhoneNumbersRepository } from './phone-numbers.repository';
import { qualityAfter, readQualityUpdate } from './quality-update';

/**
 * `phone_number_quality_update` webhooks, applied in the webhook batch's transaction after the
 * change is kept as an account event (a change Meta repeats is applied once): the number's
 * throughput, its portfolio's messaging limit and its quality, as read by readQualityUpdate from
 * either of Meta's shapes.
 *
 * The webhook names a number only by its display number's digits, within the entry's WABA, so it
 * finds a number once its display number is known (a refresh reads it). An event about a number
 * Siaran does not know, or that names none, stays recorded only (not marked applied). Events apply
 * in WhatsApp's order: one older (by its entry's `time`) than what the number already holds from
 * WhatsApp (a refresh, a later event) changes nothing.
 */
@Injectable()
export class PhoneNumberEventsHandler {
  private readonly logger = new Logger(PhoneNumberEventsHandler.name);

  constructor(private readonly numbers: PhoneNumbersRepository) {}

  /** The webhook registration (src/webhooks/webhook-fields.ts); each change counts for one event. */
  @WebhookField('phone_number_quality_update')
  async handleQualityUpdate(tx: EntityManager, change: RecordedChange): Promise<number> {
    const update = readQualityUpdate(change.value);
    const wabaId = change.ctx.wabaId;
    if (!update) {
      this.logger.warn({ wabaId, eventId: change.eventId }, 'phone_number_quality_update without a display number: recorded only');
      return 1;
    }
    const numbers = await this.numbers.findByDisplayDigits(wabaId, update.displayDigits, tx);
    if (numbers.length === 0) {
      this.logger.log({ wabaId, event: update.event, eventId: change.eventId }, 'phone_number_quality_update for a number not registered (or never refreshed): recorded only');
      return 1;
    }
    if (update.unreadLimit !== undefined) {
      this.logger.warn({ wabaId, event: update.event, messagingLimit: update.unreadLimit }, 'phone_number_quality_update with a messaging limit Siaran does not hold: the limit is left as it was');
    }
    const at = change.ctx.entryTime !== undefined ? new Date(change.ctx.entryTime * 1000) : new Date();
    let applied = false;
    for (const number of numbers) {
      const row = await this.numbers.applyWhatsappView(
        number.phoneNumberId,
        { throughputMps: update.throughputMps, messagingLimit: update.messagingLimit, qualityRating: qualityAfter(number.qualityRating, update), at },
        { event: true, db: tx },
      );
      if (row) applied = true;
      else this.logger.log({ phoneNumberId: number.phoneNumberId, event: update.event, eventId: change.eventId }, 'phone_number_quality_update older than what is known of the number: not applied');
    }
    if (applied) await this.numbers.markEventApplied(change.eventId, tx);
    return 1;
  }
}
