import type { TemplateDefinition } from '../whatsapp/cloud-api.types';
import type { AuthenticationTemplateDefinition } from './template-shape';

/**
 * Valid templates of each shape WhatsApp knows, as the specs use them and as examples for API
 * documentation (the preview endpoint, template creation).
 */

/** A marketing template with every common feature: image header, named variables, quick replies, a dynamic URL. */
export const MARKETING: TemplateDefinition = {
  name: 'spring_sale',
  language: 'id',
  category: 'MARKETING',
  parameter_format: 'NAMED',
  components: [
    { type: 'HEADER', format: 'IMAGE', example: { header_handle: ['4::aW1hZ2U='] } },
    {
      type: 'BODY',
      text: 'Halo {{first_name}}! Diskon {{discount}} di toko {{city}} sampai {{due}}. Sampai jumpa, jangan lewatkan!',
      example: {
        body_text_named_params: [
          { param_name: 'first_name', example: 'Ana' },
          { param_name: 'discount', example: 'Rp 50.000' },
          { param_name: 'city', example: 'Bandung' },
          { param_name: 'due', example: '5 Maret' },
        ],
      },
    },
    { type: 'FOOTER', text: 'Balas STOP untuk berhenti' },
    {
      type: 'BUTTONS',
      buttons: [
        { type: 'QUICK_REPLY', text: 'Mau' },
        { type: 'QUICK_REPLY', text: 'STOP' },
        { type: 'URL', text: 'Belanja', url: 'https://shop.example/p/{{1}}', example: ['https://shop.example/p/a1'] },
      ],
    },
  ],
};

/** A positional utility template with a text header variable, a phone button and a static URL. */
export const UTILITY: TemplateDefinition = {
  name: 'order_update',
  language: 'en_US',
  category: 'UTILITY',
  components: [
    { type: 'HEADER', format: 'TEXT', text: 'Order {{1}}', example: { header_text: ['A-100'] } },
    { type: 'BODY', text: 'Hi {{1}}, your order of {{2}} ships on {{3}}. Thank you!', example: { body_text: [['Ana', '$12.50', 'May 5']] } },
    {
      type: 'BUTTONS',
      buttons: [
        { type: 'PHONE_NUMBER', text: 'Call us', phone_number: '+6281234567890' },
        { type: 'URL', text: 'Help', url: 'https://shop.example/help' },
      ],
    },
  ],
};

/** An authentication template in Meta's creation form: preset text, OTP copy-code button. */
export const AUTH_CREATE: AuthenticationTemplateDefinition = {
  name: 'login_code',
  language: 'en_US',
  category: 'AUTHENTICATION',
  components: [
    { type: 'BODY', add_security_recommendation: true },
    { type: 'FOOTER', code_expiration_minutes: 10 },
    { type: 'BUTTONS', buttons: [{ type: 'OTP', otp_type: 'COPY_CODE', text: 'Copy code' }] },
  ],
};

/** The same template as Meta lists it once created: the text is Meta's, the OTP button became a URL button. */
export const AUTH_LISTED: TemplateDefinition = {
  name: 'login_code',
  language: 'en_US',
  category: 'AUTHENTICATION',
  components: [
    { type: 'BODY', text: '*{{1}}* is your verification code. For your security, do not share this code.' },
    { type: 'FOOTER', text: 'This code expires in 10 minutes.' },
    { type: 'BUTTONS', buttons: [{ type: 'URL', text: 'Copy code', url: 'https://www.whatsapp.com/otp/code/?otp_type=COPY_CODE&code_expiration_minutes=10&code=otp{{1}}' }] },
  ],
};

export const LOCATION: TemplateDefinition = {
  name: 'store_opening',
  language: 'pt_BR',
  category: 'MARKETING',
  components: [
    { type: 'HEADER', format: 'LOCATION' },
    { type: 'BODY', text: 'Olá {{1}}, a nossa loja nova abriu!', example: { body_text: [['Ana']] } },
  ],
};

export const COUPON: TemplateDefinition = {
  name: 'coupon_fall',
  language: 'en',
  category: 'MARKETING',
  components: [
    { type: 'BODY', text: 'Use code {{1}} for {{2}} off today!', example: { body_text: [['FALL25', '25%']] } },
    { type: 'BUTTONS', buttons: [{ type: 'QUICK_REPLY', text: 'Unsubscribe' }, { type: 'COPY_CODE', example: 'FALL25' }] },
  ],
};
