import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/api-errors.decorator';
import { CreateTemplateDto, EditTemplateDto, ListTemplatesQuery, SyncTemplatesDto, UpdateTemplateDto } from './dto/create-template.dto';
import { PreviewResultView, SyncResultView, TemplatePageView, TemplateView, templateView } from './template.view';
import { PreviewResult, TemplatesService } from './templates.service';
import { PreviewTemplateDto } from './dto/preview-template.dto';

@ApiTags('templates')
@ApiBearerAuth()
@Controller('v1/templates')
export class TemplatesController {
  constructor(private readonly templates: TemplatesService) {}

  @Post()
  @ApiOperation({ summary: "Create a draft template, validated against WhatsApp's rules" })
  @ApiCreatedResponse({ type: TemplateView })
  @ApiErrors('TEMPLATE_INVALID', 'TEMPLATE_ALREADY_EXISTS', 'WHATSAPP_NOT_CONFIGURED')
  async create(@Body() dto: CreateTemplateDto): Promise<TemplateView> {
    return templateView(await this.templates.create(dto));
  }

  @Get()
  @ApiOperation({ summary: 'List templates, newest first (deleted ones only when asked by status)' })
  @ApiOkResponse({ type: TemplatePageView })
  @ApiErrors('INVALID_CURSOR')
  async list(@Query() query: ListTemplatesQuery): Promise<TemplatePageView> {
    const page = await this.templates.list(query);
    return { data: page.data.map((t) => templateView(t)), nextCursor: page.nextCursor };
  }

  @Post('sync')
  @HttpCode(200)
  @ApiOperation({ summary: 'Pull the current templates from WhatsApp: import new ones, update known ones, mark missing ones deleted' })
  @ApiOkResponse({ type: SyncResultView })
  @ApiErrors('WHATSAPP_UNAVAILABLE', 'TEMPLATE_REFUSED_BY_WHATSAPP', 'WHATSAPP_NOT_CONFIGURED')
  async sync(@Body() dto: SyncTemplatesDto): Promise<SyncResultView> {
    return this.templates.sync(dto.wabaId);
  }

  @Get(':id')
  @ApiOperation({ summary: 'A template, with the parameters a binding needs and its history (in time order)' })
  @ApiOkResponse({ type: TemplateView })
  @ApiErrors('TEMPLATE_NOT_FOUND')
  async get(@Param('id') id: string): Promise<TemplateView> {
    const row = await this.templates.get(id);
    return templateView(row, await this.templates.history(row.id));
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Edit a draft (category, parameter format, components)' })
  @ApiOkResponse({ type: TemplateView })
  @ApiErrors('TEMPLATE_NOT_FOUND', 'TEMPLATE_INVALID', 'TEMPLATE_INVALID_TRANSITION')
  async update(@Param('id') id: string, @Body() dto: UpdateTemplateDto): Promise<TemplateView> {
    return templateView(await this.templates.update(id, dto));
  }

  @Post(':id/edit')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Edit a template WhatsApp knows (APPROVED, REJECTED or PAUSED): new components, and a new category unless it is APPROVED',
    description:
      'Validated with the same rules as a new template, then sent to WhatsApp (POST /{template-id}); the template goes back to review (PENDING). WhatsApp lets an APPROVED template be edited once in 24 hours and 10 times in 30 days (429 TEMPLATE_EDIT_LIMIT, with details.nextEditAt); REJECTED and PAUSED ones without limit. The history keeps the content the edit replaced (previousContent).',
  })
  @ApiOkResponse({ type: TemplateView })
  @ApiErrors(
    'TEMPLATE_NOT_FOUND',
    'TEMPLATE_INVALID',
    'TEMPLATE_INVALID_TRANSITION',
    'TEMPLATE_CATEGORY_LOCKED',
    'TEMPLATE_EDIT_IN_PROGRESS',
    'TEMPLATE_EDIT_LIMIT',
    'TEMPLATE_REFUSED_BY_WHATSAPP',
    'WHATSAPP_UNAVAILABLE',
    'WHATSAPP_NOT_CONFIGURED',
  )
  async edit(@Param('id') id: string, @Body() dto: EditTemplateDto): Promise<TemplateView> {
    return templateView(await this.templates.edit(id, dto));
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Delete a template (at WhatsApp too, if it was submitted)' })
  @ApiOkResponse({ type: TemplateView })
  @ApiErrors('TEMPLATE_NOT_FOUND', 'TEMPLATE_INVALID_TRANSITION', 'WHATSAPP_UNAVAILABLE', 'TEMPLATE_REFUSED_BY_WHATSAPP', 'WHATSAPP_NOT_CONFIGURED')
  async remove(@Param('id') id: string): Promise<TemplateView> {
    return templateView(await this.templates.remove(id));
  }

  @Post(':id/preview')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Render the template for a contact (or for given values): the exact Cloud API request and the text the recipient reads',
    description: 'A problem with the contact’s data (an empty value, a newline, a value too long) is returned as ok: false with the problems.',
  })
  @ApiOkResponse({ type: PreviewResultView })
  @ApiErrors('TEMPLATE_NOT_FOUND', 'CONTACT_NOT_FOUND', 'TEMPLATE_BINDING_INVALID')
  preview(@Param('id') id: string, @Body() dto: PreviewTemplateDto): Promise<PreviewResult> {
    return this.templates.preview(id, dto);
  }

  @Post(':id/submit')
  @HttpCode(200)
  @ApiOperation({ summary: 'Submit a draft to WhatsApp for review; its status then follows the webhooks' })
  @ApiOkResponse({ type: TemplateView })
  @ApiErrors(
    'TEMPLATE_NOT_FOUND',
    'TEMPLATE_INVALID_TRANSITION',
    'TEMPLATE_SUBMIT_IN_PROGRESS',
    'TEMPLATE_REFUSED_BY_WHATSAPP',
    'WHATSAPP_UNAVAILABLE',
    'WHATSAPP_NOT_CONFIGURED',
  )
  async submit(@Param('id') id: string): Promise<TemplateView> {
    return templateView(await this.templates.submit(id));
  }
}
