import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/api-errors.decorator';
import { CreatePhoneNumberDto } from './dto/create-phone-number.dto';
import { ListPhoneNumbersQuery } from './dto/list-phone-numbers.query';
import { UpdatePhoneNumberDto } from './dto/update-phone-number.dto';
import { PhoneNumberPageView, PhoneNumberView, phoneNumberView } from './phone-number.view';
import { PhoneNumbersService } from './phone-numbers.service';

@ApiTags('phone-numbers')
@ApiBearerAuth()
@Controller('v1/phone-numbers')
export class PhoneNumbersController {
  constructor(private readonly numbers: PhoneNumbersService) {}

  @Post()
  @ApiOperation({ summary: 'Register a business phone number campaigns can send from, with its Business Manager country' })
  @ApiCreatedResponse({ type: PhoneNumberView })
  @ApiErrors('PHONE_NUMBER_EXISTS')
  async register(@Body() dto: CreatePhoneNumberDto): Promise<PhoneNumberView> {
    return phoneNumberView(await this.numbers.register(dto));
  }

  @Get()
  @ApiOperation({ summary: 'List the registered phone numbers, newest first, in pages (keyset)' })
  @ApiOkResponse({ type: PhoneNumberPageView })
  @ApiErrors('INVALID_CURSOR')
  async list(@Query() query: ListPhoneNumbersQuery): Promise<PhoneNumberPageView> {
    const page = await this.numbers.list(query);
    return { data: page.data.map(phoneNumberView), nextCursor: page.nextCursor };
  }

  @Get(':phoneNumberId')
  @ApiOperation({ summary: 'A registered phone number' })
  @ApiOkResponse({ type: PhoneNumberView })
  @ApiErrors('PHONE_NUMBER_NOT_FOUND')
  async get(@Param('phoneNumberId') phoneNumberId: string): Promise<PhoneNumberView> {
    return phoneNumberView(await this.numbers.get(phoneNumberId));
  }

  @Patch(':phoneNumberId')
  @ApiOperation({ summary: 'Change a registered number’s settings (every field of a registration but its id)' })
  @ApiOkResponse({ type: PhoneNumberView })
  @ApiErrors('PHONE_NUMBER_NOT_FOUND')
  async update(@Param('phoneNumberId') phoneNumberId: string, @Body() dto: UpdatePhoneNumberDto): Promise<PhoneNumberView> {
    return phoneNumberView(await this.numbers.update(phoneNumberId, dto));
  }

  @Post(':phoneNumberId/refresh')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Read the number from WhatsApp: display number, verified name, quality rating, throughput level and the portfolio’s messaging limit',
    description: 'Throughput level STANDARD is 80 mps and HIGH 1,000 mps; what WhatsApp says replaces the throughput and messaging limit set by hand.',
  })
  @ApiOkResponse({ type: PhoneNumberView })
  @ApiErrors('PHONE_NUMBER_NOT_FOUND', 'PHONE_NUMBER_REFUSED_BY_WHATSAPP', 'WHATSAPP_UNAVAILABLE', 'WHATSAPP_NOT_CONFIGURED')
  async refresh(@Param('phoneNumberId') phoneNumberId: string): Promise<PhoneNumberView> {
    return phoneNumberView(await this.numbers.refresh(phoneNumberId));
  }
}
