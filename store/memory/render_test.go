package memory

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/storetest"
)

// TestListEncodedRenders: typical users are rendered from their documents
// (the point of ListEncoded); a user with a sub-attribute the default
// projection trims is left to the caller, decoded.
func TestListEncodedRenders(t *testing.T) {
	s := New()
	ctx := t.Context()
	rt := storetest.UserType()
	for i := range 20 {
		if _, err := s.Create(ctx, "t", rt, storetest.TypicalUser(i)); err != nil {
			t.Fatal(err)
		}
	}
	trimmed := &schema.Resource{Schemas: []string{schema.UserSchema, storetest.TestExtensionSchema}, Attrs: map[string]any{
		"userName": "trimmed", storetest.TestExtensionSchema: map[string]any{"key": map[string]any{"id": "k", "secret": "s"}}}}
	if _, err := s.Create(ctx, "t", rt, trimmed); err != nil {
		t.Fatal(err)
	}
	p, err := s.ListEncoded(ctx, "t", rt, store.Query{Count: 100}, []byte("prefix"))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Resources) != 21 || len(p.Members) != 21 {
		t.Fatalf("%d resources, %d members; want 21", len(p.Resources), len(p.Members))
	}
	for i, m := range p.Members {
		if want := i < 20; (m != nil) != want {
			t.Errorf("resource %d: rendered %v, want %v", i, m != nil, want)
		}
		if m != nil && len(p.Resources[i].Attrs) != 0 {
			t.Errorf("resource %d: rendered, but Attrs also holds %v", i, p.Resources[i].Attrs)
		}
	}
	if got := p.Resources[20].Attrs["userName"]; got != "trimmed" {
		t.Errorf("decoded resource userName %v", got)
	}
}

// FuzzRender: rendering any bytes as a document is an error or JSON, never
// a panic; rendering the encoding of attributes built from the input is
// the default projection of those attributes.
func FuzzRender(f *testing.F) {
	rt := storetest.UserType()
	st := &state{}
	for _, attrs := range codecAttrs {
		b, _ := st.encode(3, attrs)
		f.Add([]byte(b), "abcd", "pin")
	}
	f.Add([]byte{}, "x@example.com", "password")
	f.Add([]byte{1, 1, 0}, "<\u2028>\"\\", "key")
	f.Fuzz(func(t *testing.T, b []byte, s, k string) {
		w := jsonWriter{d: &st.dict, ti: newTypeInfo(rt)}
		if ok, err := w.render(string(b)); err == nil && ok {
			var v any
			if err := json.Unmarshal(append(append([]byte{'{'}, w.dst...), '}'), &v); err != nil {
				t.Fatalf("rendered invalid JSON %q: %v", w.dst, err)
			}
		}
		attrs := map[string]any{"userName": s, k: s, "password": s, "emails": []any{map[string]any{"value": s, "type": s}, map[string]any{"value": s + "@example.com"}},
			"name": map[string]any{k: s, "givenName": s}, "nickName": s + "@example.com",
			storetest.TestExtensionSchema: map[string]any{k: s, "pin": s, "score": int64(len(b)) - 1<<40, "ratio": float64(len(s)) / 3, "tags": []any{s, s}},
			schema.EnterpriseUserSchema:   map[string]any{"department": s}}
		doc, err := st.encode(1, attrs)
		if err != nil {
			t.Fatal(err)
		}
		w = jsonWriter{d: &st.dict, ti: newTypeInfo(rt)}
		ok, err := w.render(doc)
		if err != nil {
			t.Fatal(err)
		}
		want, err := rt.Project(&schema.Resource{Attrs: attrs}, nil, nil).AppendJSON(nil)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			if p := rt.Project(&schema.Resource{Attrs: attrs}, nil, nil); cmp.Equal(p.Attrs, attrs) {
				t.Fatalf("not rendered, but the projection changes nothing")
			}
			return
		}
		var gotV, wantV any
		if err := json.Unmarshal(append(append([]byte{'{'}, w.dst...), '}'), &gotV); err != nil {
			t.Fatalf("rendered invalid JSON %q: %v", w.dst, err)
		}
		if err := json.Unmarshal(want, &wantV); err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(wantV, gotV); d != "" {
			t.Errorf("rendered %s\n(-projection +rendered):\n%s", w.dst, d)
		}
	})
}

// BenchmarkListEncoded renders pages of 100 typical users (List for
// comparison): the store's part of a page.
func BenchmarkListEncoded(b *testing.B) {
	s := New()
	rt := storetest.UserType()
	for i := range 1000 {
		if _, err := s.Create(b.Context(), "t", rt, storetest.TypicalUser(i)); err != nil {
			b.Fatal(err)
		}
	}
	q := store.Query{StartIndex: 101, Count: 100, Read: store.ReadOptions{OmitGroups: true}}
	b.Run("encoded", func(b *testing.B) {
		b.ReportAllocs()
		var buf []byte
		for b.Loop() {
			p, err := s.ListEncoded(b.Context(), "t", rt, q, buf[:0])
			if err != nil || len(p.Members) != 100 {
				b.Fatal(err)
			}
			buf = p.Buffer
		}
	})
	b.Run("list", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.List(b.Context(), "t", rt, q); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestListEncodedConcurrent: pages rendered while other goroutines create
// users with new attribute names (growing the dictionaries and the
// treatment caches) are complete JSON; run with -race.
func TestListEncodedConcurrent(t *testing.T) {
	s := New()
	ctx := t.Context()
	rt := storetest.UserType()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 300 {
			u := storetest.TypicalUser(i)
			u.Attrs["nickName"] = fmt.Sprintf("n%d", i)
			u.Attrs[fmt.Sprintf("custom%d", i%40)] = "x" // unknown names: passed through, new dictionary codes
			if _, err := s.Create(ctx, "t", rt, u); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	var buf []byte
	for n := 0; ; n++ {
		select {
		case <-done:
			if n == 0 {
				t.Log("no page overlapped the writes")
			}
			return
		default:
		}
		p, err := s.ListEncoded(ctx, "t", rt, store.Query{Count: 50, StartIndex: 1 + n%200}, buf[:0])
		if err != nil {
			t.Fatal(err)
		}
		for i, m := range p.Members {
			var v map[string]any
			if err := json.Unmarshal(append(append([]byte{'{'}, m...), '}'), &v); err != nil {
				t.Fatalf("page %d resource %d: %v\n%s", n, i, err, m)
			}
		}
		buf = p.Buffer
	}
}

func TestEncodedRenders(t *testing.T) {
	storetest.RunEncodedRenders(t, func(*testing.T) store.Store { return New() })
}
