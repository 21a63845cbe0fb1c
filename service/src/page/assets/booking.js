/* global document, window */
// Enhancements on top of pages that work without JavaScript: focus the error summary, offer the
// device's time zone, and stop a second click from sending a form twice. Text comes from the page.
(function () {
  'use strict';

  var summary = document.querySelector('[data-error-summary]');
  if (summary) summary.focus();

  var offer = document.querySelector('[data-tz-offer]');
  if (offer) {
    var device = '';
    try {
      device = Intl.DateTimeFormat().resolvedOptions().timeZone || '';
    } catch {
      device = '';
    }
    var url = new URL(window.location.href);
    if (device && device !== offer.getAttribute('data-current') && !url.searchParams.has('tz')) {
      url.searchParams.set('tz', device);
      var message = offer.querySelector('[data-tz-message]');
      var link = offer.querySelector('[data-tz-link]');
      message.textContent = message.getAttribute('data-template').replace('{zone}', device);
      link.textContent = link.getAttribute('data-template').replace('{zone}', device);
      link.setAttribute('href', url.pathname + url.search);
      offer.hidden = false;
    }
  }

  document.querySelectorAll('form[data-once]').forEach(function (form) {
    form.addEventListener('submit', function (event) {
      if (form.getAttribute('data-sent') === 'true') {
        event.preventDefault();
        return;
      }
      form.setAttribute('data-sent', 'true');
    });
  });
})();
