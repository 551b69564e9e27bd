/**
 * @sumgate/log/postgres: the PostgreSQL backend's classes. A separate entry point, because they
 * load the `postgres` driver (an optional peer dependency): `@sumgate/log` itself installs and
 * loads without it, and `serveLog({postgres})` loads this only when asked for.
 */
export { servePgLog } from './servePostgres.js';
export { PgLog } from './storage/pgLog.js';
export { PgLogReader } from './storage/pgReader.js';
