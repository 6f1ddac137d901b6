import { Controller, Get, Header, HttpCode, Post, Query, Req } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { Public } from '../auth/public.decorator';
import { ErrorView } from '../common/api-errors.decorator';
import { WebhookIntakeService } from './webhook-intake.service';

@ApiTags('webhooks')
@Controller('webhooks/whatsapp')
@Public()
export class WebhooksController {
  constructor(private readonly intake: WebhookIntakeService) {}

  @Get()
  @Header('Content-Type', 'text/plain; charset=utf-8')
  @ApiOperation({ summary: "Meta's subscription handshake: answers hub.challenge when hub.verify_token matches" })
  @ApiQuery({ name: 'hub.mode', required: true })
  @ApiQuery({ name: 'hub.verify_token', required: true })
  @ApiQuery({ name: 'hub.challenge', required: true })
  @ApiOkResponse({ description: 'The challenge, as text' })
  @ApiResponse({ status: 403, type: ErrorView, description: 'WEBHOOK_VERIFY_FAILED' })
  @ApiResponse({ status: 503, type: ErrorView, description: 'WEBHOOK_NOT_CONFIGURED' })
  verify(@Query('hub.mode') mode?: string, @Query('hub.verify_token') token?: string, @Query('hub.challenge') challenge?: string): string {
    return this.intake.verify(mode, token, challenge);
  }

  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary: 'WhatsApp webhook deliveries, signed with X-Hub-Signature-256; stored, de-duplicated and processed by the worker',
  })
  @ApiOkResponse({ description: 'Stored (or already stored)' })
  @ApiResponse({ status: 400, type: ErrorView, description: 'WEBHOOK_MALFORMED' })
  @ApiResponse({ status: 401, type: ErrorView, description: 'WEBHOOK_SIGNATURE_MISSING, WEBHOOK_SIGNATURE_INVALID' })
  @ApiResponse({ status: 413, type: ErrorView, description: 'PAYLOAD_TOO_LARGE (a delivery over 3 MB; see webhook-gate.ts)' })
  @ApiResponse({ status: 503, type: ErrorView, description: 'WEBHOOK_NOT_CONFIGURED' })
  async receive(@Req() req: Request): Promise<{ received: true }> {
    // The raw parser registered for this path (app.setup.ts) leaves the bytes untouched.
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    await this.intake.receive(raw, req.headers['x-hub-signature-256']);
    return { received: true };
  }
}

