import { startSimulator, Simulator } from '../simulator/simulator';
import { eventually, TestEnv } from './app';
import { client } from './http';

type SimulatorOptions = Parameters<typeof startSimulator>[0];

/** The WhatsApp settings a test environment needs to talk to the Cloud API simulator. */
export const SIMULATED_WABA = '2000000001';

/**
 * The WhatsApp settings of a Siaran process (in-process TestEnv or a spawned one) that calls the
 * simulator as its Graph API: its URL, token, secret and account, the default business number
 * (1000000001) of the number's Business Manager country `ID`. `overrides` win.
 */
export function simulatorSettings(sim: Simulator, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    WHATSAPP_API_URL: sim.url,
    WHATSAPP_ACCESS_TOKEN: 'sim-token',
    WHATSAPP_APP_SECRET: 'sim-app-secret',
    WHATSAPP_WABA_ID: SIMULATED_WABA,
    WHATSAPP_PHONE_NUMBER_ID: '1000000001',
    WHATSAPP_BUSINESS_COUNTRY: 'ID',
    ...overrides,
  };
}

/**
 * The Cloud API simulator, and an API and a worker configured to use it (the default business
 * number 1000000001 in WABA 2000000001), with the simulator's webhooks posted back to the API.
 * `close()` stops both.
 */
export async function startSimulatedWhatsapp(options: SimulatorOptions): Promise<{
  sim: Simulator;
  env: TestEnv;
  api: ReturnType<typeof client>;
  templateUntil: (id: string, until: (t: any) => boolean) => Promise<any>;
  close: () => Promise<void>;
}> {
  const sim = await startSimulator(options);
  const env = await TestEnv.create(simulatorSettings(sim, { WHATSAPP_TIMEOUT_MS: '2000' }));
  await env.startApi();
  await env.startWorker();
  sim.configure({ webhookUrl: `${env.url}/webhooks/whatsapp` });
  const api = client(env.url);
  /** Polls a template until `until` holds (a status a webhook brings). */
  const templateUntil = (id: string, until: (t: any) => boolean) =>
    eventually(async () => {
      const res = await api.get(`/v1/templates/${id}`);
      return until(res.body) ? res.body : undefined;
    }, 10_000, `template ${id}`);
  return {
    sim,
    env,
    api,
    templateUntil,
    close: async () => {
      await sim.stop();
      await env.close();
    },
  };
}
