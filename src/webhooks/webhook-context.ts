/** Where a webhook change came from. */
export interface DeliveryContext {
  deliveryId: string;
  /** The WhatsApp Business Account of the entry. */
  wabaId: string;
}
