import { describeRowSecurity, pgliteRowSecurityHarness } from './row-security.contract.js';

describeRowSecurity('PGlite', pgliteRowSecurityHarness);
