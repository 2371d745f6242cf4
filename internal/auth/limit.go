package auth

import (
	"sync"
	"time"
)

// maxTracked bounds the memory of the lockout and the rate limiter: past
// it, entries that no longer matter are dropped.
const maxTracked = 10000

// lockout counts failed logins per email: after max failures the email is
// locked for period, even for the right password; a success resets it.
type lockout struct {
	mu     sync.Mutex
	max    int
	period time.Duration
	now    func() time.Time
	state  map[string]*lockState
}

type lockState struct {
	failures    int
	lockedUntil time.Time
	last        time.Time
}

func newLockout(max int, period time.Duration, now func() time.Time) *lockout {
	return &lockout{max: max, period: period, now: now, state: map[string]*lockState{}}
}

// locked reports whether logins for email are refused now.
func (l *lockout) locked(email string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	st, ok := l.state[email]
	return ok && l.now().Before(st.lockedUntil)
}

// fail records a failed login.
func (l *lockout) fail(email string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if len(l.state) >= maxTracked {
		for k, st := range l.state {
			if now.After(st.lockedUntil) && now.Sub(st.last) > l.period {
				delete(l.state, k)
			}
		}
	}
	st, ok := l.state[email]
	if !ok {
		st = &lockState{}
		l.state[email] = st
	}
	// Failures older than a period are forgotten.
	if now.Sub(st.last) > l.period {
		st.failures = 0
	}
	st.failures++
	st.last = now
	if st.failures >= l.max {
		st.lockedUntil = now.Add(l.period)
		st.failures = 0
	}
}

// succeed forgets the failures of email.
func (l *lockout) succeed(email string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.state, email)
}

// rateLimiter is a token bucket per client address: burst requests at
// once, then rate per second.
type rateLimiter struct {
	mu      sync.Mutex
	rate    float64
	burst   float64
	now     func() time.Time
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newRateLimiter(rate, burst float64, now func() time.Time) *rateLimiter {
	return &rateLimiter{rate: rate, burst: burst, now: now, buckets: map[string]*bucket{}}
}

// allow takes a token for key, reporting whether there was one.
func (l *rateLimiter) allow(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if len(l.buckets) >= maxTracked {
		for k, b := range l.buckets {
			if b.tokens+now.Sub(b.at).Seconds()*l.rate >= l.burst {
				delete(l.buckets, k)
			}
		}
	}
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[key] = b
	}
	b.tokens = min(l.burst, b.tokens+now.Sub(b.at).Seconds()*l.rate)
	b.at = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
