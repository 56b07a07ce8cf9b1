package ssf_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/scimkit/scimkit/ssf"
)

// BenchmarkLatency measures, per backend, the time from the start of the
// SCIM PATCH that deactivates a user to (poll) the session-revoked SET in
// the receiver's hands through a poll, and (push) the push POST reaching
// the receiver. It reports p50 and p99 in milliseconds; nothing is
// asserted about them.
//
//	go test ./ssf -run XXX -bench Latency -benchtime 200x
func BenchmarkLatency(b *testing.B) {
	for _, be := range backends[:2] {
		b.Run(be.name+"/poll", func(b *testing.B) {
			n := newNode(b, be.open(b), nil)
			c := n.createStream(tokDefault, `{"aud":"https://rp.example.com"}`)
			var lat []time.Duration
			var ack []string
			for b.Loop() {
				b.StopTimer()
				id := n.createUser(tokDefault, "u"+time.Now().Format("150405.000000000"), "")
				b.StartTimer()
				start := time.Now()
				n.deactivate(tokDefault, id)
				for got := false; !got; {
					resp := n.poll(c.Delivery.EndpointURL, tokDefault, ssf.PollRequest{Ack: ack})
					ack = ack[:0]
					for jti := range resp.Sets {
						ack = append(ack, jti)
						got = true
					}
				}
				lat = append(lat, time.Since(start))
			}
			report(b, lat)
		})
		b.Run(be.name+"/push", func(b *testing.B) {
			n := newNode(b, be.open(b), nil)
			arrived := make(chan time.Time, 16)
			rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				arrived <- time.Now()
				w.WriteHeader(http.StatusAccepted)
			}))
			defer rcv.Close()
			n.createStream(tokDefault, `{"aud":"https://rp.example.com","delivery":{"method":"urn:ietf:rfc:8935","endpoint_url":"`+rcv.URL+`"}}`)
			runDispatcher(b, n)
			var lat []time.Duration
			for b.Loop() {
				b.StopTimer()
				id := n.createUser(tokDefault, "u"+time.Now().Format("150405.000000000"), "")
				b.StartTimer()
				start := time.Now()
				n.deactivate(tokDefault, id)
				lat = append(lat, (<-arrived).Sub(start))
			}
			report(b, lat)
		})
	}
}

func report(b *testing.B, lat []time.Duration) {
	slices.Sort(lat)
	if len(lat) == 0 {
		return
	}
	q := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))]) / float64(time.Millisecond) }
	b.ReportMetric(q(0.50), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
	b.ReportMetric(0, "ns/op")
}
