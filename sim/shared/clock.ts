// The emulators' own notion of time: anything with `now()` in Unix milliseconds. A simulated clock (tests,
// scenario runs) is passed in; real time is the default. Kept here so the emulators need nothing from line/.

export interface Clock {
  /** Milliseconds since the Unix epoch, on this clock. */
  now(): number
}

export const realClock: Clock = { now: () => Date.now() }
