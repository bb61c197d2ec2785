package sim

import (
	"regexp"
	"strings"
	"unicode"
)

// Lang is the language of a text as scoring tells it (docs/scoring.md,
// "The buyer's language"): Chinese, English, or neither.
type Lang string

// The languages scoring tells apart. LangNone is a text too short or too
// mixed to say: "👍", "ok", "???", an order number.
const (
	LangNone Lang = ""
	LangZh   Lang = "zh"
	LangEn   Lang = "en"
)

// TextLang returns the language of s: Chinese when it has more Han
// characters than Latin words, English when it has at least two Latin
// words and more of them than Han characters, else LangNone. A Latin word
// has two letters or more and a vowel, so units and sizes (cm, kg, M, XL)
// are no words. Counting words against characters keeps a Chinese message
// that names a product or a size ("iPhone 手机壳坏了", "165cm 穿M还是L")
// Chinese, and an English one that quotes a Chinese name English.
func TextLang(s string) Lang {
	han, words := 0, 0
	letters, vowel := 0, false
	endWord := func() {
		if letters >= 2 && vowel {
			words++
		}
		letters, vowel = 0, false
	}
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Han, r):
			han++
			endWord()
		case r < 0x80 && unicode.IsLetter(r):
			letters++
			vowel = vowel || strings.ContainsRune("aeiouyAEIOUY", r)
		case r == '\'' && letters > 0:
			// don't, it's: one word
		default:
			endWord()
		}
	}
	endWord()
	if han == 0 && loneAnswerEn.MatchString(s) {
		return LangEn // "Yes." answers in English, though one word
	}
	switch {
	case han > words:
		return LangZh
	case words >= 2 && words > han:
		return LangEn
	}
	return LangNone
}

// BuyerLang returns the language most of the buyer's texts (messages and
// evidence) have; a tie goes to the language of the buyer's first text
// with one. LangNone when no buyer text has a language.
func (c *Conversation) BuyerLang() Lang {
	counts := map[Lang]int{}
	first := LangNone
	for _, e := range c.Events {
		if !opensRound(e) {
			continue
		}
		l := TextLang(e.Text)
		if l == LangNone {
			continue
		}
		if first == LangNone {
			first = l
		}
		counts[l]++
	}
	switch {
	case counts[LangZh] > counts[LangEn]:
		return LangZh
	case counts[LangEn] > counts[LangZh]:
		return LangEn
	}
	return first
}

// loneAnswerEn is an English yes or no on its own.
var loneAnswerEn = regexp.MustCompile(`(?i)^\s*(?:yes|yep|yeah|no|nope|sure|certainly|absolutely)\s*[.!]*\s*$`)
