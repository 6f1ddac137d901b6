import { Module } from '@nestjs/common';
import { QueueModule } from '../common/queue.module';
import { ImportUploadsService } from './import-uploads.service';
import { ImportsController } from './imports.controller';
import { ImportsRepository } from './imports.repository';
import { ImportsService } from './imports.service';
import { UploadDatabase } from './upload-database';

/** The API side of CSV imports: upload, status, rejected rows. The worker side is ImportsWorkerModule. */
@Module({
  imports: [QueueModule],
  controllers: [ImportsController],
  providers: [ImportsRepository, ImportsService, ImportUploadsService, UploadDatabase],
  exports: [ImportsRepository, ImportsService],
})
export class ImportsModule {}
