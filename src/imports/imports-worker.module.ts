import { Module } from '@nestjs/common';
import { QueueModule } from '../common/queue.module';
import { ContactImporter } from './contact-importer';
import { ImportContactsProcessor } from './import-contacts.processor';
import { ImportSweeper } from './import-sweeper';
import { ImportsRepository } from './imports.repository';
import { ImportsService } from './imports.service';

/** Runs imports; part of the worker process only. */
@Module({
  imports: [QueueModule],
  providers: [ImportsRepository, ImportsService, ContactImporter, ImportContactsProcessor, ImportSweeper],
})
export class ImportsWorkerModule {}
