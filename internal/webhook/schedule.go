package webhook

import (
	"math/rand/v2"
	"time"
)

// Schedule is the wait before each retry of a delivery that failed: the first retry
// comes within 10 s (5 s ± 20%), later ones back off up to 8 hours. With the jitter, the
// last attempt comes 25.4–38.0 hours after the first (31.7 hours without jitter), so that
// a receiver that is down for a day still gets every event; after the 12th attempt the
// delivery is given up (store.DeliveryFailed). The README's webhook section shows this
// table.
var Schedule = []time.Duration{
	5 * time.Second, 30 * time.Second, 2 * time.Minute, 10 * time.Minute, 30 * time.Minute,
	time.Hour, 2 * time.Hour, 4 * time.Hour, 8 * time.Hour, 8 * time.Hour, 8 * time.Hour,
}

// Jitter is how far a wait may stray from Schedule, either way: retries of many
// deliveries that failed together (a receiver that was down) spread out instead of
// arriving together.
const Jitter = 0.2

// MaxAttempts is the number of attempts before a delivery is given up.
var MaxAttempts = len(Schedule) + 1

// NextAttempt returns when to try again after the attempts-th attempt (1 for the first)
// failed at now, or false when that was the last. random returns a number in [0, 1)
// (nil: math/rand/v2).
func NextAttempt(attempts int, now time.Time, random func() float64) (time.Time, bool) {
	if attempts < 1 || attempts > len(Schedule) {
		return time.Time{}, false
	}
	if random == nil {
		random = rand.Float64
	}
	wait := Schedule[attempts-1]
	factor := 1 - Jitter + 2*Jitter*random()
	return now.Add(time.Duration(float64(wait) * factor)), true
}
