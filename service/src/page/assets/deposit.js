/* global document, window */
// The deposit step's script. Authorize.Net's AcceptUI (loaded after it) opens its card form in its
// own frame and calls slotwiseDepositResponse with the answer: on success only the nonce
// (opaqueData) is put in the form and posted to the service, never anything typed into the card form.
(() => {
  'use strict';
  const form = document.getElementById('deposit-form');
  if (!form) return;
  const error = document.getElementById('card-error');
  const button = form.querySelector('.AcceptUI');

  // Without a nonce the form has nothing to pay with (an Enter key press would post it empty).
  form.addEventListener('submit', (event) => {
    if (!form.elements.dataValue.value) event.preventDefault();
  });

  window.slotwiseDepositResponse = (response) => {
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
})();
