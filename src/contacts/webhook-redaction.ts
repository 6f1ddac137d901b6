/**
 * Erasure of one person from a raw webhook delivery (`webhook_deliveries.body`, kept as received).
 * In each change value (`entry[].changes[].value`), the person's messages (by wamid, or by sender)
 * keep only what the ledger needs: `id`, `from`, `from_user_id`, `timestamp`, `type`, and
 * `erased: true`; their `contacts[]` entries lose `profile` (the WhatsApp name). Other people's
 * items, statuses and everything else stay as received. The body keeps its original hash
 * (`body_sha256`), so a retry of the same delivery by Meta is still recognised and not processed
 * again.
 *
 * Answers the new body, or undefined when the body holds nothing of the person (or is not JSON).
 */
export function redactDeliveryBody(body: string, person: { wamids: ReadonlySet<string>; senders: ReadonlySet<string> }): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  let changed = false;
  const isSender = (id: unknown) => typeof id === 'string' && person.senders.has(id.replace(/^\+/, ''));
  for (const entry of arrayOf((parsed as { entry?: unknown })?.entry)) {
    for (const change of arrayOf((entry as { changes?: unknown })?.changes)) {
      const value = (change as { value?: unknown })?.value as { messages?: unknown; contacts?: unknown } | undefined;
      if (typeof value !== 'object' || value === null) continue;
      if (Array.isArray(value.messages)) {
        value.messages = value.messages.map((m: unknown) => {
          const message = m as Record<string, unknown> | null;
          if (typeof message !== 'object' || message === null || message.erased === true) return m;
          if (!(person.wamids.has(message.id as string) || isSender(message.from) || isSender(message.from_user_id))) return m;
          changed = true;
          return { id: message.id, from: message.from, from_user_id: message.from_user_id, timestamp: message.timestamp, type: message.type, erased: true };
        });
      }
      if (Array.isArray(value.contacts)) {
        value.contacts = value.contacts.map((c: unknown) => {
          const contact = c as Record<string, unknown> | null;
          if (typeof contact !== 'object' || contact === null || !('profile' in contact)) return c;
          if (!isSender(contact.wa_id) && !isSender(contact.user_id)) return c;
          changed = true;
          const { profile: _profile, ...rest } = contact;
          return rest;
        });
      }
    }
  }
  return changed ? JSON.stringify(parsed) : undefined;
}

function arrayOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
