// Every string the booking pages show, in English. A new language is one more file with the same
// shape (`Texts`), added to LANGUAGES in text/index.ts.
import type { BookingErrorCode } from '../../booking/types.ts';
import type { WaitlistErrorCode } from '../../waitlist/errors.ts';

/** What an error page says: a title, and a sentence about what to do next. */
export interface ErrorText {
  title: string;
  body: string;
}

export type PageErrorCode =
  BookingErrorCode | WaitlistErrorCode | 'not_found' | 'invalid_request' | 'rate_limited' | 'internal_error';

export const en = {
  /** The locale dates and times are written in when the browser asks for no region of this language. */
  defaultLocale: 'en-GB',
  dir: 'ltr' as 'ltr' | 'rtl',
  skipLink: 'Skip to main content',
  poweredBy: 'Online booking by Slotwise',
  step: (current: number, total: number) => `Step ${current} of ${total}`,

  services: {
    title: 'Book an appointment',
    intro: 'Choose the appointment you would like to book.',
    none: 'There are no appointments to book online at the moment. Please contact the clinic.',
    minutes: (minutes: number) => `${minutes} minutes`,
    price: (price: string) => `Price: ${price}`,
    deposit: (deposit: string) => `Deposit: ${deposit}`,
    choose: 'Choose',
  },

  day: {
    title: 'Choose a day',
    weekOf: (from: string, to: string) => `${from} to ${to}`,
    previousWeek: 'Previous week',
    nextWeek: 'Next week',
    times: (count: number) => (count === 1 ? '1 time free' : `${count} times free`),
    full: 'No free times',
    noneThisWeek: 'There are no free times this week. Try the next week.',
    changeService: 'Choose another appointment',
  },

  time: {
    title: 'Choose a time',
    none: 'There are no free times on this day any more.',
    seatsLeft: (seats: number) => (seats === 1 ? '1 place left' : `${seats} places left`),
    otherDay: 'Choose another day',
  },

  timeZone: {
    label: 'Time zone',
    change: 'Show times in this zone',
    shownIn: (zone: string) => `Times are shown in ${zone}.`,
    /** `{zone}` is replaced by the browser script with the device's zone. */
    deviceOffer: 'Your device is set to {zone}.',
    deviceSwitch: 'Show times in {zone}',
  },

  details: {
    title: 'Your details',
    chosen: 'Your appointment',
    changeTime: 'Choose another time',
    name: 'Full name',
    nameHint: 'As you would like the clinic to address you.',
    phone: 'Mobile phone number',
    phoneHint:
      'We text your confirmation and reminders to this number. Include the country code if it is not a local number.',
    email: 'Email address (optional)',
    consentLegend: 'Text messages',
    consentFallback: (org: string) =>
      `I agree to receive appointment confirmations and reminders by SMS from ${org}. Reply STOP to opt out at any time.`,
    submit: 'Book appointment',
  },

  errors: {
    summaryTitle: 'There is a problem',
    nameMissing: 'Enter your full name',
    nameTooLong: 'Your name must be 100 characters or fewer',
    nameInvalid: 'Your name contains characters we cannot accept',
    phoneMissing: 'Enter your mobile phone number',
    phoneInvalid: 'Enter a mobile phone number, like 07400 123456 or +44 7400 123456',
    emailInvalid: 'Enter an email address in the correct format, like name@example.com',
    consentMissing: 'Tick the box to agree to a text message when a time comes free',
    slotTaken: 'That time was just taken.',
    nearest: 'The nearest free times are:',
    nearestNone: 'There are no free times close to it.',
    chooseNearest: 'Choose one of these times, then book again. Your details are kept.',
    chooseNearestLegend: 'Nearest free times',
    pickATime: 'Choose one of the nearest free times',
    pages: {
      not_found: { title: 'Page not found', body: 'Check the address, or start again from the clinic’s booking page.' },
      unknown_page: {
        title: 'Booking page not found',
        body: 'There is no booking page at this address. Check the link the clinic gave you.',
      },
      unknown_type: {
        title: 'Appointment not found',
        body: 'This appointment cannot be booked online. Choose another from the booking page.',
      },
      invalid_request: {
        title: 'This address is not valid',
        body: 'Part of the address is missing or wrong. Start again from the booking page.',
      },
      invalid_range: { title: 'These dates cannot be shown', body: 'Choose a day from the booking page.' },
      outside_horizon: {
        title: 'That date cannot be booked yet',
        body: 'Bookings open a limited time ahead. Choose an earlier day.',
      },
      invalid_time_zone: { title: 'Unknown time zone', body: 'Choose a time zone from the list.' },
      invalid_phone: {
        title: 'Check your phone number',
        body: 'Enter a mobile phone number you can receive text messages on.',
      },
      invalid_details: {
        title: 'Check your details',
        body: 'Some of your details could not be accepted. Go back and check them.',
      },
      slot_unavailable: { title: 'That time cannot be booked', body: 'Choose another time.' },
      slot_taken: { title: 'That time was just taken', body: 'Choose another time.' },
      org_unavailable: {
        title: 'Booking is not available right now',
        body: 'We could not reach the clinic’s system. Nothing was booked or changed. Please try again in a few minutes.',
      },
      org_rejected: {
        title: 'The clinic’s system refused the booking',
        body: 'Nothing was booked or changed. Please try again, or contact the clinic.',
      },
      invalid_token: {
        title: 'This link does not work',
        body: 'The link is incomplete or has been changed. Use the link from your confirmation message exactly as it was sent.',
      },
      expired_token: {
        title: 'This link has expired',
        body: 'Links to change or cancel an appointment stop working after the appointment. Contact the clinic if you need help.',
      },
      already_cancelled: {
        title: 'This appointment was cancelled',
        body: 'It cannot be changed any more. You can book a new appointment.',
      },
      past_cutoff: {
        title: 'It is too late to change this appointment online',
        body: 'Please contact the clinic to change or cancel it.',
      },
      idempotency_in_progress: {
        title: 'Your booking is still being made',
        body: 'Please wait a moment, then reload this page. Do not book again.',
      },
      consent_required: {
        title: 'We need your agreement to text you',
        body: 'The waitlist offers a freed time by text message. Go back and tick the box to agree to it.',
      },
      no_times_that_day: {
        title: 'The clinic has no times on this day',
        body: 'There is nothing to wait for on this day. Choose another day.',
      },
      free_times: { title: 'This day has free times', body: 'Choose one of them and book it.' },
      deposit_type: {
        title: 'This appointment has no waitlist',
        body: 'It is booked with a deposit paid by card. Choose a day with free times.',
      },
      waitlist_limit: {
        title: 'You are on the waitlist for as many days as you can be',
        body: 'A phone number can wait for at most 5 days at once. Book a free time, or wait for an offer.',
      },
      offer_expired: {
        title: 'This offer has expired',
        body: 'The time was held for you for a limited time and may now have been offered to the next person on the waitlist. You can still book any free time.',
      },
      offer_taken: {
        title: 'Sorry, this time has just been taken',
        body: 'The clinic’s calendar has it now, so nothing was booked. You stay on the waitlist with your place kept.',
      },
      offer_in_progress: {
        title: 'Your booking is being made',
        body: 'Please wait a few seconds, then reload this page. Do not book again.',
      },
      rate_limited: { title: 'Too many requests', body: 'Please wait a minute, then try again.' },
      internal_error: {
        title: 'Something went wrong',
        body: 'Nothing was booked or changed. Please try again in a moment.',
      },
    } satisfies Record<PageErrorCode, ErrorText>,
    startAgain: 'Go to the booking page',
  },

  confirmation: {
    booked: 'Your appointment is booked',
    moved: 'Your appointment has been moved',
    sent: 'We have sent the details by text message.',
    service: 'Appointment',
    when: 'Date and time',
    with: 'With',
    where: 'Clinic',
    manageTitle: 'Need to change it?',
    changeableUntil: (until: string) => `You can change or cancel online until ${until}.`,
    keepLinks: 'Keep these links: they work only for this appointment.',
    reschedule: 'Change the time',
    cancel: 'Cancel the appointment',
  },

  waitlist: {
    /** The quiet link under a fully booked day; `day` is written out ('Thursday 5 March'). */
    joinFor: (day: string) => `Join the waitlist for ${day}`,
    title: 'Join the waitlist',
    intro: (day: string) =>
      `${day} is fully booked. If a time comes free, we will text you a link to book it. The time is held for you for a short while, then offered to the next person on the waitlist.`,
    name: 'Full name',
    phone: 'Mobile phone number',
    phoneHint: 'We text you here if a time comes free. Include the country code if it is not a local number.',
    consentLegend: 'Text messages',
    consentFallback: (org: string) =>
      `I agree to receive a text message from ${org} when a time comes free. Reply STOP to opt out at any time.`,
    submit: 'Join the waitlist',
    otherDay: 'Choose another day',
    joinedTitle: 'You are on the waitlist',
    joined: (day: string) => `We will text you if a time comes free on ${day}.`,
    joinedBefore: 'You were already on the waitlist for this day: nothing has changed.',
    position: (position: number) => (position === 1 ? 'You are first in line.' : `You are number ${position} in line.`),
    offerTitle: 'A time has come free for you',
    heldUntil: (time: string) => `It is held for you until ${time}. After that it goes to the next person.`,
    confirm: 'Book this time',
    decline: 'I do not need it: give it to the next person',
    declinedTitle: 'You have left the waitlist',
    declined: 'The time is being offered to the next person on the waitlist.',
    bookAnother: 'Go to the booking page',
  },

  /** The billing page (SMS credit purchases; routes/billing-page.ts), opened by an admin from the console. */
  billing: {
    title: 'Buy SMS credits',
    intro: (org: string) =>
      org
        ? `Credits pay for the text messages Slotwise sends for ${org}.`
        : 'Credits pay for the text messages Slotwise sends.',
    packsLegend: 'Choose a pack',
    pack: (credits: number, price: string) => `${credits} credits for ${price}`,
    cardNote:
      'You enter your card in Authorize.Net’s secure form. Your card number never reaches Slotwise or your Salesforce org.',
    pay: 'Pay by card',
    formButton: 'Pay',
    formHeader: 'Card details',
    linkUntil: (time: string) => `This page works until ${time}.`,
    scriptNeeded: 'Paying by card needs JavaScript, which seems to be turned off in this browser.',
    cardFormError: 'The card details could not be sent. Please check them and try again.',
    receiptTitle: 'Thank you: your credits are added',
    receiptCredits: 'Credits added',
    receiptAmount: 'Amount paid',
    receiptCard: 'Card',
    cardEnding: (last4: string) => `Card ending ${last4}`,
    receiptTransaction: 'Authorize.Net transaction',
    receiptRecorded: 'The receipt is also recorded in your Salesforce org. You can close this page.',
    pendingTitle: 'We are confirming your payment',
    pendingBody:
      'We could not yet confirm whether the payment went through. Do not pay again: if it did, the credits are added within a few minutes.',
    heldBody: 'Authorize.Net is reviewing the payment. The credits are added once it is approved.',
    checkAgain: 'Check again',
    failedTitle: 'The payment did not go through',
    noCharge: 'No credits were added and the card was not charged.',
    tryAgain: 'You can try again with another card.',
    failures: {
      declined: 'The card was declined. Please use another card or contact your bank.',
      expired_card: 'The card has expired. Please use another card.',
      cvv_mismatch: 'The security code does not match the card. Please check it and try again.',
      avs_mismatch: 'The billing ZIP or postal code does not match the card. Please check it and try again.',
      invalid_payment: 'The card details have expired or were already used. Please enter them again.',
      not_charged: 'The payment did not reach Authorize.Net, so the card was not charged.',
      error: 'The payment could not be processed. Please try again later.',
    } as Record<string, string>,
    errors: {
      link_invalid: {
        title: 'This purchase link does not work',
        body: 'The link is incomplete or has been changed. Open the page again from the Slotwise admin console.',
      },
      link_expired: {
        title: 'This purchase link has expired',
        body: 'Purchase links work for 15 minutes. Open the page again from the Slotwise admin console.',
      },
      link_used: {
        title: 'This purchase link has already been used',
        body: 'Each link pays for one purchase. See the credit history in the Slotwise admin console, or open the page again from there to buy more.',
      },
      unknown_pack: {
        title: 'This credit pack is not on offer',
        body: 'Open the page again from the Slotwise admin console and choose one of the packs shown.',
      },
      idempotency_conflict: {
        title: 'This payment belongs to another purchase',
        body: 'Open the page again from the Slotwise admin console.',
      },
      payments_not_configured: {
        title: 'Card payments are not available',
        body: 'The Slotwise service has no payment account set up. Ask whoever runs it.',
      },
      invalid_request: {
        title: 'This request is not valid',
        body: 'Part of it is missing or wrong. Open the page again from the Slotwise admin console.',
      },
      not_found: { title: 'Page not found', body: 'Open the page again from the Slotwise admin console.' },
      rate_limited: { title: 'Too many requests', body: 'Please wait a minute, then try again.' },
      internal_error: {
        title: 'Something went wrong',
        body: 'Please reload this page in a moment. If you paid, do not pay again: the credits are added once the payment is confirmed.',
      },
    } satisfies Record<string, ErrorText>,
  },

  /** Paying a deposit (routes/deposit-routes.ts, page/views/payment.ts). */
  deposit: {
    detailsNotice: (amount: string) => `This appointment asks for a deposit of ${amount}. You pay it on the next step.`,
    continue: 'Continue to payment',
    title: 'Pay the deposit',
    amount: 'Deposit',
    heldUntil: (time: string) => `We are holding this time for you until ${time}.`,
    chargedNow: 'Your card is charged when you pay.',
    authorizedNow: (hours: number) =>
      `The amount is reserved on your card when you pay, and taken ${hours} hours before the appointment.`,
    refundPolicy: (hours: number) =>
      `If you cancel online up to ${hours} hours before the appointment, the deposit is given back in full.`,
    cardNote:
      'You enter your card in Authorize.Net’s secure form. Your card number never reaches Slotwise or the clinic.',
    pay: 'Pay the deposit by card',
    formButton: 'Pay',
    formHeader: 'Card details',
    scriptNeeded: 'Paying by card needs JavaScript, which seems to be turned off in this browser.',
    cardFormError: 'The card details could not be sent. Please check them and try again.',
    declinedTitle: 'The payment did not go through',
    noCharge: 'Your card was not charged. You can try again, or use another card.',
    declined: {
      declined: 'The card was declined. Please use another card or contact your bank.',
      expired_card: 'The card has expired. Please use another card.',
      cvv_mismatch: 'The security code does not match the card. Please check it and try again.',
      avs_mismatch: 'The billing ZIP or postal code does not match the card. Please check it and try again.',
      invalid_payment: 'The card details have expired or were already used. Please enter them again.',
      held: 'This card could not be used for the deposit. Please use another card.',
      error: 'The payment could not be processed. Please try again in a few minutes.',
    } as Record<string, string>,
    checkingTitle: 'We are confirming your payment',
    checkingBody:
      'We could not yet confirm whether the payment went through. Do not pay again: look again in a minute.',
    checkAgain: 'Check again',
    closed: {
      expired: {
        title: 'This time is no longer held for you',
        body: 'The time was held while you paid, and the time ran out. Nothing was charged. You can book again.',
      },
      returned: {
        title: 'This booking could not be completed',
        body: 'Nothing was booked. Your deposit is being given back to your card.',
      },
      taken: {
        title: 'Sorry, this time has just been taken',
        body: 'Nothing was booked. Your deposit is being given back to your card. Please choose another time.',
      },
      org_unavailable: {
        title: 'We cannot reach the clinic’s system right now',
        body: 'Nothing was booked. Your deposit is being given back to your card. Please try again in a few minutes.',
      },
      org_rejected: {
        title: 'The clinic’s system refused the booking',
        body: 'Nothing was booked. Your deposit is being given back to your card. Please contact the clinic.',
      },
      gone: {
        title: 'This booking could not be completed',
        body: 'Nothing was booked. Your deposit is being given back to your card. You can book again.',
      },
    },
    paid: (amount: string) => `Deposit paid: ${amount}.`,
    reserved: (amount: string) => `Deposit of ${amount} reserved on your card.`,
    refundedIfCancelled: (amount: string) => `If you cancel, your deposit of ${amount} is given back to your card.`,
    willBeRefunded: (amount: string) => `Your deposit of ${amount} will be given back to your card.`,
    refunded: (amount: string) => `Your deposit of ${amount} is being given back to your card.`,
    notRefundable: (amount: string) =>
      `It is too late to cancel online, and the deposit of ${amount} is not given back. Please contact the clinic.`,
  },

  manage: {
    title: 'Your appointment',
    statusCancelled: 'This appointment has been cancelled.',
    tooLate: 'It is too late to change this appointment online. Please contact the clinic.',
    reschedule: 'Choose a new time',
    cancel: 'Cancel the appointment',
    cancelTitle: 'Cancel this appointment?',
    cancelConfirm: 'Yes, cancel it',
    cancelKeep: 'No, keep it',
    cancelledTitle: 'Your appointment is cancelled',
    bookAgain: 'Book another appointment',
    rescheduleDayTitle: 'Choose a new day',
    rescheduleTimeTitle: 'Choose a new time',
    rescheduleConfirmTitle: 'Move your appointment?',
    to: 'To',
    rescheduleConfirm: 'Yes, move it',
    rescheduleKeep: 'No, keep the current time',
  },
};

export type Texts = typeof en;
