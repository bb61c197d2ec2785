// Package people makes the synthetic identities and orders of deskdrill's
// buyers: names, mainland mobile numbers and addresses, products with
// prices around a store's average order value, and Taobao-like order
// numbers, plus the masking a console shows instead of the real values.
//
// # Determinism
//
// Every function draws from the caller's *rand.Rand (math/rand/v2), never
// from a global source, so one seeded stream gives the same buyers every
// run:
//
//	rng := rand.New(rand.NewPCG(seed, streamPeople))
//	p := people.NewPerson(rng, phrases.ZhCN)   // 王欣怡, 13812345678, 浙江省 杭州市 西湖区 文三路128号 …
//	o := people.OrderID(rng)                   // 3612093847561029384
//	item := people.NewProduct(rng, phrases.ZhCN, 15900)
//
// Chinese identities and products come from this package's tables: common
// surnames weighted by frequency, real provinces, cities and districts
// weighted by population, and mobile numbers on allocated prefixes.
// English ones come from gofakeit, driven by the caller's stream.
package people
