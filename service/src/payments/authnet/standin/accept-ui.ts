/**
 * The stand-in's AcceptUI.js: like Authorize.Net's, a page adds a button with class "AcceptUI"
 * and data-apiLoginID, data-clientKey, data-responseHandler; a click opens the card form in an
 * iframe served by the stand-in (so card numbers are only ever posted to the stand-in's origin),
 * and the named global function receives `{ opaqueData: { dataDescriptor, dataValue }, messages }`.
 */
export function acceptUiScript(standinOrigin: string): string {
  return `(() => {
  const STANDIN = ${JSON.stringify(standinOrigin)};
  let open = null;
  function close() { if (open) { open.frame.remove(); open = null; } }
  window.addEventListener('message', (event) => {
    if (!open || event.origin !== STANDIN || event.source !== open.frame.contentWindow) return;
    const data = event.data || {};
    if (data.type === 'anet-standin-cancel') { close(); return; }
    if (data.type !== 'anet-standin-response') return;
    const handler = window[open.handler];
    close();
    if (typeof handler === 'function') handler(data.response);
  });
  document.addEventListener('click', (event) => {
    const button = event.target instanceof Element ? event.target.closest('.AcceptUI') : null;
    if (!button || open) return;
    event.preventDefault();
    const query = new URLSearchParams({
      apiLoginID: button.dataset.apiloginid || '',
      clientKey: button.dataset.clientkey || '',
      parentOrigin: location.origin,
      buttonText: button.dataset.acceptuiformbtntxt || 'Pay',
    });
    const frame = document.createElement('iframe');
    frame.src = STANDIN + '/v1/form?' + query;
    frame.title = 'Card details';
    frame.id = 'AcceptUIContainer';
    frame.style.cssText = 'position:fixed;inset:10% 25%;width:50%;height:60%;border:1px solid #888;background:#fff;z-index:99999';
    document.body.appendChild(frame);
    open = { frame, handler: button.dataset.responsehandler || 'responseHandler' };
  });
})();
`;
}

/** The card form page inside the iframe; it tokenises same-origin and posts only the nonce out. */
export function acceptFormPage(params: {
  parentOrigin: string;
  apiLoginId: string;
  clientKey: string;
  buttonText: string;
}): string {
  const config = JSON.stringify(params).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Card details</title>
<style>body{font:16px system-ui;margin:1rem}label{display:block;margin:.5rem 0}input{display:block;font:inherit;width:100%}</style>
</head><body>
<form id="card">
<label>Card number <input name="cardNumber" inputmode="numeric" autocomplete="cc-number" required></label>
<label>Expiry (MM/YY) <input name="expirationDate" autocomplete="cc-exp" required></label>
<label>Security code <input name="cardCode" inputmode="numeric" autocomplete="cc-csc"></label>
<label>ZIP / postal code <input name="zip" autocomplete="postal-code"></label>
<p id="error" role="alert"></p>
<button type="submit" id="pay"></button> <button type="button" id="cancel">Cancel</button>
</form>
<script>
const config = ${config};
document.getElementById('pay').textContent = config.buttonText;
const form = document.getElementById('card');
document.getElementById('cancel').onclick = () => parent.postMessage({ type: 'anet-standin-cancel' }, config.parentOrigin);
form.onsubmit = async (event) => {
  event.preventDefault();
  const card = Object.fromEntries(new FormData(form));
  card.cardNumber = card.cardNumber.replace(/\\s/g, '');
  const answer = await fetch('/v1/tokenize', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ apiLoginID: config.apiLoginId, clientKey: config.clientKey, card }),
  }).then((r) => r.json());
  if (answer.messages.resultCode !== 'Ok') {
    document.getElementById('error').textContent = answer.messages.message[0].text;
    return;
  }
  parent.postMessage({ type: 'anet-standin-response', response: answer }, config.parentOrigin);
};
</script></body></html>`;
}
