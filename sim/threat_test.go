package sim_test

import (
	"testing"

	"github.com/deskdrill/deskdrill/sim"
)

// TestThreatens reads the buyer's words as docs/scoring.md rule 8 means
// them: a threat to take the case further (a bad review, a complaint, the
// platform, 12315, a dispute, a chargeback), not the words alone. A threat
// denied ("不会给差评的"), withdrawn ("本来想投诉的，现在不用了") or meant
// otherwise ("I will report back") is none; a conditional threat ("不给退
// 我就差评") is one.
func TestThreatens(t *testing.T) {
	for _, tc := range []struct {
		text string
		want bool
	}{
		// Real threats, Chinese.
		{"再不处理我就投诉", true},
		{"我要给差评", true},
		{"我去12315投诉你们", true},
		{"不给退我就差评", true}, // conditional: still a threat
		{"不处理好我肯定给差评", true},
		{"你们不会处理的话我就投诉", true},
		{"再这样我就给差评了", true},
		{"那我只能申请平台介入了", true},
		{"我直接找平台小二处理", true},
		{"再不解决我就去12315举报", true},
		{"我会在评价里如实写出来的", true},
		{"我本来不想投诉的，但你们太过分了，我要投诉", true}, // the second 投诉 stands
		{"别逼我给差评", true},
		{"你以为我不会投诉吗？", true}, // a rhetorical question
		{"不想跟你废话，我要投诉", true},
		// Real threats, English.
		{"I'll report you to the platform", true},
		{"I will open a dispute", true},
		{"If this isn't fixed I'll give you one star", true},
		{"If you don't refund me I will file a chargeback", true},
		{"Don't make me report you", true},
		{"Asked three times, no answer. I'm complaining!", true},
		{"Then I'll ask the platform to step in", true},
		{"What kind of service is this 😡😡 I'm going to the platform", true},
		{"I'll write exactly what happened in my review", true},
		{"Keep this up and I'm leaving a bad review", true},
		{"I won't hesitate to report you", true},
		{"我要在评论里说清楚", true},
		{"不处理的话我就把照片晒到评价里", true},
		{"Are you going to deal with this or not?? One more delay and I leave a bad review", true},
		// Denied, withdrawn, reassuring: no threat (the audit's T1, T3, T5).
		{"好的，放心，不会给差评的", false},
		{"本来想投诉的，现在不用了", false},
		{"好的，本来想投诉的，现在不用了", false},
		{"不用投诉了，谢谢", false},
		{"我不想投诉，只想快点解决", false},
		{"没打算给差评，就是问问", false},
		{"别担心差评的事", false},
		{"别担心，差评是不会给的", false},
		{"差评就算了", false},
		{"我不给差评", false},
		{"不需要平台介入，你们处理就好", false},
		{"Great, no need to dispute anything, thanks!", false},
		{"I won't leave a bad review", false},
		{"No complaints, thanks", false},
		{"I'm not going to report anything, it's fine", false},
		{"Don't worry, no bad review from me", false},
		{"I was going to complain but you fixed it", false},
		// Other senses: no threat (the audit's T4; other buyers' reviews).
		{"Thanks, I will report back once I ship it", false},
		{"I'd like to report a problem with my order", false},
		{"差评里有图，和我的一模一样", false},
		{"这批货有问题吧，好几个差评说的都一样", false},
		{"好的，处理得很快，给你们好评", false},
		{"评价里说的问题和我的一样", false},
		{"好的谢谢", false},
	} {
		if got := sim.Threatens(tc.text); got != tc.want {
			t.Errorf("Threatens(%q) = %v; want %v", tc.text, got, tc.want)
		}
	}
}
