// Tokens for tests that call the admin RPCs (which are off without MARQUEE_ADMIN_TOKEN).
import { NO_SECURITY, type SecuritySettings } from '../../service/security/settings.js';

export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';
export const TEST_READ_TOKEN = 'test-read-token-0123456789abcdef';

/** Admin RPCs on with TEST_ADMIN_TOKEN; queries open; plaintext. */
export const ADMIN_ON: SecuritySettings = { ...NO_SECURITY, auth: { ...NO_SECURITY.auth, adminToken: TEST_ADMIN_TOKEN } };
