import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'siaran:public';

/** Marks a route that needs no API key: health, docs and the signed webhook only. */
export const Public = () => SetMetadata(IS_PUBLIC, true);
