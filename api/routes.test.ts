import { describeApiRoutes } from './routes.contract.js';
import { pgliteTestDatabase } from './testing/api-harness.js';

describeApiRoutes('PGlite', pgliteTestDatabase);
