import type { Test } from 'tap';
import { createSmsApi, type SmsApi } from '../../service/src/sms/sender.ts';
import { TwilioStandIn, type TwilioStandInOptions } from '../../service/src/sms/standin/server.ts';
import { createTwilioClient } from '../../service/src/sms/twilio-client.ts';

export const MESSAGING_SERVICE_SID = 'MG' + 'a'.repeat(32);
export const FROM_NUMBER = '+15005550006';

/** A started stand-in, closed when the test ends. */
export async function startStandIn(t: Test, options: TwilioStandInOptions = {}): Promise<TwilioStandIn> {
  const standin = new TwilioStandIn(options);
  await standin.start();
  t.teardown(() => standin.close());
  return standin;
}

/** The real SDK, through our client, pointed at the stand-in. */
export function apiFor(standin: TwilioStandIn, options: { timeoutMs?: number; now?: () => number } = {}): SmsApi {
  const client = createTwilioClient({
    credentials: { accountSid: standin.accountSid, authToken: standin.authToken },
    baseUrl: standin.url,
    timeoutMs: options.timeoutMs ?? 5_000,
  });
  return createSmsApi({
    client,
    backoff: { baseMs: 1_000, maxMs: 60_000 },
    ...(options.now ? { now: options.now } : {}),
  });
}
