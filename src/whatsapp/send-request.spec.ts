import type { MessageContent, TemplateCategory } from './cloud-api.types';
import { buildSendRequest, hasRecipient, type SendEndpoint } from './send-request';

const TEMPLATE: MessageContent = {
  type: 'template',
  template: {
    name: 'spring_sale',
    language: { code: 'id' },
    components: [
      { type: 'header', parameters: [{ type: 'image', image: { link: 'https://cdn.example.com/sale.jpg' } }] },
      { type: 'body', parameters: [{ type: 'text', text: 'Ana' }, { type: 'text', text: '20%' }] },
      { type: 'button', sub_type: 'url', index: '0', parameters: [{ type: 'text', text: 'abc123' }] },
    ],
  },
};
const TEXT: MessageContent = { type: 'text', text: { body: 'Halo Ana', preview_url: true } };

const ON = { marketingMessagesApi: true };
const OFF = { marketingMessagesApi: false };

describe('buildSendRequest: endpoint', () => {
  const cases: Array<[string, { marketingMessagesApi: boolean }, MessageContent, TemplateCategory | undefined, SendEndpoint]> = [
    ['a MARKETING template from a sender with the marketing API', ON, TEMPLATE, 'MARKETING', 'marketing_messages'],
    ['a MARKETING template from a sender without it', OFF, TEMPLATE, 'MARKETING', 'messages'],
    ['a UTILITY template', ON, TEMPLATE, 'UTILITY', 'messages'],
    ['an AUTHENTICATION template', ON, TEMPLATE, 'AUTHENTICATION', 'messages'],
    ['a template of unknown category', ON, TEMPLATE, undefined, 'messages'],
    ['a session message, even if called marketing', ON, TEXT, 'MARKETING', 'messages'],
  ];

  it.each(cases)('%s', (_label, sender, content, templateCategory, endpoint) => {
    const request = buildSendRequest(sender, '6281234567890', content, { templateCategory });
    expect(request.endpoint).toBe(endpoint);
    // The body is the same on both endpoints.
    expect(request.body).toStrictEqual({ messaging_product: 'whatsapp', recipient_type: 'individual', to: '6281234567890', ...content });
  });
});

describe('buildSendRequest: body', () => {
  it('is the documented template body, with callback data and a reply context, in the wire order', () => {
    const { body } = buildSendRequest(OFF, '+62 812-3456-7890', TEMPLATE, { callbackData: 'c:42;r:1001', replyTo: 'wamid.PREVIOUS', templateCategory: 'MARKETING' });
    // Written out in full, as JSON: this is the wire format from WHATSAPP.md, not derived from the input.
    expect(JSON.stringify(body)).toBe(
      JSON.stringify(
        JSON.parse(`{
          "messaging_product": "whatsapp", "recipient_type": "individual", "to": "6281234567890", "type": "template",
          "template": {"name": "spring_sale", "language": {"code": "id"}, "components": [
            {"type": "header", "parameters": [{"type": "image", "image": {"link": "https://cdn.example.com/sale.jpg"}}]},
            {"type": "body", "parameters": [{"type": "text", "text": "Ana"}, {"type": "text", "text": "20%"}]},
            {"type": "button", "sub_type": "url", "index": "0", "parameters": [{"type": "text", "text": "abc123"}]}]},
          "context": {"message_id": "wamid.PREVIOUS"},
          "biz_opaque_callback_data": "c:42;r:1001"
        }`),
      ),
    );
  });

  it('is a text body with the envelope around it, and nothing else', () => {
    expect(buildSendRequest(OFF, '6281234567890', TEXT).body).toStrictEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '6281234567890',
      type: 'text',
      text: { body: 'Halo Ana', preview_url: true },
    });
  });

  it.each([
    ['+62 812-3456-7890', '6281234567890'],
    ['(+1) 555 010 9999', '15550109999'],
    ['6281234567890', '6281234567890'],
  ])('sends %s as %s', (input, digits) => {
    expect(buildSendRequest(OFF, input, TEXT).body.to).toBe(digits);
  });

  it('leaves `to` out when the recipient has no digits, which hasRecipient tells', () => {
    for (const to of ['', '+ -']) {
      const { body } = buildSendRequest(OFF, to, TEXT);
      expect(body).not.toHaveProperty('to');
      expect(hasRecipient(body)).toBe(false);
    }
    expect(hasRecipient(buildSendRequest(OFF, '628111', TEXT).body)).toBe(true);
  });

  it('leaves out empty callback data and an empty reply context', () => {
    const { body } = buildSendRequest(OFF, '628111', TEXT, { callbackData: '', replyTo: '' });
    expect(body).not.toHaveProperty('biz_opaque_callback_data');
    expect(body).not.toHaveProperty('context');
  });

  it('passes long callback data through as it is (the client refuses it before sending)', () => {
    expect(buildSendRequest(OFF, '628111', TEXT, { callbackData: 'x'.repeat(513) }).body.biz_opaque_callback_data).toHaveLength(513);
  });
});
