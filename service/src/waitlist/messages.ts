// The text that offers a freed slot. Pure: no I/O. The time is written in the zone the patient
// chose the day in, with its abbreviation, as reminders write it.
import { formatAppointmentTime } from '../sms/template.ts';

export interface OfferText {
  /** The patient's name as they gave it; the text greets them by its first word. */
  name: string;
  orgName: string;
  typeName: string;
  start: Date;
  timeZone: string;
  /** How long the slot is held for them. */
  minutes: number;
  link: string;
}

export function offerText(offer: OfferText): string {
  const firstName = offer.name.split(' ', 1)[0] ?? '';
  const greeting = firstName ? `Hi ${firstName}, ` : '';
  return (
    `${greeting}a time is free at ${oneLine(offer.orgName)}: ${oneLine(offer.typeName)}, ` +
    `${formatAppointmentTime(offer.start, offer.timeZone)}. ` +
    `It is held for you for ${offer.minutes} minutes. To book it: ${offer.link}`
  );
}

/** Names come from the org and the patient: a control character must not reshape the message. */
function oneLine(value: string): string {
  return value.replace(/\p{Cc}+/gu, ' ').trim();
}
