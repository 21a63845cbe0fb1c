import type { StandInMessage } from './messages.ts';

/** The sandbox's "phone": every message the stand-in accepted, newest first, refreshed every 2 s. */
export function messagesPage(messages: readonly StandInMessage[]): string {
  const rows = [...messages]
    .reverse()
    .map(
      (m) =>
        `<tr><td>${escapeHtml(m.dateCreated.toISOString())}</td><td>${escapeHtml(m.to)}</td>` +
        `<td>${escapeHtml(m.status)}${m.errorCode ? ` (${m.errorCode})` : ''}</td><td>${m.numSegments}</td>` +
        `<td class="body">${escapeHtml(m.body)}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="refresh" content="2">
<title>Twilio stand-in: messages sent</title>
<style>
  body { font-family: system-ui, sans-serif; margin: 2rem; }
  table { border-collapse: collapse; width: 100%; }
  th, td { border-bottom: 1px solid #ccc; padding: 0.4rem; text-align: start; vertical-align: top; }
  td.body { white-space: pre-wrap; unicode-bidi: plaintext; }
</style>
</head>
<body>
<h1>Messages sent</h1>
<p>Nothing here reaches a phone: this is the Twilio stand-in. ${messages.length} message(s).</p>
<table>
<thead><tr><th scope="col">Created</th><th scope="col">To</th><th scope="col">Status</th><th scope="col">Segments</th><th scope="col">Text</th></tr></thead>
<tbody>
${rows || '<tr><td colspan="5">No messages yet.</td></tr>'}
</tbody>
</table>
</body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
