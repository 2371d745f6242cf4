package api

import (
	"encoding/json"
	"testing"
	"time"
)

func TestTimeDecodesWhatServersPrint(t *testing.T) {
	noon := time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Time
	}{
		{`"2024-01-01T12:00:00+00:00"`, noon},                                       // Ember, Phoenix: isoformat() of an aware time
		{`"2024-01-01T12:00:00.123456+00:00"`, noon.Add(123456 * time.Microsecond)}, // with microseconds
		{`"2024-01-01T12:00:00Z"`, noon},
		{`"2024-01-01T14:00:00+02:00"`, noon},                         // another offset
		{`"2024-01-01T12:00:00"`, noon},                               // naive: UTC
		{`"2024-01-01T12:00:00.5"`, noon.Add(500 * time.Millisecond)}, // naive with a fraction
		{`"2024-01-01 12:00:00+00:00"`, noon},                         // str() of a datetime
		{`"2024-01-01 12:00:00"`, noon},
		{`"2024-01-01T12:00:00.123456789Z"`, noon.Add(123456789 * time.Nanosecond)},
	}
	for _, tt := range tests {
		var got Time
		if err := json.Unmarshal([]byte(tt.in), &got); err != nil {
			t.Errorf("Unmarshal(%s): %v", tt.in, err)
			continue
		}
		if !got.Equal(tt.want) || got.Location() != time.UTC {
			t.Errorf("Unmarshal(%s) = %v, want %v in UTC", tt.in, got.Time, tt.want)
		}
	}
	for _, bad := range []string{`"yesterday"`, `"2024-01-01"`, `"2024-13-01T00:00:00Z"`, `12`, `""`} {
		var got Time
		if err := json.Unmarshal([]byte(bad), &got); err == nil {
			t.Errorf("Unmarshal(%s) = %v, want an error", bad, got.Time)
		}
	}
}

func TestTimeNullLeavesTheValue(t *testing.T) {
	got := Time{Time: time.Unix(1, 0)}
	if err := json.Unmarshal([]byte(`null`), &got); err != nil || !got.Equal(time.Unix(1, 0)) {
		t.Fatalf("Unmarshal(null) = %v, %v", got.Time, err)
	}
}

func TestTimeEncodesRFC3339WithAnOffset(t *testing.T) {
	tests := []struct {
		in   time.Time
		want string
	}{
		{time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC), `"2024-01-01T12:00:00Z"`},
		{time.Date(2024, 1, 1, 12, 0, 0, 123456000, time.UTC), `"2024-01-01T12:00:00.123456Z"`},
		{time.Date(2024, 1, 1, 14, 0, 0, 0, time.FixedZone("", 7200)), `"2024-01-01T14:00:00+02:00"`},
		{time.Time{}, `"0001-01-01T00:00:00Z"`},
	}
	for _, tt := range tests {
		b, err := json.Marshal(Time{Time: tt.in})
		if err != nil || string(b) != tt.want {
			t.Errorf("Marshal(%v) = %s, %v; want %s", tt.in, b, err, tt.want)
		}
		var back Time
		if err := json.Unmarshal(b, &back); err != nil || !back.Equal(tt.in) {
			t.Errorf("round trip of %v gave %v, %v", tt.in, back.Time, err)
		}
	}
}

func TestParseTime(t *testing.T) {
	got, err := ParseTime("2024-01-01T12:00:00")
	if err != nil || !got.Equal(time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC)) {
		t.Fatalf("ParseTime = %v, %v", got.Time, err)
	}
	if _, err := ParseTime("noon"); err == nil {
		t.Fatal("ParseTime(noon) succeeded")
	}
}
