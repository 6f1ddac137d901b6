import { PageQuery } from '../../common/pagination';

/** GET /v1/phone-numbers: a keyset page. */
export class ListPhoneNumbersQuery extends PageQuery {}
