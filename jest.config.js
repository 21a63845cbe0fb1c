import { jestConfig } from '@salesforce/sfdx-lwc-jest/config.js';

// LWC unit tests (sfdx-lwc-jest). The service's own tests run with tap, so Jest only looks in force-app.
export default {
  ...jestConfig,
  roots: ['<rootDir>/force-app'],
  testMatch: ['**/lwc/**/__tests__/**/*.test.js'],
  moduleNameMapper: {
    '^lightning/navigation$': '<rootDir>/force-app/test/jest-mocks/lightning/navigation',
    '^jest-utils$': '<rootDir>/force-app/test/jest-utils/index.js',
  },
  setupFilesAfterEnv: [...jestConfig.setupFilesAfterEnv, '<rootDir>/force-app/test/jest-sa11y-setup.js'],
  testTimeout: 10000,
};
