// Domain events the incremental sync derives from an org's changes, and the in-process bus that
// carries them to subscribers (reminders, caches). Delivery is at least once: a tick that fails
// after publishing is run again and may publish the same event; `event.id` is stable across such
// repeats, so handlers dedupe on it or are idempotent by nature.
import type { SyncedAppointment } from './derive.ts';

interface EventBase {
  /** Stable for the same change: `<appointment id>:<SystemModstamp>:<type>`. */
  id: string;
  orgId: string;
}

export type AppointmentEvent = EventBase & {
  appointmentId: string;
  /** The appointment as it is now. */
  appointment: SyncedAppointment;
} & (
    | { type: 'created' }
    | { type: 'rescheduled'; previous: { startAt: Date | null; endAt: Date | null } }
    | { type: 'cancelled'; reason: 'status' | 'deleted' }
    | { type: 'status_changed'; from: string | null; to: string | null }
  );

export type ConfigChangedEvent = EventBase & {
  type: 'config_changed';
  /** The configuration objects with changes (or deletions) since the last look. */
  objects: string[];
};

export type SyncEvent = AppointmentEvent | ConfigChangedEvent;

export type SyncEventHandler = (event: SyncEvent) => void | Promise<void>;

/**
 * A small typed publish/subscribe bus. `publish` awaits every handler; a handler that throws is
 * reported to `onError` and does not stop the others (nor the sync that published).
 */
export class SyncEventBus {
  readonly #handlers = new Set<SyncEventHandler>();
  readonly #onError: (error: unknown, event: SyncEvent) => void;

  constructor(onError: (error: unknown, event: SyncEvent) => void = () => {}) {
    this.#onError = onError;
  }

  /** Returns the unsubscribe function. */
  subscribe(handler: SyncEventHandler): () => void {
    this.#handlers.add(handler);
    return () => this.#handlers.delete(handler);
  }

  async publish(event: SyncEvent): Promise<void> {
    for (const handler of [...this.#handlers]) {
      try {
        await handler(event);
      } catch (error) {
        this.#onError(error, event);
      }
    }
  }
}
