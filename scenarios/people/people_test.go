package people_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/deskdrill/deskdrill/scenarios/people"
	"github.com/deskdrill/deskdrill/scenarios/phrases"
	"github.com/deskdrill/deskdrill/sim"
)

func newRNG(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 99)) }

// draw makes a batch of everything the package makes from one stream.
func draw(seed uint64, loc phrases.Locale) []string {
	rng := newRNG(seed)
	var out []string
	for range 20 {
		p := people.NewPerson(rng, loc)
		pr := people.NewProduct(rng, loc, 15900)
		out = append(out, p.Name, p.Phone, p.Address, string(p.Locale), pr.Name, pr.Price.String(), people.OrderID(rng))
	}
	return out
}

func TestDeterminism(t *testing.T) {
	for _, loc := range phrases.Locales() {
		t.Run(string(loc), func(t *testing.T) {
			a, b := draw(7, loc), draw(7, loc)
			for i := range a {
				if a[i] != b[i] {
					t.Fatalf("seed 7 twice: value %d is %q then %q; want the same", i, a[i], b[i])
				}
			}
			c := draw(8, loc)
			same := 0
			for i := range a {
				if a[i] == c[i] {
					same++
				}
			}
			if same > len(a)/2 {
				t.Errorf("seeds 7 and 8 share %d of %d values; want the seed to matter", same, len(a))
			}
		})
	}
}

// mobile is an 11-digit mainland mobile number on an allocated prefix.
var mobile = regexp.MustCompile(`^1(?:3\d|5[0-35-9]|7[013-8]|8\d|9[1356789])\d{8}$`)

func TestNewPerson_ZhCN(t *testing.T) {
	rng := newRNG(1)
	provinces := map[string]bool{}
	for range 2000 {
		p := people.NewPerson(rng, phrases.ZhCN)
		if p.Locale != phrases.ZhCN {
			t.Fatalf("Locale = %q; want zh-CN", p.Locale)
		}
		if n := utf8.RuneCountInString(p.Name); n < 2 || n > 4 {
			t.Errorf("name %q has %d characters; want 2 to 4", p.Name, n)
		}
		if !mobile.MatchString(p.Phone) {
			t.Errorf("phone %q is no mainland mobile number", p.Phone)
		}
		f := strings.Fields(p.Address)
		if len(f) < 3 {
			t.Fatalf("address %q: want province, city, district and street", p.Address)
		}
		if !strings.HasSuffix(f[0], "省") && !strings.HasSuffix(f[0], "自治区") && !strings.HasSuffix(f[0], "市") {
			t.Errorf("address %q does not start with a province", p.Address)
		}
		if !strings.Contains(p.Address, "号") {
			t.Errorf("address %q has no street number", p.Address)
		}
		provinces[f[0]] = true
	}
	if len(provinces) < 20 {
		t.Errorf("2000 buyers came from %d provinces; want at least 20", len(provinces))
	}
}

func TestNewPerson_En(t *testing.T) {
	rng := newRNG(2)
	for range 500 {
		p := people.NewPerson(rng, phrases.En)
		if p.Locale != phrases.En {
			t.Fatalf("Locale = %q; want en", p.Locale)
		}
		if len(strings.Fields(p.Name)) < 2 {
			t.Errorf("name %q: want a first and a last name", p.Name)
		}
		if !regexp.MustCompile(`^\d{10}$`).MatchString(p.Phone) {
			t.Errorf("phone %q: want 10 digits", p.Phone)
		}
		if strings.Count(p.Address, ",") != 2 {
			t.Errorf("address %q: want street, city, state zip", p.Address)
		}
	}
	// Any locale other than zh-CN gets an English identity.
	if p := people.NewPerson(rng, "fr"); p.Locale != phrases.En {
		t.Errorf("NewPerson(fr).Locale = %q; want en", p.Locale)
	}
}

func TestMaskPhone(t *testing.T) {
	tests := []struct{ in, want string }{
		{"13812345678", "138****5678"},
		{"138-1234-5678", "138-****-5678"},
		{"5551234567", "555***4567"},
		{"1234567", "***4567"},
		{"1234", "1234"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := people.MaskPhone(tt.in); got != tt.want {
			t.Errorf("MaskPhone(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
	rng := newRNG(3)
	for range 100 {
		p := people.NewPerson(rng, phrases.ZhCN)
		if m := people.MaskPhone(p.Phone); m != p.Phone[:3]+"****"+p.Phone[7:] {
			t.Errorf("MaskPhone(%q) = %q", p.Phone, m)
		}
	}
}

func TestMaskAddress(t *testing.T) {
	tests := []struct{ in, want string }{
		{"浙江省 杭州市 西湖区 文三路128号 阳光花园3栋2单元501室", "浙江省 杭州市 ****"},
		{"浙江省杭州市西湖区文三路128号", "浙江省杭州市****"},
		{"上海市 浦东新区 花园路12号", "上海市 ****"},
		{"北京市朝阳区建国路88号", "北京市****"},
		{"内蒙古自治区 呼和浩特市 赛罕区 人民路1号", "内蒙古自治区 呼和浩特市 ****"},
		{"新疆维吾尔自治区乌鲁木齐市天山区", "新疆维吾尔自治区乌鲁木齐市****"},
		{"四川省 凉山彝族自治州 西昌市 胜利路3号", "四川省 凉山彝族自治州 ****"},
		{"香港特别行政区 九龙 弥敦道1号", "香港特别行政区 ****"},
		{"文三路128号", "****"},
		{"123 Main St, Springfield, Illinois 62701", "****, Springfield, Illinois 62701"},
		// Every street line is hidden, not the first part only: a suite,
		// a flat or a room comes before the street.
		{"Suite 200, 1600 Main Street, Springfield, Illinois 62701", "****, Springfield, Illinois 62701"},
		{"742 Evergreen Terrace, Apt 3, Springfield, IL 62701", "****, Springfield, IL 62701"},
		{"Flat 2, 10 Downing Street, London SW1A 2AA, United Kingdom", "****, London SW1A 2AA, United Kingdom"},
		{"Room 5, 88 Jianguo Road, Chaoyang, Beijing", "****, Chaoyang, Beijing"},
		// A street among the last two parts is hidden too.
		{"1600 Main Street, Springfield", "****, Springfield"},
		{"Apt 3, 742 Evergreen Terrace", "****"},
		{"somewhere", "****"},
		{"", ""}, // none given: absent in the assign frame (docs/protocol.md)
	}
	for _, tt := range tests {
		if got := people.MaskAddress(tt.in); got != tt.want {
			t.Errorf("MaskAddress(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
	rng := newRNG(4)
	for _, loc := range phrases.Locales() {
		for range 200 {
			p := people.NewPerson(rng, loc)
			m := people.MaskAddress(p.Address)
			if !strings.Contains(m, "****") || strings.Contains(m, "号") || m == p.Address {
				t.Errorf("MaskAddress(%q) = %q; want the street hidden", p.Address, m)
			}
			if loc == phrases.ZhCN && !strings.HasPrefix(p.Address, strings.TrimSuffix(strings.TrimSuffix(m, "****"), " ")) {
				t.Errorf("MaskAddress(%q) = %q; want the province and city kept", p.Address, m)
			}
		}
	}
}

func TestNewProduct(t *testing.T) {
	for _, loc := range phrases.Locales() {
		for _, around := range []sim.Money{500, 3990, 15900, 89900} {
			t.Run(fmt.Sprintf("%s/around=%v", loc, around), func(t *testing.T) {
				rng := newRNG(uint64(around))
				const n = 4000
				var total float64
				for range n {
					p := people.NewProduct(rng, loc, around)
					if strings.TrimSpace(p.Name) == "" {
						t.Fatal("empty product name")
					}
					// Shop rounding moves a price by less than ¥6.
					if p.Price <= 0 || p.Price < around/4-600 || p.Price > around*4+600 {
						t.Fatalf("price %v; want it positive and within ¼–4 × %v", p.Price, around)
					}
					total += float64(p.Price)
				}
				// σ of the mean of a log-normal with σ_log 0.35 is about
				// 0.36·around/√n; 5 % is over 8σ at n = 4000, leaving room
				// for the rounding to shop prices.
				if mean := total / n; math.Abs(mean-float64(around)) > 0.05*float64(around)+100 {
					t.Errorf("mean price %.0f fen; want about %v", mean, around)
				}
			})
		}
	}
	if p := people.NewProduct(newRNG(1), phrases.ZhCN, 0); p.Price < people.DefaultAround/4 || p.Price > people.DefaultAround*4 {
		t.Errorf("NewProduct(around 0) priced %v; want around the default %v", p.Price, people.DefaultAround)
	}
}

func TestNewProduct_ShopPrices(t *testing.T) {
	rng := newRNG(5)
	for range 2000 {
		p := people.NewProduct(rng, phrases.ZhCN, 15900)
		switch {
		case p.Price%100 == 0 && p.Price%1000 != 900:
			t.Errorf("price %v: want a whole number of yuan ending in 9", p.Price)
		case p.Price%100 != 0 && p.Price%100 != 90:
			t.Errorf("price %v: want a price ending in .90", p.Price)
		}
	}
}

var orderID = regexp.MustCompile(`^[1-4]\d{17,18}$`)

func TestOrderID(t *testing.T) {
	rng := newRNG(6)
	lengths := map[int]int{}
	for range 1000 {
		id := people.OrderID(rng)
		if !orderID.MatchString(id) {
			t.Fatalf("OrderID() = %q; want 18 or 19 digits, leading 1-4", id)
		}
		lengths[len(id)]++
	}
	if lengths[18] == 0 || lengths[19] == 0 {
		t.Errorf("lengths %v; want both 18 and 19", lengths)
	}
}

func BenchmarkNewPerson(b *testing.B) {
	for _, loc := range phrases.Locales() {
		b.Run("locale="+string(loc), func(b *testing.B) {
			rng := newRNG(1)
			b.ReportAllocs()
			for b.Loop() {
				_ = people.NewPerson(rng, loc)
			}
		})
	}
}

func BenchmarkNewProduct(b *testing.B) {
	for _, loc := range phrases.Locales() {
		b.Run("locale="+string(loc), func(b *testing.B) {
			rng := newRNG(1)
			b.ReportAllocs()
			for b.Loop() {
				_ = people.NewProduct(rng, loc, 15900)
			}
		})
	}
}
