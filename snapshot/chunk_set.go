package snapshot

import (
	"bytes"
	"slices"
	"sync"
)

// ChunkSet is a set of chunk IDs, compact enough to hold every chunk of a
// destination: a sorted slice of IDs (32 bytes each) plus a small map of
// recent additions, merged into the slice once it holds an eighth as many.
// It costs about 40 bytes per chunk, at most 64. It is safe for concurrent
// use.
type ChunkSet struct {
	mu     sync.RWMutex
	sorted []ChunkID
	recent map[ChunkID]struct{}
}

// minMerge is the fewest recent additions worth a merge.
const minMerge = 1024

// NewChunkSet returns an empty set.
func NewChunkSet() *ChunkSet {
	return &ChunkSet{recent: make(map[ChunkID]struct{})}
}

// Has reports whether id is in the set.
func (s *ChunkSet) Has(id ChunkID) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.has(id)
}

func (s *ChunkSet) has(id ChunkID) bool {
	if _, ok := s.recent[id]; ok {
		return true
	}
	_, ok := slices.BinarySearchFunc(s.sorted, id, compareIDs)
	return ok
}

// Add adds id and reports whether it was new.
func (s *ChunkSet) Add(id ChunkID) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.has(id) {
		return false
	}
	s.recent[id] = struct{}{}
	if len(s.recent) >= max(minMerge, len(s.sorted)/8) {
		s.merge()
	}
	return true
}

// AddList adds every chunk of a chunk list, e.g. of another snapshot's
// chunks.txt.
func (s *ChunkSet) AddList(chunks []ChunkRef) {
	for _, c := range chunks {
		s.Add(c.ID)
	}
}

// Len is the number of IDs in the set.
func (s *ChunkSet) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.sorted) + len(s.recent)
}

// merge moves the recent additions into the sorted slice, which it
// allocates anew at its exact size.
func (s *ChunkSet) merge() {
	add := make([]ChunkID, 0, len(s.recent))
	for id := range s.recent {
		add = append(add, id)
	}
	slices.SortFunc(add, compareIDs)
	out := make([]ChunkID, 0, len(s.sorted)+len(add))
	i, j := 0, 0
	for i < len(s.sorted) && j < len(add) {
		if compareIDs(s.sorted[i], add[j]) < 0 {
			out, i = append(out, s.sorted[i]), i+1
		} else {
			out, j = append(out, add[j]), j+1
		}
	}
	out = append(append(out, s.sorted[i:]...), add[j:]...)
	s.sorted = out
	s.recent = make(map[ChunkID]struct{})
}

func compareIDs(a, b ChunkID) int { return bytes.Compare(a[:], b[:]) }
