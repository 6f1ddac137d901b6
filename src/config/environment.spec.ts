import { AppConfig } from './app-config';
import { ConfigError } from './environment';

describe('configuration', () => {
  it('has working defaults', () => {
    const config = AppConfig.fromEnvironment({});
    expect(config.port).toBe(3000);
    expect(config.database.url).toBe('postgres://postgres@127.0.0.1:5432/siaran');
    expect(config.redis.url).toBe('redis://127.0.0.1:6379');
    expect(config.whatsapp.apiUrl).toBe('https://graph.facebook.com');
    expect(config.api.bootstrapKey).toBeUndefined();
    expect(config.campaigns.maxLatenessMs).toBe(15 * 60_000);
  });

  it('reads every variable', () => {
    const config = AppConfig.fromEnvironment({
      PORT: '8080',
      DATABASE_URL: 'postgresql://u@db/x',
      REDIS_URL: 'redis://r:6380',
      API_BOOTSTRAP_KEY: 'a-very-long-bootstrap-key',
      WHATSAPP_API_URL: 'http://127.0.0.1:4010/',
      WHATSAPP_API_VERSION: 'v25.0',
      WHATSAPP_PHONE_NUMBER_ID: '1234',
      IMPORT_MAX_BYTES: '2048',
      IMPORT_THREADS: '0',
      CAMPAIGN_MAX_LATENESS: '1h',
    });
    expect(config.port).toBe(8080);
    expect(config.whatsapp.apiUrl).toBe('http://127.0.0.1:4010');
    expect(config.whatsapp.apiVersion).toBe('v25.0');
    expect(config.imports).toMatchObject({ maxBytes: 2048, threads: 0 });
    expect(config.campaigns.maxLatenessMs).toBe(3_600_000);
  });

  it('reads WHATSAPP_BUSINESS_COUNTRY in any case, as upper case; empty is unset; a code ISO 3166-1 does not list is refused', () => {
    expect(AppConfig.fromEnvironment({ WHATSAPP_BUSINESS_COUNTRY: ' id ' }).whatsapp.businessCountry).toBe('ID');
    expect(AppConfig.fromEnvironment({ WHATSAPP_BUSINESS_COUNTRY: '' }).whatsapp.businessCountry).toBeUndefined();
    for (const bad of ['XX', 'IDN', 'Indonesia', '62']) {
      expect(() => AppConfig.fromEnvironment({ WHATSAPP_BUSINESS_COUNTRY: bad })).toThrow(/WHATSAPP_BUSINESS_COUNTRY must be an ISO 3166-1 alpha-2 country code/);
    }
  });

  it('refuses bad values, listing every one of them at once', () => {
    let error: unknown;
    try {
      AppConfig.fromEnvironment({ PORT: 'eighty', DATABASE_URL: 'mysql://x', WHATSAPP_API_VERSION: '24', IMPORT_THREADS: '-1', CAMPAIGN_MAX_LATENESS: '15' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of ['PORT', 'DATABASE_URL', 'WHATSAPP_API_VERSION', 'IMPORT_THREADS', 'CAMPAIGN_MAX_LATENESS']) expect(problems).toContain(name);
    expect((error as ConfigError).message).toMatch(/^Invalid configuration:/);
  });
});

describe('CAMPAIGN_MAX_LATENESS', () => {
  it.each(['10s', '15m', '7d'])('takes %s', (value) => {
    expect(() => AppConfig.fromEnvironment({ CAMPAIGN_MAX_LATENESS: value })).not.toThrow();
  });

  it.each(['9s', '8d', '15', 'soon', '-1m'])('refuses %s, by name and rule', (value) => {
    expect(() => AppConfig.fromEnvironment({ CAMPAIGN_MAX_LATENESS: value })).toThrow(/CAMPAIGN_MAX_LATENESS must be a duration from 10s to 7d/);
  });
});

describe('DISPATCH_THROUGHPUT_MARGIN_PERCENT', () => {
  it('is 3% unless set, and takes a fraction of a percent', () => {
    expect(AppConfig.fromEnvironment({}).dispatch.throughputMargin).toBe(0.03);
    expect(AppConfig.fromEnvironment({ DISPATCH_THROUGHPUT_MARGIN_PERCENT: '1.5' }).dispatch.throughputMargin).toBe(0.015);
    expect(AppConfig.fromEnvironment({ DISPATCH_THROUGHPUT_MARGIN_PERCENT: '0' }).dispatch.throughputMargin).toBe(0);
  });

  it.each(['-1', '11', 'three'])('refuses %s', (value) => {
    expect(() => AppConfig.fromEnvironment({ DISPATCH_THROUGHPUT_MARGIN_PERCENT: value })).toThrow(/DISPATCH_THROUGHPUT_MARGIN_PERCENT/);
  });
});
