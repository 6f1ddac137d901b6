import { createServer as createHttpServer, IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo, createServer as createTcpServer, Server as TcpServer } from 'node:net';
import { AppConfig } from '../config/app-config';
import { CloudApiClient } from './cloud-api.client';
import { CloudApiError } from './cloud-api.error';
import { MessageContent, TemplateDefinition, TemplateRecord } from './cloud-api.types';
import { ErrorClass } from './error-policy';

const TOKEN = 'test-token';
const VERSION = 'v23.0';
/** The configured default sender, which sends MARKETING templates through /marketing_messages. */
const DEFAULT_SENDER = { phoneNumberId: '1111' };
const OTHER_SENDER = { phoneNumberId: '2222' };
const WABA = '9999';

// ---------------------------------------------------------------------------------------------
// A local server that records every request and answers what the test scripted.

interface Captured {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  body: string;
}

type Reply =
  | { status: number; json?: unknown; text?: string; contentType?: string }
  /** Read the whole request, never answer. */
  | 'hang'
  /** Read the whole request, then drop the connection. */
  | 'destroy';

class CaptureServer {
  readonly requests: Captured[] = [];
  private readonly replies: Reply[] = [];
  private readonly server: Server = createHttpServer((req, res) => void this.handle(req, res));

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Scripts the answers to the next requests, in order; then the default answer applies. */
  reply(...replies: Reply[]): void {
    this.replies.push(...replies);
  }

  reset(): void {
    this.requests.length = 0;
    this.replies.length = 0;
  }

  last(): Captured {
    const last = this.requests.at(-1);
    if (!last) throw new Error('the server received no request');
    return last;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://local');
    const captured: Captured = {
      method: req.method ?? '',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body: Buffer.concat(chunks).toString('utf8'),
    };
    this.requests.push(captured);
    const reply = this.replies.shift() ?? defaultReply(captured);
    if (reply === 'hang') return;
    if (reply === 'destroy') {
      req.socket.destroy();
      return;
    }
    const text = reply.json !== undefined ? JSON.stringify(reply.json) : (reply.text ?? '');
    res.writeHead(reply.status, { 'content-type': reply.contentType ?? 'application/json' });
    res.end(text);
  }
}

/** Sends succeed, echoing the recipient. */
function defaultReply(req: Captured): Reply {
  if (req.method === 'POST' && /\/(messages|marketing_messages)$/.test(req.path)) {
    const { to } = JSON.parse(req.body) as { to: string };
    return { status: 200, json: { messaging_product: 'whatsapp', contacts: [{ input: to, wa_id: to }], messages: [{ id: 'wamid.DEFAULT' }] } };
  }
  return { status: 404, json: { error: { message: 'Unknown path', type: 'GraphMethodException', code: 100 } } };
}

function graphError(code: number, extra: Record<string, unknown> = {}) {
  return { error: { message: `Graph says ${code}`, type: 'OAuthException', code, fbtrace_id: `trace-${code}`, ...extra } };
}

// ---------------------------------------------------------------------------------------------

const server = new CaptureServer();
let baseUrl: string;
const clients: CloudApiClient[] = [];

function newClient(url = baseUrl, env: Record<string, string> = {}): CloudApiClient {
  const config = AppConfig.fromEnvironment({
    WHATSAPP_API_URL: url,
    WHATSAPP_API_VERSION: VERSION,
    WHATSAPP_ACCESS_TOKEN: TOKEN,
    WHATSAPP_TIMEOUT_MS: '300',
    WHATSAPP_MAX_CONNECTIONS: '8',
    WHATSAPP_PHONE_NUMBER_ID: DEFAULT_SENDER.phoneNumberId,
    WHATSAPP_MARKETING_MESSAGES_API: 'true',
    ...env,
  });
  const client = new CloudApiClient(config);
  clients.push(client);
  return client;
}

/** The rejection of a call, asserted to be a CloudApiError. */
async function failure(promise: Promise<unknown>): Promise<CloudApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CloudApiError);
  return error as CloudApiError;
}

function sentBody(): unknown {
  return JSON.parse(server.last().body);
}

let client: CloudApiClient;

beforeAll(async () => {
  baseUrl = await server.start();
  client = newClient();
});

beforeEach(() => server.reset());

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await server.stop();
});

const ENVELOPE = { messaging_product: 'whatsapp', recipient_type: 'individual', to: '6281234567890' } as const;

describe('sendMessage: request bodies', () => {
  const contents: Array<[string, MessageContent]> = [
    ['text with a link preview', { type: 'text', text: { body: 'Halo Ana, promo hari ini', preview_url: true } }],
    ['image by link with a caption', { type: 'image', image: { link: 'https://cdn.example.com/promo.jpg', caption: 'Diskon 20%' } }],
    ['image by media id', { type: 'image', image: { id: '1357924680' } }],
    ['video by link with a caption', { type: 'video', video: { link: 'https://cdn.example.com/promo.mp4', caption: 'Tonton' } }],
    ['video by media id with a caption', { type: 'video', video: { id: '2468013579', caption: 'Tonton' } }],
    ['audio by link', { type: 'audio', audio: { link: 'https://cdn.example.com/jingle.mp3' } }],
    ['audio by media id', { type: 'audio', audio: { id: '1122334455' } }],
    [
      'document by link with a caption and filename',
      { type: 'document', document: { link: 'https://cdn.example.com/katalog.pdf', caption: 'Katalog', filename: 'katalog.pdf' } },
    ],
    ['document by media id with a filename', { type: 'document', document: { id: '5544332211', filename: 'invoice.pdf' } }],
    ['sticker by link', { type: 'sticker', sticker: { link: 'https://cdn.example.com/s.webp' } }],
    ['sticker by media id', { type: 'sticker', sticker: { id: '9988776655' } }],
    ['location', { type: 'location', location: { latitude: -6.2, longitude: 106.816666, name: 'Toko Siaran', address: 'Jl. Sudirman 1, Jakarta' } }],
    [
      'contacts',
      {
        type: 'contacts',
        contacts: [{ name: { formatted_name: 'Budi Santoso', first_name: 'Budi' }, phones: [{ phone: '+62 812 0000 1111', type: 'CELL', wa_id: '6281200001111' }] }],
      },
    ],
    [
      'interactive reply buttons',
      {
        type: 'interactive',
        interactive: {
          type: 'button',
          header: { type: 'text', text: 'Pilih' },
          body: { text: 'Mau ikut promo?' },
          footer: { text: 'Balas STOP untuk berhenti' },
          action: {
            buttons: [
              { type: 'reply', reply: { id: 'YES', title: 'Ya' } },
              { type: 'reply', reply: { id: 'STOP_PROMO', title: 'Berhenti' } },
            ],
          },
        },
      },
    ],
    [
      'interactive list',
      {
        type: 'interactive',
        interactive: {
          type: 'list',
          body: { text: 'Pilih cabang' },
          action: {
            button: 'Cabang',
            sections: [{ title: 'Jakarta', rows: [{ id: 'jkt-1', title: 'Sudirman', description: 'Buka 24 jam' }, { id: 'jkt-2', title: 'Kemang' }] }],
          },
        },
      },
    ],
    [
      'interactive cta_url',
      {
        type: 'interactive',
        interactive: {
          type: 'cta_url',
          header: { type: 'image', image: { link: 'https://cdn.example.com/h.jpg' } },
          body: { text: 'Lihat katalog kami' },
          action: { name: 'cta_url', parameters: { display_text: 'Buka', url: 'https://shop.example.com/?c=1' } },
        },
      },
    ],
    [
      'template with positional body parameters',
      {
        type: 'template',
        template: {
          name: 'spring_sale',
          language: { code: 'id' },
          components: [{ type: 'body', parameters: [{ type: 'text', text: 'Ana' }, { type: 'text', text: '20%' }] }],
        },
      },
    ],
    [
      'template with named parameters',
      {
        type: 'template',
        template: {
          name: 'order_ready',
          language: { code: 'en_US' },
          components: [{ type: 'body', parameters: [{ type: 'text', parameter_name: 'first_name', text: 'Ana' }] }],
        },
      },
    ],
    [
      'template with an image header',
      {
        type: 'template',
        template: {
          name: 'new_arrivals',
          language: { code: 'id' },
          components: [
            { type: 'header', parameters: [{ type: 'image', image: { link: 'https://cdn.example.com/new.jpg' } }] },
            { type: 'body', parameters: [{ type: 'text', text: 'Ana' }] },
          ],
        },
      },
    ],
    [
      'template with currency and date_time parameters',
      {
        type: 'template',
        template: {
          name: 'payment_due',
          language: { code: 'id' },
          components: [
            {
              type: 'body',
              parameters: [
                { type: 'currency', currency: { fallback_value: 'Rp150.000', code: 'IDR', amount_1000: 150_000_000 } },
                { type: 'date_time', date_time: { fallback_value: '1 Mei 2026' } },
              ],
            },
          ],
        },
      },
    ],
    [
      'template with url and quick_reply button parameters',
      {
        type: 'template',
        template: {
          name: 'spring_sale',
          language: { code: 'id', policy: 'deterministic' },
          components: [
            { type: 'body', parameters: [{ type: 'text', text: 'Ana' }] },
            { type: 'button', sub_type: 'url', index: '0', parameters: [{ type: 'text', text: 'abc123' }] },
            { type: 'button', sub_type: 'quick_reply', index: '1', parameters: [{ type: 'payload', payload: 'STOP_PROMO' }] },
          ],
        },
      },
    ],
  ];

  it.each(contents)('%s', async (_label, content) => {
    await client.sendMessage(OTHER_SENDER, '+62 812-3456-7890', content);
    const req = server.last();
    expect(req.method).toBe('POST');
    expect(req.path).toBe(`/${VERSION}/2222/messages`);
    expect(sentBody()).toStrictEqual({ ...ENVELOPE, ...content });
  });

  it('sends exactly the documented template body, with callback data and a reply context', async () => {
    const content: MessageContent = {
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
    await client.sendMessage(OTHER_SENDER, '6281234567890', content, { callbackData: 'c:42;r:1001', replyTo: 'wamid.PREVIOUS' });
    // Written out in full: this is the wire format from WHATSAPP.md, not derived from the input.
    expect(JSON.parse(server.last().body)).toStrictEqual(
      JSON.parse(`{
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": "6281234567890", "type": "template",
        "template": {"name": "spring_sale", "language": {"code": "id"}, "components": [
          {"type": "header", "parameters": [{"type": "image", "image": {"link": "https://cdn.example.com/sale.jpg"}}]},
          {"type": "body", "parameters": [{"type": "text", "text": "Ana"}, {"type": "text", "text": "20%"}]},
          {"type": "button", "sub_type": "url", "index": "0", "parameters": [{"type": "text", "text": "abc123"}]}]},
        "context": {"message_id": "wamid.PREVIOUS"},
        "biz_opaque_callback_data": "c:42;r:1001"
      }`),
    );
  });

  it('sends JSON with the bearer token', async () => {
    await client.sendMessage(DEFAULT_SENDER, '6281234567890', { type: 'text', text: { body: 'Halo' } });
    const { headers } = server.last();
    expect(headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(headers['content-type']).toBe('application/json');
  });

  it.each([
    ['+62 812-3456-7890', '6281234567890'],
    ['(+1) 555 010 9999', '15550109999'],
    ['6281234567890', '6281234567890'],
  ])('sends %s as %s', async (input, digits) => {
    await client.sendMessage(OTHER_SENDER, input, { type: 'text', text: { body: 'Halo' } });
    expect((sentBody() as { to: string }).to).toBe(digits);
  });

  it('refuses a recipient without digits, sending nothing', async () => {
    const error = await failure(client.sendMessage(OTHER_SENDER, '+ -', { type: 'text', text: { body: 'Halo' } }));
    expect(error).toMatchObject({ errorClass: 'request_bug', delivery: 'not_sent' });
    expect(server.requests).toHaveLength(0);
  });

  it('accepts callback data of 512 characters and refuses 513 before sending', async () => {
    const text: MessageContent = { type: 'text', text: { body: 'Halo' } };
    await client.sendMessage(OTHER_SENDER, '628111', text, { callbackData: 'x'.repeat(512) });
    expect((sentBody() as { biz_opaque_callback_data: string }).biz_opaque_callback_data).toHaveLength(512);

    const error = await failure(client.sendMessage(OTHER_SENDER, '628111', text, { callbackData: 'x'.repeat(513) }));
    expect(error).toMatchObject({ errorClass: 'request_bug', delivery: 'not_sent', code: undefined });
    expect(server.requests).toHaveLength(1);
  });

  it('puts the API URL path and the configured Graph version in front of every path', async () => {
    const prefixed = newClient(`${baseUrl}/graph`, { WHATSAPP_API_VERSION: 'v25.0' });
    await prefixed.sendMessage(OTHER_SENDER, '628111', { type: 'text', text: { body: 'Halo' } });
    expect(server.last().path).toBe('/graph/v25.0/2222/messages');
  });
});

describe('sendMessage: endpoint choice', () => {
  const marketing: MessageContent = { type: 'template', template: { name: 'spring_sale', language: { code: 'id' } } };
  const text: MessageContent = { type: 'text', text: { body: 'Halo' } };

  const cases: Array<[string, { phoneNumberId: string; marketingMessagesApi?: boolean }, MessageContent, 'MARKETING' | 'UTILITY' | undefined, string]> = [
    ['a MARKETING template from the configured sender', DEFAULT_SENDER, marketing, 'MARKETING', '/1111/marketing_messages'],
    ['a UTILITY template from the configured sender', DEFAULT_SENDER, marketing, 'UTILITY', '/1111/messages'],
    ['a template of unknown category', DEFAULT_SENDER, marketing, undefined, '/1111/messages'],
    ['a session message, even if called marketing', DEFAULT_SENDER, text, 'MARKETING', '/1111/messages'],
    ['a MARKETING template from another number without the flag', OTHER_SENDER, marketing, 'MARKETING', '/2222/messages'],
    ['a MARKETING template from another number with the flag', { ...OTHER_SENDER, marketingMessagesApi: true }, marketing, 'MARKETING', '/2222/marketing_messages'],
    ['a MARKETING template from the configured number turned off', { ...DEFAULT_SENDER, marketingMessagesApi: false }, marketing, 'MARKETING', '/1111/messages'],
  ];

  it.each(cases)('%s', async (_label, sender, content, templateCategory, path) => {
    await client.sendMessage(sender, '628111', content, { templateCategory });
    expect(server.last().path).toBe(`/${VERSION}${path}`);
    // The body is the same on both endpoints.
    expect(sentBody()).toStrictEqual({ ...ENVELOPE, to: '628111', ...content });
  });

  it('uses /messages for MARKETING templates when the configuration does not enable the marketing API', async () => {
    const plain = newClient(baseUrl, { WHATSAPP_MARKETING_MESSAGES_API: 'false' });
    await plain.sendMessage(DEFAULT_SENDER, '628111', marketing, { templateCategory: 'MARKETING' });
    expect(server.last().path).toBe(`/${VERSION}/1111/messages`);
  });
});

describe('sendMessage: answers', () => {
  const text: MessageContent = { type: 'text', text: { body: 'Halo' } };

  it('keeps both the input and a different wa_id, and the held status', async () => {
    server.reply({
      status: 200,
      json: {
        messaging_product: 'whatsapp',
        contacts: [{ input: '5511987654321', wa_id: '551187654321' }],
        messages: [{ id: 'wamid.HBgLNTUxMTg3NjU0MzIx', message_status: 'held_for_quality_assessment' }],
      },
    });
    const sent = await client.sendMessage(OTHER_SENDER, '+55 11 98765-4321', text);
    expect(sent).toStrictEqual({
      messageId: 'wamid.HBgLNTUxMTg3NjU0MzIx',
      waId: '551187654321',
      input: '5511987654321',
      messageStatus: 'held_for_quality_assessment',
    });
  });

  it('reads a missing message_status as accepted', async () => {
    server.reply({ status: 200, json: { messaging_product: 'whatsapp', contacts: [{ input: '628111', wa_id: '628111' }], messages: [{ id: 'wamid.A' }] } });
    expect((await client.sendMessage(OTHER_SENDER, '628111', text)).messageStatus).toBe('accepted');
  });

  it('treats a success without a message id as unknown: something may have been sent', async () => {
    server.reply({ status: 200, text: '<html>ok</html>', contentType: 'text/html' });
    const error = await failure(client.sendMessage(OTHER_SENDER, '628111', text));
    expect(error).toMatchObject({ httpStatus: 200, code: undefined, errorClass: 'transient', delivery: 'unknown' });
  });
});

describe('sendMessage: Graph errors', () => {
  const text: MessageContent = { type: 'text', text: { body: 'Halo' } };
  const samples: Array<[number, number, ErrorClass]> = [
    [130429, 400, 'transient'],
    [131056, 400, 'pair_rate'],
    [131049, 400, 'per_user_cap'],
    [131048, 400, 'stop'],
    [131026, 400, 'permanent_recipient'],
    [132000, 400, 'request_bug'],
    [190, 401, 'stop'],
    [131000, 500, 'transient'],
  ];

  it.each(samples)('code %i (HTTP %i) is %s and was not sent', async (code, status, errorClass) => {
    server.reply({ status, json: graphError(code, { error_subcode: 2494010, error_data: { messaging_product: 'whatsapp', details: `details of ${code}` } }) });
    const error = await failure(client.sendMessage(OTHER_SENDER, '628111', text));
    expect(error).toMatchObject({
      code,
      subcode: 2494010,
      details: `details of ${code}`,
      fbtraceId: `trace-${code}`,
      httpStatus: status,
      errorClass,
      delivery: 'not_sent',
    });
    expect(error.message).toContain(`Graph says ${code}`);
  });

  it('reads an error without subcode or details', async () => {
    server.reply({ status: 400, json: { error: { message: 'Invalid parameter', type: 'OAuthException', code: 100 } } });
    const error = await failure(client.sendMessage(OTHER_SENDER, '628111', text));
    expect(error).toMatchObject({ code: 100, subcode: undefined, details: undefined, fbtraceId: undefined, errorClass: 'request_bug', delivery: 'not_sent' });
  });

  it('classifies an HTML 502 from a proxy by its status, and cannot tell whether it was sent', async () => {
    server.reply({ status: 502, text: '<html><body>Bad Gateway</body></html>', contentType: 'text/html' });
    const error = await failure(client.sendMessage(OTHER_SENDER, '628111', text));
    expect(error).toMatchObject({ code: undefined, httpStatus: 502, errorClass: 'transient', delivery: 'unknown' });
  });

  it('reads a 4xx without a Graph body as refused before processing', async () => {
    server.reply({ status: 404, text: 'Not Found', contentType: 'text/plain' });
    const error = await failure(client.sendMessage(OTHER_SENDER, '628111', text));
    expect(error).toMatchObject({ code: undefined, httpStatus: 404, errorClass: 'request_bug', delivery: 'not_sent' });
  });

  it('never puts the access token in an error, even when Graph echoes it', async () => {
    server.reply({
      status: 401,
      json: graphError(190, { message: `Invalid OAuth access token ${TOKEN}`, error_data: { details: `token ${TOKEN} expired` } }),
    });
    const error = await failure(client.sendMessage(OTHER_SENDER, '628111', text));
    expect(error.code).toBe(190);
    expect(error.message).toContain('Invalid OAuth access token');
    expect(error.message).not.toContain(TOKEN);
    expect(error.details).not.toContain(TOKEN);
    expect(error.stack).not.toContain(TOKEN);
  });

  it('fails without a token before sending anything', async () => {
    const tokenless = newClient(baseUrl, { WHATSAPP_ACCESS_TOKEN: '' });
    const error = await failure(tokenless.sendMessage(OTHER_SENDER, '628111', text));
    expect(error).toMatchObject({ errorClass: 'stop', delivery: 'not_sent' });
    expect(server.requests).toHaveLength(0);
  });
});

describe('sendMessage: transport failures', () => {
  const text: MessageContent = { type: 'text', text: { body: 'Halo' } };
  let tlsDropper: TcpServer;
  let refusedUrl: string;
  let droppedTlsUrl: string;

  beforeAll(async () => {
    // A port that was just free: nothing listens there now, so connecting is refused.
    const probe = createTcpServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    refusedUrl = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    // Accepts TCP then drops it: an https client fails in the TLS handshake, before it can write.
    tlsDropper = createTcpServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => tlsDropper.listen(0, '127.0.0.1', resolve));
    droppedTlsUrl = `https://127.0.0.1:${(tlsDropper.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => tlsDropper.close(() => resolve()));
  });

  it('reports a refused connection as not sent and transient', async () => {
    const error = await failure(newClient(refusedUrl).sendMessage(OTHER_SENDER, '628111', text));
    expect(error).toMatchObject({ code: undefined, httpStatus: undefined, errorClass: 'transient', delivery: 'not_sent' });
    expect(error.message).toContain('ECONNREFUSED');
    expect(error.message).not.toContain(TOKEN);
  });

  it('reports a connection lost before the request was written as not sent', async () => {
    const error = await failure(newClient(droppedTlsUrl).sendMessage(OTHER_SENDER, '628111', text));
    expect(error).toMatchObject({ errorClass: 'transient', delivery: 'not_sent' });
  });

  it('reports a request that was read but never answered as unknown, after the timeout', async () => {
    server.reply('hang');
    const started = Date.now();
    const error = await failure(client.sendMessage(OTHER_SENDER, '628111', text));
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(error).toMatchObject({ code: undefined, httpStatus: undefined, errorClass: 'transient', delivery: 'unknown' });
    expect(error.message).toContain('UND_ERR_HEADERS_TIMEOUT');
    expect(server.requests).toHaveLength(1);
  });

  it('reports a connection dropped after the request was read as unknown, and does not send it again', async () => {
    server.reply('destroy');
    const error = await failure(client.sendMessage(OTHER_SENDER, '628111', text));
    expect(error).toMatchObject({ errorClass: 'transient', delivery: 'unknown' });
    // Give a retry, if undici made one, time to arrive.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(server.requests).toHaveLength(1);
  });

  it('keeps working on fresh connections after a dropped one', async () => {
    server.reply('destroy');
    await failure(client.sendMessage(OTHER_SENDER, '628111', text));
    const sent = await client.sendMessage(OTHER_SENDER, '628222', text);
    expect(sent.waId).toBe('628222');
  });
});

describe('templates', () => {
  const definition: TemplateDefinition = {
    name: 'spring_sale',
    language: 'id',
    category: 'MARKETING',
    parameter_format: 'POSITIONAL',
    components: [
      { type: 'HEADER', format: 'IMAGE', example: { header_handle: ['4::aW1hZ2UvanBlZw==:ARb'] } },
      { type: 'BODY', text: 'Halo {{1}}, diskon {{2}} hari ini!', example: { body_text: [['Ana', '20%']] } },
      { type: 'FOOTER', text: 'Balas STOP untuk berhenti' },
      { type: 'BUTTONS', buttons: [{ type: 'URL', text: 'Belanja', url: 'https://shop.example.com/{{1}}', example: ['abc'] }, { type: 'QUICK_REPLY', text: 'Berhenti promo' }] },
    ],
  };
  const record = (id: string, name: string, language = 'id'): TemplateRecord => ({ ...definition, id, name, language, status: 'APPROVED' });
  const FIELDS = 'id,name,language,category,status,parameter_format,components,rejected_reason,quality_score';

  it('creates a template with the definition as the body', async () => {
    server.reply({ status: 200, json: { id: '594425479261596', status: 'PENDING', category: 'MARKETING' } });
    const created = await client.createTemplate(WABA, definition);
    const req = server.last();
    expect(req.method).toBe('POST');
    expect(req.path).toBe(`/${VERSION}/${WABA}/message_templates`);
    expect(req.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(JSON.parse(req.body)).toStrictEqual(JSON.parse(JSON.stringify(definition)));
    expect(created).toStrictEqual({ id: '594425479261596', status: 'PENDING', category: 'MARKETING' });
  });

  it('maps a creation error like any other', async () => {
    server.reply({ status: 400, json: graphError(100, { error_subcode: 2388024, error_user_msg: 'Content in this language already exists' }) });
    const error = await failure(client.createTemplate(WABA, definition));
    expect(error).toMatchObject({ code: 100, subcode: 2388024, errorClass: 'request_bug' });
  });

  it('lists one page with the fields, filter and cursor asked for', async () => {
    server.reply({ status: 200, json: { data: [record('1', 'spring_sale')], paging: { cursors: { before: 'B', after: 'A' } } } });
    const page = await client.listTemplates(WABA, { name: 'spring_sale', limit: 10, after: 'CURSOR' });
    const req = server.last();
    expect(req.method).toBe('GET');
    expect(req.path).toBe(`/${VERSION}/${WABA}/message_templates`);
    expect(req.query).toStrictEqual({ fields: FIELDS, name: 'spring_sale', limit: '10', after: 'CURSOR' });
    expect(req.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(req.headers['content-type']).toBeUndefined();
    expect(page.data.map((t) => t.id)).toStrictEqual(['1']);
  });

  it('follows the paging cursor across pages', async () => {
    server.reply(
      {
        status: 200,
        json: {
          data: [record('1', 'a'), record('2', 'b')],
          paging: { cursors: { before: 'B1', after: 'CUR1' }, next: `${baseUrl}/${VERSION}/${WABA}/message_templates?after=CUR1` },
        },
      },
      { status: 200, json: { data: [record('3', 'c')], paging: { cursors: { before: 'B2', after: 'CUR2' } } } },
    );
    const all = await client.listAllTemplates(WABA);
    expect(all.map((t) => t.id)).toStrictEqual(['1', '2', '3']);
    expect(server.requests).toHaveLength(2);
    expect(server.requests[0].query).toStrictEqual({ fields: FIELDS, limit: '100' });
    expect(server.requests[1].query).toStrictEqual({ fields: FIELDS, limit: '100', after: 'CUR1' });
  });

  it('finds the templates with exactly a name, in every language', async () => {
    server.reply({ status: 200, json: { data: [record('1', 'spring_sale'), record('2', 'spring_sale_v2'), record('3', 'spring_sale', 'en_US')] } });
    const found = await client.findTemplates(WABA, 'spring_sale');
    expect(found.map((t) => [t.id, t.language])).toStrictEqual([
      ['1', 'id'],
      ['3', 'en_US'],
    ]);
    expect(server.last().query.name).toBe('spring_sale');
  });

  it('deletes a template by name, or one language of it by id', async () => {
    server.reply({ status: 200, json: { success: true } }, { status: 200, json: { success: true } });
    await client.deleteTemplate(WABA, 'spring_sale');
    await client.deleteTemplate(WABA, 'spring_sale', '594425479261596');
    const [byName, byId] = server.requests;
    expect([byName.method, byName.path, byName.query]).toStrictEqual(['DELETE', `/${VERSION}/${WABA}/message_templates`, { name: 'spring_sale' }]);
    expect([byId.method, byId.path, byId.query]).toStrictEqual([
      'DELETE',
      `/${VERSION}/${WABA}/message_templates`,
      { name: 'spring_sale', hsm_id: '594425479261596' },
    ]);
  });

  it('fails a delete that Graph did not confirm', async () => {
    server.reply({ status: 200, json: { success: false } });
    const error = await failure(client.deleteTemplate(WABA, 'spring_sale'));
    expect(error.httpStatus).toBe(200);
  });
});

describe('getPhoneNumber', () => {
  it('asks for quality, throughput and the messaging limit', async () => {
    const info = {
      id: '1111',
      display_phone_number: '+62 21 5000 1111',
      verified_name: 'Toko Siaran',
      quality_rating: 'GREEN',
      throughput: { level: 'STANDARD' },
      whatsapp_business_manager_messaging_limit: 'TIER_2K',
    };
    server.reply({ status: 200, json: info });
    const answer = await client.getPhoneNumber('1111');
    const req = server.last();
    expect(req.method).toBe('GET');
    expect(req.path).toBe(`/${VERSION}/1111`);
    expect(req.query).toStrictEqual({ fields: 'id,display_phone_number,verified_name,quality_rating,throughput,whatsapp_business_manager_messaging_limit' });
    expect(answer).toStrictEqual(info);
  });
});
