import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { loadDotEnv } from '../src/app.setup';
import { AppConfig } from '../src/config/app-config';
import { ROOT } from './support/processes';

describe('.env', () => {
  it('adds the variables the environment does not set, and never overrides one it does', () => {
    const dir = mkdtempSync(join(tmpdir(), 'siaran-env-'));
    const path = join(dir, '.env');
    writeFileSync(path, 'PORT=4000\nLOG_LEVEL=debug\nWHATSAPP_STOP_KEYWORDS="STOP,STOP ALL"\n');
    const env: NodeJS.ProcessEnv = { PORT: '5000' };
    expect(loadDotEnv(path, env).sort()).toEqual(['LOG_LEVEL', 'WHATSAPP_STOP_KEYWORDS']);
    expect(env).toEqual({ PORT: '5000', LOG_LEVEL: 'debug', WHATSAPP_STOP_KEYWORDS: 'STOP,STOP ALL' });
    expect(loadDotEnv(join(dir, 'missing'), env)).toEqual([]);
  });

  it('.env.example, copied as it is, is a valid configuration with the documented defaults', () => {
    const example = parseEnv(readFileSync(join(ROOT, '.env.example'), 'utf8'));
    const config = AppConfig.fromEnvironment(example);
    expect(config.port).toBe(3000);
    expect(config.whatsapp.stopKeywords.map((k) => k.keyword)).toContain('STOP ALL');
    expect(config.api.bootstrapKey).toBeUndefined();
  });
});
