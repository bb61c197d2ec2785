package bot_test

import (
	"testing"
	"time"

	"github.com/deskdrill/deskdrill/bench/bot"
)

func TestNew_Checks(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  bot.Config
		ok   bool
	}{
		{"fine", bot.Config{URL: "ws://x/ws/agent", Count: 2, Skill: 0.9, ThinkMin: time.Second, ThinkMax: 2 * time.Second}, true},
		{"no url", bot.Config{Count: 1}, false},
		{"no bots", bot.Config{URL: "ws://x", Count: 0}, false},
		{"skill above 1", bot.Config{URL: "ws://x", Count: 1, Skill: 1.5}, false},
		{"think backwards", bot.Config{URL: "ws://x", Count: 1, ThinkMin: 2 * time.Second, ThinkMax: time.Second}, false},
	} {
		if _, err := bot.New(tc.cfg); (err == nil) != tc.ok {
			t.Errorf("%s: New = %v; want ok %v", tc.name, err, tc.ok)
		}
	}
}
