import { registerSa11yMatcher } from '@sa11y/jest';

// Adds `await expect(element).toBeAccessible()` to every LWC test.
registerSa11yMatcher();
