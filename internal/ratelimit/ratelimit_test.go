package ratelimit

import (
	"testing"
	"time"
)

func TestAllow(t *testing.T) {
	k := New()
	t0 := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	for i := range 3 {
		if ok, _ := k.Allow("a", 1, 3, t0); !ok {
			t.Fatalf("request %d of the burst refused", i)
		}
	}
	ok, wait := k.Allow("a", 1, 3, t0)
	if ok || wait <= 0 || wait > time.Second {
		t.Fatalf("over the burst: ok=%v wait=%v; want refused, wait ≤ 1s", ok, wait)
	}
	if ok, _ := k.Allow("b", 1, 3, t0); !ok {
		t.Fatal("another key is limited too")
	}
	if ok, _ := k.Allow("a", 1, 3, t0.Add(wait)); !ok {
		t.Fatal("refused after waiting Retry-After")
	}
}

func TestExhaustedDoesNotConsume(t *testing.T) {
	k := New()
	t0 := time.Now()
	for range 10 {
		if empty, _ := k.Exhausted("ip", 1, 2, t0); empty {
			t.Fatal("Exhausted consumed tokens")
		}
	}
	k.Allow("ip", 1, 2, t0)
	k.Allow("ip", 1, 2, t0)
	if empty, wait := k.Exhausted("ip", 1, 2, t0); !empty || wait <= 0 {
		t.Fatalf("empty=%v wait=%v after the burst", empty, wait)
	}
}

func TestLimitChangeApplies(t *testing.T) {
	k := New()
	t0 := time.Now()
	k.Allow("c", 1, 1, t0)
	if ok, _ := k.Allow("c", 1, 1, t0); ok {
		t.Fatal("burst of 1 allowed 2")
	}
	// At 1/s the next token comes after a second. The limit is raised to 100/s at
	// +10ms (a refused request carries the new limit), so a token is there by +30ms.
	k.Allow("c", 100, 100, t0.Add(10*time.Millisecond))
	if ok, _ := k.Allow("c", 100, 100, t0.Add(30*time.Millisecond)); !ok {
		t.Fatal("raised limit not applied")
	}
}

func TestIdleKeysForgotten(t *testing.T) {
	k := New()
	t0 := time.Now()
	for i := range 100 {
		k.Allow(string(rune('a'+i)), 1, 1, t0)
	}
	k.Allow("late", 1, 1, t0.Add(k.Idle+time.Second))
	if n := k.Len(); n != 1 {
		t.Errorf("%d keys after the idle period, want 1", n)
	}
}

func TestBurst(t *testing.T) {
	for _, tc := range []struct {
		rate  float64
		burst int
		want  int
	}{{0.5, 0, 1}, {10, 0, 10}, {2.5, 0, 3}, {10, 4, 4}} {
		if got := Burst(tc.rate, tc.burst); got != tc.want {
			t.Errorf("Burst(%v, %d) = %d, want %d", tc.rate, tc.burst, got, tc.want)
		}
	}
}

// TestStatus: what Take and Peek report for the RateLimit header fields: the whole
// tokens left, when the next one comes and when the bucket is full again.
func TestStatus(t *testing.T) {
	t0 := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	k := New()
	// 2 per second, burst 4.
	for _, tc := range []struct {
		name string
		at   time.Duration
		take bool
		want Status
	}{
		{"first of a full bucket", 0, true, Status{OK: true, Remaining: 3, Full: 500 * time.Millisecond}},
		{"peek takes nothing", 0, false, Status{OK: true, Remaining: 3, Full: 500 * time.Millisecond}},
		{"second", 0, true, Status{OK: true, Remaining: 2, Full: time.Second}},
		{"third", 0, true, Status{OK: true, Remaining: 1, Full: 1500 * time.Millisecond}},
		{"last", 0, true, Status{OK: true, Remaining: 0, Wait: 500 * time.Millisecond, Full: 2 * time.Second}},
		{"refused", 0, true, Status{OK: false, Remaining: 0, Wait: 500 * time.Millisecond, Full: 2 * time.Second}},
		{"peek of an empty bucket", 0, false, Status{OK: false, Remaining: 0, Wait: 500 * time.Millisecond, Full: 2 * time.Second}},
		{"a quarter second later", 250 * time.Millisecond, false, Status{OK: false, Remaining: 0, Wait: 250 * time.Millisecond, Full: 1750 * time.Millisecond}},
		{"after the wait", 500 * time.Millisecond, true, Status{OK: true, Remaining: 0, Wait: 500 * time.Millisecond, Full: 2 * time.Second}},
		{"refilled", 10 * time.Second, false, Status{OK: true, Remaining: 4}},
	} {
		var got Status
		if tc.take {
			got = k.Take("c", 2, 4, t0.Add(tc.at))
		} else {
			got = k.Peek("c", 2, 4, t0.Add(tc.at))
		}
		if got != tc.want {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
}
