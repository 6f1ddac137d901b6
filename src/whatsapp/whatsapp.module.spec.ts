import { Test } from '@nestjs/testing';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { AppConfig } from '../config/app-config';
import { ConfigModule } from '../config/config.module';
import { CloudApiClient } from './cloud-api.client';
import { CloudApiError } from './cloud-api.error';
import { WhatsappModule } from './whatsapp.module';

describe('WhatsappModule', () => {
  let server: Server;
  let url: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ messaging_product: 'whatsapp', contacts: [{ input: '628111', wa_id: '628111' }], messages: [{ id: 'wamid.M' }] }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('provides a client built from AppConfig and closes its pool when the module is destroyed', async () => {
    const config = AppConfig.fromEnvironment({ WHATSAPP_API_URL: url, WHATSAPP_ACCESS_TOKEN: 'test-token', WHATSAPP_TIMEOUT_MS: '300' });
    const module = await Test.createTestingModule({ imports: [ConfigModule.forRoot(config), WhatsappModule] }).compile();
    const client = module.get(CloudApiClient);

    const sent = await client.sendMessage({ phoneNumberId: '1111' }, '628111', { type: 'text', text: { body: 'Halo' } });
    expect(sent.messageId).toBe('wamid.M');

    await module.close();
    const error = await client.sendMessage({ phoneNumberId: '1111' }, '628111', { type: 'text', text: { body: 'Halo' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CloudApiError);
    expect(error).toMatchObject({ delivery: 'not_sent' });
  });
});
