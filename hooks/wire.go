package hooks

import (
	"time"

	"github.com/scimkit/scimkit/store"
)

// wireEvent is the JSON form of an Event in the feed and in webhook
// payloads ("data"): camelCase names, empty fields left out.
type wireEvent struct {
	Seq            int64           `json:"seq"`
	ID             string          `json:"id"`
	Type           store.EventType `json:"type"`
	Tenant         string          `json:"tenant"`
	ResourceType   string          `json:"resourceType"`
	ResourceID     string          `json:"resourceId"`
	ExternalID     string          `json:"externalId,omitempty"`
	Version        int64           `json:"version,omitempty"`
	Time           time.Time       `json:"time"`
	Actor          string          `json:"actor,omitempty"`
	RequestID      string          `json:"requestId,omitempty"`
	Paths          []string        `json:"paths,omitempty"`
	Members        []string        `json:"members,omitempty"`
	GroupsAdded    []string        `json:"groupsAdded,omitempty"`
	GroupsRemoved  []string        `json:"groupsRemoved,omitempty"`
	DisplayName    string          `json:"displayName,omitempty"`
	OldDisplayName string          `json:"oldDisplayName,omitempty"`
}

func toWire(e Event) wireEvent {
	return wireEvent{Seq: e.Seq, ID: e.ID, Type: e.Type, Tenant: e.Tenant, ResourceType: e.ResourceType,
		ResourceID: e.ResourceID, ExternalID: e.ExternalID, Version: e.Version, Time: e.Time.UTC(),
		Actor: e.Actor, RequestID: e.RequestID, Paths: e.Paths, Members: e.Members,
		GroupsAdded: e.GroupsAdded, GroupsRemoved: e.GroupsRemoved,
		DisplayName: e.DisplayName, OldDisplayName: e.OldDisplayName}
}
