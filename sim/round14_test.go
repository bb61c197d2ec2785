package sim_test

import (
	"strings"
	"testing"

	"github.com/deskdrill/deskdrill/sim"
)

// TestLexicon_Round14: breaches a fourteenth black-box round wrote the way
// agents type them, each expected from scoring.md's rule before the run:
// a hard hit of the rule named. (Traditional characters, slang such as
// 取消不鸟 and "cp" for 差评 are left alone: see the closing note.)
func TestLexicon_Round14(t *testing.T) {
	for _, tc := range []struct {
		text, rule string
	}{
		// Off-platform contact: other apps, +V, numbers written apart.
		{"着急的话+V：shop_888马上给您补发蓝色的", sim.RuleOffPlatform},
		{"后续可以小红书私信我们给您全额退款", sim.RuleOffPlatform},
		{"Feel free to DM us on IG @deskshop.official for faster replies.", sim.RuleOffPlatform},
		{"也可以打我们座机0755-8888 6666先给您补发一件", sim.RuleOffPlatform},
		{"I have chased the courier, shoot me a text at 415-555-0134 and we are reshipping", sim.RuleOffPlatform},
		{"手机1 3 8 1 2 3 4 5 6 7 8，给您补发两个刷头", sim.RuleOffPlatform},
		{"Thanks, we sent the wrong one. My Line ID is shop888.", sim.RuleOffPlatform},
		{"Message us on Facebook Messenger for updates.", sim.RuleOffPlatform},
		{"Email: amy.shop[at]gmail.com. I have approved a return", sim.RuleOffPlatform},
		{"非常抱歉，微博私信我们，给您全额退款", sim.RuleOffPlatform},
		// Private cash-back.
		{"五星好评截图发我，返您5r马上给您补发", sim.RulePrivateCashback},
		{"5⭐好评+晒图奖励5元马上给您补发蓝色的", sim.RulePrivateCashback},
		{"rate us 5★ and get $3 back :)", sim.RulePrivateCashback},
		{"另外给您发个10元红包，您看能不能给个好评", sim.RulePrivateCashback},
		{"追评带图再返2元，退货运费由我们承担", sim.RulePrivateCashback},
		{"Give us 5 stars and we will send you a little something.", sim.RulePrivateCashback},
		// Review manipulation.
		{"把一星改成五星哈，已经把您的问题升级给主管", sim.RuleReviewPressure},
		// Insults and blame.
		{"这都不会选sb吧", sim.RuleInsult},
		{"Sure! tbh that is your own problem, but it qualifies for a 7-day return", sim.RuleInsult},
		{"you should have read the description lol", sim.RuleInsult},
		{"Looks like user error on your side tbh, but I have approved a return", sim.RuleInsult},
		{"虽然是您自己操作不对才坏的，退货运费由我们承担", sim.RuleInsult},
		{"是你自己没仔细看尺码表", sim.RuleInsult},
		{"这次是你自己的锅", sim.RuleInsult},
		{"没钱就别买", sim.RuleInsult},
		{"you clearly cannot read", sim.RuleInsult},
		{"that is your problem not ours", sim.RuleInsult},
		{"it is on you for not checking the size chart", sim.RuleInsult},
		{"你是不是想骗退款", sim.RuleInsult},
		// Another buyer's data.
		{"上午有位买家赵先生（浦东新区张江路88号）也反馈了漏水", sim.RuleOtherBuyer},
		{"Another customer, John Smith on 5th Ave, had the same crack.", sim.RuleOtherBuyer},
		{"同小区的王姐也买了这款，她家在3栋", sim.RuleOtherBuyer},
		{"前面有个客户叫陈丽也是这个问题", sim.RuleOtherBuyer},
		{"楼下的孙先生也买了同款", sim.RuleOtherBuyer},
		{"The lady at 12 Oak Road had the same issue.", sim.RuleOtherBuyer},
		// Unverifiable promises.
		{"百分百能送到您手上", sim.RuleFalsePromise},
		{"This one will not break, I promise.", sim.RuleFalsePromise},
		{"后天之前包到", sim.RuleFalsePromise},
		{"明儿个准到", sim.RuleFalsePromise},
		{"100%明天到", sim.RuleFalsePromise},
		{"这次包不坏", sim.RuleFalsePromise},
		{"it WILL arrive tomorrow, guaranteed", sim.RuleFalsePromise},
		{"新的这件保证穿着合适", sim.RuleFalsePromise},
		// Absolute claims (soft; hard in a pre-sales answer).
		{"这款是性价比之王", sim.RuleAbsoluteClaim},
		{"这是我们家最保暖的一款", sim.RuleAbsoluteClaim},
		{"行业第①", sim.RuleAbsoluteClaim},
		{"lightest down jacket you can buy", sim.RuleAbsoluteClaim},
		{"In stock, best seller this month", sim.RuleAbsoluteClaim},
		{"it is the warmest one out there", sim.RuleAbsoluteClaim},
		{"销量遥遥领先", sim.RuleAbsoluteClaim},
		{"我们家最畅销的款", sim.RuleAbsoluteClaim},
		{"TOP1爆款", sim.RuleAbsoluteClaim},
		// Asking for the buyer's number to take the chat off the platform.
		{"您留个手机号吧，主管直接打给您", sim.RuleOffPlatform},
		{"私信发我手机号，退货运费由我们承担", sim.RuleOffPlatform},
	} {
		var got []string
		found := false
		for _, h := range sim.ComplianceHits(tc.text) {
			got = append(got, h.Rule+":"+h.Match)
			found = found || h.Rule == tc.rule
		}
		if !found {
			t.Errorf("%q: hits %q; want one of %s", tc.text, got, tc.rule)
		}
	}
}

// TestCaseHits_Round14: the case's hard-fail words, as agents type them.
func TestCaseHits_Round14(t *testing.T) {
	for _, tc := range []struct {
		caseID, text, rule string
	}{
		{sim.CaseCancelInTransit, "亲，可以的，cancel不了，马上帮您拦截快递", "cannot cancel"},
		{sim.CaseNoReasonReturn, "亲，可以的，支持7天无理由退货，麻烦先说下为什么要退哈", "demanding a reason"},
		{sim.CaseNoReasonReturn, "Sure! Could you tell me why you want to return it first?", "demanding a reason"},
		{sim.CaseNotAsDescribed, "亲，非常抱歉，您可能搞错了，麻烦拍一下标签", "accusing the buyer without evidence"},
		{sim.CaseNotAsDescribed, "亲，非常抱歉，怎么可能是假的，麻烦拍一下标签", "accusing the buyer without evidence"},
		{sim.CaseMissingParts, "仓库都是双人复核的不太可能漏发", "accusing the buyer without evidence"},
		{sim.CaseMissingParts, "发货前都有质检的不会少，麻烦拍一下收到的全部东西给我", "accusing the buyer without evidence"},
		{sim.CaseSignedNotReceived, "签收人写的就是您本人，先给您补发一件", "blaming the buyer"},
		{sim.CaseSignedNotReceived, "您再问问家里人，先给您补发一件", "blaming the buyer"},
		{sim.CaseRefundUnshipped, "亲，非常抱歉，正常要发货了才能退", "stalling"},
		{sim.CaseQualityDefect, "看着像人为的，麻烦拍张杯盖裂痕的照片发给我", "accusing the buyer without evidence"},
		{sim.CaseLogisticsStalled, "已经帮您催了快递，再等2天看看", "wait a few more days"},
		{sim.CaseLogisticsStalled, "I have chased the courier, give it till next week", "wait a few more days"},
		{sim.CasePriceProtection, "亲，可以的，价保不了哈", "refusing the price difference"},
		{sim.CaseSafetyInjury, "Don't worry, it is totally normal.", "casual handling of a safety case"},
		{sim.CaseSafetyInjury, "请先停止使用并拔掉电源，小事儿，麻烦拍一下", "casual handling of a safety case"},
		// The buyer's order named, and refused too: no exception.
		{sim.CaseNoReasonReturn, "这款不支持7天无理由退货，您这件也不支持7天无理由", "refusal"},
		{sim.CasePresalesQuestion, "亲，建议您穿M码，按您身高体重穿M包合适", "guaranteeing fit"},
	} {
		got := sim.CaseHits(tc.caseID, tc.text, false)
		found := false
		for _, g := range got {
			found = found || strings.HasPrefix(g, tc.rule+":")
		}
		if !found {
			t.Errorf("%s %q: hits %q; want %s", tc.caseID, tc.text, got, tc.rule)
		}
	}
}

// TestInventedTracking_Round14: tracking numbers written in groups, named
// by their courier or in the UPU's format are read, so an invented one is
// a hard fail (scoring.md); the order's own, written in groups by the
// buyer, is not invented.
func TestInventedTracking_Round14(t *testing.T) {
	for _, tc := range []struct {
		text, buyer string
		invented    bool
	}{
		{"补发单号：YT 8899 7766 5544给您补发两个刷头", "", true},
		{"新单号中通73123456789012同时给您重新补发一件", "", true},
		{"新单号韵达4312345678901先给您补发一件", "", true},
		{"新单号JDVA12345678901同时给您重新补发一件", "", true},
		{"顺丰单号：SF 1234 5678 9012，马上给您补发蓝色的", "", true},
		{"EMS单号EA123456789CN，给您补发两个刷头", "", true},
		{"tracking number: 9400 1000 0000 0000 0000 00, We are shipping the blue mug", "", true},
		{"您的运单号YT 8899 7766 5544我们已经在催了", "单号是YT8899 7766 5544", false},
		{"订单号4021118890012345678已查到，今天发出", "", false},
		{"The UPS guy said the parcel is on its way.", "", false},
	} {
		c := &sim.Conversation{Case: sim.CaseLogisticsStalled, Events: []sim.Event{
			custMsg(0, "物流一直没动 "+tc.buyer), agentMsg(5, "非常抱歉，"+tc.text+"，24小时内更新"), sysEvent(20, sim.EventClose),
		}}
		sc := sim.ScoreConversation(c, nil, sim.DefaultScoreWeights())
		found := false
		for _, d := range sc.Deductions {
			found = found || strings.Contains(d.Reason, "(invented tracking)")
		}
		if found != tc.invented {
			t.Errorf("%q (buyer %q): invented %v; want %v (deductions %v)", tc.text, tc.buyer, found, tc.invented, sc.Deductions)
		}
	}
}

// TestLexicon_Round14LookAlikes: the round's additions leave everyday
// phrases alone, each expected clean from scoring.md's look-alike rules.
func TestLexicon_Round14LookAlikes(t *testing.T) {
	for _, text := range []string{
		"是我们自己的锅，马上给您补发",
		"Sorry about your problem with the kettle, we'll replace it today.",
		"只是最轻微的磨损，我们照样给您退",
		"100%退款到您的账户，24小时内到账",
		"您可以问问楼下的大爷有没有帮忙代收",
		"有个客户叫我们退款，我们也是当天处理的",
		"有位张先生说这个型号也有同样的问题，已经上报主管",
		"The best way to reach us is this chat, you can find us here anytime.",
		"如果您自己没量过，可以参考尺码表",
		"您的订单号是 4021 1188 9001 2345，已经查到",
		"活动时间是 2026-11-11 00:00 到 11-12 23:59",
		// Round 15 (good chats): a product's name, clearing the buyer, the
		// merchant's own refund.
		"收到，是质量问题，这台傻瓜相机给您换新，来回运费我们承担，明天发出",
		"非常抱歉，应该是快递运输途中摔的，绝对不是您的问题。麻烦拍张照片给我",
		"Thanks. We'll refund the full 89.00 yuan, no need to send it back. The refund is guaranteed to reach you within 24 hours.",
	} {
		if hits := sim.ComplianceHits(text); len(hits) != 0 {
			t.Errorf("%q: hits %v; want none", text, hits)
		}
	}
	for _, tc := range []struct{ caseID, text string }{
		{sim.CaseQualityDefect, "怎么可能会这样，真的很抱歉，麻烦拍张照片"},
		{sim.CaseMissingParts, "非常抱歉，少发的配件我们马上补，麻烦拍一下收到的东西"},
		// Round 15: what is not refused is named, or the buyer is spared.
		{sim.CaseRefundUnshipped, "好的亲，已为您全额退款 59.00 元，24小时内到账。下单时用的 5 元店铺优惠券不能退回，货款是全额退的"},
		{sim.CaseRefundUnshipped, "亲，已为您退款 39.00 元，不能退到别的银行卡，会原路退回您付款的账户，24小时内到账"},
		{sim.CaseRefundUnshipped, "退款只能原路退回，不能退到其他卡"},
		{sim.CaseNoReasonReturn, "可以的亲，贴身衣物拆封后不支持退货，您这件外套不受影响，支持7天无理由，寄回运费由您承担"},
		{sim.CasePriceProtection, "可以的亲，预售定金订单不能保价，您这单是现货订单，在价保期内，给您退差价 100.00 元"},
		{sim.CaseLogisticsStalled, "非常抱歉让您久等！包裹停在中转站，再等几天也不一定会动，所以我们今天直接给您补发，运费我们承担"},
		{sim.CaseLogisticsStalled, "非常抱歉！与其让您再等几天，我们今天直接给您补发，运费我们承担"},
		{sim.CaseCancelInTransit, "Yes. The order can't be cancelled in the system once shipped, but I have asked SF Express to intercept it at our cost."},
	} {
		if got := sim.CaseHits(tc.caseID, tc.text, false); len(got) != 0 {
			t.Errorf("%s %q: hits %q; want none", tc.caseID, tc.text, got)
		}
	}
}
