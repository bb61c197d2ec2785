package phrases_test

import (
	"testing"

	"github.com/deskdrill/deskdrill/scenarios/phrases"
)

func TestBank_Asks(t *testing.T) {
	type A = phrases.Asks
	tests := []struct {
		text string
		want A
	}{
		// zh-CN
		{"麻烦提供一下订单号，我帮您查询", A{Order: true}},
		{"方便发一下订单编号吗？", A{Order: true}},
		{"亲，可以拍个视频给我看一下吗？", A{Evidence: true}},
		{"请发几张照片", A{Evidence: true}},
		{"麻烦平铺测量一下", A{Evidence: true}},
		{"麻烦拍一下问题的地方", A{Evidence: true}},
		{"拍下后48小时内发货", A{NextStep: true}}, // 拍下 is "buy", not a photo
		{"非常抱歉给您带来不便", A{Apology: true}},
		{"不好意思让您久等了", A{Apology: true}},
		{"对不起", A{Apology: true}},
		{"我们会在24小时内给您回复", A{NextStep: true}},
		{"三天内给您补发", A{NextStep: true}},
		{"今天就给您发出", A{NextStep: true}},
		{"明天18:00前联系您", A{NextStep: true}},
		{"一般1-3个工作日到账", A{NextStep: true}},
		{"再等几天看看吧", A{}}, // no concrete time: the hard fail of case 9
		{"亲，您好，请问有什么可以帮您？", A{}},
		{"抱歉，麻烦发一下订单号和照片，我们2小时内处理", A{Order: true, Evidence: true, Apology: true, NextStep: true}},
		// en
		{"Could you send me your order number?", A{Order: true}},
		{"What's the order ID?", A{Order: true}},
		{"Please share your order #", A{Order: true}},
		{"Please send a photo of the label", A{Evidence: true}},
		{"Could you share a short VIDEO?", A{Evidence: true}},
		{"A picture would help", A{Evidence: true}},
		{"I'm so sorry about that", A{Apology: true}},
		{"We apologise for the delay", A{Apology: true}},
		{"Our apologies", A{Apology: true}},
		{"We'll reply within 24 hours", A{NextStep: true}},
		{"It ships by tomorrow", A{NextStep: true}},
		{"You'll hear from us within 2 hours", A{NextStep: true}},
		{"I'll call the courier today", A{NextStep: true}},
		{"Please wait a few more days", A{}},
		{"How can I help you?", A{}},
		{"photography tips", A{}}, // a word that merely starts like one
		{"Sorry! Please send your order number and a picture, we'll fix it within 1 hour",
			A{Order: true, Evidence: true, Apology: true, NextStep: true}},
	}
	b := phrases.Default()
	for _, tt := range tests {
		if got := b.Asks(tt.text); got != tt.want {
			t.Errorf("Asks(%q) = %+v; want %+v", tt.text, got, tt.want)
		}
	}
}

func BenchmarkBank_Asks(b *testing.B) {
	bank := phrases.Default()
	for b.Loop() {
		_ = bank.Asks("非常抱歉，麻烦拍一下问题部位的照片发给我，我们会在24小时内给您处理结果")
	}
}
