/** Where a webhook change came from. */
export interface DeliveryContext {
  deliveryId: string;
  /** The WhatsApp Business Account of the entry. */
  wabaId: string;
  /** The entry's `time` (Unix seconds), when Meta gives one. */
  entryTime?: number;
  /** When the delivery reached Siaran: the bound for its items' own times (src/whatsapp/webhook-time.ts). */
  receivedAt: Date;
}
