import { availableParallelism } from 'node:os';
import { EnvironmentVariables, validateEnvironment } from './environment';

/**
 * The typed configuration, parsed once at start-up. Injected by class: `constructor(private readonly config: AppConfig)`.
 */
export class AppConfig {
  readonly port: number;
  readonly database: { readonly url: string; readonly poolSize: number };
  readonly redis: { readonly url: string; readonly prefix: string };
  readonly api: { readonly bootstrapKey?: string };
  readonly whatsapp: {
    readonly apiUrl: string;
    readonly apiVersion: string;
    readonly accessToken?: string;
    readonly appSecret?: string;
    readonly verifyToken?: string;
    readonly wabaId?: string;
    readonly phoneNumberId?: string;
  };
  readonly imports: {
    /** Largest accepted upload, in bytes (413 beyond it). */
    readonly maxBytes: number;
    /** Longest accepted physical line, in bytes. */
    readonly maxLineBytes: number;
    /** Worker threads that normalise phone numbers during an import. */
    readonly threads: number;
  };
  readonly log: { readonly level: string };

  constructor(env: EnvironmentVariables) {
    this.port = env.PORT ?? 3000;
    this.database = {
      url: env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/siaran',
      poolSize: env.DATABASE_POOL_SIZE ?? 10,
    };
    this.redis = { url: env.REDIS_URL ?? 'redis://127.0.0.1:6379', prefix: env.REDIS_PREFIX ?? 'siaran' };
    this.api = { bootstrapKey: env.API_BOOTSTRAP_KEY };
    this.whatsapp = {
      apiUrl: (env.WHATSAPP_API_URL ?? 'https://graph.facebook.com').replace(/\/+$/, ''),
      apiVersion: env.WHATSAPP_API_VERSION ?? 'v24.0',
      accessToken: env.WHATSAPP_ACCESS_TOKEN,
      appSecret: env.WHATSAPP_APP_SECRET,
      verifyToken: env.WHATSAPP_VERIFY_TOKEN,
      wabaId: env.WHATSAPP_WABA_ID,
      phoneNumberId: env.WHATSAPP_PHONE_NUMBER_ID,
    };
    this.imports = {
      maxBytes: env.IMPORT_MAX_BYTES ?? 512 * 1024 * 1024,
      maxLineBytes: env.IMPORT_MAX_LINE_BYTES ?? 64 * 1024,
      threads: env.IMPORT_THREADS ?? Math.min(2, availableParallelism()),
    };
    this.log = { level: env.LOG_LEVEL ?? 'info' };
  }

  static fromEnvironment(env: NodeJS.ProcessEnv = process.env): AppConfig {
    return new AppConfig(validateEnvironment(env));
  }
}
