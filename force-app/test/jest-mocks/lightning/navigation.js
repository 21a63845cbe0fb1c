/**
 * Replaces the lightning/navigation stub that ships with @salesforce/sfdx-lwc-jest so tests can see
 * where a component navigated: `getNavigateCalledWith()` returns the last { pageReference, replace }.
 */
import { createTestWireAdapter } from '@salesforce/wire-service-jest-util';

export const CurrentPageReference = createTestWireAdapter(jest.fn());

const Navigate = Symbol('Navigate');
const GenerateUrl = Symbol('GenerateUrl');

export const mockNavigate = jest.fn();

export const NavigationMixin = (Base) => {
  return class extends Base {
    [Navigate](pageReference, replace) {
      mockNavigate({ pageReference, replace });
    }
    [GenerateUrl]() {
      return Promise.resolve('https://www.example.com');
    }
  };
};
NavigationMixin.Navigate = Navigate;
NavigationMixin.GenerateUrl = GenerateUrl;

export const getNavigateCalledWith = () =>
  mockNavigate.mock.calls.length === 0
    ? { pageReference: undefined, replace: undefined }
    : mockNavigate.mock.calls[mockNavigate.mock.calls.length - 1][0];
