import { createHash, randomBytes } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DomainError } from '../common/domain-error';
import { ApiKeyRow, ApiKeysRepository } from './api-keys.repository';

export const BOOTSTRAP_KEY_NAME = 'bootstrap';
/**
 * How much of a key is kept in clear, to tell keys apart in `apikey list` and to revoke by prefix.
 * Created keys: `sk_` and 6 of their 43 random characters (36 of 256 bits). The bootstrap key is
 * chosen by a person and may be as short as 16 characters: only 4 are kept.
 */
export const KEY_PREFIX_CHARS = 9;
export const BOOTSTRAP_PREFIX_CHARS = 4;
const TOUCH_INTERVAL_MS = 60_000;

/** The key a request was authenticated with. */
export interface ApiPrincipal {
  id: string;
  name: string;
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export function parseBearer(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

@Injectable()
export class ApiKeysService {
  private readonly logger = new Logger(ApiKeysService.name);
  private readonly touchedAt = new Map<string, number>();

  constructor(
    private readonly keys: ApiKeysRepository,
    private readonly db: DataSource,
  ) {}

  /** Creates a key; the clear key is returned once and never stored. */
  async create(name: string): Promise<{ key: string; row: ApiKeyRow }> {
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name)) {
      throw new DomainError('VALIDATION_FAILED', 'A key name is 1-64 characters of letters, digits, _ . -');
    }
    const key = `sk_${randomBytes(32).toString('base64url')}`;
    try {
      const row = await this.keys.insert(name, hashApiKey(key), key.slice(0, KEY_PREFIX_CHARS));
      return { key, row };
    } catch (error) {
      if ((error as { code?: string }).code === '23505') {
        throw new DomainError('VALIDATION_FAILED', `An active key named "${name}" already exists; revoke it first`);
      }
      throw error;
    }
  }

  /** Revokes by name, id, the prefix `apikey list` shows, or the whole key. */
  revoke(nameIdPrefixOrKey: string): Promise<ApiKeyRow[]> {
    return this.keys.revoke(nameIdPrefixOrKey, undefined, hashApiKey(nameIdPrefixOrKey));
  }

  list(): Promise<ApiKeyRow[]> {
    return this.keys.list();
  }

  async authenticate(key: string | undefined): Promise<ApiPrincipal> {
    if (!key) throw new DomainError('AUTH_MISSING_API_KEY', 'Send an API key as "Authorization: Bearer <key>"');
    const row = await this.keys.findActiveByHash(hashApiKey(key));
    if (!row) throw new DomainError('AUTH_INVALID_API_KEY', 'The API key is unknown or revoked');
    this.touch(row.id);
    return { id: row.id, name: row.name };
  }

  /**
   * Registers `API_BOOTSTRAP_KEY` as the key named "bootstrap", replacing an earlier bootstrap key.
   * A bootstrap key that someone revoked stays revoked.
   */
  async ensureBootstrapKey(key: string): Promise<void> {
    const hash = hashApiKey(key);
    await this.db.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext('siaran.api_keys.bootstrap'))`);
      const existing = await this.keys.findByHash(hash, tx);
      if (existing?.revokedAt) {
        this.logger.warn('API_BOOTSTRAP_KEY was revoked and is not accepted; unset it or choose another');
        return;
      }
      if (existing) return;
      const replaced = await this.keys.revoke(BOOTSTRAP_KEY_NAME, tx);
      if (replaced.length > 0) this.logger.log('API_BOOTSTRAP_KEY changed: the previous bootstrap key is revoked');
      await this.keys.insert(BOOTSTRAP_KEY_NAME, hash, key.slice(0, BOOTSTRAP_PREFIX_CHARS), tx);
    });
  }

  /**
   * Called at start-up when `API_BOOTSTRAP_KEY` is not set: the bootstrap key lives only as long as
   * its setting, so an active one is revoked (a key that an operator meant to remove must not keep
   * working after a restart). Returns how many keys it revoked.
   */
  async revokeBootstrapKey(): Promise<number> {
    const revoked = await this.keys.revoke(BOOTSTRAP_KEY_NAME);
    if (revoked.length > 0) this.logger.log('API_BOOTSTRAP_KEY is not set: the bootstrap key is revoked');
    return revoked.length;
  }

  /** Records use at most once a minute per key, off the request path. */
  private touch(id: string): void {
    const now = Date.now();
    if (now - (this.touchedAt.get(id) ?? 0) < TOUCH_INTERVAL_MS) return;
    this.touchedAt.set(id, now);
    this.keys.touch(id).catch((error: unknown) => this.logger.warn(`Could not record key use: ${String(error)}`));
  }
}
