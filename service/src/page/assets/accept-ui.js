/* global document, window */
// The script of the pages that take a card (billing, deposit step). Authorize.Net's AcceptUI (loaded
// after the pay button) opens its card form in its own frame and calls slotwiseAcceptResponse with the
// answer: on success only the nonce (opaqueData) is put in the page's [data-accept-form] and posted to
// the service, never anything typed into the card form.
(() => {
  'use strict';
  const form = document.querySelector('[data-accept-form]');
  if (!form) return;
  const error = document.getElementById('card-error');
  const button = form.querySelector('.AcceptUI');

  // Without a nonce the form has nothing to pay with (an Enter key press would post it empty).
  form.addEventListener('submit', (event) => {
    if (!form.elements.dataValue.value) event.preventDefault();
  });

  window.slotwiseAcceptResponse = (response) => {
    const ok = response && response.messages && response.messages.resultCode === 'Ok' && response.opaqueData;
    if (!ok) {
      error.textContent = form.dataset.cardError;
      return;
    }
    error.textContent = '';
    form.elements.dataDescriptor.value = response.opaqueData.dataDescriptor;
    form.elements.dataValue.value = response.opaqueData.dataValue;
    if (button) button.disabled = true;
    form.submit();
  };

  // After a refused payment the summary says why: move focus there so it is read out.
  const summary = document.querySelector('[data-error-summary]');
  if (summary) summary.focus();
})();
