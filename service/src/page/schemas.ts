// TypeBox schemas of every address and form the booking pages accept. Anything else is a 400 page.
import { Type, type Static } from '@sinclair/typebox';

const Slug = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9-]{0,79}$' });
/** A Salesforce record id, 15 or 18 characters. */
const RecordId = Type.String({ pattern: '^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$' });
const TimeZone = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_+/-]+$' });
const CalendarDate = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' });
/** An instant as the booking service writes it: ISO 8601 in UTC. */
const Instant = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,3})?)?Z$' });
/** Manage tokens are opaque to the page; their shape is checked here, their meaning by the service. */
const Token = Type.String({ minLength: 1, maxLength: 1024, pattern: '^[A-Za-z0-9._~-]+$' });

export const OrgParams = Type.Object({ slug: Slug });
export const TypeParams = Type.Object({ slug: Slug, typeId: RecordId });
export type TypeParams = Static<typeof TypeParams>;

export const TzQuery = Type.Object({ tz: Type.Optional(TimeZone) });
export const PickerQuery = Type.Object({
  week: Type.Optional(CalendarDate),
  date: Type.Optional(CalendarDate),
  tz: Type.Optional(TimeZone),
});
export type PickerQuery = Static<typeof PickerQuery>;

export const DetailsQuery = Type.Object({ start: Instant, tz: TimeZone });

export const DetailsForm = Type.Object({
  idempotencyKey: Type.String({ pattern: '^[A-Za-z0-9-]{16,64}$' }),
  tz: TimeZone,
  start: Type.Optional(Instant),
  /** The nearest free starts a slot-taken answer offered, kept so a second answer can offer them again. */
  offered: Type.Optional(Type.Union([Instant, Type.Array(Instant, { maxItems: 12 })])),
  // Generous limits here; the page's own checks give the patient a precise message.
  name: Type.String({ maxLength: 1000 }),
  phone: Type.String({ maxLength: 200 }),
  email: Type.Optional(Type.String({ maxLength: 1000 })),
  smsConsent: Type.Optional(Type.Literal('yes')),
});
export type DetailsForm = Static<typeof DetailsForm>;

export const TokenQuery = Type.Object({ token: Token });
export const BookedQuery = Type.Object({
  cancel: Token,
  reschedule: Token,
  moved: Type.Optional(Type.Literal('1')),
});
export const ReschedulePickerQuery = Type.Object({
  token: Token,
  week: Type.Optional(CalendarDate),
  date: Type.Optional(CalendarDate),
  tz: Type.Optional(TimeZone),
});
export const RescheduleConfirmQuery = Type.Object({ token: Token, start: Instant, tz: TimeZone });
export const CancelForm = Type.Object({ token: Token });
export const RescheduleForm = Type.Object({ token: Token, start: Instant, tz: TimeZone });
export const BrandParams = Type.Object({ file: Type.String({ pattern: '^[0-9a-f]{6}\\.css$' }) });
