// Package phrases holds the words of deskdrill's conversations: what
// synthetic buyers say for every case of the decision table (sim.CaseIDs),
// what the built-in bots answer, the canned replies (话术) of the human
// console, and the detector that tells what an agent's message asks for.
//
// # Banks
//
// A bank is one YAML file per locale (zh-CN.yaml, en.yaml, embedded):
//
//	locale: zh-CN
//	blanks:        {order: …, product: 这个宝贝, days: 几, …}  # words for empty slots
//	customer:
//	  generic:     {open: [...], nudge: [...], dispute.platform: [...], …}
//	  wrong_item:  {open: [...], give_evidence: [...]}
//	agent:         {greet: [...], confirm.refund: [...], next_step: [...], …}
//	quick_replies: [{title: 问候, text: …}, …]
//	asks:          {order: [regexp…], evidence: […], apology: […], next_step: […]}
//
// [Default] returns the built-in banks; [Load] reads a file of one's own,
// strictly (an unknown field, case id, intent or slot is an error at its
// line) and completely (everything a caller can ask for must be there).
//
// # Drawing lines
//
// Lines are drawn with the caller's *rand.Rand, one number per line, so a
// seeded stream gives the same conversation every run:
//
//	rng := rand.New(rand.NewPCG(seed, streamText))
//	b := phrases.Default()
//	b.Customer(rng, phrases.ZhCN, sim.CaseWrongItem, phrases.Open, phrases.Slots{Product: "纯棉T恤"})
//	b.Customer(rng, phrases.ZhCN, sim.CaseWrongItem, phrases.DisputeOf(sim.StepPlatform), phrases.Slots{})
//	b.Agent(rng, phrases.En, phrases.ConfirmOf(sim.ActRefund), phrases.Slots{Amount: 19900, Time: 24 * time.Hour})
//
// A case without its own lines for an intent uses the generic ones; a
// qualified intent ("dispute.platform", "rate.good") without lines uses
// its base. Slots without a value take the locale's blank word, so no
// line ever shows "{".
//
// # Detection
//
// [Bank.Asks] recognises, by keyword patterns of every locale, whether an
// agent's message asks for the order number or evidence, apologises, or
// promises a next step with a time. Buyers use it to disclose their order
// number and photos only when asked, and to calm down on an apology and a
// concrete step (DOMAIN.md §3).
package phrases
