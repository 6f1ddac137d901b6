import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

/**
 * WhatsApp's user ids (wa_id) and the phone numbers they stand for.
 *
 * A wa_id is WhatsApp's id for a user and "may not always match" the phone number (Meta's webhook
 * reference, `messages[].from`, `contacts[].wa_id`). The forms seen in practice, all for mobiles
 * (see ../shared/WHATSAPP.md "Identities", and the send API's `contacts[].input` → `wa_id`):
 *
 * - Mexico: `521` + 10 digits for `+52` + 10 digits. Mexico dropped the mobile `1` in 2019
 *   (numbering plan reform), so libphonenumber rejects the `521` form as too long; WhatsApp still
 *   uses it for accounts made before.
 * - Brazil: `55` + area code + 8 digits for `+55` + area code + `9` + 8 digits. Brazil added the
 *   ninth digit to mobiles between 2012 and 2016; accounts made before keep the 8-digit wa_id.
 *   Only subscriber numbers starting 6–9 were mobiles, so only those gain the 9 (2–5 are landlines).
 * - Argentina: `549` + area + number for a mobile, which may be stored as `+54` + area + number
 *   (the international form without the mobile 9 that people and spreadsheets often write).
 *
 * Each function here is pure; the repository looks a contact up by every form.
 */

/**
 * A wa_id as WhatsApp writes it: digits only, the country code first (E.164: never a leading 0,
 * so `0016505550006`, a dialling prefix, is not one); Meta's own reference examples add a leading `+`.
 */
const WA_ID = /^\+?([1-9]\d{5,14})$/;

/** Reads a wa_id (`from`, `wa_id`, `recipient_id`), or undefined when it is not one. */
export function readWaId(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const match = WA_ID.exec(raw.trim());
  return match?.[1];
}

/** A BSUID: country code, dot, then up to 160 alphanumerics and dots (`ID.1349120865530274`, `US.ENT.…`). */
export function isBsuid(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Z]{2}\.[A-Za-z0-9.]{1,160}$/.test(value);
}

export interface WaIdentity {
  /** The wa_id, digits only. */
  waId: string;
  /**
   * The phone to store for a new contact: the first of `phones` that libphonenumber reads as a
   * valid mobile (or valid at all); `+` and the wa_id's digits when none is (WhatsApp's id is
   * authoritative even where our metadata does not know the range yet).
   */
  phone: string;
  /** ISO 3166-1 alpha-2 of `phone`, when known. */
  country: string | null;
  /** Every E.164 form under which the same person may be stored, most likely first. */
  phones: string[];
}

/** The E.164 forms a wa_id may stand for (`phones`), and which one a new contact gets. */
export function identityOfWaId(waId: string): WaIdentity {
  const forms = [`+${waId}`];
  // Mexico: 52 1 + 10 digits ⇄ 52 + 10 digits.
  if (/^521\d{10}$/.test(waId)) forms.unshift(`+52${waId.slice(3)}`);
  // Brazil: 55 + area (2 digits, no 0) + 8-digit mobile starting 6-9 → with the ninth digit.
  if (/^55[1-9]{2}[6-9]\d{7}$/.test(waId)) forms.unshift(`+55${waId.slice(2, 4)}9${waId.slice(4)}`);
  // Brazil, the other way: a 9-digit mobile may be stored without its 9 (an old export).
  if (/^55[1-9]{2}9[6-9]\d{7}$/.test(waId)) forms.push(`+55${waId.slice(2, 4)}${waId.slice(5)}`);
  // Argentina: 54 9 + 10 digits ⇄ 54 + 10 digits.
  if (/^549\d{10}$/.test(waId)) forms.push(`+54${waId.slice(3)}`);
  if (/^54[1-8]\d{9}$/.test(waId)) forms.unshift(`+549${waId.slice(2)}`);

  const parsed = forms.map((form) => ({ form, number: parsePhoneNumberFromString(form) }));
  const valid = parsed.filter((p) => p.number?.isValid());
  const mobile = valid.find((p) => {
    const type = p.number!.getType();
    return type === 'MOBILE' || type === 'FIXED_LINE_OR_MOBILE';
  });
  const chosen = mobile ?? valid[0];
  const phone = chosen?.number?.number ?? `+${waId}`;
  return {
    waId,
    phone,
    country: chosen?.number?.country ?? null,
    phones: [phone, ...forms.filter((f) => f !== phone)],
  };
}

/**
 * The wa_ids WhatsApp may use for a stored phone (the other direction: a send to this phone may be
 * answered, and its statuses addressed, with any of them). The phone's own digits come first.
 */
export function waIdsOfPhone(e164: string): string[] {
  const digits = e164.replace(/^\+/, '');
  const forms = [digits];
  if (/^52\d{10}$/.test(digits)) forms.push(`521${digits.slice(2)}`);
  if (/^55[1-9]{2}9[6-9]\d{7}$/.test(digits)) forms.push(`55${digits.slice(2, 4)}${digits.slice(5)}`);
  if (/^54[1-8]\d{9}$/.test(digits)) forms.push(`549${digits.slice(2)}`);
  if (/^549\d{10}$/.test(digits)) forms.push(`54${digits.slice(3)}`);
  return forms;
}
