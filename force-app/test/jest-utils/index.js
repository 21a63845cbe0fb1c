// Helpers shared by the LWC Jest tests (force-app/main/default/lwc/*/__tests__), imported as 'jest-utils'
// (mapped in jest.config.js).
import { createElement } from 'lwc';
import { createApexTestWireAdapter } from '@salesforce/sfdx-lwc-jest';

/** Waits a macrotask, so pending promise chains (Apex calls, wire emits, re-renders) settle. */
export const flushPromises = () => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * Creates the component, sets its public properties (as Object.assign would: defaults first, then overrides)
 * and appends it to the document.
 */
export function mount(tag, component, ...properties) {
  const element = createElement(tag, { is: component });
  Object.assign(element, ...properties);
  document.body.appendChild(element);
  return element;
}

/** Removes every mounted component; for afterEach. */
export function resetDom() {
  while (document.body.firstChild) {
    document.body.removeChild(document.body.firstChild);
  }
}

/** The first / every match of a selector in a component's shadow tree. */
export const $ = (element, selector) => element.shadowRoot.querySelector(selector);
export const $$ = (element, selector) => [...element.shadowRoot.querySelectorAll(selector)];

/**
 * The module of an Apex method the component wires, for a jest.mock factory (which may not use imports):
 * `jest.mock('@salesforce/apex/Controller.method', () => require('jest-utils').apexWireModule(), { virtual: true })`.
 * Tests drive it with `emit`, `error` and `getLastConfig`.
 */
export function apexWireModule() {
  return { default: createApexTestWireAdapter(jest.fn()) };
}
