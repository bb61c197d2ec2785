package scenarios_test

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/deskdrill/deskdrill/scenarios"
)

var docBlock = regexp.MustCompile("(?s)```(yaml|text)\n(.*?)```")

// TestDocsScenarios checks every example of docs/scenarios.md: a complete
// file must validate; a "# fragment" must validate added to the smallest
// scenario; an "# error" file must fail with exactly the text block that
// follows it.
func TestDocsScenarios(t *testing.T) {
	b, err := os.ReadFile("../docs/scenarios.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := docBlock.FindAllStringSubmatch(string(b), -1)
	var complete, fragments, errs int
	for i, m := range blocks {
		if m[1] != "yaml" {
			continue
		}
		src, file := m[2], "docs/scenarios.md example "+strconv.Itoa(i+1)
		switch {
		case strings.HasPrefix(src, "# fragment\n"):
			fragments++
			if _, err := scenarios.ParseScenario(file, []byte(minimal+src)); err != nil {
				t.Errorf("fragment %d does not validate: %v\n%s", i+1, err, src)
			}
		case strings.HasPrefix(src, "# error\n"):
			errs++
			_, err := scenarios.ParseScenario("bad.yaml", []byte(src))
			if i+1 >= len(blocks) || blocks[i+1][1] != "text" {
				t.Fatalf("error example %d is not followed by a text block with its errors", i+1)
			}
			if err == nil || err.Error()+"\n" != blocks[i+1][2] {
				t.Errorf("error example %d prints\n%v\nbut the page says\n%s", i+1, err, blocks[i+1][2])
			}
		default:
			complete++
			if _, err := scenarios.ParseScenario(file, []byte(src)); err != nil {
				t.Errorf("example %d does not validate: %v\n%s", i+1, err, src)
			}
		}
	}
	if complete < 2 || fragments < 3 || errs < 1 {
		t.Errorf("%d complete examples, %d fragments, %d error examples; the page should have at least 2, 3 and 1", complete, fragments, errs)
	}
}
