package scim

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/scimkit/scimkit/schema"
)

// bulkRequest is the BulkRequest message (RFC 7644 §3.7). Member names
// match case-insensitively; "schemas" is not checked, as for SearchRequest.
// Operations are decoded one by one, so a malformed operation fails alone.
type bulkRequest struct {
	FailOnErrors json.RawMessage    `json:"failOnErrors"`
	Operations   *[]json.RawMessage `json:"Operations"`
}

// bulkOperation is one element of BulkRequest.Operations.
type bulkOperation struct {
	Method  string          `json:"method"`
	BulkID  string          `json:"bulkId"`
	Path    string          `json:"path"`
	Version string          `json:"version"`
	Data    json.RawMessage `json:"data"`
}

// bulkResponse is the BulkResponse message (RFC 7644 §3.7.3).
type bulkResponse struct {
	Schemas    []string       `json:"schemas"`
	Operations []bulkOpResult `json:"Operations"`
}

// bulkOpResult is the outcome of one operation: status is the code a
// single request would have answered, as a string (RFC 7644 §3.7.3
// examples); response holds the error message of a failed operation and
// is omitted on success, as the RFC allows.
type bulkOpResult struct {
	Location string     `json:"location,omitempty"`
	Method   string     `json:"method"`
	BulkID   string     `json:"bulkId,omitempty"`
	Version  string     `json:"version,omitempty"`
	Status   string     `json:"status"`
	Response *errorBody `json:"response,omitempty"`
}

// errBulkTooLarge is the 413 of a /Bulk body over Config.MaxBulkPayloadBytes
// (RFC 7644 §3.7.4: the body names the limit).
func (h *Handler) errBulkTooLarge() error {
	return ErrPayloadTooLarge.WithDetail("The size of the bulk operation exceeds the maxPayloadSize (%d).", h.cfg.MaxBulkPayloadBytes)
}

// limitBody caps request bodies at Config.MaxBodyBytes, and the body of
// /Bulk at Config.MaxBulkPayloadBytes instead.
func (h *Handler) limitBody(next http.Handler) http.Handler {
	single := LimitBody(h.cfg.MaxBodyBytes)(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/Bulk" {
			single.ServeHTTP(w, r)
			return
		}
		if r.ContentLength > h.cfg.MaxBulkPayloadBytes {
			WriteError(w, r, h.log, h.errBulkTooLarge())
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, h.cfg.MaxBulkPayloadBytes)
		next.ServeHTTP(w, r)
	})
}

// bulk serves POST /Bulk (RFC 7644 §3.7). Each operation goes through
// Handler.do, as the same request on its own endpoint would, and is atomic
// on its own; the bulk request as a whole is not: operations that succeeded
// before a failure stay done. The answer is 200 with a BulkResponse unless
// the request itself is unusable (405, 413, 415, 400).
func (h *Handler) bulk(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		WriteError(w, r, h.log, ErrMethodNotAllowed.WithDetail("%s is not allowed on /Bulk; use POST.", r.Method))
		return
	}
	ops, failOnErrors, err := h.readBulk(r)
	if err != nil {
		WriteError(w, r, h.log, err)
		return
	}
	run := h.newBulkRun(r, ops, failOnErrors)
	run.run()
	resp := bulkResponse{Schemas: []string{schema.BulkResponseSchema}, Operations: []bulkOpResult{}}
	for _, op := range ops {
		if op.result != nil {
			resp.Operations = append(resp.Operations, *op.result)
		}
	}
	h.writeJSON(w, r, http.StatusOK, resp)
}

// readBulk reads and checks the BulkRequest: media type, size, syntax,
// failOnErrors and the number of operations (RFC 7644 §3.7.4). Problems
// of one operation are kept in that operation.
func (h *Handler) readBulk(r *http.Request) ([]*bulkOp, int, error) {
	if err := checkContentType(r.Header.Get("Content-Type")); err != nil {
		return nil, 0, err
	}
	body, err := io.ReadAll(r.Body)
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return nil, 0, h.errBulkTooLarge()
	} else if err != nil {
		return nil, 0, bodyReadError(err)
	}
	var req bulkRequest
	if err := json.Unmarshal(body, &req); err != nil || !bytes.HasPrefix(bytes.TrimSpace(body), []byte("{")) {
		return nil, 0, ErrInvalidSyntax.WithDetail("The BulkRequest body must be a JSON object with an \"Operations\" array (RFC 7644 §3.7).")
	}
	if req.Operations == nil {
		return nil, 0, ErrInvalidSyntax.WithDetail("The BulkRequest has no \"Operations\" array (RFC 7644 §3.7).")
	}
	if n := len(*req.Operations); n > h.cfg.MaxBulkOperations {
		return nil, 0, ErrPayloadTooLarge.WithDetail("The number of operations (%d) exceeds the maxOperations (%d).", n, h.cfg.MaxBulkOperations)
	}
	failOnErrors, err := parseFailOnErrors(req.FailOnErrors)
	if err != nil {
		return nil, 0, err
	}
	ops := make([]*bulkOp, len(*req.Operations))
	for i, raw := range *req.Operations {
		ops[i] = h.parseBulkOp(r, i, raw)
	}
	markDuplicateBulkIDs(ops)
	return ops, failOnErrors, nil
}

// parseFailOnErrors reads failOnErrors: absent, null or 0 mean no limit; a
// positive integer (or a string holding one) is the number of errors after
// which processing stops.
func parseFailOnErrors(raw json.RawMessage) (int, error) {
	s := strings.Trim(string(bytes.TrimSpace(raw)), `"`)
	if s == "" || s == "null" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, ErrInvalidValue.WithDetail("failOnErrors must be a non-negative integer, got %s.", strconv.Quote(string(raw)))
	}
	return n, nil
}

// parseBulkOp checks one operation: method, path (resolved to a resource
// type and id), bulkId and data, and collects the bulkIds it references.
func (h *Handler) parseBulkOp(r *http.Request, i int, raw json.RawMessage) *bulkOp {
	op := &bulkOp{index: i}
	var bo bulkOperation
	if err := json.Unmarshal(raw, &bo); err != nil {
		op.err = ErrInvalidSyntax.WithDetail("Operations[%d] is not a valid bulk operation object (method, bulkId, path, version and data as strings and object).", i)
		return op
	}
	op.method, op.bulkID, op.version = strings.ToUpper(strings.TrimSpace(bo.Method)), bo.BulkID, bo.Version
	switch op.method {
	case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
	default:
		op.method = bo.Method
		op.err = ErrInvalidValue.WithDetail("Operations[%d].method %q is not POST, PUT, PATCH or DELETE (RFC 7644 §3.7).", i, bo.Method)
		return op
	}
	if op.err = h.bulkPath(r, op, bo.Path); op.err != nil {
		return op
	}
	if op.method == http.MethodDelete {
		return op
	}
	if d := bytes.TrimSpace(bo.Data); len(d) == 0 || string(d) == "null" {
		op.err = ErrInvalidSyntax.WithDetail("Operations[%d] (%s) has no \"data\"; it is required for POST, PUT and PATCH.", i, op.method)
		return op
	}
	if int64(len(bo.Data)) > h.cfg.MaxBodyBytes {
		op.err = ErrPayloadTooLarge.WithDetail("Operations[%d].data is larger than the limit of %d bytes.", i, h.cfg.MaxBodyBytes)
		return op
	}
	if op.err = h.checkBody(bo.Data); op.err != nil {
		return op
	}
	op.data = bo.Data
	op.err = op.findRefs()
	return op
}

// bulkPath resolves an operation's path: a resource type endpoint for
// POST, /{endpoint}/{id} otherwise (RFC 7644 §3.7). The endpoint matches
// case-insensitively; a leading base URL or Config.Prefix is tolerated;
// the id may be a "bulkId:" reference.
func (h *Handler) bulkPath(r *http.Request, op *bulkOp, p string) error {
	orig := p
	p = strings.TrimPrefix(strings.TrimSpace(p), info(r).base)
	if pre := h.cfg.Prefix; pre != "" && strings.HasPrefix(p, pre+"/") {
		p = p[len(pre):]
	}
	p = strings.TrimSuffix(strings.TrimPrefix(p, "/"), "/")
	seg, id, hasID := strings.Cut(p, "/")
	ti := h.typeByEndpoint(h.canon[strings.ToLower(seg)])
	bad := func(format string, args ...any) error {
		return ErrInvalidPath.WithDetail("Operations[%d].path %q: "+format, append([]any{op.index, orig}, args...)...)
	}
	switch {
	case ti == nil:
		return bad("not a resource type endpoint of this service provider.")
	case op.method == http.MethodPost && hasID:
		return bad("POST takes a resource type endpoint, such as %s.", ti.rt.Endpoint)
	case op.method != http.MethodPost && (id == "" || strings.Contains(id, "/")):
		return bad("%s takes the path of one resource, such as %s/{id}.", op.method, ti.rt.Endpoint)
	}
	if u, err := url.PathUnescape(id); err == nil {
		id = u
	}
	op.ti, op.id = ti, id
	return nil
}

// bulkError is the "response" of a failed operation (RFC 7644 §3.12), and
// its status. A 5xx is logged with the request id, as WriteError does.
func (h *Handler) bulkError(r *http.Request, op *bulkOp, err error) (int, *errorBody) {
	e := toError(err)
	if e.Status >= 500 {
		h.log.LogAttrs(r.Context(), slog.LevelError, "scim: bulk operation failed",
			slog.String("request_id", RequestIDFrom(r.Context())), slog.Int("operation", op.index),
			slog.String("method", op.method), slog.Int("status", e.Status), slog.Any("error", err))
	}
	return e.Status, &errorBody{Schemas: []string{schema.ErrorSchema}, Status: strconv.Itoa(e.Status),
		ScimType: e.ScimType, Detail: e.Detail}
}
