package connector

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
)

// Ownership: the Syncer records, per resource it created or matched by
// externalId, a State "connector/<name>/user/<source id>" (or group/)
// holding the source id and the scimkit id. Only owned resources are ever
// deactivated or deleted for being absent from the source, so resources
// provisioned by SCIM push in the same tenant are left alone. The record
// is written after the resource and removed after it: a crash in between
// leaves either a resource the next run matches by externalId and owns
// again, or a record whose resource is gone, which the next run drops.

const (
	kindUser  = "user"
	kindGroup = "group"
)

// ownRecord is the value of an ownership State.
type ownRecord struct {
	Source string `json:"source"`
	ID     string `json:"id"`
}

// ownKey is the State key of the ownership of source id src. Ids too long
// for a key are replaced by their SHA-256 (the record keeps the id).
func (s *Syncer) ownKey(kind, src string) string {
	k := s.prefix + kind + "/" + src
	if len(k) > 200 {
		sum := sha256.Sum256([]byte(src))
		k = s.prefix + kind + "/#" + hex.EncodeToString(sum[:])
	}
	return k
}

// owned returns the ownership records of a kind: source id → scimkit id.
func (s *Syncer) owned(ctx context.Context, kind string) (map[string]string, error) {
	sts, err := s.states.ListStates(ctx, s.cfg.Tenant, s.prefix+kind+"/")
	if err != nil {
		return nil, fmt.Errorf("reading what the connector owns: %w", err)
	}
	out := make(map[string]string, len(sts))
	for _, st := range sts {
		var rec ownRecord
		if err := json.Unmarshal(st.Value, &rec); err != nil || rec.Source == "" {
			s.cfg.Logger.Warn("connector: ignoring a malformed ownership record", "connector", s.cfg.Name, "key", st.Key)
			continue
		}
		out[rec.Source] = rec.ID
	}
	return out, nil
}

// ownedID returns the scimkit id recorded for source id src, or "".
func (s *Syncer) ownedID(ctx context.Context, kind, src string) (string, error) {
	st, err := s.states.GetState(ctx, s.cfg.Tenant, s.ownKey(kind, src))
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	var rec ownRecord
	if err := json.Unmarshal(st.Value, &rec); err != nil {
		return "", nil
	}
	return rec.ID, nil
}

// own records that the resource id holds source id src.
func (s *Syncer) own(ctx context.Context, kind, src, id string) error {
	b, err := json.Marshal(ownRecord{Source: src, ID: id})
	if err != nil {
		return err
	}
	if _, err := s.states.PutState(ctx, s.cfg.Tenant, s.ownKey(kind, src), b, store.AnyVersion); err != nil {
		return fmt.Errorf("recording ownership of %s %s: %w", kind, src, err)
	}
	return nil
}

// disown removes the ownership record of source id src, if any.
func (s *Syncer) disown(ctx context.Context, kind, src string) error {
	err := s.states.DeleteState(ctx, s.cfg.Tenant, s.ownKey(kind, src), store.AnyVersion)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("removing ownership of %s %s: %w", kind, src, err)
	}
	return nil
}

// storeSnap is the tenant's stored state at the start of a run.
type storeSnap struct {
	users, groups           map[string]*schema.Resource // externalId → resource
	ownedUsers, ownedGroups map[string]string           // source id → scimkit id
	// userIDs maps source user ids to scimkit ids as the run leaves them.
	userIDs map[string]string
}

// loadStore reads what the connector owns and the tenant's users (full
// runs) and groups, indexed by externalId; of two resources with one
// externalId, the owned one wins.
func (s *Syncer) loadStore(ctx context.Context, full bool) (*storeSnap, error) {
	cur := &storeSnap{userIDs: map[string]string{}}
	var err error
	if cur.ownedUsers, err = s.owned(ctx, kindUser); err != nil {
		return nil, err
	}
	if cur.ownedGroups, err = s.owned(ctx, kindGroup); err != nil {
		return nil, err
	}
	if full {
		if cur.users, err = s.listByExternalID(ctx, s.cfg.Users, store.ReadOptions{OmitGroups: true}, cur.ownedUsers); err != nil {
			return nil, err
		}
	} else {
		for src, id := range cur.ownedUsers {
			cur.userIDs[src] = id
		}
	}
	if cur.groups, err = s.listByExternalID(ctx, s.cfg.Groups, store.ReadOptions{OmitGroups: true}, cur.ownedGroups); err != nil {
		return nil, err
	}
	return cur, nil
}

// listPage is how many resources loadStore reads per List call.
const listPage = 500

func (s *Syncer) listByExternalID(ctx context.Context, rt *schema.ResourceType, read store.ReadOptions, owned map[string]string) (map[string]*schema.Resource, error) {
	out := map[string]*schema.Resource{}
	q := store.Query{Count: listPage, UseCursor: true, Read: read}
	for {
		page, err := s.cfg.Store.List(ctx, s.cfg.Tenant, rt, q)
		if err != nil {
			return nil, fmt.Errorf("listing %s: %w", rt.Name, err)
		}
		for _, r := range page.Resources {
			if r.ExternalID == "" {
				continue
			}
			if prev, ok := out[r.ExternalID]; ok && owned[r.ExternalID] == prev.ID {
				continue
			}
			out[r.ExternalID] = r
		}
		if page.NextCursor == "" {
			return out, nil
		}
		q.Cursor = page.NextCursor
	}
}
