import { Module, OnApplicationBootstrap } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AppConfig } from '../config/app-config';
import { ApiKeyGuard } from './api-key.guard';
import { ApiKeysRepository } from './api-keys.repository';
import { ApiKeysService } from './api-keys.service';

@Module({
  providers: [ApiKeysRepository, ApiKeysService, { provide: APP_GUARD, useClass: ApiKeyGuard }],
  exports: [ApiKeysService],
})
export class AuthModule implements OnApplicationBootstrap {
  constructor(
    private readonly config: AppConfig,
    private readonly apiKeys: ApiKeysService,
  ) {}

  /** The bootstrap key follows its setting: registered while `API_BOOTSTRAP_KEY` is set, revoked once it is not. */
  async onApplicationBootstrap(): Promise<void> {
    if (this.config.api.bootstrapKey) await this.apiKeys.ensureBootstrapKey(this.config.api.bootstrapKey);
    else await this.apiKeys.revokeBootstrapKey();
  }
}
