import type { PhoneNumberInfo } from '../../src/whatsapp/cloud-api.types';
import type { PhoneNumberOptions } from './options';

/** GET /{version}/{phone-number-id} and GET /{version}/{waba-id}/phone_numbers. */

export function phoneNumberInfo(phone: PhoneNumberOptions, fields: string | null): Partial<PhoneNumberInfo> & Record<string, unknown> {
  const all: PhoneNumberInfo & Record<string, unknown> = {
    id: phone.id,
    display_phone_number: phone.displayPhoneNumber,
    verified_name: phone.verifiedName,
    quality_rating: phone.qualityRating,
    code_verification_status: 'VERIFIED',
    name_status: 'APPROVED',
    platform_type: 'CLOUD_API',
    throughput: { level: phone.throughputLevel },
    whatsapp_business_manager_messaging_limit: phone.messagingLimitTier,
    messaging_limit_tier: phone.messagingLimitTier,
  };
  if (!fields) return all;
  // Graph returns the requested fields (that exist) and always the id.
  const wanted = new Set(fields.split(',').map((f) => f.trim()));
  return Object.fromEntries(Object.entries(all).filter(([key]) => key === 'id' || wanted.has(key))) as Partial<PhoneNumberInfo> & Record<string, unknown>;
}

export function wabaInfo(wabaId: string): Record<string, unknown> {
  return { id: wabaId, name: 'Siaran Simulator WABA', currency: 'USD', timezone_id: '1', message_template_namespace: `sim_${wabaId}` };
}
