import type { SimulatorOverrides } from './options';
import { type Simulator, startSimulator } from './simulator';
import { graphClient } from './testing';
import { WebhookReceiver } from './webhook-receiver';

/** A simulator sending its webhooks to an in-test receiver, with a Graph client pointed at it. */
export interface SimulatorHarness {
  sim: Simulator;
  receiver: WebhookReceiver;
  api: ReturnType<typeof graphClient>;
}

export async function startHarness(options: SimulatorOverrides): Promise<SimulatorHarness> {
  const receiver = await WebhookReceiver.start();
  const sim = await startSimulator({ webhookUrl: receiver.url, ...options });
  return { sim, receiver, api: graphClient(sim.url) };
}

/**
 * Between tests: let scheduled work finish, insist nothing failed inside, start clean. Throws
 * (rather than using a test runner's `expect`): this file is compiled with the shipped build.
 */
export async function settle({ sim, receiver }: SimulatorHarness): Promise<void> {
  await sim.idle();
  const errors = sim.errors();
  if (errors.length > 0) throw new Error(`The simulator failed inside: ${JSON.stringify(errors)}`);
  sim.reset();
  receiver.clear();
}

export async function stopHarness({ sim, receiver }: SimulatorHarness): Promise<void> {
  await sim.stop();
  await receiver.close();
}
