package storetest

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
)

type factory = func(t *testing.T) store.Store

var crudTests = []testCase{
	{"CreateGet", testCreateGet},
	{"CreateIgnoresIDAndMeta", testCreateIgnoresIDAndMeta},
	{"ValueTypesRoundTrip", testValueTypesRoundTrip},
	{"ValuesCopied", testValuesCopied},
	{"GetMissing", testGetMissing},
	{"PasswordOnlyHashed", testPasswordOnlyHashed},
	{"Update", testUpdate},
	{"UpdateMissing", testUpdateMissing},
	{"UpdateApplyError", testUpdateApplyError},
	{"UpdateIgnoresIDAndMeta", testUpdateIgnoresIDAndMeta},
	{"Delete", testDelete},
	{"IDNeverReused", testIDNeverReused},
	{"OtherResourceType", testOtherResourceType},
	{"CancelledContext", testCancelledContext},
	{"Close", testClose},
}

func testCreateGet(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	in := TypicalUser(1)
	got := h.create(UserType(), in.Clone())
	if got.ID == "" {
		t.Fatal("Create returned no id")
	}
	if got.Meta.ResourceType != "User" || got.Meta.Version != `W/"1"` || got.Meta.Created.IsZero() ||
		!got.Meta.Created.Equal(got.Meta.LastModified) || got.Meta.Location != "" {
		t.Errorf("Create meta = %+v, want resourceType User, version W/\"1\", created = lastModified, no location", got.Meta)
	}
	if got.ExternalID != in.ExternalID {
		t.Errorf("externalId = %q, want %q", got.ExternalID, in.ExternalID)
	}
	diff(t, "schemas", in.Schemas, got.Schemas)
	diff(t, "Create attrs", in.Attrs, got.Attrs)
	diff(t, "Get after Create", got, h.get(UserType(), got.ID, store.ReadOptions{}))
	g := h.create(GroupType(), group("Admins"))
	diff(t, "Get group", g, h.get(GroupType(), g.ID, store.ReadOptions{}))
	diff(t, "group attrs", map[string]any{"displayName": "Admins"}, g.Attrs)
}

func testCreateIgnoresIDAndMeta(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	in := user("bjensen")
	in.ID = "client-chosen"
	in.Meta = schema.Meta{ResourceType: "Nope", Version: `W/"9"`, Location: "https://x/Users/1"}
	got := h.create(UserType(), in)
	if got.ID == "client-chosen" || got.Meta.Version != `W/"1"` || got.Meta.ResourceType != "User" || got.Meta.Location != "" {
		t.Errorf("Create kept client id/meta: id %q meta %+v", got.ID, got.Meta)
	}
	if _, err := h.s.Get(h.ctx, h.ten, UserType(), "client-chosen", store.ReadOptions{}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get client-chosen id: %v, want ErrNotFound", err)
	}
}

func testValueTypesRoundTrip(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	attrs := map[string]any{
		"userName": "types",
		"active":   false,
		"name":     map[string]any{"givenName": "Ünïcödé ✓ 😀", "familyName": `quote " back\slash`},
		"emails":   []any{map[string]any{"value": "a@x", "primary": true}, map[string]any{"value": "b@x", "type": "other"}},
		TestExtensionSchema: map[string]any{
			"score": int64(-9007199254740993), "ratio": 0.1, "hired": "2024-02-29T12:34:56.789Z", "vip": true,
			"tags": []any{"b", "a", "b"}, "code": "",
		},
	}
	in := &schema.Resource{Schemas: []string{schema.UserSchema, TestExtensionSchema}, Attrs: attrs}
	got := h.create(UserType(), in.Clone())
	diff(t, "Create attrs", attrs, got.Attrs)
	diff(t, "Get attrs", attrs, h.get(UserType(), got.ID, store.ReadOptions{}).Attrs)
}

func testValuesCopied(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	in := TypicalUser(2)
	want := in.Clone()
	got := h.create(UserType(), in)
	in.Attrs["userName"] = "changed"
	in.Attrs["emails"].([]any)[0].(map[string]any)["value"] = "changed"
	got.Attrs["displayName"] = "changed"
	got.Schemas[0] = "changed"
	again := h.get(UserType(), got.ID, store.ReadOptions{})
	diff(t, "attrs after mutating caller copies", want.Attrs, again.Attrs)
	diff(t, "schemas", want.Schemas, again.Schemas)
	again.Attrs["name"].(map[string]any)["givenName"] = "changed"
	diff(t, "attrs after mutating a Get result", want.Attrs, h.get(UserType(), got.ID, store.ReadOptions{}).Attrs)
}

func testGetMissing(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	u := h.create(UserType(), user("someone"))
	for _, tc := range []struct {
		name string
		rt   *schema.ResourceType
		id   string
	}{
		{"random id", UserType(), store.NewID()},
		{"empty id", UserType(), ""},
		{"id of another type", GroupType(), u.ID},
		{"id in other case", UserType(), strings.ToUpper(u.ID)},
	} {
		_, err := h.s.Get(h.ctx, h.ten, tc.rt, tc.id, store.ReadOptions{})
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Get %s: %v, want ErrNotFound", tc.name, err)
		}
	}
}

func testUpdate(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	before := h.create(UserType(), TypicalUser(3))
	var seen *schema.Resource
	got, ch := h.update(UserType(), before.ID, store.Update{Apply: func(cur *schema.Resource) (*schema.Resource, error) {
		seen = cur.Clone()
		return set("title", "Boss", "displayName", nil)(cur)
	}})
	diff(t, "Apply's cur", before, seen)
	diff(t, "Change.Before", before, ch.Before)
	want := before.Clone()
	want.Attrs["title"] = "Boss"
	delete(want.Attrs, "displayName")
	diff(t, "Update attrs", want.Attrs, got.Attrs)
	if got.Meta.Version != `W/"2"` || !got.Meta.Created.Equal(before.Meta.Created) || got.Meta.LastModified.Before(before.Meta.LastModified) {
		t.Errorf("Update meta = %+v, want version W/\"2\", created kept, lastModified not earlier than %v", got.Meta, before.Meta.LastModified)
	}
	diff(t, "Get after Update", got, h.get(UserType(), before.ID, store.ReadOptions{}))
}

func testUpdateMissing(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	for _, ifMatch := range []string{"", "*", `W/"1"`} {
		_, _, err := h.s.Update(h.ctx, h.ten, UserType(), store.NewID(), store.Update{IfMatch: ifMatch,
			Apply: func(*schema.Resource) (*schema.Resource, error) {
				t.Error("Apply called for a missing resource")
				return nil, errors.New("unreachable")
			}})
		wantErr(t, "Update missing with If-Match "+ifMatch, err, store.ErrNotFound)
	}
}

func testUpdateApplyError(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	u := h.create(UserType(), user("apply-error"))
	applyErr := schema.ErrNoTarget.WithDetail("no value matches emails[type eq \"work\"]")
	_, _, err := h.s.Update(h.ctx, h.ten, UserType(), u.ID, store.Update{Apply: func(*schema.Resource) (*schema.Resource, error) {
		return nil, applyErr
	}})
	var se *schema.Error
	if !errors.As(err, &se) || se.Status != 400 || se.ScimType != "noTarget" || se.Detail != applyErr.Detail {
		t.Fatalf("Update with failing Apply: %v, want the *schema.Error passed through", err)
	}
	if !errors.Is(err, schema.ErrNoTarget) {
		t.Errorf("errors.Is(err, schema.ErrNoTarget) = false for %v", err)
	}
	diff(t, "resource after failed Update", u, h.get(UserType(), u.ID, store.ReadOptions{}))
	plain := errors.New("plain")
	_, _, err = h.s.Update(h.ctx, h.ten, UserType(), u.ID, store.Update{Apply: func(*schema.Resource) (*schema.Resource, error) { return nil, plain }})
	wantErr(t, "Update with plain Apply error", err, plain)
}

func testUpdateIgnoresIDAndMeta(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	u := h.create(UserType(), user("ids"))
	got, _ := h.update(UserType(), u.ID, store.Update{Apply: func(cur *schema.Resource) (*schema.Resource, error) {
		next := cur.Clone()
		next.ID = "other"
		next.Meta = schema.Meta{Version: `W/"77"`, ResourceType: "X"}
		next.Attrs["nickName"] = "Babs"
		return next, nil
	}})
	if got.ID != u.ID || got.Meta.Version != `W/"2"` || got.Meta.ResourceType != "User" || !got.Meta.Created.Equal(u.Meta.Created) {
		t.Errorf("Update kept Apply's id/meta: id %q meta %+v", got.ID, got.Meta)
	}
	h.get(UserType(), u.ID, store.ReadOptions{})
}

func testDelete(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	u := h.create(UserType(), user("del"))
	keep := h.create(UserType(), user("keep"))
	if err := h.s.Delete(h.ctx, h.ten, UserType(), u.ID, `W/"2"`); !errors.Is(err, store.ErrPrecondition) {
		t.Fatalf("Delete with stale If-Match: %v, want ErrPrecondition", err)
	}
	h.get(UserType(), u.ID, store.ReadOptions{})
	if err := h.s.Delete(h.ctx, h.ten, UserType(), u.ID, `W/"1"`); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	_, err := h.s.Get(h.ctx, h.ten, UserType(), u.ID, store.ReadOptions{})
	wantErr(t, "Get deleted", err, store.ErrNotFound)
	wantErr(t, "Delete again", h.s.Delete(h.ctx, h.ten, UserType(), u.ID, ""), store.ErrNotFound)
	wantErr(t, "Delete again with *", h.s.Delete(h.ctx, h.ten, UserType(), u.ID, "*"), store.ErrNotFound)
	_, _, err = h.s.Update(h.ctx, h.ten, UserType(), u.ID, store.Update{Apply: set()})
	wantErr(t, "Update deleted", err, store.ErrNotFound)
	if err := h.s.Delete(h.ctx, h.ten, UserType(), keep.ID, "*"); err != nil {
		t.Fatalf("Delete with *: %v", err)
	}
	if p := h.list(UserType(), store.Query{Count: 10}); p.TotalResults != 0 || len(p.Resources) != 0 {
		t.Errorf("List after deleting everything: total %d, %d resources", p.TotalResults, len(p.Resources))
	}
}

func testIDNeverReused(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	seen := map[string]bool{}
	var deleted []string
	for i := range 30 {
		u := h.create(UserType(), user("reuse"))
		if seen[u.ID] {
			t.Fatalf("id %s issued twice", u.ID)
		}
		seen[u.ID] = true
		if i < 29 {
			if err := h.s.Delete(h.ctx, h.ten, UserType(), u.ID, ""); err != nil {
				t.Fatal(err)
			}
			deleted = append(deleted, u.ID)
		}
	}
	for _, id := range deleted {
		if _, err := h.s.Get(h.ctx, h.ten, UserType(), id, store.ReadOptions{}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Get of deleted id %s: %v, want ErrNotFound", id, err)
		}
	}
}

func testOtherResourceType(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	dev := &schema.Resource{Schemas: []string{DeviceSchema}, Attrs: map[string]any{"serial": "SN-1", "label": "laptop"}}
	d := h.create(DeviceType(), dev)
	if d.Meta.ResourceType != "Device" {
		t.Errorf("meta.resourceType = %q, want Device", d.Meta.ResourceType)
	}
	diff(t, "Get device", d, h.get(DeviceType(), d.ID, store.ReadOptions{}))
	dup := &schema.Resource{Schemas: []string{DeviceSchema}, Attrs: map[string]any{"serial": "sn-1"}}
	_, err := h.s.Create(h.ctx, h.ten, DeviceType(), dup)
	wantErr(t, "Create device with duplicate serial", err, store.ErrConflict)
	h.create(UserType(), user("SN-1"))
	if p := h.list(DeviceType(), store.Query{Count: 10}); p.TotalResults != 1 {
		t.Errorf("List devices: total %d, want 1", p.TotalResults)
	}
	if p := h.list(UserType(), store.Query{Count: 10}); p.TotalResults != 1 {
		t.Errorf("List users: total %d, want 1", p.TotalResults)
	}
}

func testCancelledContext(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	ctx, cancel := context.WithCancel(h.ctx)
	cancel()
	if _, err := h.s.Create(ctx, h.ten, UserType(), user("cancelled")); err == nil {
		t.Fatal("Create with a cancelled context succeeded")
	}
	if p := h.list(UserType(), store.Query{Count: 10}); p.TotalResults != 0 {
		t.Errorf("Create with a cancelled context committed: total %d", p.TotalResults)
	}
}

func testClose(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	u := h.create(UserType(), user("closing"))
	if err := h.s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	_, err := h.s.Get(h.ctx, h.ten, UserType(), u.ID, store.ReadOptions{})
	wantErr(t, "Get after Close", err, store.ErrClosed)
	_, err = h.s.Create(h.ctx, h.ten, UserType(), user("late"))
	wantErr(t, "Create after Close", err, store.ErrClosed)
}
