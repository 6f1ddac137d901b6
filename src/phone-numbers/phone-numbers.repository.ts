import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { affected, Db, one, parameters, rows } from '../database/sql';
import type { MessagingLimit, PhoneNumber } from './phone-number';

/** What a client sets on a number (POST, PATCH); undefined leaves a field as it is. */
export interface PhoneNumberSettings {
  wabaId?: string;
  businessCountry?: string;
  businessPortfolioId?: string | null;
  throughputMps?: number;
  messagingLimit?: MessagingLimit | null;
  marketingMessagesApi?: boolean;
}

/** What WhatsApp says of a number (a Graph read or a webhook); undefined leaves a field as it is. */
export interface WhatsappView {
  displayPhoneNumber?: string;
  verifiedName?: string;
  /** null: unknown (a webhook said it is no longer RED, not what it is). */
  qualityRating?: string | null;
  throughputMps?: number;
  messagingLimit?: MessagingLimit;
  /** When WhatsApp said it. */
  at: Date;
}

const COLUMNS = `
  phone_number_id AS "phoneNumberId", waba_id AS "wabaId", business_country AS "businessCountry",
  business_portfolio_id AS "businessPortfolioId", throughput_mps AS "throughputMps", messaging_limit AS "messagingLimit",
  marketing_messages_api AS "marketingMessagesApi", display_phone_number AS "displayPhoneNumber", verified_name AS "verifiedName",
  quality_rating AS "qualityRating", refreshed_at AS "refreshedAt", created_at AS "createdAt", updated_at AS "updatedAt"`;

/** Settings and WhatsApp's view, each to its column. */
const SETTING_COLUMNS: Record<keyof PhoneNumberSettings, string> = {
  wabaId: 'waba_id',
  businessCountry: 'business_country',
  businessPortfolioId: 'business_portfolio_id',
  throughputMps: 'throughput_mps',
  messagingLimit: 'messaging_limit',
  marketingMessagesApi: 'marketing_messages_api',
};
const VIEW_COLUMNS: Record<Exclude<keyof WhatsappView, 'at'>, string> = {
  displayPhoneNumber: 'display_phone_number',
  verifiedName: 'verified_name',
  qualityRating: 'quality_rating',
  throughputMps: 'throughput_mps',
  messagingLimit: 'messaging_limit',
};

/** The business phone numbers (`phone_numbers`). */
@Injectable()
export class PhoneNumbersRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * Registers a number unless it is registered already: resolves with the new row, or undefined
   * when the number was there (ON CONFLICT DO NOTHING: several API processes starting at once
   * register it once, and none fails).
   */
  insert(number: Required<PhoneNumberSettings> & { phoneNumberId: string }): Promise<PhoneNumber | undefined> {
    return one<PhoneNumber>(
      this.db,
      `INSERT INTO phone_numbers (phone_number_id, waba_id, business_country, business_portfolio_id, throughput_mps, messaging_limit, marketing_messages_api)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (phone_number_id) DO NOTHING
       RETURNING ${COLUMNS}`,
      [
        number.phoneNumberId,
        number.wabaId,
        number.businessCountry,
        number.businessPortfolioId,
        number.throughputMps,
        number.messagingLimit,
        number.marketingMessagesApi,
      ],
    );
  }

  find(phoneNumberId: string): Promise<PhoneNumber | undefined> {
    return one<PhoneNumber>(this.db, `SELECT ${COLUMNS} FROM phone_numbers WHERE phone_number_id = $1`, [phoneNumberId]);
  }

  /**
   * Newest first, `limit` + 1 rows from after `afterKey` (the last row of the previous page), each
   * with its cursor key: `created_at` as PostgreSQL writes it, `|`, the id. A handful of rows: no index.
   */
  list(filter: { afterKey?: { createdAt: string; id: string }; limit: number }): Promise<Array<PhoneNumber & { cursorKey: string }>> {
    const { values, bind } = parameters();
    const after = filter.afterKey ? `WHERE (created_at, phone_number_id) < (${bind(filter.afterKey.createdAt)}::timestamptz, ${bind(filter.afterKey.id)})` : '';
    return rows(
      this.db,
      `SELECT ${COLUMNS}, created_at::text || '|' || phone_number_id AS "cursorKey" FROM phone_numbers ${after}
        ORDER BY created_at DESC, phone_number_id DESC LIMIT ${bind(filter.limit + 1)}`,
      values,
    );
  }

  /** Sets the given settings; resolves with the row, or undefined when the number is not registered. */
  update(phoneNumberId: string, settings: PhoneNumberSettings): Promise<PhoneNumber | undefined> {
    const { values, bind } = parameters([phoneNumberId]);
    const sets = Object.entries(SETTING_COLUMNS)
      .filter(([key]) => settings[key as keyof PhoneNumberSettings] !== undefined)
      .map(([key, column]) => `${column} = ${bind(settings[key as keyof PhoneNumberSettings])}`);
    if (sets.length === 0) return this.find(phoneNumberId);
    return one<PhoneNumber>(this.db, `UPDATE phone_numbers SET ${sets.join(', ')}, updated_at = now() WHERE phone_number_id = $1 RETURNING ${COLUMNS}`, values);
  }

  /**
   * Records what WhatsApp said of a number at `view.at`. A refresh (`event: false`) is what
   * WhatsApp says now: it always applies, and refreshed_at becomes its time. An event (a webhook,
   * which Meta retries for days; its time in whole seconds) changes nothing when the row holds
   * something WhatsApp said in a later second, such as a refresh made after it; events of the same
   * second apply in arrival order, and refreshed_at never goes back. Resolves with the row, or
   * undefined when the number is not registered or the event was older.
   */
  applyWhatsappView(phoneNumberId: string, view: WhatsappView, options: { event: boolean; db?: Db }): Promise<PhoneNumber | undefined> {
    const { values, bind } = parameters([phoneNumberId, view.at]);
    const sets = Object.entries(VIEW_COLUMNS)
      .filter(([key]) => view[key as keyof typeof VIEW_COLUMNS] !== undefined)
      .map(([key, column]) => `${column} = ${bind(view[key as keyof typeof VIEW_COLUMNS])}`);
    const refreshed = options.event ? 'refreshed_at = greatest(refreshed_at, $2)' : 'refreshed_at = $2';
    const newer = options.event ? `AND (refreshed_at IS NULL OR date_trunc('second', refreshed_at) <= $2)` : '';
    return one<PhoneNumber>(
      options.db ?? this.db,
      `UPDATE phone_numbers SET ${[...sets, refreshed, 'updated_at = now()'].join(', ')}
        WHERE phone_number_id = $1 ${newer}
        RETURNING ${COLUMNS}`,
      values,
    );
  }

  /**
   * The numbers of a WABA whose display number has these digits (a webhook names a number so),
   * locked for the webhook batch's transaction. Known only once read from WhatsApp (refresh).
   */
  findByDisplayDigits(wabaId: string, digits: string, db: Db): Promise<PhoneNumber[]> {
    return rows<PhoneNumber>(
      db,
      `SELECT ${COLUMNS} FROM phone_numbers
        WHERE waba_id = $1 AND regexp_replace(display_phone_number, '[^0-9]', '', 'g') = $2
        ORDER BY phone_number_id FOR UPDATE`,
      [wabaId, digits],
    );
  }

  /** Marks an account event (`whatsapp_events`) applied by this module. */
  async markEventApplied(eventId: string, db: Db): Promise<void> {
    await affected(db, `UPDATE whatsapp_events SET applied_at = now() WHERE id = $1`, [eventId]);
  }
}
