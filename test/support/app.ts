import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import type { DynamicModule, INestApplication, INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import Redis from 'ioredis';
import { Logger } from 'nestjs-pino';
import { DataSource } from 'typeorm';
import { AppModule } from '../../src/app.module';
import { configureApi } from '../../src/app.setup';
import { AppConfig } from '../../src/config/app-config';
import { WorkerModule } from '../../src/worker.module';
import { createTestDatabase } from './database';

export const TEST_API_KEY = 'test-bootstrap-key-0123456789';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A provider a test file replaces in the API and the workers it starts (`{ provide: CampaignEligibility, useValue: … }`). */
export interface ProviderOverride {
  provide: abstract new (...args: never[]) => unknown;
  useValue: unknown;
}

/**
 * One test file's world: its own database (cloned from the migrated template) and its own Bull
 * key prefix in Redis, so that test files can run in parallel.
 */
export class TestEnv {
  readonly prefix = `siaran-test-${randomBytes(6).toString('hex')}`;
  config!: AppConfig;
  private api?: INestApplication;
  private worker?: INestApplicationContext;
  /** Workers started by addWorker, besides the first. */
  private readonly moreWorkers: INestApplicationContext[] = [];
  private overrides: ProviderOverride[] = [];
  private dropDb?: () => Promise<void>;
  url = '';

  /** `overrides`: providers replaced in every API and worker this file starts. */
  static async create(env: Record<string, string> = {}, overrides: ProviderOverride[] = []): Promise<TestEnv> {
    const t = new TestEnv();
    t.overrides = overrides;
    const db = await createTestDatabase();
    t.dropDb = db.drop;
    t.config = AppConfig.fromEnvironment({
      DATABASE_URL: db.url,
      DATABASE_POOL_SIZE: '5',
      REDIS_URL,
      REDIS_PREFIX: t.prefix,
      API_BOOTSTRAP_KEY: TEST_API_KEY,
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      ...env,
    });
    return t;
  }

  async startApi(): Promise<string> {
    const options = { bufferLogs: true, bodyParser: false, logger: false } as const;
    const app =
      this.overrides.length === 0
        ? await NestFactory.create<NestExpressApplication>(AppModule.register(this.config), options)
        : (await this.compile(AppModule.register(this.config))).createNestApplication<NestExpressApplication>(options);
    configureApi(app);
    await app.listen(0, '127.0.0.1');
    this.api = app;
    this.url = await app.getUrl();
    this.url = this.url.replace('[::1]', '127.0.0.1');
    return this.url;
  }

  async startWorker(): Promise<INestApplicationContext> {
    const worker = await this.newWorker();
    this.worker = worker;
    return worker;
  }

  /** One more worker besides startWorker's, as a second worker process would be; closed by close(). */
  async addWorker(): Promise<INestApplicationContext> {
    const worker = await this.newWorker();
    this.moreWorkers.push(worker);
    return worker;
  }

  private async newWorker(): Promise<INestApplicationContext> {
    if (this.overrides.length === 0) {
      const worker = await NestFactory.createApplicationContext(WorkerModule.register(this.config), { bufferLogs: true, logger: false });
      worker.useLogger(worker.get(Logger));
      return worker;
    }
    const worker = await this.compile(WorkerModule.register(this.config));
    worker.useLogger(worker.get(Logger));
    await worker.init();
    return worker;
  }

  /** The module with this file's overrides, through Nest's testing module. */
  private async compile(module: DynamicModule) {
    let builder = Test.createTestingModule({ imports: [module] });
    for (const o of this.overrides) builder = builder.overrideProvider(o.provide).useValue(o.useValue);
    return builder.compile();
  }

  get db(): DataSource {
    const app = this.api ?? this.worker;
    if (!app) throw new Error('start the API or the worker first');
    return app.get(DataSource);
  }

  get<T>(token: new (...args: never[]) => T): T {
    const app = this.worker ?? this.api;
    if (!app) throw new Error('start the API or the worker first');
    return app.get(token, { strict: false });
  }

  async stopApi(): Promise<void> {
    await this.api?.close();
    this.api = undefined;
  }

  /** Stops the workers (startWorker's and addWorker's), as when every worker process goes down. */
  async stopWorker(): Promise<void> {
    await this.worker?.close();
    this.worker = undefined;
    for (const worker of this.moreWorkers.splice(0)) await worker.close();
  }

  async close(): Promise<void> {
    await this.api?.close();
    await this.stopWorker();
    await deleteRedisKeys(this.prefix);
    await this.dropDb?.();
  }
}

/** Removes every key under a queue prefix, so a test run leaves nothing behind in Redis. */
export async function deleteRedisKeys(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  try {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}

/** Polls until `check` returns a value (not undefined), or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
