/**
 * Siaran reads and writes through intention-revealing repositories in SQL (see each feature's
 * `*.repository.ts`); TypeORM provides the connection pool, transactions and migrations.
 */
export const ENTITIES: Function[] = [];
