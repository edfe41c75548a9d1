package snapshot

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestReadmeRecipeIsTheTestedOne holds the README to the recipe that
// TestChunkRecipe runs: the block after "Without strata" is chunkRecipe,
// line breaks aside, so what a reader copies is what the test proves.
func TestReadmeRecipeIsTheTestedOne(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	mustDo(t, err)
	m := regexp.MustCompile("(?s)Without strata.*?```\\n(.*?)```").FindSubmatch(b)
	if m == nil {
		t.Fatal("README has no recipe block after \"Without strata\"")
	}
	got := strings.Join(strings.Fields(string(m[1])), " ")
	want := strings.Join(strings.Fields(chunkRecipe), " ")
	if got != want {
		t.Errorf("README's recipe:\n%s\nthe tested one (chunkRecipe):\n%s", got, want)
	}
}
