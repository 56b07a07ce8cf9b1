package conformance

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
)

// Feature is an optional capability a case may need. Features of the
// service provider come from /ServiceProviderConfig (RFC 7644 §5,
// RFC 7643 §5); the others from /ResourceTypes and the Target.
type Feature string

// Features.
const (
	FeaturePatch  Feature = "patch"  // patch.supported
	FeatureFilter Feature = "filter" // filter.supported
	FeatureSort   Feature = "sort"   // sort.supported
	FeatureETag   Feature = "etag"   // etag.supported
	FeatureBulk   Feature = "bulk"   // bulk.supported
	FeatureCursor Feature = "cursor" // pagination.cursor (RFC 9865 §4)
	// FeatureGroups: /ResourceTypes lists a Group resource type.
	FeatureGroups Feature = "groups"
	// FeatureEnterprise: the User resource type lists the Enterprise
	// User extension (RFC 7643 §4.3).
	FeatureEnterprise Feature = "enterpriseUser"
	// FeatureSecondTenant: Target.SecondToken is set.
	FeatureSecondTenant Feature = "secondTenant"
)

// Features is what the server advertises.
type Features struct {
	set map[Feature]bool
	// bulkMaxOps and bulkMaxPayload are bulk.maxOperations and
	// bulk.maxPayloadSize (0 when not advertised).
	bulkMaxOps, bulkMaxPayload int
	// Error is why discovery failed, if it did; every feature is then
	// taken as unadvertised except those the Target gives.
	Error string
}

// Has reports whether f is advertised.
func (f Features) Has(x Feature) bool { return f.set[x] }

// BulkLimits returns bulk.maxOperations and bulk.maxPayloadSize as
// advertised in /ServiceProviderConfig (RFC 7643 §5), 0 when absent.
func (f Features) BulkLimits() (maxOperations, maxPayloadSize int) {
	return f.bulkMaxOps, f.bulkMaxPayload
}

// List returns the advertised features, sorted.
func (f Features) List() []Feature {
	var out []Feature
	for k, v := range f.set {
		if v {
			out = append(out, k)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

type spcDoc struct {
	Patch, Filter, Sort, ETag struct {
		Supported bool `json:"supported"`
	}
	Bulk struct {
		Supported bool `json:"supported"`
		// float64, so that 1e3 or 1000.0 does not fail discovery.
		MaxOperations  float64 `json:"maxOperations"`
		MaxPayloadSize float64 `json:"maxPayloadSize"`
	}
	Pagination struct {
		Cursor bool `json:"cursor"`
	} `json:"pagination"`
}

// Discover reads /ServiceProviderConfig and /ResourceTypes.
func Discover(ctx context.Context, target Target) Features {
	f := Features{set: map[Feature]bool{FeatureSecondTenant: target.SecondToken != ""}}
	c := newClient(target, target.Token)
	res, err := c.do(ctx, request{method: http.MethodGet, path: "/ServiceProviderConfig"})
	if err != nil || res.Status != http.StatusOK {
		f.Error = fmt.Sprintf("GET /ServiceProviderConfig: %v", describe(res, err))
		return f
	}
	var spc spcDoc
	if err := json.Unmarshal(res.Body, &spc); err != nil {
		f.Error = "GET /ServiceProviderConfig: " + err.Error()
		return f
	}
	f.set[FeaturePatch] = spc.Patch.Supported
	f.set[FeatureFilter] = spc.Filter.Supported
	f.set[FeatureSort] = spc.Sort.Supported
	f.set[FeatureETag] = spc.ETag.Supported
	f.set[FeatureBulk] = spc.Bulk.Supported
	f.bulkMaxOps, f.bulkMaxPayload = int(spc.Bulk.MaxOperations), int(spc.Bulk.MaxPayloadSize)
	f.set[FeatureCursor] = spc.Pagination.Cursor
	res, err = c.do(ctx, request{method: http.MethodGet, path: "/ResourceTypes"})
	if err != nil || res.Status != http.StatusOK {
		f.Error = fmt.Sprintf("GET /ResourceTypes: %v", describe(res, err))
		return f
	}
	for _, rt := range resourceTypes(res.Body) {
		if strings.EqualFold(rt.Name, "Group") || strings.EqualFold(rt.Endpoint, "/Groups") {
			f.set[FeatureGroups] = true
		}
		if strings.EqualFold(rt.Name, "User") {
			for _, e := range rt.SchemaExtensions {
				if e.Schema == enterpriseURN {
					f.set[FeatureEnterprise] = true
				}
			}
		}
	}
	return f
}

type resourceType struct {
	Name             string `json:"name"`
	Endpoint         string `json:"endpoint"`
	Schema           string `json:"schema"`
	SchemaExtensions []struct {
		Schema string `json:"schema"`
	} `json:"schemaExtensions"`
}

// resourceTypes accepts a ListResponse (RFC 7644 §4) or a bare array.
func resourceTypes(body []byte) []resourceType {
	var list struct {
		Resources []resourceType `json:"Resources"`
	}
	if json.Unmarshal(body, &list) == nil && list.Resources != nil {
		return list.Resources
	}
	var arr []resourceType
	_ = json.Unmarshal(body, &arr)
	return arr
}

func describe(res *Response, err error) string {
	if err != nil {
		return err.Error()
	}
	return fmt.Sprintf("status %d: %s", res.Status, truncate(res.Body, 300))
}
