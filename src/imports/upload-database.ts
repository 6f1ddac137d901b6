import { Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { createDataSource } from '../database/data-source';

/**
 * The uploads' own small pool (IMPORT_UPLOAD_CONCURRENCY connections, `siaran-uploads` in
 * pg_stat_activity). An upload holds a connection while its body streams in, for as long as the
 * client takes; on this pool, however many uploads stall, webhook intake, /health and every other
 * request keep the main pool to themselves. API process only.
 */
@Injectable()
export class UploadDatabase implements OnModuleInit, OnApplicationShutdown {
  readonly source: DataSource;

  constructor(config: AppConfig) {
    this.source = createDataSource(config, {
      poolSize: config.imports.uploadConcurrency,
      applicationName: 'siaran-uploads',
      serviceLimits: true,
    });
  }

  async onModuleInit(): Promise<void> {
    await this.source.initialize();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.source.isInitialized) await this.source.destroy();
  }
}
